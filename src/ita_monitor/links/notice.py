"""The mail to the admin about the changes of state of a year's links (``mail/links.*.j2``; Thai
first, then English).  ``text`` is the plain-text part of the mail and the LINE message."""

from __future__ import annotations

from dataclasses import dataclass

from ita_monitor.links.record import BROKEN, STATE_TH, Change
from ita_monitor.model.agency import Agency
from ita_monitor.model.thai import thai_digits


@dataclass(frozen=True)
class Notice:
    subject: str
    html: str
    text: str


def notice(agency: Agency, fiscal_year: int, changes: list[Change], page_url: str = "") -> Notice:
    """The mail to the admin about these changes of state (Thai first, then English)."""
    from ita_monitor.intake.mailout import render

    def state(s: str | None) -> str:
        return f"{STATE_TH.get(s, '-')} ({s})" if s else "-"

    bad = sum(1 for c in changes if c.to in BROKEN)
    subject = (
        f"[ITA] ลิงก์ OIT {agency.short_name_th} ปี {thai_digits(fiscal_year)}:"
        f" เปลี่ยนสถานะ {thai_digits(len(changes))} รายการ (เสีย {thai_digits(bad)}) / OIT link health changed"
    )
    rows = [
        {
            "oit_item": c.oit_item,
            "label": c.label,
            "url": c.url or "",
            "from": c.from_state,
            "to": c.to,
            "from_label": state(c.from_state),
            "to_label": state(c.to),
            "detail": c.detail,
        }
        for c in changes
    ]
    body = render(
        "links",
        title=subject,
        agency_th=agency.name_th,
        fiscal_year=fiscal_year,
        changes=rows,
        page_url=page_url,
    )
    return Notice(subject, body.html, body.text)
