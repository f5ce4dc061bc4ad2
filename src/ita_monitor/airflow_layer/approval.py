"""Approval before publishing: human-in-the-loop, parked in Airflow's ``awaiting_input`` (no worker slot).

Round DAG: inside the round's one task (``round_task.RunRound``), after the report is rendered and has
passed its self-check; the approver sees the round's summary (completeness, the PDFs with their
pages, links) in Airflow's *Required actions* or on the ITA page; Approve -> the same task publishes.
Yearly plan DAG: the task ``approve_publish`` between the rendered measures and approval memo and
publish_measures, answered once the executive has signed the memo; Approve -> the publish task runs.
Reject (a reason is asked for) -> the status.json says ``rejected`` with who and why, the task fails
saying so, and nothing is published.  Clearing the task asks again.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from airflow.providers.standard.operators.hitl import ApprovalOperator
from airflow.sdk import Param
from airflow.sdk.exceptions import AirflowFailException

from ita_monitor.model.names import PLAN_APPROVAL_TASK, files_url
from ita_monitor.model.status import State
from ita_monitor.model.thai import thai_digits

log = logging.getLogger(__name__)

TASK_ID = PLAN_APPROVAL_TASK


def _who(user: Any) -> str:
    if isinstance(user, dict):
        return str(user.get("name") or user.get("id") or "")
    return str(user or "")


def _files_url(slug: str) -> str:
    """The ITA page's file route of the agency, absolute when Airflow's ``[api] base_url`` is set."""
    from ita_monitor.airflow_layer.settings import base_url

    return files_url(base_url(), slug)


class _ApproveBeforePublish(ApprovalOperator):
    """Approve (or reject with a reason) what the next task publishes; the decision goes to a status."""

    what_th = what_en = ""  # what is approved, for the subject and the rejection message

    def __init__(self, *, slug: str, **kwargs: Any) -> None:
        kwargs.setdefault("task_id", TASK_ID)
        kwargs.pop("params", None)  # the DAG's trigger params are not questions for the approver
        super().__init__(
            subject=f"อนุมัติการเผยแพร่{self.what_th} / Approve publishing {self.what_en}",
            body="",
            params={
                "comment": Param(
                    None,
                    type=["null", "string"],
                    maxLength=500,
                    title="หมายเหตุ / เหตุผลที่ไม่อนุมัติ / Comment (say why when rejecting)",
                )
            },
            **kwargs,
        )
        self.slug = slug

    # what a kind of approval supplies
    def _job(self) -> Any:
        raise NotImplementedError

    def _ask(self, job: Any) -> tuple[str, str]:
        """(subject, markdown body) shown to the approver."""
        raise NotImplementedError

    def _record(self, job: Any, **status: Any) -> None:
        raise NotImplementedError

    def _selfcheck(self, job: Any) -> Any:
        """The ``status.SelfCheckRecord`` of the documents to approve (None: rendered before it existed)."""
        raise NotImplementedError

    def _asked_about(self, job: Any) -> str:
        """The sha256 of what is put to the approver ("" when the approval is not bound to bytes)."""
        return ""

    def execute(self, context: Any) -> Any:
        return self.ask(context, self._job())

    def ask(self, context: Any, job: Any) -> Any:
        """Put the documents to a person: the task parks (``awaiting_input``) until they answer, then
        Airflow resumes it in ``execute_complete``.  A document that failed its self-check is never put
        to a person: the task fails, naming each difference."""
        from airflow.providers.standard.operators.hitl import HITLOperator

        from ita_monitor.documents.selfcheck import refusal

        refused = refusal(self._selfcheck(job), self.what_th, self.what_en)
        if refused:
            self._record(job, state=State.FAILED, error=refused)
            raise AirflowFailException(refused)
        self.subject, self.body = self._ask(job)
        self._record(
            job,
            state=State.AWAITING_APPROVAL,
            approval={
                "decision": "pending",
                "asked_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "sha256": self._asked_about(job),
                "run_id": str(context["run_id"]),
            },
        )
        log.info("Waiting for approval:\n%s", self.body)
        return HITLOperator.execute(self, context)

    def execute_complete(self, context: Any, event: dict[str, Any]) -> Any:
        from airflow.providers.standard.operators.hitl import HITLOperator

        result = HITLOperator.execute_complete(self, context, event)  # validates the answer
        chosen = list(result["chosen_options"])
        comment = str((result.get("params_input") or {}).get("comment") or "").strip()
        by = _who(result.get("responded_by_user"))
        at = result.get("responded_at")
        at = at.isoformat(timespec="seconds") if hasattr(at, "isoformat") else str(at or "")
        job = self._job()
        bound = {"sha256": self._asked_about(job), "run_id": str(context["run_id"])}
        if chosen == [self.APPROVE]:
            self._record(
                job,
                state=State.APPROVED,
                approval={"decision": "approved", "by": by, "at": at, "comment": comment, **bound},
            )
            log.info("Approved by %s at %s %s", by, at, comment)
            return result
        self._record(
            job,
            state=State.REJECTED,
            approval={"decision": "rejected", "by": by, "at": at, "comment": comment, **bound},
        )
        raise AirflowFailException(
            f"ไม่อนุมัติการเผยแพร่{self.what_th} โดย {by}: {comment or '(ไม่ระบุเหตุผล)'} — ไม่ได้เผยแพร่สิ่งใด / "
            f"publishing {self.what_en} rejected by {by}: {comment or '(no reason given)'}; nothing was "
            "published. Clear this task to ask again."
        )


class ApprovePublish(_ApproveBeforePublish):
    """Approve (or reject with a reason) publishing one round's report: the approval part of the
    round's task (``round_task.RunRound``).  The answer is recorded with the report's sha256 and the run."""

    what_th = "รายงานผลการดำเนินการ ITA"
    what_en = "the ITA round report"

    def _job(self):
        from ita_monitor.airflow_layer.tasks import _job

        return _job(self.slug)

    def _ask(self, job) -> tuple[str, str]:
        from ita_monitor.views.approval_text import approval_summary
        from ita_monitor.views.round_detail import round_detail

        detail = round_detail(job.agency, job.plan, job.rnd, job.data)
        subject = (
            f"อนุมัติเผยแพร่รายงาน {job.agency.short_name_th} {job.rnd.short_label_th} "
            f"ปีงบประมาณ {thai_digits(job.rnd.fiscal_year)} / Approve publishing {job.slug} FY {job.rnd.fiscal_year} "
            f"round {job.rnd.months}"
        )
        return subject, approval_summary(detail, _files_url(job.slug))

    def _record(self, job, **status: Any) -> None:
        from ita_monitor.flow.pipeline import update_status
        from ita_monitor.model.status import record_action

        update_status(job, **status)
        answer = status.get("approval") or {}
        if answer.get("decision") in ("approved", "rejected"):  # who did what, on the round's page
            record_action(
                job.data, job.slug, job.rnd, answer["decision"], answer["by"], detail=answer["comment"]
            )

    def _selfcheck(self, job):
        from ita_monitor.model import status

        return status.load_round(job.data, job.slug, job.rnd).selfcheck

    def _asked_about(self, job) -> str:
        from ita_monitor.model import status

        report = status.load_round(job.data, job.slug, job.rnd).report
        return report.sha256 if report is not None else ""


class ApproveMeasures(_ApproveBeforePublish):
    """Approve (or reject) publishing the year's measures, once the executive has signed the memo."""

    what_th = "มาตรการส่งเสริมคุณธรรมและความโปร่งใส"
    what_en = "the year's integrity measures"

    def _job(self):
        from ita_monitor.airflow_layer.plan_tasks import _job

        return _job(self.slug)

    def _ask(self, job) -> tuple[str, str]:
        from ita_monitor.views.approval_text import plan_approval_summary
        from ita_monitor.views.pdf_files import plan_files

        fy = job.fiscal_year
        files = plan_files(job.data, job.slug, fy)
        subject = (
            f"อนุมัติเผยแพร่มาตรการ {job.agency.short_name_th} ปีงบประมาณ {thai_digits(fy)} / "
            f"Approve publishing the measures of {job.slug} FY {fy}"
        )
        return subject, plan_approval_summary(
            job.agency, job.plan, files, _files_url(job.slug), self._selfcheck(job)
        )

    def _record(self, job, **status: Any) -> None:
        from ita_monitor.flow.yearly import update_status

        update_status(job, **status)

    def _selfcheck(self, job):
        from ita_monitor.model import status

        return status.load_plan(job.data, job.slug, job.fiscal_year).selfcheck
