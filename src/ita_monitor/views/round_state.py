"""The state of a round on the ITA page (``State`` with its Thai and English labels), from what the
pipeline last wrote in status.json and what Airflow's latest run of the round is doing (``RunInfo``,
which the Airflow layer reads from the metadata DB); a one-line reason for a failed one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from ita_monitor.model.rounds import Round, last_day_to_submit
from ita_monitor.model.status import Approval, RoundStatus, State


@dataclass(frozen=True)
class RunInfo:
    """The latest Airflow DAG run of one round, as the metadata DB knows it."""

    dag_id: str
    run_id: str
    state: str  # queued, running, success, failed
    awaiting_approval: bool = False


class RoundView:
    """A round's ``state`` with its Thai and English labels, and its last day to submit."""

    state: State
    due_at: datetime

    @property
    def due_day(self) -> date:
        """The last day to submit, as the units' forms say it."""
        return last_day_to_submit(self.due_at)

    @property
    def state_th(self) -> str:
        return State(self.state).th

    @property
    def state_en(self) -> str:
        return State(self.state).en


def _rejected(approval: Approval) -> str:
    who = f"by {approval.by}" if approval.by else ""
    return f"ไม่อนุมัติการเผยแพร่ / publishing rejected {who}: {approval.comment}".strip()


def round_state(
    written: RoundStatus | Mapping[str, Any] | None,
    rnd: Round,
    now: datetime,
    run: RunInfo | None = None,
    first_year: int | None = None,
) -> tuple[State, str]:
    """The state of a round on the page, and a one-line reason for a failed one.

    ``first_year`` is the agency's first monitored fiscal year (its earliest plan): a round before it
    that nothing ever ran for is "not monitored", not "waiting · past the due date".

    status.json says what the pipeline last wrote; the run (if any) says what Airflow is doing now.
    """
    written = RoundStatus.coerce(written)
    state = written.known_state
    active = run is not None and run.state in ("running", "queued")
    if first_year is not None and rnd.fiscal_year < first_year and state is None and run is None:
        return State.NOT_MONITORED, (
            f"ก่อนปีงบประมาณแรกที่ติดตาม ({first_year}) / before the agency's first monitored year {first_year}"
        )
    if state is State.CHANGED_AFTER_PUBLICATION and not active:
        return state, (
            "มีไฟล์เข้ามาหลังเผยแพร่ รายงานที่เผยแพร่ยังเป็นฉบับเดิม: สั่งรันใหม่เพื่อเผยแพร่อีกครั้ง / "
            "a file arrived after publication; the published report is the earlier one: rerun to republish"
        )
    if state is State.REJECTED or written.approval.decision == "rejected":
        return State.FAILED, _rejected(written.approval)
    if state in (State.PUBLISHED, State.DRY_RUN):
        return state, ""
    # the run knows whether the question is still open (status.json lags until the task resumes)
    if (run.awaiting_approval and active) if run else state is State.AWAITING_APPROVAL:
        return State.AWAITING_APPROVAL, ""
    if state is State.INCOMPLETE:
        return State.INCOMPLETE, ""
    if run and run.state == "failed":
        return State.FAILED, "งานในรอบนี้ล้มเหลว: ดูบันทึกของงาน / a task of this round failed: see its log"
    if state is State.FAILED:
        return State.FAILED, written.error
    if active:
        return State.RUNNING, ""
    if state is State.NOTHING_DUE:
        return State.NOTHING_DUE, ""
    if now < rnd.end_at():
        return State.NOT_OPEN, ""
    return State.WAITING, ""


def past_due(state: State, due_at: datetime, now: datetime) -> str:
    if state is State.WAITING and now >= due_at:
        return "เลยกำหนดส่งแล้ว / past the due date"
    return ""
