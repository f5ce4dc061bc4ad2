"""LINE notices to the units' LINE groups (optional per agency: agency.yaml ``line`` and
``units[].line_group``): the form of a round, the reminder, and what became of a file sent by mail.

Pure: builds the texts and the Messaging API push bodies, decides retries, and keeps the round's
ledger ``<round>/outbox/line.json`` (what was pushed, what failed and why), so a rerun pushes nothing
twice and retries only what failed.  The Airflow layer (``airflow_layer/line.py``) does the HTTP.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from ita_monitor.model.agency import Agency
from ita_monitor.model.storage import PathLike, read_json, write_json
from ita_monitor.model.thai import thai_date, thai_digits, thai_digits_in_prose

PUSH_PATH = "/v2/bot/message/push"
MAX_TEXT = 5000  # the Messaging API's limit for one text message
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER = 120.0  # a longer Retry-After is not waited for: reported, pushed again on a rerun


@dataclass(frozen=True)
class Notice:
    key: str  # what it is, once per round: form:<unit>:<form key>, reminder:<unit>, outcome:<mail>:<unit>
    unit: str
    group: str
    text: str

    def body(self) -> dict:
        """The push request's JSON body."""
        return {"to": self.group, "messages": [{"type": "text", "text": self.text[:MAX_TEXT]}]}

    @property
    def retry_key(self) -> str:
        """``X-Line-Retry-Key``: the same for every try of this notice, so LINE delivers it once."""
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"ita-monitor:{self.group}:{self.key}"))


def _group(agency: Agency, unit: str) -> str | None:
    if agency.line is None or unit not in agency.unit_codes:
        return None
    return agency.unit(unit).line_group


def form_notice(job, unit: str, form) -> Notice | None:
    agency, rnd = job.agency, job.rnd
    group = _group(agency, unit)
    if not group:
        return None
    how = (
        f"ตอบกลับอีเมลแบบฟอร์มพร้อมแนบไฟล์ที่กรอกแล้ว (ถึง {agency.mail_in.address})"
        if agency.mail_in
        else "ส่งแบบฟอร์มที่กรอกแล้วกลับตามช่องทางของหน่วยงาน"
    )
    text = (
        f"📋 {agency.short_name_th}: แบบรายงานผลตามมาตรการ ITA {rnd.label_th} ปีงบประมาณ"
        f" {thai_digits(rnd.fiscal_year)} ของ{form.unit_th} ส่งทางอีเมลแล้ว"
        f" ({thai_digits(len(form.measures))} มาตรการ: {', '.join(c for c, _ in form.measures)})"
        f" ส่งภายในวันที่ {form.due_th} – {how}\n"
        f"The ITA form of round {rnd.months} months, FY {rnd.fiscal_year} was mailed to this unit;"
        " reply to that mail with the filled form."
    )
    return Notice(f"form:{unit}:{form.key}", unit, group, text)


def reminder_notice(job, unit: str, gaps) -> Notice | None:
    agency, rnd = job.agency, job.rnd
    group = _group(agency, unit)
    if not group:
        return None
    due_th = thai_date(job.last_day)
    codes = ", ".join(g.measure_code for g in gaps)
    text = (
        f"⏰ {agency.short_name_th}: ยังไม่ได้รับรายงานผล {rnd.label_th} ของ{agency.unit(unit).name_th}"
        f" มาตรการ {codes} ครบกำหนดส่งวันที่ {due_th}\n"
        f"Reminder: still missing {codes}; due {job.last_day}."
    )
    return Notice(f"reminder:{unit}", unit, group, text)


def outcome_notices(agency: Agency, outcome) -> list[Notice]:
    """One notice per unit whose file came by mail (``mailin.Outcome``): accepted, or its problems."""
    out = []
    for f in outcome.files:
        if not f.matched:
            continue
        unit = f.matched["unit"]
        group = _group(agency, unit)
        if not group:
            continue
        if f.accepted:
            codes = ", ".join(r["measure"] for r in f.rows)
            if getattr(f, "late", False):
                text = (
                    f"🕒 ได้รับ {f.name} ของ{agency.unit(unit).name_th}หลังกำหนด ({codes})"
                    f" ผู้ดูแลระบบจะดำเนินการรอบนี้ใหม่ / {f.name} received late: the admin will rerun the round."
                )
            else:
                text = f"✅ ได้รับ {f.name} ของ{agency.unit(unit).name_th}แล้ว ({codes}) / {f.name} accepted."
        else:
            errors = [p for p in f.problems if p["severity"] == "error"]
            lines = [
                f"- [{p['where']}] {thai_digits_in_prose(p['th'])} / {p['en']}"
                if p["where"]
                else f"- {thai_digits_in_prose(p['th'])}"
                for p in errors
            ]
            text = (
                f"❌ {f.name} ของ{agency.unit(unit).name_th} ยังรับไม่ได้ พบปัญหา {thai_digits(len(errors))} ข้อ"
                f" (รายละเอียดในอีเมลตอบกลับ) / not accepted, {len(errors)} problem(s):\n" + "\n".join(lines)
            )
        if f.missing:
            text += f"\nยังขาด / still missing: {', '.join(f.missing)}"
        out.append(Notice(f"outcome:{outcome.key[:16]}:{f.sha256[:12]}", unit, group, text))
    return out


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds: a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def retry_delay(status: int | None, retry_after: str | None, attempt: int, base: float) -> float | None:
    """Seconds to wait before try ``attempt + 1`` (attempt counts from 1), or None: do not retry.

    Retried: 429 and 5xx and no answer at all (status None); honours ``Retry-After``; otherwise the
    wait doubles from ``base``.
    """
    if status is not None and status not in RETRY_STATUSES:
        return None
    asked = retry_after_seconds(retry_after)
    if asked is not None:
        return asked if asked <= MAX_RETRY_AFTER else None
    return base * 2 ** (attempt - 1)


# --- the round's ledger ---------------------------------------------------------------------------


def ledger_path(round_dir: PathLike) -> PathLike:
    return round_dir / "outbox" / "line.json"


def ledger(round_dir: PathLike) -> dict:
    return read_json(ledger_path(round_dir), None) or {"pushed": {}, "failed": {}}


def pending(round_dir: PathLike, notices: list[Notice | None]) -> list[Notice]:
    done = ledger(round_dir)["pushed"]
    return [n for n in notices if n is not None and n.key not in done]


def record(round_dir: PathLike, notice: Notice, ok: bool, detail: str, tries: int) -> None:
    doc = ledger(round_dir)
    entry = {
        "unit": notice.unit,
        "group": notice.group,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "tries": tries,
        "detail": detail,
    }
    if ok:
        doc["pushed"][notice.key] = entry
        doc["failed"].pop(notice.key, None)
    else:
        doc["failed"][notice.key] = entry
    write_json(ledger_path(round_dir), doc)
