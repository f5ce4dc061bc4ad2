"""Waiting for the units' submissions without holding a worker slot.

``wait_step`` looks once (``ita_monitor.intake.waiting``); if every submission is in or the due date
has come waiting is over, otherwise the task (the round's ``RunRound``, or the standalone
``WaitForSubmissionsOperator``) defers to ``SubmissionsTrigger``, which polls the
data root from the triggerer every ``[ita] submission_poll_seconds`` and wakes the task when the round
is complete, when the due date comes, or when it is time to remind the units (``schedule.
reminder_days`` before the due date); the task then mails the reminders and defers again.

Mail-in (agency.yaml ``mail_in``): the trigger also looks at the agency's ITA mailbox every ``[ita]
mail_poll_seconds`` (a login and one ``UID SEARCH``, in a thread) and wakes the task when new mail is
there; the task reads and answers it on a worker (``airflow_layer/mailin.py``), then looks at the
round and defers again.  The triggerer only ever asks whether there is mail: matching, intake and
replies run where tasks run, with their logs, retries and the worker's access to the data root.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

from airflow.sdk import BaseOperator
from airflow.triggers.base import BaseTrigger, TriggerEvent

from ita_monitor.airflow_layer import settings

log = logging.getLogger(__name__)


def load_job(slug: str, fiscal_year: int, months: int):
    from ita_monitor.flow.pipeline import RoundJob, recorded_due
    from ita_monitor.model.rounds import Round

    rnd, data = Round(fiscal_year, months), settings.data()
    # a caught-up round waits until the last day its run was given (kept when it opened)
    return RoundJob.load(settings.agencies_dir(), slug, rnd, data, due=recorded_due(data, slug, rnd))


def look(slug: str, fiscal_year: int, months: int, now: datetime | None = None):
    """The round's ``WaitState`` now (blocking: reads files)."""
    from ita_monitor.intake.waiting import wait_state

    return wait_state(load_job(slug, fiscal_year, months), now or datetime.now(UTC))


class SubmissionsTrigger(BaseTrigger):
    """Fires when the round is complete, its due date comes, or reminders are due (once)."""

    def __init__(
        self,
        slug: str,
        fiscal_year: int,
        months: int,
        reminded: bool = False,
        poll_seconds: float = 3600,
        mail_poll_seconds: float = 0,
    ):
        super().__init__()
        self.slug = slug
        self.fiscal_year = fiscal_year
        self.months = months
        self.reminded = reminded
        self.poll_seconds = float(poll_seconds)
        self.mail_poll_seconds = float(mail_poll_seconds)  # 0: the agency has no mailbox

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "slug": self.slug,
                "fiscal_year": self.fiscal_year,
                "months": self.months,
                "reminded": self.reminded,
                "poll_seconds": self.poll_seconds,
                "mail_poll_seconds": self.mail_poll_seconds,
            },
        )

    async def _new_mail(self) -> bool:
        from ita_monitor.airflow_layer.mailin import has_new_mail

        try:
            return await asyncio.to_thread(has_new_mail, self.slug)
        except Exception as exc:  # a mailbox that is down never stops the wait: try again next time
            log.warning("ตรวจกล่องอีเมลไม่ได้ / cannot look at the mailbox of %s: %s", self.slug, exc)
            return False

    async def run(self) -> AsyncIterator[TriggerEvent]:
        next_look = 0.0  # monotonic time of the next look at the round (the data root)
        while True:
            if time.monotonic() >= next_look:
                state = await asyncio.to_thread(look, self.slug, self.fiscal_year, self.months)
                if state.complete:
                    yield TriggerEvent({"status": "complete", "reminded": self.reminded})
                    return
                if state.due_passed:
                    yield TriggerEvent({"status": "due", "reminded": self.reminded})
                    return
                if state.remind_now and not self.reminded:
                    yield TriggerEvent({"status": "remind", "reminded": self.reminded})
                    return
                wake = [state.due_at]
                if state.remind_at is not None and not self.reminded and state.remind_at > state.now:
                    wake.append(state.remind_at)
                until = (min(wake) - state.now).total_seconds()
                next_look = time.monotonic() + max(1.0, min(self.poll_seconds, until))
            if self.mail_poll_seconds and await self._new_mail():
                yield TriggerEvent({"status": "mail", "reminded": self.reminded})
                return
            pause = next_look - time.monotonic()
            if self.mail_poll_seconds:
                pause = min(pause, self.mail_poll_seconds)
            await asyncio.sleep(max(1.0, pause))


def wait_step(
    job, reminded: bool, poll_seconds: float | None = None, mail_poll_seconds: float | None = None
) -> dict | SubmissionsTrigger:
    """One look at a waiting round on a worker: read the agency's new mail (mail-in), remind the units
    when it is time; then the summary when waiting is over (every submission in, or the due date
    come), else the trigger to defer to."""
    from ita_monitor.airflow_layer.mail import send
    from ita_monitor.intake.notify import reminders

    slug, fiscal_year, months = job.slug, job.rnd.fiscal_year, job.rnd.months
    if job.agency.mail_in is not None:
        _read_mail(job)
    state = look(slug, fiscal_year, months)
    if state.remind_now:
        sent = send(job, reminders(job, state.completeness.gaps))
        log.info("Reminders sent: %s", sent)
        from ita_monitor.airflow_layer.line import push_reminders

        push_reminders(job, state.completeness.gaps)
        reminded = True
    if state.done:
        summary = {
            "complete": state.complete,
            "due_passed": state.due_passed,
            "missing": len(state.completeness.gaps),
            "due_at": state.due_at.isoformat(),
        }
        log.info("Done waiting: %s", summary)
        return summary
    poll = poll_seconds or float(settings.get("submission_poll_seconds"))
    mail_poll = 0.0
    if job.agency.mail_in is not None:
        mail_poll = mail_poll_seconds or float(settings.get("mail_poll_seconds"))
    log.info(
        "รอการส่งผล ยังขาด %d รายการ ครบกำหนด %s / waiting: %d missing, due %s",
        len(state.completeness.gaps),
        state.due_at.isoformat(),
        len(state.completeness.gaps),
        state.due_at.isoformat(),
    )
    return SubmissionsTrigger(
        slug, fiscal_year, months, reminded=reminded, poll_seconds=poll, mail_poll_seconds=mail_poll
    )


def _read_mail(job) -> None:
    """Read and answer the agency's new mail; a mailbox or mail server that is down is logged and
    tried again at the next wake, never a reason to fail the round."""
    from ita_monitor.airflow_layer.mailin import read_mailbox

    try:
        done = read_mailbox(job)
    except Exception:
        log.exception("อ่านกล่องอีเมลไม่ได้ จะลองใหม่รอบหน้า / could not read the mailbox; will try again")
        return
    log.info("Mail-in: %d message(s) read: %s", len(done), done)


class WaitForSubmissionsOperator(BaseOperator):
    """Only the wait of a round (the round's task ``RunRound`` waits the same way, then goes on):
    deferred until every required submission is in or the due date passes; reminds on the way."""

    template_fields = ("slug",)
    ui_color = "#fff2cc"

    def __init__(
        self,
        *,
        slug: str,
        poll_seconds: float | None = None,
        mail_poll_seconds: float | None = None,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        self.slug = slug
        self.poll_seconds = poll_seconds
        self.mail_poll_seconds = mail_poll_seconds

    def _round(self) -> tuple[int, int]:
        from ita_monitor.airflow_layer.tasks import _job

        job = _job(self.slug)
        return job.rnd.fiscal_year, job.rnd.months

    def execute(self, context: Any) -> dict:
        return self._step(*self._round(), reminded=False)

    def execute_complete(self, context: Any, event: dict[str, Any]) -> dict:
        log.info("Woken: %s", event)
        return self._step(*self._round(), reminded=event.get("reminded", False))

    def _step(self, fiscal_year: int, months: int, reminded: bool) -> dict:
        job = load_job(self.slug, fiscal_year, months)
        waited = wait_step(job, reminded, self.poll_seconds, self.mail_poll_seconds)
        if isinstance(waited, SubmissionsTrigger):
            self.defer(trigger=waited, method_name="execute_complete")
        return waited
