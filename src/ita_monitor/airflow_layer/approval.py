"""Approval before publishing: a human-in-the-loop task between render_report and publish_report.

The approver sees the round's summary (completeness, the PDFs with their pages, links) in Airflow's
*Required actions* or on the ITA page.  Approve -> publish_report runs.  Reject (a reason is asked
for) -> status.json says ``rejected`` with who and why, this task fails saying so, and
publish_report never runs: nothing is published.  Clearing the task asks again.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from airflow.providers.standard.operators.hitl import ApprovalOperator
from airflow.sdk import Param
from airflow.sdk.exceptions import AirflowFailException

log = logging.getLogger(__name__)

TASK_ID = "approve_publish"


def _who(user: Any) -> str:
    if isinstance(user, dict):
        return str(user.get("name") or user.get("id") or "")
    return str(user or "")


def _files_url() -> str:
    from airflow.sdk import conf

    base = (conf.get("api", "base_url", fallback="") or "").rstrip("/")
    if base.startswith("http://localhost:8080") or not base.startswith("http"):
        base = ""  # a relative link opens on whatever host the approver uses
    return f"{base}/ita/files"


class ApprovePublish(ApprovalOperator):
    """Approve (or reject with a reason) publishing one round's report."""

    def __init__(self, *, slug: str, **kwargs: Any) -> None:
        kwargs.setdefault("task_id", TASK_ID)
        kwargs.pop("params", None)  # the DAG's round params are not questions for the approver
        super().__init__(
            subject="อนุมัติการเผยแพร่รายงานผลการดำเนินการ ITA / Approve publishing the ITA round report",
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

    def _job(self):
        from ita_monitor.airflow_layer.tasks import _job

        return _job(self.slug)

    def execute(self, context: Any) -> Any:
        from ita_monitor.dashboard import approval_summary, round_detail
        from ita_monitor.pipeline import update_status

        job = self._job()
        detail = round_detail(job.agency, job.plan, job.rnd, job.data)
        self.subject = (
            f"อนุมัติเผยแพร่รายงาน {job.agency.short_name_th} {job.rnd.short_label_th} "
            f"ปีงบประมาณ {job.rnd.fiscal_year} / Approve publishing {job.slug} FY {job.rnd.fiscal_year} "
            f"round {job.rnd.months}"
        )
        self.body = approval_summary(detail, f"{_files_url()}/{job.slug}")
        update_status(
            job,
            state="awaiting_approval",
            approval={"decision": "pending", "asked_at": datetime.now(UTC).isoformat(timespec="seconds")},
        )
        log.info("Waiting for approval:\n%s", self.body)
        return super().execute(context)

    def execute_complete(self, context: Any, event: dict[str, Any]) -> Any:
        from airflow.providers.standard.operators.hitl import HITLOperator

        from ita_monitor.pipeline import update_status

        result = HITLOperator.execute_complete(self, context, event)  # validates the answer
        chosen = list(result["chosen_options"])
        comment = str((result.get("params_input") or {}).get("comment") or "").strip()
        by = _who(result.get("responded_by_user"))
        at = result.get("responded_at")
        at = at.isoformat(timespec="seconds") if hasattr(at, "isoformat") else str(at or "")
        job = self._job()
        if chosen == [self.APPROVE]:
            update_status(
                job,
                state="approved",
                approval={"decision": "approved", "by": by, "at": at, "comment": comment},
            )
            log.info("Approved by %s at %s %s", by, at, comment)
            return result
        update_status(
            job, state="rejected", approval={"decision": "rejected", "by": by, "at": at, "comment": comment}
        )
        raise AirflowFailException(
            f"ไม่อนุมัติการเผยแพร่ โดย {by}: {comment or '(ไม่ระบุเหตุผล)'} — ไม่ได้เผยแพร่สิ่งใด / "
            f"publishing rejected by {by}: {comment or '(no reason given)'}; nothing was published. "
            "Clear this task to ask again."
        )
