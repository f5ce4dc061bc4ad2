"""A round's run is one task, ``run_round`` (``RunRound``): every step of the round, in order.

1. ``execute``: resolve the round (params, else the data interval); a fiscal year without a plan skips
   the run, naming the file to add; claim the round (``flow.run_claims``: a second run of the same round
   while the first is queued or running fails at once, naming it); open it (the units' forms written
   and mailed once, ``outbox/sent.json``); then wait:
2. waiting is deferred (``waiting.SubmissionsTrigger`` in the triggerer, no worker slot) until every
   submission is in or the due date comes, waking on the way to remind the units and to read mail-in
   (``submissions_changed``);
3. then on a worker: read the inbox and check completeness (fails listing every gap), render the
   report and memo, self-check them (fails naming each difference);
4. ``approval: true``: park in ``awaiting_input`` for a person (``approval.ApprovePublish``, no worker
   slot); Approve resumes the task in ``execute_complete``, which publishes; Reject fails it, recorded
   in status.json, nothing published.  ``approval: false``: publish at once.

Every step is idempotent and reads what the previous one wrote, so clearing this one task (on the
ITA page, the UI's *Clear*, the REST clear, ``airflow tasks clear``) is the whole rerun: the round is
opened again (nothing mailed twice), the wait ends at once when the round is due, the inbox is read
again, and so on; a clear asks for the approval again.  A target that is down after the approval is
tried again later within the same task (deferred), so the approval given stands.  The approval records
the report's sha256 and the run it was given in.
"""

from __future__ import annotations

import logging
from typing import Any

from airflow.sdk.exceptions import AirflowFailException

from ita_monitor.airflow_layer.approval import ApprovePublish
from ita_monitor.model.names import ROUND_TASK

log = logging.getLogger(__name__)

ACTIVE = ("queued", "running")


class RunRound(ApprovePublish):
    """One agency's round, from its forms to its publication (see the module's docstring)."""

    ui_color = "#fff2cc"

    def __init__(
        self,
        *,
        slug: str,
        approval: bool = True,
        poll_seconds: float | None = None,
        mail_poll_seconds: float | None = None,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("task_id", ROUND_TASK)
        super().__init__(slug=slug, **kwargs)
        self.approval = approval
        self.poll_seconds = poll_seconds
        self.mail_poll_seconds = mail_poll_seconds

    # 1. open -------------------------------------------------------------------------------------

    def execute(self, context: Any) -> Any:
        from ita_monitor.airflow_layer.tasks import _job, open_round

        job = _job(self.slug, skip_without_plan=True)
        self._claim(context, job)
        opened = open_round(job)
        log.info("Round open: %s", opened)
        return self._wait_then_go_on(context, job, reminded=False)

    @staticmethod
    def _claim(context: Any, job: Any) -> None:
        from ita_monitor.flow.run_claims import claim_round

        dag_id, run_id = context["dag"].dag_id, str(context["run_id"])
        ti = context["ti"]

        def is_active(other: str) -> bool:
            try:
                state = ti.get_dagrun_state(dag_id, other)  # the Task SDK's DagRunState enum
                return str(getattr(state, "value", state)) in ACTIVE
            except Exception:  # a run that was deleted holds nothing
                log.info("run %s of %s is gone: its claim on the round lapses", other, dag_id)
                return False

        holder = claim_round(job.data, job.slug, job.rnd, run_id, is_active)
        if holder is not None:
            raise AirflowFailException(
                f"{job.rnd.label_th} ปีงบประมาณ {job.rnd.fiscal_year} กำลังทำงานอยู่ในการรัน {holder} "
                f"การรันนี้จึงไม่ทำอะไร (สองการรันของรอบเดียวกันไม่ทำงานพร้อมกัน) ให้สั่งรันใหม่ที่การรัน {holder} "
                f"หรือ clear การรันนี้เมื่อการรันนั้นจบแล้ว / FY {job.rnd.fiscal_year} round {job.rnd.months} is "
                f"being run by {holder}; this run does nothing (two runs of one round never overlap). Rerun "
                f"{holder} instead, or clear this run's task once that run has ended."
            )

    # 2. wait (deferred) ------------------------------------------------------------------------------

    def submissions_changed(self, context: Any, event: dict[str, Any]) -> Any:
        """Woken by the trigger: complete, due, time to remind, or new mail."""
        log.info("Woken: %s", event)
        return self._wait_then_go_on(context, self._job(), reminded=bool(event.get("reminded")))

    def _wait_then_go_on(self, context: Any, job: Any, reminded: bool) -> Any:
        from ita_monitor.airflow_layer.waiting import SubmissionsTrigger, wait_step

        waited = wait_step(job, reminded, self.poll_seconds, self.mail_poll_seconds)
        if isinstance(waited, SubmissionsTrigger):
            self.defer(trigger=waited, method_name="submissions_changed")
        return self._check_render_ask(context, job)

    # 3. check, render, self-check; 4. approval ------------------------------------------------------

    def _check_render_ask(self, context: Any, job: Any) -> Any:
        from ita_monitor.airflow_layer.tasks import check_completeness, render_report
        from ita_monitor.documents.selfcheck import refusal
        from ita_monitor.model.status import State

        check_completeness(job)
        render_report(job)
        refused = refusal(self._selfcheck(job), self.what_th, self.what_en)
        if refused:  # never put to a person, never published
            self._record(job, state=State.FAILED, error=refused)
            raise AirflowFailException(refused)
        if not self.approval:
            return self._publish(job)
        return self.ask(context, job)

    def execute_complete(self, context: Any, event: dict[str, Any]) -> Any:
        """The approver answered: Approve publishes; Reject fails (recorded, nothing published)."""
        super().execute_complete(context, event)
        return self.publish_again(context)

    # 5. publish -------------------------------------------------------------------------------------

    def publish_again(self, context: Any, event: dict[str, Any] | None = None, attempt: int = 0) -> Any:
        """Publish what was approved.  A target that is down is tried again later in this same task
        (deferred, no worker slot), so the approval given stands; after ``retries`` tries it fails, and
        a clear asks again."""
        from datetime import timedelta

        from airflow.providers.standard.triggers.temporal import TimeDeltaTrigger

        from ita_monitor.publish.base import PublishFailed

        try:
            return self._publish(self._job())
        except PublishFailed as exc:  # only a transient one reaches here (tasks.publish_report)
            if attempt >= (self.retries or 0):
                raise AirflowFailException(str(exc)) from exc
            wait = timedelta(seconds=60 * 2**attempt)
            log.warning(
                "เผยแพร่ไม่สำเร็จ จะลองใหม่ใน %s / publishing failed, trying again in %s: %s", wait, wait, exc
            )
            self.defer(
                trigger=TimeDeltaTrigger(wait),
                method_name="publish_again",
                kwargs={"attempt": attempt + 1},
            )

    @staticmethod
    def _publish(job: Any) -> dict:
        from ita_monitor.airflow_layer.tasks import publish_report

        return publish_report(job)
