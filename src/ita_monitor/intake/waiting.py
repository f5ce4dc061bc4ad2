"""Waiting for a round's submissions: is everything in, is the due date past, is it time to remind?

Read-only: it reads the inbox and the received versions exactly as ``collect`` would, but stores
nothing, so it can be polled as often as wanted (the Airflow trigger does).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ita_monitor.intake.completeness import Completeness, check
from ita_monitor.intake.notify import reminder_at
from ita_monitor.intake.reading import take_in


@dataclass(frozen=True)
class WaitState:
    completeness: Completeness
    due_at: datetime
    remind_at: datetime | None
    now: datetime

    @property
    def complete(self) -> bool:
        return self.completeness.complete

    @property
    def due_passed(self) -> bool:
        return self.now >= self.due_at

    @property
    def remind_now(self) -> bool:
        return self.remind_at is not None and self.remind_at <= self.now < self.due_at and not self.complete

    @property
    def done(self) -> bool:
        """Stop waiting: every submission is in, or the due date has come."""
        return self.complete or self.due_passed


def wait_state(job, now: datetime) -> WaitState:
    """Where the round stands at ``now`` (aware)."""
    intake = take_in(job.data, job.agency, job.plan, job.rnd, store=False)
    completeness = check(job.plan, job.agency, job.rnd, intake.rows.values())
    return WaitState(completeness, job.due_at, reminder_at(job), now)
