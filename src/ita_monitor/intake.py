"""Received files: every file a unit sends is kept unchanged, as a numbered version, before it is read.

Layout under the round folder::

    received/<unit>/<version>-<sha8>-<name>     the bytes exactly as received (never rewritten or deleted)
    received/manifest.json                      one entry per version: unit, version, name, sha256,
                                                bytes, received_at, stored_as, source

The same bytes from the same unit again are not a new version; anything else is.  When a round is
collected every version is read in order and, per (unit, measure), the row of the latest valid
version counts; a rejected version never replaces an accepted one.  The inbox is only read.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

from ita_monitor.config import Agency, Plan
from ita_monitor.errors import Problem
from ita_monitor.rounds import Round
from ita_monitor.storage import DataRoot, PathLike, list_files, read_json, write_atomic, write_json
from ita_monitor.submissions import FileOutcome, ResultRow, parse_submission, sha256

MANIFEST = "manifest.json"


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

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class Intake:
    """The outcome of reading every version of a round."""

    versions: list[Version]
    outcomes: list[FileOutcome]
    rows: dict[tuple[str, str], ResultRow] = field(default_factory=dict)
    new: list[Version] = field(default_factory=list)  # stored by this call

    @property
    def rejected(self) -> list[dict]:
        return [
            {
                "unit": o.unit,
                "file": o.file,
                "version": o.version,
                "reasons": [str(p) for p in o.problems if p.severity == "error"],
            }
            for o in self.outcomes
            if not o.accepted
        ]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def received_dir(data: DataRoot, slug: str, rnd: Round) -> PathLike:
    return data.round_dir(slug, rnd) / "received"


def manifest_path(data: DataRoot, slug: str, rnd: Round) -> PathLike:
    return received_dir(data, slug, rnd) / MANIFEST


def history(data: DataRoot, slug: str, rnd: Round) -> list[Version]:
    """Every version received in the round, in order of receipt."""
    doc = read_json(manifest_path(data, slug, rnd), None) or {"versions": []}
    return [Version(**v) for v in doc["versions"]]


def _safe_name(name: str) -> str:
    keep = "".join(ch if ch.isalnum() or ch in "._-ก๐" or "\u0e00" <= ch <= "\u0e7f" else "_" for ch in name)
    return keep.strip("._") or "file"


def _next(versions: list[Version], unit: str, data: bytes, name: str, source: str, when: str) -> Version:
    number = 1 + max((v.version for v in versions if v.unit == unit), default=0)
    digest = sha256(data)
    stored = f"received/{unit}/{number:03d}-{digest[:8]}-{_safe_name(name)}"
    return Version(unit, number, name, digest, len(data), when, stored, source)


def receive(
    data: DataRoot, slug: str, rnd: Round, unit: str, name: str, payload: bytes, source: str = ""
) -> tuple[Version, bool]:
    """Keep ``payload`` as a version of ``unit``'s submissions; (version, whether it is new)."""
    versions = history(data, slug, rnd)
    digest = sha256(payload)
    for v in versions:
        if v.unit == unit and v.sha256 == digest:
            return v, False
    version = _next(versions, unit, payload, name, source or f"inbox/{unit}/{name}", _now())
    _store(data, slug, rnd, version, payload)
    _write_manifest(data, slug, rnd, [*versions, version])
    return version, True


def _store(data: DataRoot, slug: str, rnd: Round, version: Version, payload: bytes) -> None:
    path = data.round_dir(slug, rnd) / version.stored_as
    if path.exists():  # a run killed after storing, before the manifest: same name means same bytes
        if sha256(path.read_bytes()) == version.sha256:
            return
        raise FileExistsError(f"{path} exists with other content; received files are never rewritten")
    write_atomic(path, payload)


def _write_manifest(data: DataRoot, slug: str, rnd: Round, versions: list[Version]) -> None:
    write_json(
        manifest_path(data, slug, rnd),
        {
            "agency": slug,
            "fiscal_year": rnd.fiscal_year,
            "round": rnd.months,
            "versions": [asdict(v) for v in versions],
        },
    )


def _inbox_files(data: DataRoot, slug: str, rnd: Round) -> list[tuple[str, PathLike]]:
    inbox = data.inbox(slug, rnd)
    if not inbox.exists():
        return []
    out = []
    for unit_dir in sorted((p for p in inbox.iterdir() if p.is_dir()), key=lambda p: p.name):
        out += [(unit_dir.name, f) for f in sorted(list_files(unit_dir), key=_arrival)]
    return out


def _arrival(path: PathLike) -> tuple[float, str]:
    """Order of arrival: modification time where the storage has one, then name."""
    try:
        mtime = float(path.stat().st_mtime)  # type: ignore[attr-defined]
    except Exception:  # storage without times: name order
        mtime = 0.0
    return mtime, path.name


def receive_inbox(
    data: DataRoot, slug: str, rnd: Round, store: bool = True
) -> tuple[list[Version], list[Version]]:
    """Every version of the round, after taking in what is new in the inbox; (all, new).

    With ``store=False`` nothing is written: new inbox files appear as versions that are not kept
    yet (used while waiting for submissions, so polling changes nothing).
    """
    versions = history(data, slug, rnd)
    known = {(v.unit, v.sha256) for v in versions}
    when = _now()
    new: list[Version] = []
    for unit, f in _inbox_files(data, slug, rnd):
        payload = f.read_bytes()
        if (unit, sha256(payload)) in known:
            continue
        version = _next(versions, unit, payload, f.name, f"inbox/{unit}/{f.name}", when)
        if store:
            _store(data, slug, rnd, version, payload)
        versions.append(version)
        new.append(version)
        known.add((unit, version.sha256))
    if store and new:
        _write_manifest(data, slug, rnd, versions)
    return versions, new


def _payload(data: DataRoot, slug: str, rnd: Round, version: Version) -> bytes:
    stored = data.round_dir(slug, rnd) / version.stored_as
    if stored.exists():
        return stored.read_bytes()
    return (data.round_dir(slug, rnd) / version.source).read_bytes()  # not stored yet (store=False)


def check_file(
    payload: bytes, shown: str, unit: str, plan: Plan, agency: Agency, rnd: Round
) -> tuple[list[ResultRow], list[Problem]]:
    """One file, exactly as a round reads it (the CLI's check-submission uses this too)."""
    return parse_submission(payload, shown, unit, plan, agency, rnd)


def take_in(data: DataRoot, agency: Agency, plan: Plan, rnd: Round, store: bool = True) -> Intake:
    """Take in the inbox, then read every version; per (unit, measure) the latest valid row counts."""
    versions, new = receive_inbox(data, agency.slug, rnd, store=store)
    outcomes: list[FileOutcome] = []
    rows: dict[tuple[str, str], ResultRow] = {}
    used_by: dict[tuple[str, str], int] = {}
    for v in sorted(versions, key=lambda v: (v.unit, v.version)):
        payload = _payload(data, agency.slug, rnd, v)
        found, problems = check_file(payload, v.source, v.unit, plan, agency, rnd)
        errors = [p for p in problems if p.severity == "error"]
        outcome = FileOutcome(
            v.unit,
            v.source,
            v.sha256,
            not errors,
            len(found),
            problems,
            version=v.version,
            received_at=v.received_at,
            stored_as=v.stored_as,
        )
        outcomes.append(outcome)
        if not errors:
            for r in found:
                rows[(r.unit, r.measure_code)] = r
                used_by[(r.unit, r.measure_code)] = len(outcomes) - 1
    for index in used_by.values():
        outcomes[index].counts += 1
    return Intake(versions, outcomes, rows, new)
