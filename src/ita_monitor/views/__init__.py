"""What people read about rounds: the ITA page's data (`dashboard`), the agency's year, ITA scores
over the years, the many-agency overview and the Excel/CSV exports."""
