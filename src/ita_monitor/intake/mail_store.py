"""The agency's mail folder: where mail-in keeps every message and what became of it, and the readers
the ITA page, the round and the reply sender use.  Layout, agency level (which round a message belongs
to is known only once it has been read)::

    <root>/<agency>/mail/archive/<YYYY-MM>/<sha256>.eml   every message fetched, byte for byte, written
                                                          before anything else is done with it
    <root>/<agency>/mail/messages/<key>.json              one record per Message-ID (key = sha256 of it):
                                                          sender, what each attachment became, the reply
    <root>/<agency>/mail/quarantine/<sha256>.eml          messages that match no unit: kept, never read
    <root>/<agency>/mail/imap.json                        the mailbox's UIDVALIDITY and the last UID read
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from ita_monitor.model import storage
from ita_monitor.model.errors import Problem
from ita_monitor.model.rounds import Round
from ita_monitor.model.storage import DataRoot, PathLike, list_files, read_json, write_json


def utc_now() -> datetime:
    return datetime.now(UTC)


# --- paths --------------------------------------------------------------------------------------


def mail_dir(data: DataRoot, slug: str) -> PathLike:
    return data.root / storage.part(slug, "agency") / "mail"


def record_path(data: DataRoot, slug: str, key: str) -> PathLike:
    return mail_dir(data, slug) / "messages" / f"{key}.json"


def message_key(message_id: str) -> str:
    return hashlib.sha256(message_id.strip().lower().encode("utf-8")).hexdigest()


def imap_state(data: DataRoot, slug: str) -> dict:
    """``{"uidvalidity": int|None, "last_uid": int}`` of the agency's mailbox."""
    return read_json(mail_dir(data, slug) / "imap.json", None) or {"uidvalidity": None, "last_uid": 0}


def save_imap_state(data: DataRoot, slug: str, uidvalidity: int, last_uid: int) -> None:
    write_json(mail_dir(data, slug) / "imap.json", {"uidvalidity": uidvalidity, "last_uid": last_uid})


# --- after processing ---------------------------------------------------------------------------


def records(data: DataRoot, slug: str) -> list[dict]:
    folder = mail_dir(data, slug) / "messages"
    return [read_json(p) for p in list_files(folder) if p.name.endswith(".json")]


def pending_replies(data: DataRoot, slug: str) -> list[dict]:
    """Records whose reply is built but not sent yet (a crash between the two is caught up here)."""
    return sorted(
        (r for r in records(data, slug) if r.get("reply") and not r["reply"].get("sent_at")),
        key=lambda r: r["received_at"],
    )


def reply_sent(data: DataRoot, slug: str, key: str, when: datetime | None = None) -> None:
    path = record_path(data, slug, key)
    rec = read_json(path)
    rec["reply"]["sent_at"] = (when or utc_now()).isoformat(timespec="seconds")
    write_json(path, rec)


def quarantined(data: DataRoot, slug: str) -> list[dict]:
    """Messages of the agency's mailbox that matched no unit, newest first (for the ITA page)."""
    out = [
        {
            "received_at": r["received_at"],
            "sender": r["sender"],
            "subject": r["subject"],
            "message_id": r["message_id"],
            "files": [f["name"] for f in r["files"]],
            "reason": r["reason"],
            "kept_as": f"mail/quarantine/{r['sha256']}.eml",
            "archived_as": r["archived_as"],
        }
        for r in records(data, slug)
        if r.get("state") == "quarantined"
    ]
    return sorted(out, key=lambda q: q["received_at"], reverse=True)


def problems_of(record: dict) -> list[Problem]:
    return [Problem(**p) for f in record.get("files", []) for p in f.get("problems", [])]


def late_files(data: DataRoot, slug: str, rnd: Round) -> list[dict]:
    """Files of this round taken after its due date or its failure, oldest first (the round page:
    the admin reruns the round for them)."""
    out = [
        {
            "received_at": r["received_at"],
            "sender": r["sender"],
            "unit": f["matched"]["unit"],
            "file": f["name"],
            "version": f.get("version", 0),
            "accepted": f.get("accepted", False),
        }
        for r in records(data, slug)
        for f in r.get("files", [])
        if f.get("late")
        and f.get("matched")
        and (f["matched"]["fiscal_year"], f["matched"]["months"]) == (rnd.fiscal_year, rnd.months)
    ]
    return sorted(out, key=lambda x: x["received_at"])
