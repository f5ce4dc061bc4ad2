"""Fiscal years and monitoring rounds.

A Thai fiscal year (ปีงบประมาณ) runs 1 October to 30 September and is named by the Buddhist Era
year in which it ends: FY 2565 = 1 Oct 2021 - 30 Sep 2022.  A monitoring round is counted in months
from the start of the fiscal year and is cumulative: round 6 of FY 2565 covers October 2564 to
March 2565.  Every boundary is midnight in Bangkok.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from ita_monitor.model.thai import be_year, ce_year, month_name, thai_digits

BANGKOK = ZoneInfo("Asia/Bangkok")
DEFAULT_ROUNDS: tuple[int, ...] = (1, 3, 6, 9, 12)


def _add_months(d: date, months: int) -> date:
    index = d.year * 12 + (d.month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


def fiscal_year_start(fiscal_year: int) -> date:
    """First day (1 October) of the BE fiscal year ``fiscal_year``."""
    return date(ce_year(fiscal_year) - 1, 10, 1)


def fiscal_year_of(d: date) -> int:
    """The BE fiscal year that contains the day ``d``."""
    return be_year(d.year + 1 if d.month >= 10 else d.year)


def last_day_to_submit(due_at: datetime) -> date:
    """The day before ``due_at`` (a Bangkok midnight): the last whole day units have to submit.

    With 15 grace days, round 12 of 2565 ends on 30 September and units submit "ภายในวันที่ 15
    ตุลาคม": the wait ends at midnight starting 16 October.
    """
    return (due_at.astimezone(BANGKOK) - timedelta(days=1)).date()


def due_at_after(day: date) -> datetime:
    """When the wait ends for the last day to submit ``day``: midnight in Bangkok after it."""
    return datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=BANGKOK)


@dataclass(frozen=True, order=True)
class Round:
    """Monitoring round ``months`` (1-12) of BE fiscal year ``fiscal_year``."""

    fiscal_year: int
    months: int

    def __post_init__(self) -> None:
        if not 1 <= self.months <= 12:
            raise ValueError(
                f"ไม่มีรอบ {self.months} เดือน: รอบนับเป็นจำนวนเดือนตั้งแต่ต้นปีงบประมาณ ตั้งแต่ 1 ถึง 12 เช่น 3, 6, 9 หรือ 12"
                f" / there is no {self.months}-month round: a round is counted in months since the fiscal year"
                " began, 1 to 12, e.g. 3, 6, 9 or 12"
            )

    @property
    def start(self) -> date:
        """First day covered: the start of the fiscal year (rounds are cumulative)."""
        return fiscal_year_start(self.fiscal_year)

    @property
    def end(self) -> date:
        """The day after the round: its exclusive end, the first day of the next month."""
        return _add_months(self.start, self.months)

    @property
    def last_day(self) -> date:
        """The last day covered by the round."""
        return self.end - timedelta(days=1)

    def end_at(self) -> datetime:
        """Midnight in Bangkok at the end of the round (aware)."""
        return datetime.combine(self.end, datetime.min.time(), tzinfo=BANGKOK)

    def start_at(self) -> datetime:
        """Midnight in Bangkok at the start of the fiscal year (aware)."""
        return datetime.combine(self.start, datetime.min.time(), tzinfo=BANGKOK)

    def due_at(self, grace_days: int) -> datetime:
        """When submissions are due: the round's end plus ``grace_days`` days, Bangkok time."""
        return self.end_at() + timedelta(days=grace_days)

    def last_day_to_submit(self, grace_days: int) -> date:
        """The last whole day units have, as forms, mails and the ITA page say it."""
        return last_day_to_submit(self.due_at(grace_days))

    @property
    def label_th(self) -> str:
        """``รอบ ๖ เดือน (ตุลาคม ๒๕๖๔ – มีนาคม ๒๕๖๕)``."""
        first, last = self.start, self.last_day
        span = (
            f"{month_name(first.month)} {be_year(first.year)} – {month_name(last.month)} {be_year(last.year)}"
        )
        return thai_digits(f"รอบ {self.months} เดือน ({span})")

    @property
    def short_label_th(self) -> str:
        """``รอบ ๖ เดือน``."""
        return thai_digits(f"รอบ {self.months} เดือน")

    @property
    def slug(self) -> str:
        """Folder name of the round under its fiscal year: ``round-06``."""
        return f"round-{self.months:02d}"


def round_ending_at(moment: datetime, tz: ZoneInfo = BANGKOK) -> Round:
    """The round whose exclusive end is ``moment`` (a month start in Bangkok).

    Raises ValueError when ``moment`` is not midnight on the first of a month in Bangkok.
    """
    local = moment.astimezone(tz)
    if (local.day, local.hour, local.minute, local.second, local.microsecond) != (1, 0, 0, 0, 0):
        raise ValueError(f"{moment.isoformat()} is not the end of a monitoring round (month start, Bangkok)")
    last_day = local.date() - timedelta(days=1)
    fy = fiscal_year_of(last_day)
    months = (last_day.year * 12 + last_day.month) - (fiscal_year_start(fy).year * 12 + 10) + 1
    return Round(fy, months)


def latest_round_before(moment: datetime, rounds: tuple[int, ...] = DEFAULT_ROUNDS) -> Round:
    """The most recent scheduled round (among ``rounds`` month counts) that ended at or before ``moment``."""
    local = moment.astimezone(BANGKOK).date()
    fy = fiscal_year_of(local)
    for year in (fy, fy - 1):
        ended = [Round(year, m) for m in sorted(rounds, reverse=True) if Round(year, m).end <= local]
        if ended:
            return ended[0]
    raise ValueError(f"no round among {rounds} ended before {moment.isoformat()}")


def rounds_after(moment: datetime, rounds: tuple[int, ...] = DEFAULT_ROUNDS) -> Round:
    """The first scheduled round whose end is strictly after ``moment``."""
    local = moment.astimezone(BANGKOK).date()
    fy = fiscal_year_of(local)
    for year in (fy, fy + 1):
        for m in sorted(rounds):
            if Round(year, m).end > local:
                return Round(year, m)
    raise ValueError(f"no round among {rounds} after {moment.isoformat()}")  # pragma: no cover


def previous_round(rnd: Round, rounds: tuple[int, ...] = DEFAULT_ROUNDS) -> Round | None:
    """The scheduled round just before ``rnd`` in the same fiscal year, or None for the first."""
    earlier = [m for m in sorted(rounds) if m < rnd.months]
    return Round(rnd.fiscal_year, earlier[-1]) if earlier else None


def resolve_round(
    fiscal_year: int | None,
    months: int | None,
    interval_end: datetime | None,
    run_after: datetime | None,
    rounds: tuple[int, ...] = DEFAULT_ROUNDS,
) -> Round:
    """Which round a run is about.

    A manual run may name the fiscal year and round (both, or only the round for the fiscal year
    of ``run_after``); a scheduled run is the round ending at its data interval's end; a manual run
    without either is the latest round that has ended.
    """
    if months is not None:
        if fiscal_year is None:
            if run_after is None:
                raise ValueError("a round without a fiscal year needs the run's date")
            fiscal_year = fiscal_year_of(run_after.astimezone(BANGKOK).date())
        return Round(fiscal_year, months)
    if fiscal_year is not None:
        raise ValueError("fiscal_year given without round: name the round (1-12) too")
    if interval_end is not None:
        return round_ending_at(interval_end)
    if run_after is None:
        raise ValueError("cannot tell the round: no params, data interval or run date")
    return latest_round_before(run_after, rounds)


def round_due_at(agency, rnd: Round, due: date | None = None) -> datetime:
    """When a round's wait ends: ``due`` (a new last day to submit, catching up a past round) or the
    round's end plus the agency's ``grace_days``."""
    return due_at_after(due) if due is not None else rnd.due_at(agency.schedule.grace_days)
