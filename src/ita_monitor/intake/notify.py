"""Mail to units: the form when a round opens, a reminder before the due date.

The core writes the forms into ``<round>/outbox/<unit>/`` and builds each message; the Airflow layer
sends them through its SMTP connection and calls ``record_sent`` after each one.  What was sent is
kept in ``<round>/outbox/sent.json``, so a rerun never sends the same mail twice: a form mail is sent
again only when the form's content or the recipient changes; a reminder at most once per unit and
round.
"""

from __future__ import annotations

import hashlib
import html
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

from ita_monitor.intake.completeness import Gap
from ita_monitor.model.agency import Agency
from ita_monitor.model.storage import PathLike, read_json, write_atomic, write_json
from ita_monitor.model.thai import thai_date, thai_digits


@dataclass(frozen=True)
class Mail:
    """One message to one unit."""

    kind: str  # "form" | "reminder"
    unit: str
    to: tuple[str, ...]
    subject: str
    html: str
    attachments: tuple[str, ...] = ()  # paths relative to the round folder
    reply_to: str = ""  # the agency's ITA mailbox (mail-in), where the unit's answer goes

    @property
    def ledger_key(self) -> str:
        """Which mail this is: a reminder once per unit; a form mail per version of its content."""
        if self.kind == "reminder":
            return f"reminder:{self.unit}"
        doc = [self.kind, self.unit, self.to, self.subject, self.html, self.attachments]
        if self.reply_to:
            doc.append(self.reply_to)
        return (
            f"{self.kind}:{self.unit}:"
            + hashlib.sha256(json.dumps(doc, ensure_ascii=False).encode()).hexdigest()
        )

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> Mail:
        return cls(
            d["kind"],
            d["unit"],
            tuple(d["to"]),
            d["subject"],
            d["html"],
            tuple(d["attachments"]),
            d.get("reply_to", ""),
        )


def _round_dir(job) -> PathLike:
    return job.data.round_dir(job.slug, job.rnd)


def outbox(job) -> PathLike:
    return _round_dir(job) / "outbox"


def ledger_path(job) -> PathLike:
    return outbox(job) / "sent.json"


def _ledger(job) -> dict:
    return read_json(ledger_path(job), None) or {"sent": {}}


def already_sent(job, mail: Mail) -> bool:
    return mail.ledger_key in _ledger(job)["sent"]


def record_sent(job, mail: Mail, when: datetime | None = None) -> None:
    """Note that ``mail`` went out (call right after each send, so a crash loses at most one)."""
    ledger = _ledger(job)
    ledger["sent"][mail.ledger_key] = {
        "kind": mail.kind,
        "unit": mail.unit,
        "to": list(mail.to),
        "subject": mail.subject,
        "attachments": list(mail.attachments),
        "sent_at": (when or datetime.now(UTC)).isoformat(timespec="seconds"),
    }
    write_json(ledger_path(job), ledger)


def _recipients(agency: Agency, unit: str) -> tuple[str, ...]:
    email = agency.unit(unit).email
    return (email,) if email else ()


def _page(paragraphs: list[str]) -> str:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return f'<html><body style="font-family: Tahoma, sans-serif">{body}</body></html>'


def how_to_send_back(job) -> str:
    """The paragraph of a form mail that says how the filled form comes back."""
    mail_in = job.agency.mail_in
    if mail_in is None:
        return "กรอกเฉพาะช่องสีเหลือง บันทึกเป็น .xlsx แล้วส่งกลับ / Fill in the yellow cells, save as .xlsx and send it back."
    address = html.escape(mail_in.address)
    return (
        "กรอกเฉพาะช่องสีเหลือง บันทึกเป็น .xlsx แล้วตอบกลับอีเมลนี้พร้อมแนบไฟล์ (ถึง "
        f"{address}) ระบบจะตอบผลการตรวจภายในไม่กี่นาที / Fill in the yellow cells, save as .xlsx and"
        f" reply to this mail with the file attached (to {address}): the answer comes back within minutes."
    )


def form_mail_extras(job, unit: str, form) -> list[str]:
    """More paragraphs (safe HTML) for a unit's form mail, after how to send the form back.

    The hook for other ways to submit, e.g. the unit's personal upload link; none yet.
    """
    return []


def form_mail(job, unit: str, form, attachment: str, extras: list[str] | None = None, link: str = "") -> Mail:
    """The mail that carries a unit's form (``unit_forms.UnitForm``).

    ``extras``: paragraphs (safe HTML) added after how to send the form back (``form_mail_extras``);
    ``link``: the unit's own upload link (``unit_links.py``), given one.
    """
    agency, rnd = job.agency, job.rnd
    subject = f"แบบรายงานผลตามมาตรการส่งเสริมคุณธรรมและความโปร่งใส {rnd.short_label_th} ปี {thai_digits(rnd.fiscal_year)} – {form.unit_th}"
    items = "".join(f"<li>{html.escape(code)} {html.escape(title)}</li>" for code, title in form.measures)
    body = _page(
        [
            f"เรียน {html.escape(form.unit_th)}",
            f"{html.escape(agency.name_th)} ขอให้รายงานผลการดำเนินการตามมาตรการส่งเสริมคุณธรรมและความโปร่งใส"
            f" {html.escape(rnd.label_th)} ตามแบบฟอร์มที่แนบ ภายในวันที่ {html.escape(form.due_th)}",
            f"มาตรการที่ต้องรายงาน:<ul>{items}</ul>",
            how_to_send_back(job),
            *(extras or []),
            *([_link_paragraph(link, form.due_th)] if link else []),
        ]
    )
    reply_to = agency.mail_in.address if agency.mail_in else ""
    return Mail("form", unit, _recipients(agency, unit), subject, body, (attachment,), reply_to)


def _link_paragraph(link: str, due_th: str) -> str:
    href = html.escape(link, quote=True)
    return (
        "หรืออัปโหลดแบบฟอร์มที่กรอกแล้วทางลิงก์เฉพาะของหน่วยงานท่าน แล้วทราบผลการตรวจทันที "
        f"(ใช้ได้ถึงวันที่ {html.escape(due_th)}; ลิงก์นี้ใช้ได้เฉพาะหน่วยงานท่าน โปรดอย่าส่งต่อ):<br>"
        f'<a href="{href}" id="unit-link">{href}</a><br>'
        "Or upload the filled form at your unit's own link and see at once whether it was accepted "
        "(the link is for your unit only: do not forward it)."
    )


def reminder_mail(job, unit: str, gaps: list[Gap], due_th: str) -> Mail:
    agency, rnd = job.agency, job.rnd
    unit_th = agency.unit(unit).name_th
    subject = f"แจ้งเตือน: ยังไม่ได้รับรายงานผล {rnd.short_label_th} ปี {thai_digits(rnd.fiscal_year)} – {unit_th} (ครบกำหนด {due_th})"
    items = "".join(
        f"<li>{html.escape(g.measure_code)} {html.escape(g.measure_th)}"
        + (f" (ยังไม่กรอก {html.escape(', '.join(g.missing_fields))})" if g.missing_fields else "")
        + "</li>"
        for g in gaps
    )
    body = _page(
        [
            f"เรียน {html.escape(unit_th)}",
            f"ยังไม่ได้รับรายงานผล {html.escape(rnd.label_th)} ของมาตรการต่อไปนี้ ครบกำหนดส่งวันที่ {html.escape(due_th)}:"
            f"<ul>{items}</ul>",
            "ใช้แบบฟอร์มที่ส่งให้เมื่อเปิดรอบ / Please send the form you received when the round opened.",
        ]
    )
    return Mail("reminder", unit, _recipients(agency, unit), subject, body)


# --- steps --------------------------------------------------------------------------------------


def open_round(job, link_for: Callable[[str], str] | None = None) -> list[Mail]:
    """Write each responsible unit's form into its outbox; the form mails not sent yet.

    ``link_for(unit)`` gives the unit's upload link for the mail (the same for the same scope, so a
    rerun sends nothing again).

    A form file is written only when its content changed (the key of what it says is kept beside it),
    so rerunning rewrites nothing and the mail of an unchanged form is not sent again.
    """
    from ita_monitor.intake.unit_forms import build_workbook, form_for, responsible_units

    mails = []
    grace = job.agency.schedule.grace_days
    for unit in responsible_units(job.agency, job.plan, job.rnd):
        form = form_for(job.agency, job.plan, job.rnd, unit, grace, job.last_day)
        path = outbox(job) / unit / form.filename
        key_path = outbox(job) / unit / f".{form.filename}.key"
        if not (path.exists() and key_path.exists() and key_path.read_bytes().decode() == form.key):
            write_atomic(path, build_workbook(form))
            write_atomic(key_path, form.key.encode())
        link = link_for(unit) if link_for else ""
        mail = form_mail(
            job, unit, form, f"outbox/{unit}/{form.filename}", form_mail_extras(job, unit, form), link
        )
        if mail.to and not already_sent(job, mail):
            mails.append(mail)
    return mails


def reminder_at(job) -> datetime | None:
    """When reminders go out (``schedule.reminder_days`` before the due date); None = never."""
    days = getattr(job.agency.schedule, "reminder_days", 0)
    if not days:
        return None
    return job.due_at - timedelta(days=days)


def reminders(job, gaps: list[Gap]) -> list[Mail]:
    """One reminder per unit that still has gaps and has not been reminded in this round."""
    due_th = thai_date(job.last_day)
    by_unit: dict[str, list[Gap]] = {}
    for g in gaps:
        by_unit.setdefault(g.unit, []).append(g)
    out = []
    for unit, unit_gaps in by_unit.items():
        if unit not in job.agency.unit_codes:
            continue
        mail = reminder_mail(job, unit, unit_gaps, due_th)
        if mail.to and not already_sent(job, mail):
            out.append(mail)
    return out
