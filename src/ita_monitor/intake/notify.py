"""Mail to units: the form when a round opens, a reminder before the due date.

The core writes the forms into ``<round>/outbox/<unit>/`` and builds each message; the Airflow layer
sends them through its SMTP connection and calls ``record_sent`` after each one.  What was sent is
kept in ``<round>/outbox/sent.json``, so a rerun never sends the same mail twice: a form mail is sent
again only when the form's content or the recipient changes; a reminder at most once per unit and
round.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta

from ita_monitor.intake.completeness import Gap
from ita_monitor.intake.mailout import render
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
    text: str = ""  # the plain-text part beside the HTML: what the mail says, without its markup

    @property
    def ledger_key(self) -> str:
        """Which mail this is: a reminder once per unit; a form mail per version of what it says
        (its text, so a change of the templates' markup sends nothing again)."""
        if self.kind == "reminder":
            return f"reminder:{self.unit}"
        doc = [self.kind, self.unit, self.to, self.subject, self.text or self.html, self.attachments]
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
            d.get("text", ""),
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
    """Sent before: the same key, or (a ledger written before mails had a text part, whose keys
    hashed the HTML) an entry without ``message_id`` to the same unit, address, subject and file."""
    sent = _ledger(job)["sent"]
    if mail.ledger_key in sent:
        return True
    return any(
        "message_id" not in e
        and e.get("kind") == mail.kind
        and e.get("unit") == mail.unit
        and e.get("to") == list(mail.to)
        and e.get("subject") == mail.subject
        and e.get("attachments") == list(mail.attachments)
        for e in sent.values()
    )


def record_sent(job, mail: Mail, when: datetime | None = None, message_id: str = "") -> None:
    """Note that ``mail`` went out (call right after each send, so a crash loses at most one)."""
    ledger = _ledger(job)
    ledger["sent"][mail.ledger_key] = {
        "message_id": message_id,
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


def form_mail_extras(job, unit: str, form) -> list[str]:
    """More paragraphs (plain text, escaped in the HTML) for a unit's form mail, after how to send the
    form back.  The hook for other ways to submit; none yet (the unit's link has its own paragraph).
    """
    return []


def form_mail(job, unit: str, form, attachment: str, extras: list[str] | None = None, link: str = "") -> Mail:
    """The mail that carries a unit's form (``unit_forms.UnitForm``), from ``mail/form.*.j2``.

    ``extras``: paragraphs (plain text) added after how to send the form back (``form_mail_extras``);
    ``link``: the unit's own upload link (``unit_links.py``), given one.
    """
    agency, rnd = job.agency, job.rnd
    subject = f"แบบรายงานผลตามมาตรการส่งเสริมคุณธรรมและความโปร่งใส {rnd.short_label_th} ปี {thai_digits(rnd.fiscal_year)} – {form.unit_th}"
    reply_to = agency.mail_in.address if agency.mail_in else ""
    body = render(
        "form",
        title=subject,
        unit_th=form.unit_th,
        agency_th=agency.name_th,
        round_th=rnd.label_th,
        due_th=form.due_th,
        measures=list(form.measures),
        mail_in=reply_to,
        extras=list(extras or []),
        link=link,
    )
    return Mail(
        "form", unit, _recipients(agency, unit), subject, body.html, (attachment,), reply_to, body.text
    )


def reminder_mail(job, unit: str, gaps: list[Gap], due_th: str) -> Mail:
    agency, rnd = job.agency, job.rnd
    unit_th = agency.unit(unit).name_th
    subject = f"แจ้งเตือน: ยังไม่ได้รับรายงานผล {rnd.short_label_th} ปี {thai_digits(rnd.fiscal_year)} – {unit_th} (ครบกำหนด {due_th})"
    body = render("reminder", title=subject, unit_th=unit_th, round_th=rnd.label_th, due_th=due_th, gaps=gaps)
    return Mail("reminder", unit, _recipients(agency, unit), subject, body.html, (), "", body.text)


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
