"""The mail to the admin about the changes of state of a year's links (Thai first, then English)."""

from __future__ import annotations

from dataclasses import dataclass

from ita_monitor.links.record import BROKEN, STATE_TH, Change
from ita_monitor.model.agency import Agency


@dataclass(frozen=True)
class Notice:
    subject: str
    html: str
    text: str


def notice(agency: Agency, fiscal_year: int, changes: list[Change], page_url: str = "") -> Notice:
    """The mail to the admin about these changes of state (Thai first, then English)."""
    from markupsafe import escape

    def state(s: str | None) -> str:
        return f"{STATE_TH.get(s, '-')} ({s})" if s else "-"

    bad = sum(1 for c in changes if c.to in BROKEN)
    subject = (
        f"[ITA] ลิงก์ OIT {agency.short_name_th} ปี {fiscal_year}: เปลี่ยนสถานะ {len(changes)} รายการ"
        f" (เสีย {bad}) / OIT link health changed"
    )
    rows, lines = [], []
    for c in changes:
        rows.append(
            "<tr>"
            + "".join(
                f"<td>{escape(v)}</td>"
                for v in (
                    c.oit_item,
                    c.label,
                    c.url or "",
                    state(c.from_state),
                    state(c.to),
                    c.detail,
                )
            )
            + "</tr>"
        )
        lines.append(f"- {c.oit_item} {c.label}: {c.from_state} -> {c.to} {c.url} {c.detail}")
    more = (
        f'<p>ดูและซ่อมได้ที่ / see and repair: <a href="{escape(page_url)}">{escape(page_url)}</a></p>'
        if page_url
        else ""
    )
    html = (
        f"<p>ผลตรวจลิงก์ที่ผู้ประเมินใช้ของ {escape(agency.name_th)} ปีงบประมาณ {fiscal_year} เปลี่ยนไป"
        f" / the links assessors open changed state:</p>"
        "<table border='1' cellpadding='4'><tr><th>ข้อ</th><th>รายการ</th><th>URL</th>"
        "<th>เดิม / before</th><th>ตอนนี้ / now</th><th>รายละเอียด / detail</th></tr>"
        + "".join(rows)
        + "</table>"
        + "<p>เอกสารที่ ita-monitor เผยแพร่ ซ่อมได้ด้วยคำสั่งเดียว (เผยแพร่ใหม่แล้วตรวจซ้ำ)"
        " / documents ita-monitor published are repaired in one action (republish, then re-check).</p>" + more
    )
    return Notice(subject, html, "\n".join(lines))
