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
from ita_monitor.model.thai import thai_digits


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
    """The state of a round, and a one-line reason (why it failed, what came in while it waits).

    The one reading of a round's state: the ITA page's overview and round page and ``ita-monitor
    status`` all call it.  status.json says what the steps last wrote; the run (when Airflow was
    asked) says what Airflow is doing now and wins where they differ: an active run is running (or
    waiting, or awaiting approval), a failed run is failed, a round without any run is "not run".
    ``first_year`` is the agency's first monitored fiscal year (its earliest plan).
    """
    written = RoundStatus.coerce(written)
    state = written.known_state
    active = run is not None and run.state in ("running", "queued")
    if first_year is not None and rnd.fiscal_year < first_year and state is None and run is None:
        return State.NOT_MONITORED, (
            f"ก่อนปีงบประมาณแรกที่ติดตาม ({first_year}) / before the agency's first monitored year {first_year}"
        )
    if active:
        return _while_running(written, run)
    if state is State.CHANGED_AFTER_PUBLICATION:
        return state, (
            "มีไฟล์เข้ามาหลังเผยแพร่ รายงานที่เผยแพร่ยังเป็นฉบับเดิม: สั่งรันใหม่เพื่อเผยแพร่อีกครั้ง / "
            "a file arrived after publication; the published report is the earlier one: rerun to republish"
        )
    if state is State.REJECTED or written.approval.decision == "rejected":
        return State.FAILED, _rejected(written.approval)
    if state in (State.PUBLISHED, State.DRY_RUN):
        return state, ""
    if run is not None and run.state == "failed":
        if state is State.INCOMPLETE:
            return State.INCOMPLETE, ""
        return State.FAILED, written.error or (
            "งานในรอบนี้ล้มเหลว: ดูบันทึกของงาน / a task of this round failed: see its log"
        )
    if run is not None and run.state == "success" and state is None:
        return State.NOT_RUN, "ข้ามรอบนี้ (ดูบันทึกของการรัน) / the run skipped this round (see its log)"
    return _as_written(written, rnd, now)


def _while_running(written: RoundStatus, run: RunInfo) -> tuple[State, str]:
    """An active run: awaiting approval, waiting for submissions (with what came in) or running."""
    if run.awaiting_approval:
        return State.AWAITING_APPROVAL, ""
    if written.known_state is State.WAITING:
        return State.WAITING, progress(written)
    return State.RUNNING, ""


def _as_written(written: RoundStatus, rnd: Round, now: datetime) -> tuple[State, str]:
    """No run says otherwise: what the steps last wrote, or not open / not run by the calendar."""
    state = written.known_state
    if state in (State.INCOMPLETE, State.NOTHING_DUE, State.AWAITING_APPROVAL):
        return state, ""
    if state is State.FAILED:
        return State.FAILED, written.error
    if state is State.WAITING:
        return State.WAITING, progress(written)
    if state is State.COLLECTED:  # files came in (an upload) but no run opened the round
        return (State.NOT_OPEN if now < rnd.end_at() else State.NOT_RUN), progress(written)
    if state is not None:  # a step wrote this and no run is known to be going (command line offline)
        return State.RUNNING, ""
    if now < rnd.end_at():
        return State.NOT_OPEN, ""
    return State.NOT_RUN, ""


def progress(written: RoundStatus) -> str:
    """What came in while the round waits: (unit, measure) pairs in out of those due, and the missing."""
    comp = written.completeness
    if not comp.due:
        return ""
    missing = [f"{g.unit} {g.measure_code}" for g in comp.gaps]
    done = len(comp.due) - len(comp.gaps)
    line = f"ได้รับ {thai_digits(done)}/{thai_digits(len(comp.due))} / received {done} of {len(comp.due)}"
    if missing:
        shown = ", ".join(missing[:6]) + (f" (+{len(missing) - 6})" if len(missing) > 6 else "")
        line += f" · ยังขาด / missing: {shown}"
    return line


def written_due_at(written: RoundStatus, agency: Any, rnd: Round) -> datetime:
    """The round's due date: the one its run was given (status.json ``due_at``: a caught-up round's new
    date), else the round's end plus the agency's grace days."""
    if written.due_at:
        try:
            return datetime.fromisoformat(written.due_at)
        except ValueError:
            pass
    return rnd.due_at(agency.schedule.grace_days)


def with_past_due(detail: str, state: State, due_at: datetime, now: datetime) -> str:
    """``detail`` with "past the due date" before it when the round still waits after its due date."""
    return " · ".join(x for x in (past_due(state, due_at, now), detail) if x)


def past_due(state: State, due_at: datetime, now: datetime) -> str:
    if state is State.WAITING and now >= due_at:
        return "เลยกำหนดส่งแล้ว / past the due date"
    return ""
