"""The agency's year at a glance: every round's completion per unit, the year's completion per measure.

Pure core.  Reads what the rounds left under the data root (each round's ``status.json`` and
``collected.json``) against the year's plan, and says per (round, measure, unit) whether the unit's
result came in on time, late (and how many days after the last day to submit), is there but not
filled in, or is missing.  The figures are those of ``status.json``: a round's completion is its
``completeness`` (what is due minus the gaps), and a result's time is the receipt time of the version
whose row counts (the manifest's ``received_at``).

Everything is read defensively like ``round_detail.py``: a round never run shows as not due yet or
missing, never breaks the view.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from ita_monitor.intake.columns import REQUIRED_FIELDS
from ita_monitor.model import status
from ita_monitor.model.agency import Agency
from ita_monitor.model.plan import Plan
from ita_monitor.model.rounds import BANGKOK, Round
from ita_monitor.model.status import FileRecord, RoundStatus, State
from ita_monitor.model.storage import DataRoot
from ita_monitor.views.dashboard import PlanSummary
from ita_monitor.views.round_detail import read_json_safe
from ita_monitor.views.round_state import round_state

# kind of one (round, measure, unit) -> (Thai, English)
KINDS: dict[str, tuple[str, str]] = {
    "on_time": ("ส่งตรงเวลา", "on time"),
    "late": ("ส่งช้า", "late"),
    "incomplete": ("ส่งแล้วแต่ยังกรอกไม่ครบ", "sent, not filled in"),
    "missing": ("ยังไม่ส่ง", "missing"),
    "not_due": ("ยังไม่ถึงกำหนด", "not due yet"),
}


def _as_dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else []


def parse_time(value: Any) -> datetime | None:
    """An ISO time from a status file (naive ones are UTC), or None."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def days_after(moment: datetime, last_day: date) -> int:
    """Whole days after ``last_day`` (Bangkok calendar) that ``moment`` falls on; 0 when on or before."""
    return max(0, (moment.astimezone(BANGKOK).date() - last_day).days)


@dataclass(frozen=True)
class Item:
    """One unit's result for one measure in one round."""

    months: int
    measure_code: str
    unit: str
    kind: str  # a key of KINDS
    version: int | None = None
    received_at: datetime | None = None
    days_late: int = 0  # late: days after the last day to submit; missing past due: days overdue so far
    file: str = ""

    @property
    def complete(self) -> bool:
        return self.kind in ("on_time", "late")

    @property
    def kind_th(self) -> str:
        return KINDS[self.kind][0]

    @property
    def kind_en(self) -> str:
        return KINDS[self.kind][1]


@dataclass(frozen=True)
class Tally:
    """Counts over a set of items (a round, a unit in a round, a measure over the year)."""

    due: int = 0
    on_time: int = 0
    late: int = 0
    incomplete: int = 0
    missing: int = 0
    days_late: int = 0  # the most days late (or overdue) of any of them

    @classmethod
    def of(cls, items: list[Item]) -> Tally:
        kinds = [i.kind for i in items if i.kind != "not_due"]
        return cls(
            due=len(kinds),
            on_time=kinds.count("on_time"),
            late=kinds.count("late"),
            incomplete=kinds.count("incomplete"),
            missing=kinds.count("missing"),
            days_late=max((i.days_late for i in items), default=0),
        )

    @property
    def complete(self) -> int:
        return self.on_time + self.late

    @property
    def percent(self) -> float | None:
        """Completion in per cent (one decimal), None when nothing is due."""
        return round(100 * self.complete / self.due, 1) if self.due else None


@dataclass
class RoundYear:
    """One round of the year: its state, what was due and what came in when."""

    rnd: Round
    due_at: datetime
    last_day: date
    state: State  # the round's state as the ITA page shows it
    detail: str
    items: list[Item]
    published_url: str = ""

    @property
    def months(self) -> int:
        return self.rnd.months

    @property
    def label_th(self) -> str:
        return self.rnd.short_label_th

    @property
    def state_th(self) -> str:
        return self.state.th

    @property
    def state_en(self) -> str:
        return self.state.en

    @property
    def tally(self) -> Tally:
        return Tally.of(self.items)

    def unit_tally(self, unit: str) -> Tally:
        return Tally.of([i for i in self.items if i.unit == unit])

    @property
    def is_due(self) -> bool:
        return any(i.kind != "not_due" for i in self.items)


@dataclass
class UnitYear:
    """One unit over the year: how often it was late or missing."""

    code: str
    name_th: str
    tally: Tally
    late_rounds: list[int]  # months of the rounds it was late or missing in
    days_late_total: int


@dataclass
class MeasureYear:
    code: str
    title: str
    tally: Tally


@dataclass
class YearView:
    """The agency's year: rounds, units, measures and the plan's state."""

    slug: str
    name_th: str
    district: str
    province: str
    fiscal_year: int
    units: list[tuple[str, str]]  # (code, Thai name) of the units the plan names, profile order
    rounds: list[RoundYear]
    measures: list[MeasureYear]
    plan: PlanSummary | None
    now: datetime
    has_plan: bool = True

    @property
    def tally(self) -> Tally:
        return Tally.of([i for r in self.rounds for i in r.items])

    @property
    def unit_years(self) -> list[UnitYear]:
        out = []
        for code, name in self.units:
            items = [i for r in self.rounds for i in r.items if i.unit == code]
            behind = [i for i in items if i.kind in ("late", "missing", "incomplete")]
            out.append(
                UnitYear(
                    code,
                    name,
                    Tally.of(items),
                    sorted({i.months for i in behind}),
                    sum(i.days_late for i in items),
                )
            )
        return out

    @property
    def late_units(self) -> list[UnitYear]:
        """Units that were late or missing at least once, most often and longest first."""
        late = [u for u in self.unit_years if u.late_rounds]
        return sorted(late, key=lambda u: (-len(u.late_rounds), -u.days_late_total, u.code))

    def matrix(self) -> list[tuple[str, str, list[Tally | None]]]:
        """(unit code, Thai name, per round its tally or None when it owed nothing) for the chart."""
        out = []
        for code, name in self.units:
            cells: list[Tally | None] = []
            for r in self.rounds:
                t = r.unit_tally(code)
                cells.append(t if t.due else None)
            out.append((code, name, cells))
        return out


def _published_url(written: RoundStatus) -> str:
    pub = written.published
    if pub is None:
        return ""
    if pub.index_url:
        return pub.index_url
    return next((d.url for d in pub.documents if d.url), "")


def round_items(
    plan: Plan | None,
    rnd: Round,
    collected: Mapping[str, Any],
    due_at: datetime,
    last_day: date,
    now: datetime,
    files: list[FileRecord] | None = None,
) -> list[Item]:
    """Every (measure, unit) the plan makes due in ``rnd``, with what came in for it and when.

    A row counts when collect accepted it (collected.json); it is complete when its required fields
    are filled, exactly as ``completeness.check`` decides (so the figures equal status.json's).
    """
    if plan is None:
        return []
    past_due = now >= due_at
    rows = {
        (str(r.get("unit")), str(r.get("measure_code"))): r
        for r in map(_as_dict, _as_list(collected.get("rows")))
    }
    if files is None:
        files = [FileRecord.coerce(f) for f in _as_list(collected.get("files"))]
    items = []
    for m in plan.due_in(rnd.months):
        for unit in m.units:
            row = rows.get((unit, m.code))
            if row is None:
                if not past_due and now < rnd.end_at():
                    items.append(Item(rnd.months, m.code, unit, "not_due"))
                else:
                    overdue = days_after(now, last_day) if past_due else 0
                    items.append(Item(rnd.months, m.code, unit, "missing", days_late=overdue))
                continue
            source = str(row.get("source") or "")
            used = [f for f in files if f.unit == unit and f.accepted and f.file == source]
            f = used[-1] if used else FileRecord(file=source)
            version = f.version or None
            at = parse_time(f.received_at)
            late = at is not None and at >= due_at
            filled = all(str(row.get(name) or "").strip() for name in REQUIRED_FIELDS)
            kind = ("late" if late else "on_time") if filled else "incomplete"
            days = days_after(at, last_day) if (at is not None and late) else 0
            if not filled and past_due:
                days = days_after(now, last_day)
            items.append(Item(rnd.months, m.code, unit, kind, version, at, days, source))
    return items


def round_year(
    agency: Agency,
    plan: Plan | None,
    rnd: Round,
    data: DataRoot,
    now: datetime,
    run: Any = None,
) -> RoundYear:
    """One round of the year from its status.json and collected.json."""
    written = status.load_round(data, agency.slug, rnd)
    collected = _as_dict(read_json_safe(data.collected(agency.slug, rnd), {}))
    due_at = rnd.due_at(agency.schedule.grace_days)
    last_day = rnd.last_day_to_submit(agency.schedule.grace_days)
    state, detail = round_state(written, rnd, now, run)
    raw = _as_list(collected.get("files"))
    files = [FileRecord.coerce(f) for f in raw] if raw else list(written.files)
    return RoundYear(
        rnd=rnd,
        due_at=due_at,
        last_day=last_day,
        state=state,
        detail=detail,
        items=round_items(plan, rnd, collected, due_at, last_day, now, files),
        published_url=_published_url(written),
    )


def year_view(
    agency: Agency,
    plan: Plan | None,
    fiscal_year: int,
    data: DataRoot,
    now: datetime | None = None,
    runs: Mapping[int, Any] | None = None,
    plan_summary: PlanSummary | None = None,
) -> YearView:
    """The agency's year: every scheduled round (``runs``: months -> the latest Airflow run, if known)."""
    now = now or datetime.now(UTC)
    runs = runs or {}
    rounds = [
        round_year(agency, plan, Round(fiscal_year, m), data, now, runs.get(m))
        for m in agency.schedule.rounds
    ]
    named = {u for m in plan.measures for u in m.units} if plan else set()
    units = [(u.code, u.name_th) for u in agency.units if u.code in named]
    measures = []
    if plan is not None:
        for m in plan.measures:
            items = [i for r in rounds for i in r.items if i.measure_code == m.code]
            measures.append(MeasureYear(m.code, m.title, Tally.of(items)))
    if plan_summary is None:
        from ita_monitor.views.dashboard import plan_summary as read_plan

        plan_summary = read_plan(data, agency.slug, fiscal_year)
    return YearView(
        slug=agency.slug,
        name_th=agency.name_th,
        district=agency.district,
        province=agency.province,
        fiscal_year=fiscal_year,
        units=units,
        rounds=rounds,
        measures=measures,
        plan=plan_summary,
        now=now,
        has_plan=plan is not None,
    )
