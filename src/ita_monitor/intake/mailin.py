"""Mail-in: units send their filled forms by replying to the form mail, to the agency's ITA mailbox.

Pure: the Airflow layer fetches each new message from the mailbox (IMAP) and hands its raw bytes to
``process_message``, then sends the replies ``mail_store.pending_replies`` lists.  What is kept where:
``mail_store``.

An attachment is matched to its fiscal year, round and unit by the reference the form carries
(``รหัสแบบฟอร์ม`` ``ita:<agency>/<year>/round-MM/<unit>``, see ``unit_forms.py``; the form must have
been issued to that unit, i.e. be in the round's outbox), otherwise by the sender's address listed for
exactly one unit in agency.yaml (``email`` or ``senders``), for the round being waited for.  A matched
file goes through exactly the intake a round uses (``intake.receive`` keeps it as a version,
``intake.check_file`` reads it as collect will).  Mail-in calls ``intake.deliver`` like the upload page:
the file lands in ``inbox/<unit>/`` under the one size limit, and is kept as a version at once.  A
Message-ID seen before is never processed again.  How a message is read: ``mail_message``.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from datetime import datetime

from ita_monitor.intake.mail_message import Attachment, attachments, find_ref, parse, sender_of
from ita_monitor.intake.mail_reply import build_reply, why_stale
from ita_monitor.intake.mail_store import (
    mail_dir,
    message_key,
    record_path,
    utc_now,
)
from ita_monitor.model import storage
from ita_monitor.model.agency import Agency
from ita_monitor.model.config import AgenciesDir
from ita_monitor.model.errors import InputError, Problem
from ita_monitor.model.rounds import Round
from ita_monitor.model.storage import DataRoot, write_atomic, write_json

# --- matching -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Match:
    fiscal_year: int
    months: int
    unit: str
    by: str  # "form" (the reference in the file) | "sender" (the address in agency.yaml)


def issued(data: DataRoot, slug: str, rnd: Round, unit: str) -> bool:
    """Whether the round's form was issued to ``unit`` (its outbox holds the form and its key)."""
    folder = data.round_dir(slug, rnd) / "outbox" / storage.part(unit, "unit")
    return folder.exists() and any(p.name.endswith(".key") for p in folder.iterdir())


def match(
    data: DataRoot, agency: Agency, sender: str, att: Attachment, waiting: Round | None
) -> Match | None:
    ref = find_ref(att.name, att.payload)
    if ref is not None and ref.slug == agency.slug and ref.unit in agency.unit_codes:
        try:
            rnd = Round(ref.fiscal_year, ref.months)
        except ValueError:
            rnd = None
        if rnd is not None and issued(data, agency.slug, rnd, ref.unit):
            return Match(ref.fiscal_year, ref.months, ref.unit, "form")
    units = agency.units_of_sender(sender) if sender else []
    if len(units) == 1 and waiting is not None:
        return Match(waiting.fiscal_year, waiting.months, units[0], "sender")
    return None


_CLOSED = ("published", "dry_run", "changed_after_publication")


def due_at_of(data: DataRoot, agency: Agency, rnd: Round) -> datetime:
    """When the round's wait ends: as its latest run recorded it (a past round caught up with
    ``ita-monitor run-round --due`` has a new last day), else as the schedule says."""
    from ita_monitor.model.status import load_round

    recorded = load_round(data, agency.slug, rnd).due_at
    return datetime.fromisoformat(recorded) if recorded else rnd.due_at(agency.schedule.grace_days)


def round_over(data: DataRoot, agency: Agency, rnd: Round, waiting: Round | None, now: datetime) -> bool:
    """Whether a file for ``rnd`` is stale: not the round waited for, past its due date, and either
    published or of an earlier fiscal year than the current one (a failed or incomplete round of this
    year is still open: the file is taken, late, and the admin reruns the round)."""
    from ita_monitor.model.rounds import fiscal_year_of
    from ita_monitor.model.status import load_round

    if rnd == waiting or now <= due_at_of(data, agency, rnd):
        return False
    current = waiting.fiscal_year if waiting else fiscal_year_of(now.date())
    return rnd.fiscal_year < current or load_round(data, agency.slug, rnd).state in _CLOSED


def is_late(data: DataRoot, agency: Agency, rnd: Round, now: datetime) -> bool:
    """After the round's due date, or after the round failed: taken, and the admin must rerun it."""
    from ita_monitor.model.status import load_round

    if now > due_at_of(data, agency, rnd):
        return True
    return load_round(data, agency.slug, rnd).state in ("failed", "incomplete")


# --- processing ---------------------------------------------------------------------------------


@dataclass
class FileResult:
    name: str
    sha256: str
    matched: dict | None  # Match as a dict, None when the file belongs to no unit
    accepted: bool = False
    version: int = 0
    new_version: bool = False
    rows: list[dict] = field(default_factory=list)  # {"measure": code, "status": ...}
    problems: list[dict] = field(default_factory=list)  # Problem.as_dict()
    missing: list[str] = field(default_factory=list)  # measure codes still missing from the unit
    late: bool = False  # after the round's due date, or into a round that failed: the admin reruns it
    # the form of a round that is over (another year, or published): {"fiscal_year", "months", "unit"}
    stale: dict | None = None


@dataclass
class Outcome:
    key: str
    message_id: str
    sha256: str
    sender: str
    subject: str
    received_at: str
    archived_as: str
    state: str  # "accepted" | "problems" | "quarantined" | "duplicate"
    files: list[FileResult] = field(default_factory=list)
    reason: str = ""  # why quarantined
    reply: dict | None = None  # {"to", "subject", "html", "text", "in_reply_to", "references", "sent_at"}

    def as_dict(self) -> dict:
        return asdict(self)


def archive(data: DataRoot, slug: str, raw: bytes, now: datetime) -> tuple[str, str]:
    """Keep the message unchanged (content-addressed); (sha256, path under the agency's folder)."""
    digest = hashlib.sha256(raw).hexdigest()
    rel = f"mail/archive/{now:%Y-%m}/{digest}.eml"
    existing = list(_archived(data, slug, digest))
    if existing:
        return digest, existing[0]
    path = mail_dir(data, slug).parent / rel
    write_atomic(path, raw)
    return digest, rel


def _archived(data: DataRoot, slug: str, digest: str):
    archive_dir = mail_dir(data, slug) / "archive"
    if not archive_dir.exists():
        return
    for month in archive_dir.iterdir():
        if (month / f"{digest}.eml").exists():
            yield f"mail/archive/{month.name}/{digest}.eml"


def seen(data: DataRoot, slug: str, message_id: str) -> bool:
    return record_path(data, slug, message_key(message_id)).exists()


def _take_in(
    data: DataRoot,
    agencies: AgenciesDir,
    agency: Agency,
    sender: str,
    att,
    waiting: Round | None,
    now: datetime,
) -> FileResult:
    """One attachment: matched to its round and unit, put in the inbox, kept as a version, read."""
    from ita_monitor.intake.inbox import deliver
    from ita_monitor.intake.reading import check_file
    from ita_monitor.intake.versions import receive
    from ita_monitor.model.limits import TooLarge, too_large_th_en

    m = match(data, agency, sender, att, waiting)
    result = FileResult(att.name, hashlib.sha256(att.payload).hexdigest(), asdict(m) if m else None)
    if m is None:
        return result
    rnd = Round(m.fiscal_year, m.months)
    if m.by == "form" and round_over(data, agency, rnd, waiting, now):  # answered, kept, not filed
        result.matched, result.stale = (
            None,
            {"fiscal_year": m.fiscal_year, "months": m.months, "unit": m.unit},
        )
        return result
    result.late = is_late(data, agency, rnd, now)
    try:
        plan = agencies.plan(agency.slug, rnd.fiscal_year, agency)
    except InputError as exc:
        result.problems = [p.as_dict() for p in exc.problems]
        return result
    # the round's own intake: into the inbox like an upload (the one size limit, a safe free name),
    # kept as a version at once so the reply can name it (collect finds the same bytes, stores nothing)
    try:
        stored = deliver(data, agency.slug, rnd, m.unit, att.name, att.payload)
    except TooLarge as exc:
        th, en = too_large_th_en(exc.limit, exc.seen, exc.exact)
        result.problems = [Problem(att.name, "", th, en).as_dict()]
        return result
    version, new = receive(
        data, agency.slug, rnd, m.unit, att.name, att.payload, source=f"inbox/{m.unit}/{stored}"
    )
    result.version, result.new_version = version.version, new
    found, problems = check_file(att.payload, att.name, m.unit, plan, agency, rnd)
    result.accepted = not [p for p in problems if p.severity == "error"]
    result.problems = [p.as_dict() for p in problems]
    if result.accepted:
        result.rows = [{"measure": r.measure_code, "status": r.status} for r in found]
    result.missing = _still_missing(data, agency, plan, rnd, m.unit)
    return result


def _conclude(
    data: DataRoot, agency: Agency, msg, raw: bytes, outcome: Outcome, waiting: Round | None
) -> None:
    """Quarantine a message that matched no unit; else build the reply (sent later by the caller)."""
    matched = [f for f in outcome.files if f.matched]
    stale = [f for f in outcome.files if f.stale]
    sender_units = agency.units_of_sender(outcome.sender) if outcome.sender else []
    if not matched and not (sender_units and not outcome.files):
        outcome.state = "quarantined"
        outcome.reason = (
            why_stale(stale[0].stale, waiting)
            if stale
            else _why_quarantined(agency, outcome.sender, outcome.files, sender_units, waiting)
        )
        write_atomic(mail_dir(data, agency.slug) / "quarantine" / f"{outcome.sha256}.eml", raw)
        if stale:  # the sender is told which form this is and which round is open now
            outcome.reply = build_reply(agency, msg, outcome, waiting)
    else:
        outcome.state = "accepted" if matched and all(f.accepted for f in outcome.files) else "problems"
        outcome.reply = build_reply(agency, msg, outcome, waiting)


def process_message(
    data: DataRoot,
    agencies: AgenciesDir,
    agency: Agency,
    raw: bytes,
    waiting: Round | None,
    now: datetime | None = None,
) -> Outcome:
    """Archive, match, take in and answer one message of the agency's mailbox.

    ``waiting`` is the round being waited for: the round of files matched by their sender alone.
    The reply is built and recorded (``reply.sent_at`` empty) for the caller to send; a message whose
    Message-ID was seen before comes back as ``duplicate`` and changes nothing.
    """
    now = now or utc_now()
    digest, archived_as = archive(data, agency.slug, raw, now)  # first, whatever comes next
    msg = parse(raw)
    message_id = str(msg.get("Message-ID", "")).strip() or f"<sha256:{digest}>"
    key = message_key(message_id)
    sender = sender_of(msg)
    received_at = now.isoformat(timespec="seconds")
    outcome = Outcome(
        key, message_id, digest, sender, str(msg.get("Subject", "")), received_at, archived_as, "duplicate"
    )
    if record_path(data, agency.slug, key).exists():
        return outcome
    outcome.files = [_take_in(data, agencies, agency, sender, att, waiting, now) for att in attachments(msg)]
    _conclude(data, agency, msg, raw, outcome, waiting)
    write_json(record_path(data, agency.slug, key), outcome.as_dict())
    return outcome


def quarantine_unreadable(
    data: DataRoot, slug: str, raw: bytes, error: str, now: datetime | None = None
) -> Outcome:
    """Keep a message whose processing failed (a bug, a file no library can open) in quarantine, so
    the mailbox moves on and the admin sees it on the ITA page."""
    now = now or utc_now()
    digest, archived_as = archive(data, slug, raw, now)
    try:
        msg = parse(raw)
        message_id = str(msg.get("Message-ID", "")).strip() or f"<sha256:{digest}>"
        sender, subject = sender_of(msg), str(msg.get("Subject", ""))
        names = [a.name for a in attachments(msg)]
    except Exception:
        message_id, sender, subject, names = f"<sha256:{digest}>", "", "", []
    key = message_key(message_id)
    outcome = Outcome(
        key,
        message_id,
        digest,
        sender,
        subject,
        now.isoformat(timespec="seconds"),
        archived_as,
        "quarantined",
        files=[FileResult(n, "", None) for n in names],
        reason=f"อ่านอีเมลนี้ไม่ได้ / this message could not be processed: {error}",
    )
    write_atomic(mail_dir(data, slug) / "quarantine" / f"{digest}.eml", raw)
    write_json(record_path(data, slug, key), outcome.as_dict())
    return outcome


def _still_missing(data: DataRoot, agency: Agency, plan, rnd: Round, unit: str) -> list[str]:
    from ita_monitor.intake.completeness import check
    from ita_monitor.intake.reading import take_in

    intake = take_in(data, agency, plan, rnd, store=False)
    gaps = check(plan, agency, rnd, intake.rows.values()).gaps
    return [g.measure_code for g in gaps if g.unit == unit]


def _why_quarantined(agency, sender, files, sender_units, waiting) -> str:
    if len(sender_units) > 1:
        return (
            f"ผู้ส่ง {sender} เป็นที่อยู่ของหลายหน่วยงาน ({', '.join(sender_units)}) และไฟล์ไม่มีรหัสแบบฟอร์ม"
            f" / {sender} is listed for several units and the file carries no form reference"
        )
    if sender_units and waiting is None:
        return "ไม่มีรอบที่กำลังรอการส่งผล / no round is waiting for submissions"
    return (
        f"ไม่รู้จักผู้ส่ง {sender or '-'} และไฟล์ไม่มีรหัสแบบฟอร์มของหน่วยงานนี้: เพิ่มที่อยู่ใน agency.yaml"
        f" (units[].senders) หรือให้ส่งแบบฟอร์มที่ได้รับ / unknown sender {sender or '-'} and no form"
        " reference of this agency in the file: add the address to agency.yaml (units[].senders) or ask"
        " for the form that was mailed"
    )
