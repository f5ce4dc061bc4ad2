"""Every state a round or a yearly plan can be in (``State``), as the steps write it or as the ITA page
derives it with the Airflow run, each with its Thai and English label; the overview's legend and the
badge a plan's state is shown with."""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class State(StrEnum):
    """Every state of a round or a yearly plan; ``th`` and ``en`` are its labels on the page."""

    # the round's life on the page (the order of the overview's legend)
    NOT_MONITORED = "not_monitored"  # before the agency's first monitored fiscal year
    NOT_OPEN = "not_open"
    WAITING = "waiting"
    INCOMPLETE = "incomplete"
    RUNNING = "running"
    AWAITING_APPROVAL = "awaiting_approval"
    PUBLISHED = "published"
    DRY_RUN = "dry_run"
    FAILED = "failed"
    CHANGED_AFTER_PUBLICATION = "changed_after_publication"  # a file arrived after publishing
    # written by the steps on the way
    COLLECTED = "collected"
    NOTHING_DUE = "nothing_due"
    COMPLETE = "complete"
    VALIDATED = "validated"
    RENDERED = "rendered"
    APPROVED = "approved"
    REJECTED = "rejected"
    # a yearly plan with no status yet
    NOT_MADE = "not_made"

    @property
    def th(self) -> str:
        return LABELS[self][0]

    @property
    def en(self) -> str:
        return LABELS[self][1]

    @classmethod
    def of(cls, value: Any) -> State | None:
        """The state named ``value``, or None for anything else (an unknown or missing state)."""
        try:
            return cls(str(value))
        except ValueError:
            return None


LABELS: dict[State, tuple[str, str]] = {
    State.NOT_MONITORED: ("ไม่ได้ติดตาม", "not monitored"),
    State.NOT_OPEN: ("ยังไม่เปิดรอบ", "not yet open"),
    State.WAITING: ("รอรับผลการดำเนินงาน", "waiting for submissions"),
    State.INCOMPLETE: ("ยังไม่ครบ", "incomplete"),
    State.RUNNING: ("กำลังดำเนินการ", "running"),
    State.AWAITING_APPROVAL: ("รออนุมัติ", "awaiting approval"),
    State.PUBLISHED: ("เผยแพร่แล้ว", "published"),
    State.DRY_RUN: ("ทดลองเผยแพร่ (ไม่ได้ส่งจริง)", "dry run, nothing sent"),
    State.FAILED: ("ล้มเหลว", "failed"),
    State.CHANGED_AFTER_PUBLICATION: (
        "เปลี่ยนแปลงหลังเผยแพร่ — สั่งรันใหม่เพื่อเผยแพร่อีกครั้ง",
        "changed after publication: rerun to republish",
    ),
    State.COLLECTED: ("รับไฟล์แล้ว", "submissions collected"),
    State.NOTHING_DUE: ("ไม่มีมาตรการที่ต้องรายงานในรอบนี้", "nothing due this round"),
    State.COMPLETE: ("ครบถ้วน", "complete"),
    State.VALIDATED: ("กำลังจัดทำ", "being made"),
    State.RENDERED: ("จัดทำแล้ว ยังไม่เผยแพร่", "made, not published"),
    State.APPROVED: ("อนุมัติแล้ว", "approved"),
    State.REJECTED: ("ไม่อนุมัติ", "rejected"),
    State.NOT_MADE: ("ยังไม่จัดทำ", "not made yet"),
}

# The states the overview's legend explains, in the order of a round's life.
ROUND_PAGE_STATES: tuple[State, ...] = (
    State.NOT_OPEN,
    State.WAITING,
    State.INCOMPLETE,
    State.RUNNING,
    State.AWAITING_APPROVAL,
    State.PUBLISHED,
    State.DRY_RUN,
    State.FAILED,
)

# A yearly plan's state -> the badge (a round page state) it is shown with.
PLAN_BADGES: dict[State, State] = {
    State.NOT_MADE: State.NOT_OPEN,
    State.VALIDATED: State.RUNNING,
    State.RENDERED: State.RUNNING,
    State.AWAITING_APPROVAL: State.AWAITING_APPROVAL,
    State.APPROVED: State.RUNNING,
    State.REJECTED: State.FAILED,
    State.PUBLISHED: State.PUBLISHED,
    State.DRY_RUN: State.DRY_RUN,
}
