"""The thin Airflow layer over the ita_monitor core: settings, timetable, tasks, plugin."""
