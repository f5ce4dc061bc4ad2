"""Received files: every file a unit sends is kept unchanged, as a numbered version, before it is read.

Layout under the round folder::

    received/<unit>/<version>-<sha8>-<name>     the bytes exactly as received (never rewritten or deleted);
                                                <name> is safe_name() of the name as sent (bounded)
    received/<unit>/claims/<version>.json       the version's record: unit, version, name as sent,
                                                sha256, bytes, received_at, stored_as, source; created
                                                exclusively (O_EXCL / S3 If-None-Match: *), so each
                                                received file gets its own number whatever the number
                                                of processes or hosts sharing the data root
    received/<unit>/withdrawals/<version>-<n>.json   the admin's n-th action on that version:
                                                withdraw (who, when, why) or undo; created exclusively,
                                                never rewritten: the last one says whether it counts
    received/manifest.json                      an index of the claims and of the withdrawals

The same bytes from the same unit again are not a new version; anything else is.  When a round is
collected every version is read in order and, per (unit, measure), the row of the latest valid
version counts; a rejected version never replaces an accepted one; a withdrawn version (the admin
set it aside, with a reason) is listed, marked, and does not count.  The inbox is only read, and no
received byte is ever deleted.
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from ita_monitor.intake.submissions import sha256
from ita_monitor.model.errors import Problem
from ita_monitor.model.limits import (
    MAX_NAME_BYTES,
    TooLarge,
    read_bounded,
    read_path_bounded,
    too_large_th_en,
)
from ita_monitor.model.revisions import update_json
from ita_monitor.model.rounds import Round
from ita_monitor.model.storage import (
    DataRoot,
    PathLike,
    UnsafePath,
    create_exclusive,
    fresh,
    list_dirs,
    list_files,
    part,
    read_all,
    read_json,
)

log = logging.getLogger(__name__)
MANIFEST = "manifest.json"
# Thai vowels above/below and tone marks: they belong to the consonant before them
_THAI_MARKS = frozenset(
    "\u0e31\u0e34\u0e35\u0e36\u0e37\u0e38\u0e39\u0e3a\u0e47\u0e48\u0e49\u0e4a\u0e4b\u0e4c\u0e4d\u0e4e"
)


@dataclass(frozen=True)
class Version:
    """One received file of one unit."""

    unit: str
    version: int  # 1, 2, ... per unit, in order of receipt
    name: str  # the file's name as sent
    sha256: str
    bytes: int
    received_at: str  # ISO time, UTC
    stored_as: str  # path under the round folder: received/<unit>/<version>-<sha8>-<name>
    source: str  # where it came from: inbox/<unit>/<name>
    withdrawn: dict | None = field(default=None, compare=False)  # only as read with its withdrawals

    def as_dict(self) -> dict:
        """The version's record (its claim); a withdrawal is a separate record."""
        d = asdict(self)
        d.pop("withdrawn", None)
        return d

    @classmethod
    def of(cls, record: dict) -> Version:
        return cls(**{k: v for k, v in record.items() if k in _VERSION_FIELDS})


_VERSION_FIELDS = frozenset(
    ("unit", "version", "name", "sha256", "bytes", "received_at", "stored_as", "source")
)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def received_dir(data: DataRoot, slug: str, rnd: Round) -> PathLike:
    return data.round_dir(slug, rnd) / "received"


def manifest_path(data: DataRoot, slug: str, rnd: Round) -> PathLike:
    return received_dir(data, slug, rnd) / MANIFEST


def _claims_dir(data: DataRoot, slug: str, rnd: Round, unit: str) -> PathLike:
    return received_dir(data, slug, rnd) / part(unit, "unit") / "claims"


def history(data: DataRoot, slug: str, rnd: Round) -> list[Version]:
    """Every version received in the round, in order of receipt (per unit, by version number).

    The claims (``received/<unit>/claims/<NNN>.json``, each created exclusively) are the record;
    ``manifest.json`` is an index of them (and the record of rounds received before claims existed).
    """
    doc = read_json(manifest_path(data, slug, rnd), None) or {"versions": []}
    found = {(v["unit"], v["version"]): Version.of(v) for v in doc["versions"]}
    folder = received_dir(data, slug, rnd)
    for unit_dir in list_dirs(folder):
        for claim in list_files(_claims_dir(data, slug, rnd, unit_dir.name)):
            if claim.name.endswith(".json") and claim.name[:-5].isdigit():
                key = (unit_dir.name, int(claim.name[:-5]))
                if key not in found:
                    found[key] = Version.of(json.loads(read_all(claim)))
    return sorted(found.values(), key=lambda v: (v.received_at, v.unit, v.version))


def safe_name(name: str, max_bytes: int = MAX_NAME_BYTES) -> str:
    """A name any file system and object store takes, from any name a sender gives.

    Only the last part of a path; characters other than letters (Thai included), digits and
    ``. _ - ( ) +`` become ``_``; no leading dot; the extension kept (``..csv`` -> ``file.csv``); at
    most ``max_bytes`` UTF-8 bytes, a long name cut at a character and marked with a short hash of
    the whole name (so two long names never meet).  The name as sent is kept in the manifest.
    """
    base = unicodedata.normalize("NFC", (name or "").replace("\\", "/")).rsplit("/", 1)[-1].strip()
    stem, dot, ext = base.rpartition(".")
    if not dot or not re.fullmatch(r"[A-Za-z0-9]{1,10}", ext):
        stem, ext = base, ""
    stem = re.sub(r"[^\w\u0E00-\u0E7F().+-]+", "_", stem, flags=re.UNICODE).strip("._ ") or "file"
    suffix = f".{ext.lower()}" if ext else ""
    room = max_bytes - len(suffix.encode())
    if len(stem.encode("utf-8")) > room:
        mark = "~" + hashlib.sha256(base.encode("utf-8")).hexdigest()[:8]
        cut = stem.encode("utf-8")[: room - len(mark)].decode("utf-8", "ignore")
        while cut and (unicodedata.combining(cut[-1]) or cut[-1] in _THAI_MARKS):
            cut = cut[:-1]  # never leave a Thai vowel or tone mark without its consonant
        stem = cut.rstrip("._ ") + mark
    return stem + suffix


def _stored_as(unit: str, number: int, digest: str, name: str) -> str:
    return f"received/{part(unit, 'unit')}/{number:03d}-{digest[:8]}-{safe_name(name)}"


def _claim(data: DataRoot, slug: str, rnd: Round, version: Version) -> Version | None:
    """Claim ``version``'s number for its unit; None if done, else the version that holds the number."""
    path = _claims_dir(data, slug, rnd, version.unit) / f"{version.version:03d}.json"
    doc = json.dumps(version.as_dict(), ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")
    if create_exclusive(path, doc + b"\n"):
        return None
    return Version.of(json.loads(read_all(fresh(path))))


def _keep(
    data: DataRoot,
    slug: str,
    rnd: Round,
    unit: str,
    name: str,
    payload: bytes,
    source: str,
    when: str,
    versions: list[Version] | None = None,
) -> tuple[Version, bool]:
    """Make ``payload`` a version of ``unit`` (or find it already is one); (version, whether new).

    The version number is claimed by creating ``claims/<NNN>.json`` exclusively (``O_EXCL`` on a file
    system, ``If-None-Match: *`` on S3): of several processes or hosts taking in files at once each
    gets its own number, and nobody's file is written over.  The bytes are stored after the claim;
    a run killed in between leaves a claim whose bytes are read from its source and stored by the
    next run.
    """
    digest = sha256(payload)
    versions = history(data, slug, rnd) if versions is None else versions  # a claim taken since is met below
    for v in versions:
        if v.unit == unit and v.sha256 == digest:
            _store(data, slug, rnd, v, payload)
            return v, False
    number = 1 + max((v.version for v in versions if v.unit == unit), default=0)
    while True:
        version = Version(
            unit, number, name, digest, len(payload), when, _stored_as(unit, number, digest, name), source
        )
        holder = _claim(data, slug, rnd, version)
        if holder is None:
            _store(data, slug, rnd, version, payload)
            return version, True
        if holder.sha256 == digest:  # the same bytes, taken in by another process just now
            _store(data, slug, rnd, holder, payload)
            return holder, False
        number += 1


def receive(
    data: DataRoot, slug: str, rnd: Round, unit: str, name: str, payload: bytes, source: str = ""
) -> tuple[Version, bool]:
    """Keep ``payload`` as a version of ``unit``'s submissions; (version, whether it is new)."""
    version, new = _keep(data, slug, rnd, unit, name, payload, source or f"inbox/{unit}/{name}", _now())
    if new:
        _write_manifest(data, slug, rnd)
    return version, new


def _store(data: DataRoot, slug: str, rnd: Round, version: Version, payload: bytes) -> None:
    path = data.within_round(slug, rnd, version.stored_as)
    if create_exclusive(path, payload):
        return
    if sha256(read_all(fresh(path))) != version.sha256:  # cannot happen: the name holds the claimed number
        raise FileExistsError(f"{path} exists with other content; received files are never rewritten")


def _write_manifest(data: DataRoot, slug: str, rnd: Round) -> None:
    """The index of every claim and withdrawal (rewritten whole; the claims and actions stay the record)."""
    versions = history(data, slug, rnd)
    actions = withdrawal_actions(data, slug, rnd)
    in_force = withdrawn_versions(data, slug, rnd, actions)
    withdrawals = [a for (_, _), acts in sorted(actions.items()) for a in acts]
    doc = {
        "agency": slug,
        "fiscal_year": rnd.fiscal_year,
        "round": rnd.months,
        "versions": [
            {
                **v.as_dict(),
                **({"withdrawn": in_force[key]} if (key := (v.unit, v.version)) in in_force else {}),
            }
            for v in versions
        ],
        "withdrawals": withdrawals,
    }

    # several receipts (or withdrawals) at once may finish in either order: the index of more stays
    def newer(now):
        now = now or {}
        if len(now.get("versions") or []) >= len(versions) and len(now.get("withdrawals") or []) >= len(
            withdrawals
        ):
            return None
        return doc

    update_json(manifest_path(data, slug, rnd), newer)


# --- withdrawing a version ---------------------------------------------------------------------------


class WithdrawRefused(ValueError):
    """A withdrawal (or undo) that cannot be done; the message says why and what to do (Thai / English);
    ``code``: no_such_version, withdraw_reason, already_withdrawn or not_withdrawn."""

    def __init__(self, message: str, code: str):
        super().__init__(message)
        self.code = code


def _withdrawals_dir(data: DataRoot, slug: str, rnd: Round, unit: str) -> PathLike:
    return received_dir(data, slug, rnd) / unit / "withdrawals"


def withdrawal_actions(data: DataRoot, slug: str, rnd: Round) -> dict[tuple[str, int], list[dict]]:
    """Every withdraw / undo action of the round, per (unit, version), in order."""
    out: dict[tuple[str, int], list[dict]] = {}
    for unit_dir in list_dirs(received_dir(data, slug, rnd)):
        for f in list_files(_withdrawals_dir(data, slug, rnd, unit_dir.name)):
            m = re.fullmatch(r"(\d+)-(\d+)\.json", f.name)
            if not m:
                continue
            try:
                action = json.loads(read_all(f))
            except (OSError, ValueError):
                continue
            out.setdefault((unit_dir.name, int(m.group(1))), []).append({**action, "n": int(m.group(2))})
    for acts in out.values():
        acts.sort(key=lambda a: a["n"])
    return out


def withdrawn_versions(
    data: DataRoot, slug: str, rnd: Round, actions: dict[tuple[str, int], list[dict]] | None = None
) -> dict[tuple[str, int], dict]:
    """(unit, version) -> the withdrawal in force (its last action is a withdraw)."""
    actions = withdrawal_actions(data, slug, rnd) if actions is None else actions
    return {key: acts[-1] for key, acts in actions.items() if acts and acts[-1].get("action") == "withdraw"}


def record_withdrawal(
    data: DataRoot, slug: str, rnd: Round, unit: str, version: int, reason: str, by: str, undo: bool = False
) -> dict:
    """Withdraw ``unit``'s ``version`` (or, ``undo``, put it back): a new action, created exclusively
    (``storage.create_exclusive``), so of two admins at once one records it and the other is told it
    is already done.  The version's bytes, claim and history stay; the manifest lists the action."""
    reason = " ".join((reason or "").split())[:500]
    known = {(v.unit, v.version) for v in history(data, slug, rnd)}
    if (unit, version) not in known:
        have = sorted(v for u, v in known if u == unit)
        raise WithdrawRefused(
            f"ไม่มีไฟล์ฉบับที่ {version} ของหน่วยงานย่อย {unit} ในรอบนี้ (มี: {have or 'ไม่มี'}) / "
            f"{unit} has no version {version} in this round (versions: {have or 'none'})",
            "no_such_version",
        )
    if not undo and not reason:
        raise WithdrawRefused(
            "บอกเหตุผลที่ถอนไฟล์นี้ / say why this version is withdrawn (--reason)", "withdraw_reason"
        )
    kind = "undo" if undo else "withdraw"
    while True:
        acts = withdrawal_actions(data, slug, rnd).get((unit, version), [])
        current = acts[-1]["action"] if acts else "undo"
        if current == kind:
            raise WithdrawRefused(
                f"ไฟล์ฉบับที่ {version} ของ {unit} ถูกถอนอยู่แล้ว / {unit} version {version} is already withdrawn"
                if kind == "withdraw"
                else f"ไฟล์ฉบับที่ {version} ของ {unit} ไม่ได้ถูกถอน / {unit} version {version} is not withdrawn",
                "already_withdrawn" if kind == "withdraw" else "not_withdrawn",
            )
        n = 1 + (acts[-1]["n"] if acts else 0)
        action = {"unit": unit, "version": version, "action": kind, "by": by, "at": _now(), "reason": reason}
        path = _withdrawals_dir(data, slug, rnd, unit) / f"{version:03d}-{n:03d}.json"
        body = json.dumps(action, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8") + b"\n"
        if create_exclusive(path, body):
            _write_manifest(data, slug, rnd)
            return {**action, "n": n}
        # another admin recorded action n just now: look again (it may be this very action)


def deliver(
    data: DataRoot, slug: str, rnd: Round, unit: str, name: str, source: Any, size: int | None = None
) -> str:
    """Put a file into ``inbox/<unit>/`` (the upload page, mail-in and link-in call this); its stored name.

    ``source`` is bytes, a binary file object or an iterable of chunks, read with the one size limit
    (``data.max_submission_bytes``) and refused as soon as it passes it (``TooLarge``).  The name is
    ``safe_name(name)``, or ``<stem>-2<ext>``, ``-3`` ... when taken: each name is created exclusively,
    so concurrent senders (several api-server workers or hosts) never overwrite each other.
    """
    payload = source if isinstance(source, bytes) else read_bounded(source, data.max_submission_bytes, size)
    if len(payload) > data.max_submission_bytes:
        raise TooLarge(data.max_submission_bytes, len(payload), exact=isinstance(source, bytes))
    folder = data.inbox(slug, rnd) / part(unit, "unit")  # confined whatever the caller passes
    first = part(safe_name(name), "file")
    stem, dot, ext = first.rpartition(".")
    stem, ext = (stem, f".{ext}") if dot else (first, "")
    for n in range(1, 10_000):
        candidate = first if n == 1 else f"{stem}-{n}{ext}"
        if n > 1 and (folder / candidate).exists():
            continue  # known taken: no need to write it to find out (the create below decides)
        if create_exclusive(folder / candidate, payload):
            return candidate
    raise FileExistsError(f"no free name for {first} in {folder}")


def _inbox_files(data: DataRoot, slug: str, rnd: Round) -> list[tuple[str, PathLike]]:
    inbox = data.inbox(slug, rnd)
    out = []
    for unit_dir in list_dirs(inbox):
        # every file a unit sent, a name starting with a dot too (``..csv``): taken in and counted, or
        # listed as rejected, never silently left out; only the store's own temporary files are skipped
        out += [(unit_dir.name, f) for f in sorted(list_files(unit_dir, hidden=True), key=_arrival)]
    return out


def _arrival(path: PathLike) -> tuple[float, str]:
    """Order of arrival: modification time where the storage has one, then name."""
    try:
        mtime = float(path.stat().st_mtime)  # type: ignore[attr-defined]
    except Exception:  # storage without times: name order
        mtime = 0.0
    return mtime, path.name


@dataclass(frozen=True)
class Unread:
    """An inbox file that could not be taken in (too large, unreadable): rejected with the reason."""

    unit: str
    source: str
    problem: Problem


def receive_inbox(
    data: DataRoot, slug: str, rnd: Round, store: bool = True
) -> tuple[list[Version], list[Version]]:
    """Every version of the round, after taking in what is new in the inbox; (all, new)."""
    versions, new, _ = take_in_inbox(data, slug, rnd, store)
    return versions, new


def take_in_inbox(
    data: DataRoot, slug: str, rnd: Round, store: bool = True, read: dict | None = None
) -> tuple[list[Version], list[Version], list[Unread]]:
    """Every version of the round after taking in the inbox; (all, new, inbox files not taken in).

    With ``store=False`` nothing is written: new inbox files appear as versions that are not kept
    yet (used while waiting for submissions, so polling changes nothing).  A file that cannot be
    read, or is above the size limit (found while reading, never read whole), is not kept and is
    listed with its reason; the other files are taken in as usual.  ``read`` (if given) gets the
    bytes of each new version by (unit, sha256), so the caller reads them without reading them again.
    """
    versions = history(data, slug, rnd)
    known = {(v.unit, v.sha256): v for v in versions}
    when = _now()
    new: list[Version] = []
    unread: list[Unread] = []
    for unit, f in _inbox_files(data, slug, rnd):
        source = f"inbox/{unit}/{f.name}"
        try:
            part(unit, "unit")  # a folder whose name cannot be kept (a control character, a backslash)
            payload = read_path_bounded(f, data.max_submission_bytes)
        except UnsafePath as exc:
            unread.append(Unread(unit, source, Problem(source, "", exc.th, exc.en)))
            continue
        except TooLarge as exc:
            th, en = too_large_th_en(exc.limit, exc.seen, exc.exact)
            unread.append(Unread(unit, source, Problem(source, "", th, en)))
            continue
        except OSError as exc:
            unread.append(Unread(unit, source, _unreadable(source, exc)))
            continue
        digest = sha256(payload)
        if (unit, digest) in known:
            if store:
                _store(data, slug, rnd, known[(unit, digest)], payload)  # a claim left without its bytes
            continue
        if store:
            version, fresh = _keep(data, slug, rnd, unit, f.name, payload, source, when, versions)
            if not fresh:
                continue
        else:
            number = 1 + max((v.version for v in versions if v.unit == unit), default=0)
            version = Version(
                unit,
                number,
                f.name,
                digest,
                len(payload),
                when,
                _stored_as(unit, number, digest, f.name),
                source,
            )
        versions.append(version)
        new.append(version)
        known[(unit, digest)] = version
        if read is not None:
            read[(unit, digest)] = payload
    if store and new:
        _write_manifest(data, slug, rnd)
        versions = history(data, slug, rnd)
    return versions, new, unread


_WHY_UNREADABLE = {
    errno.ENOENT: ("ไฟล์หายไปหรือเป็นลิงก์ที่ชี้ไปที่ไม่มีไฟล์", "it is gone, or a link to nothing"),
    errno.EACCES: ("ไม่มีสิทธิ์อ่าน", "no permission to read it"),
    errno.EPERM: ("ไม่มีสิทธิ์อ่าน", "no permission to read it"),
    errno.ELOOP: ("เป็นลิงก์ที่วนซ้ำ", "a link that loops"),
    errno.EISDIR: ("เป็นโฟลเดอร์", "it is a folder"),
}


def _unreadable(source: str, exc: BaseException) -> Problem:
    """A file that cannot be read, in our words (the error itself goes to the log, never to the sender)."""
    th_why, en_why = _WHY_UNREADABLE.get(getattr(exc, "errno", None), ("", ""))
    if not isinstance(exc, OSError):
        log.warning("reading %s failed", source, exc_info=exc)
    return Problem(
        source,
        "",
        "อ่านไฟล์นี้ไม่ได้" + (f" ({th_why})" if th_why else "") + ": ส่งไฟล์ใหม่อีกครั้ง",
        "this file cannot be read" + (f" ({en_why})" if en_why else "") + ": send it again",
    )
