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

import hashlib
import json
import logging
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

from ita_monitor.intake.submissions import sha256
from ita_monitor.model.limits import (
    MAX_NAME_BYTES,
)
from ita_monitor.model.revisions import update_json
from ita_monitor.model.rounds import Round
from ita_monitor.model.storage import (
    DataRoot,
    PathLike,
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


def now_iso() -> str:
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


def stored_as(unit: str, number: int, digest: str, name: str) -> str:
    return f"received/{part(unit, 'unit')}/{number:03d}-{digest[:8]}-{safe_name(name)}"


def _claim(data: DataRoot, slug: str, rnd: Round, version: Version) -> Version | None:
    """Claim ``version``'s number for its unit; None if done, else the version that holds the number."""
    path = _claims_dir(data, slug, rnd, version.unit) / f"{version.version:03d}.json"
    doc = json.dumps(version.as_dict(), ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")
    if create_exclusive(path, doc + b"\n"):
        return None
    return Version.of(json.loads(read_all(fresh(path))))


def keep(
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
            store_bytes(data, slug, rnd, v, payload)
            return v, False
    number = 1 + max((v.version for v in versions if v.unit == unit), default=0)
    while True:
        version = Version(
            unit, number, name, digest, len(payload), when, stored_as(unit, number, digest, name), source
        )
        holder = _claim(data, slug, rnd, version)
        if holder is None:
            store_bytes(data, slug, rnd, version, payload)
            return version, True
        if holder.sha256 == digest:  # the same bytes, taken in by another process just now
            store_bytes(data, slug, rnd, holder, payload)
            return holder, False
        number += 1


def receive(
    data: DataRoot, slug: str, rnd: Round, unit: str, name: str, payload: bytes, source: str = ""
) -> tuple[Version, bool]:
    """Keep ``payload`` as a version of ``unit``'s submissions; (version, whether it is new)."""
    version, new = keep(data, slug, rnd, unit, name, payload, source or f"inbox/{unit}/{name}", now_iso())
    if new:
        write_manifest(data, slug, rnd)
    return version, new


def store_bytes(data: DataRoot, slug: str, rnd: Round, version: Version, payload: bytes) -> None:
    path = data.within_round(slug, rnd, version.stored_as)
    if create_exclusive(path, payload):
        return
    if sha256(read_all(fresh(path))) != version.sha256:  # cannot happen: the name holds the claimed number
        raise FileExistsError(f"{path} exists with other content; received files are never rewritten")


def write_manifest(data: DataRoot, slug: str, rnd: Round) -> None:
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
        action = {
            "unit": unit,
            "version": version,
            "action": kind,
            "by": by,
            "at": now_iso(),
            "reason": reason,
        }
        path = _withdrawals_dir(data, slug, rnd, unit) / f"{version:03d}-{n:03d}.json"
        body = json.dumps(action, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8") + b"\n"
        if create_exclusive(path, body):
            write_manifest(data, slug, rnd)
            return {**action, "n": n}
        # another admin recorded action n just now: look again (it may be this very action)
