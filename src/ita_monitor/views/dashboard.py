"""The ITA page's overview: every agency x fiscal year x scheduled round with its state and due date,
and each year's plan (its documents and whether they are published).

Pure core: reads the round files under the data root and the agencies' profiles; knows nothing about
Airflow.  The Airflow layer adds what only the metadata DB knows (the latest DAG run of each round, a
pending approval) through ``RunInfo``.  One round in detail is ``round_detail``; a round's state is
``round_state``; the PDFs are ``pdf_files``; the approver's text is ``approval_text``.

Status files are read through ``status.py`` (models that keep what an older or newer version wrote
and drop values of the wrong shape); a half-filled status or a missing file shows what is there and
never breaks the page.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ita_monitor.model import status
from ita_monitor.model.agency import Agency
from ita_monitor.model.rounds import BANGKOK, Round, fiscal_year_of
from ita_monitor.model.states import PLAN_BADGES, State
from ita_monitor.model.storage import DataRoot
from ita_monitor.views.pdf_files import FileLink, plan_files
from ita_monitor.views.round_state import (
    RoundView,
    RunInfo,
    round_state,
    with_past_due,
    written_due_at,
)


@dataclass
class RoundSummary(RoundView):
    """One round of one agency on the overview."""

    slug: str
    fiscal_year: int
    months: int
    label_th: str
    due_at: datetime
    state: State
    detail: str = ""  # why it failed or was rejected
    run: RunInfo | None = None

    @property
    def round_slug(self) -> str:
        return f"round-{self.months:02d}"


@dataclass
class PlanSummary:
    """The yearly plan of one agency and fiscal year: its documents and whether they are published."""

    state: State  # the round state whose badge colour it is shown with
    label_th: str
    label_en: str
    detail: str = ""  # the reason of a rejection
    files: list[FileLink] = field(default_factory=list)


def plan_summary(data: DataRoot, slug: str, fiscal_year: int) -> PlanSummary:
    """What the yearly plan DAG left in ``<agency>/<FY>/plan/status.json``."""
    written = status.load_plan(data, slug, fiscal_year)
    state = written.known_state if written.state else State.NOT_MADE
    if state not in PLAN_BADGES:
        state = State.RENDERED  # a state this version does not know: the documents may exist
    detail = written.approval.comment if state is State.REJECTED else ""
    return PlanSummary(
        PLAN_BADGES[state], state.th, state.en, detail, plan_files(data, slug, fiscal_year, count_pages=False)
    )


@dataclass
class AgencyRow:
    slug: str
    name_th: str
    years: dict[int, list[RoundSummary]] = field(default_factory=dict)
    plans: dict[int, PlanSummary] = field(default_factory=dict)


def overview(
    agencies: Iterable[tuple[Agency, Iterable[int]]],
    data: DataRoot,
    now: datetime | None = None,
    runs: Mapping[tuple[str, int, int], RunInfo] | None = None,
) -> list[AgencyRow]:
    """Every agency x fiscal year x scheduled round with its state and due date.

    ``agencies`` gives each agency with the fiscal years to show (its plan years); years that only
    exist in the data root, and the current fiscal year, are shown too.
    """
    now = now or datetime.now(UTC)
    runs = runs or {}
    rows: list[AgencyRow] = []
    for agency, plan_years in agencies:
        plan_years = list(plan_years)
        first_year = min(plan_years, default=None)
        row = AgencyRow(agency.slug, agency.name_th)
        years = (
            set(plan_years)
            | set(data_years(data, agency.slug))
            | {fiscal_year_of(now.astimezone(BANGKOK).date())}
        )
        for fy in sorted(years, reverse=True):
            summaries = []
            for months in agency.schedule.rounds:
                rnd = Round(fy, months)
                run = runs.get((agency.slug, fy, months))
                written = status.load_round(data, agency.slug, rnd)
                state, detail = round_state(written, rnd, now, run, first_year)
                due_at = written_due_at(written, agency, rnd)
                detail = with_past_due(detail, state, due_at, now)
                summaries.append(
                    RoundSummary(
                        agency.slug,
                        fy,
                        months,
                        rnd.short_label_th,
                        due_at,
                        state,
                        detail,
                        run,
                    )
                )
            row.years[fy] = summaries
            row.plans[fy] = plan_summary(data, agency.slug, fy)
        rows.append(row)
    return rows


def data_years(data: DataRoot, slug: str) -> list[int]:
    """Fiscal-year folders present under the agency's folder of the data root."""
    folder = data.root / slug
    try:
        if not folder.exists():
            return []
        return sorted(
            int(p.name) for p in folder.iterdir() if p.name.isdigit() and len(p.name) == 4 and p.is_dir()
        )
    except OSError:
        return []
