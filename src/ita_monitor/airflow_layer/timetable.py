"""One DAG run per monitoring round of the fiscal year.

A run of round N starts at the round's end (midnight, Bangkok, first day of the month after month N
of the fiscal year): it sends the units their forms and waits, deferred, for their submissions until
the due date, the round's end plus the agency's grace period (the submission window).

Data interval: Airflow keys runs by their logical date, which is the data interval's *start*, and
allows one run per logical date.  All rounds of a year cover the year from 1 October (they are
cumulative), so an interval "fiscal-year start -> round end" would give every round of a year the same
logical date and the scheduler could create only the first.  The interval is therefore the part of the
year that is new in this round: previous round's end -> this round's end (fiscal-year start -> end for
the first round).  Intervals are contiguous, and the round (with its cumulative coverage) is read off
the interval's end: ``rounds.round_ending_at``.

Run ids name the round, since the logical date of round 3 of FY 2568 reads "2024-09-30":
``scheduled__FY2568-round-03_20250101T000000`` (the round's end, Bangkok time): letters, digits, ``_ - .``
(URL-safe, no ``:``).  A manual run's round is known only from its params, after the id is made:
``manual__<time>``; every run also gets the note "FY2568 round 3" when it starts (``listeners``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pendulum
from airflow.timetables.base import DagRunInfo, DataInterval, TimeRestriction, Timetable

from ita_monitor.model.rounds import (
    DEFAULT_ROUNDS,
    Round,
    latest_round_before,
    previous_round,
    round_ending_at,
    rounds_after,
)
from ita_monitor.model.thai import thai_digits


def _utc(dt: datetime) -> pendulum.DateTime:
    return pendulum.instance(dt).in_timezone("UTC")


class MonitoringRoundTimetable(Timetable):
    """Runs at the end of each monitoring round (months ``rounds`` of every fiscal year).

    ``grace_days`` is the submission window: the run opens the round and waits (deferred) until
    the due date, round end + grace_days.
    """

    def __init__(self, rounds: tuple[int, ...] = DEFAULT_ROUNDS, grace_days: int = 15):
        self.rounds = tuple(sorted(set(rounds)))
        self.grace_days = int(grace_days)
        months = ", ".join(str(r) for r in self.rounds)
        self.description = (
            f"ITA monitoring rounds at {months} months of the fiscal year; "
            f"runs when each round ends, submissions due {self.grace_days} days later (Asia/Bangkok)"
        )

    @property
    def summary(self) -> str:
        months = ", ".join(str(r) for r in self.rounds)
        return (
            thai_digits(f"รอบ {months} เดือน +{self.grace_days} วัน")
            + f" (ITA rounds {months} mo, +{self.grace_days}d)"
        )

    def serialize(self) -> dict[str, Any]:
        return {"rounds": list(self.rounds), "grace_days": self.grace_days}

    @classmethod
    def deserialize(cls, data: dict[str, Any]) -> MonitoringRoundTimetable:
        return cls(tuple(data["rounds"]), data["grace_days"])

    def validate(self) -> None:
        from airflow.exceptions import AirflowTimetableInvalid

        if not self.rounds or any(not 1 <= r <= 12 for r in self.rounds):
            raise AirflowTimetableInvalid(f"rounds must be months 1-12, got {self.rounds}")
        if self.grace_days < 0:
            raise AirflowTimetableInvalid("grace_days must not be negative")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MonitoringRoundTimetable) and self.serialize() == other.serialize()

    def __hash__(self) -> int:
        return hash((self.rounds, self.grace_days))

    # --- scheduling ---------------------------------------------------------------------------

    def interval_of(self, rnd: Round) -> DataInterval:
        """The data interval of a round: the previous scheduled round's end -> this round's end."""
        prev = previous_round(rnd, self.rounds)
        start = prev.end_at() if prev else rnd.start_at()
        return DataInterval(_utc(start), _utc(rnd.end_at()))

    def info_of(self, rnd: Round) -> DagRunInfo:
        # The run starts when the round ends: it sends the forms, then waits out the submission window.
        return DagRunInfo(run_after=_utc(rnd.end_at()), data_interval=self.interval_of(rnd))

    def next_dagrun_info(
        self, *, last_automated_data_interval: DataInterval | None, restriction: TimeRestriction
    ) -> DagRunInfo | None:
        if last_automated_data_interval is not None:
            rnd = rounds_after(last_automated_data_interval.end, self.rounds)
        elif restriction.earliest is None:
            return None
        else:
            rnd = rounds_after(restriction.earliest, self.rounds)
            if not restriction.catchup:
                # Without catchup, start from the latest round already due, not from start_date.
                now = self.now()
                due = [r for r in self._recent(now) if r.end_at() <= now and r >= rnd]
                if due:
                    rnd = due[-1]
                elif rnd.end_at() < now:
                    rnd = rounds_after(now, self.rounds)
        if restriction.latest is not None and rnd.end_at() > restriction.latest:
            return None
        return self.info_of(rnd)

    def generate_run_id(self, *, run_type, run_after: datetime, data_interval: DataInterval | None, **extra):
        """``<type>__FY2568-round-03_<round end>`` for a scheduled or backfilled round;
        ``manual__<run_after>`` for a manual run (its params, not its dates, may name the round)."""
        kind = getattr(run_type, "value", str(run_type))
        label = run_label(data_interval) if kind != "manual" else ""
        return f"{kind}__{label}_{stamp(run_after)}" if label else f"{kind}__{stamp(run_after, micro=True)}"

    @staticmethod
    def now() -> pendulum.DateTime:
        """The scheduler's clock (a parameter of the tests, which never read the wall clock)."""
        return pendulum.now("UTC")

    def _recent(self, now: datetime) -> list[Round]:
        last = latest_round_before(now, self.rounds)
        candidates = [Round(y, m) for y in (last.fiscal_year - 1, last.fiscal_year) for m in self.rounds]
        return sorted(r for r in candidates if r <= last)

    def infer_manual_data_interval(self, *, run_after: datetime) -> DataInterval:
        """A manual run with a logical date (Airflow passes it as ``run_after`` here) is about the round
        that date ends (the round's end, or any time on its last day); any other date gives the latest
        round that has ended by then, and the run's tasks refuse it, naming that round
        (``runs.round_of_run``)."""
        from ita_monitor.model.runs import round_of_logical_date

        rnd = round_of_logical_date(run_after, self.rounds) or latest_round_before(run_after, self.rounds)
        return self.interval_of(rnd)


def stamp(moment: datetime, micro: bool = False) -> str:
    """A URL-safe time for run ids, in Bangkok time (no offset, no ``:`` or ``+``): ``20250101T000000``."""
    local = pendulum.instance(moment).in_timezone("Asia/Bangkok")
    return local.strftime("%Y%m%dT%H%M%S" + (".%f" if micro else ""))


def run_label(data_interval: DataInterval | None) -> str:
    """``FY2568-round-03`` for the round ending at the interval's end, '' when it is not a round's end."""
    if data_interval is None:
        return ""
    try:
        rnd = round_ending_at(data_interval.end)
    except ValueError:
        return ""
    return f"FY{rnd.fiscal_year}-{rnd.slug}"
