"""Many agencies at a glance, for a province office or a vendor: agency x round of one fiscal year.

Pure core.  One row per agency and scheduled round: its state, completion in per cent, days late
and the published link, from the same reading of status.json and collected.json as the agency's
year (``yearview.round_year``).  Filters by district, state and round; agencies sorted by who is
furthest behind (lowest completion of the rounds already due, then most days late), each agency's
rounds in order.  The page shows a page of agencies at a time (``Overview.page``); the exports take
every row.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from ita_monitor.model.agency import Agency
from ita_monitor.model.plan import Plan
from ita_monitor.model.rounds import Round
from ita_monitor.model.states import ROUND_PAGE_STATES, State
from ita_monitor.model.storage import DataRoot
from ita_monitor.views.paging import PAGE_AGENCIES, Paging, page_of
from ita_monitor.views.yearview import Tally, round_year


@dataclass(frozen=True)
class OverviewRow:
    """One agency's one round."""

    slug: str
    name_th: str
    district: str
    province: str
    fiscal_year: int
    months: int
    state: State  # as the ITA page shows it
    due_at: datetime
    last_day: date
    due: int  # (measure, unit) results due
    complete: int  # of them, in and filled (on time or late)
    late: int  # of them, late
    missing: int  # not in (or not filled in)
    days_late: int  # the most days late or overdue of any result of the round
    published_url: str
    is_due: bool  # the round's results are due by now (or some came in)

    @property
    def percent(self) -> float | None:
        return round(100 * self.complete / self.due, 1) if self.due else None

    @property
    def state_th(self) -> str:
        return self.state.th

    @property
    def state_en(self) -> str:
        return self.state.en

    @property
    def round_label_th(self) -> str:
        return Round(self.fiscal_year, self.months).short_label_th


@dataclass(frozen=True)
class AgencyBehind:
    """How far behind one agency is over the rounds already due (the sort key of the overview)."""

    slug: str
    due: int
    complete: int
    days_late: int

    @property
    def percent(self) -> float | None:
        return round(100 * self.complete / self.due, 1) if self.due else None

    def key(self) -> tuple:
        pct = self.percent if self.percent is not None else 101.0
        return (pct, -self.days_late, self.slug)


@dataclass(frozen=True)
class OverviewPage(Paging):
    """One page of the overview: the rows of its agencies, in the overview's order."""

    rows: list[OverviewRow]


@dataclass
class Overview:
    fiscal_year: int
    rows: list[OverviewRow]  # filtered, furthest behind first
    agencies: int  # agencies shown
    districts: list[str]  # every district (for the filter)
    rounds: list[int]  # every scheduled round month (for the filter)
    behind: dict[str, AgencyBehind]

    def page(self, number: int, size: int = PAGE_AGENCIES) -> OverviewPage:
        """Page ``number`` (counted from 1; past the last, the last) of ``size`` agencies each."""
        agencies, at = page_of(list(dict.fromkeys(r.slug for r in self.rows)), number, size)
        shown = set(agencies)
        return OverviewPage(at.number, at.pages, at.first, at.last, [r for r in self.rows if r.slug in shown])

    @property
    def states(self) -> tuple[State, ...]:
        """The states a round can show (for the filter)."""
        return ROUND_PAGE_STATES


def agency_rows(
    agency: Agency,
    plan: Plan | None,
    fiscal_year: int,
    data: DataRoot,
    now: datetime,
    runs: Mapping[int, Any] | None = None,
) -> list[OverviewRow]:
    runs = runs or {}
    out = []
    for months in agency.schedule.rounds:
        r = round_year(agency, plan, Round(fiscal_year, months), data, now, runs.get(months))
        t: Tally = r.tally
        out.append(
            OverviewRow(
                slug=agency.slug,
                name_th=agency.name_th,
                district=agency.district,
                province=agency.province,
                fiscal_year=fiscal_year,
                months=months,
                state=r.state,
                due_at=r.due_at,
                last_day=r.last_day,
                due=t.due,
                complete=t.complete,
                late=t.late,
                missing=t.missing + t.incomplete,
                days_late=t.days_late,
                published_url=r.published_url,
                is_due=r.is_due,
            )
        )
    return out


def overview(
    agencies: Iterable[tuple[Agency, Plan | None]],
    fiscal_year: int,
    data: DataRoot,
    now: datetime | None = None,
    district: str = "",
    state: str = "",
    months: int | None = None,
    runs: Mapping[tuple[str, int, int], Any] | None = None,
) -> Overview:
    """Agency x round of ``fiscal_year`` for every agency, filtered, furthest behind first.

    ``runs`` maps (slug, fiscal year, months) to the latest Airflow run, as the ITA page knows it.
    """
    now = now or datetime.now(UTC)
    runs = runs or {}
    by_agency: dict[str, list[OverviewRow]] = {}
    districts: set[str] = set()
    round_months: set[int] = set()
    for agency, plan in agencies:
        districts.add(agency.district)
        round_months.update(agency.schedule.rounds)
        if district and agency.district != district:
            continue
        agency_runs = {
            m: runs[(agency.slug, fiscal_year, m)]
            for m in agency.schedule.rounds
            if (agency.slug, fiscal_year, m) in runs
        }
        by_agency[agency.slug] = agency_rows(agency, plan, fiscal_year, data, now, agency_runs)
    behind = {}
    for slug, rows in by_agency.items():
        due_rows = [r for r in rows if r.is_due]
        behind[slug] = AgencyBehind(
            slug,
            sum(r.due for r in due_rows),
            sum(r.complete for r in due_rows),
            max((r.days_late for r in rows), default=0),
        )
    ordered = sorted(by_agency, key=lambda s: behind[s].key())
    rows = [
        r
        for slug in ordered
        for r in by_agency[slug]
        if (not state or r.state == state) and (months is None or r.months == months)
    ]
    shown = len({r.slug for r in rows})
    return Overview(fiscal_year, rows, shown, sorted(districts), sorted(round_months), behind)
