"""One file sent through a web page (the ITA page's upload, a unit's own link): refused at once when
it cannot be a submission of that round, else put in the round's inbox and the round collected, so
the sender sees this file's outcome (rows accepted, or every problem) from exactly the intake a round
uses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ita_monitor.intake.sniff import check_bytes
from ita_monitor.intake.submissions import sha256
from ita_monitor.model.agency import Agency
from ita_monitor.model.config import AgenciesDir
from ita_monitor.model.errors import InputError, Problem
from ita_monitor.model.messages import UPLOAD_REFUSALS
from ita_monitor.model.rounds import Round
from ita_monitor.model.storage import DataRoot, read_json, write_json


class UploadRefused(Exception):
    """Nothing was stored; ``code`` says why, ``problems`` (from the intake's checks) say what to fix."""

    def __init__(self, code: str, problems: list[Problem] | None = None):
        assert code in UPLOAD_REFUSALS, code
        self.code = code
        self.problems = problems or []
        super().__init__(UPLOAD_REFUSALS[code][1])


@dataclass
class Received:
    """What became of an uploaded file: its version of the unit's submissions and its outcome."""

    unit: str
    name: str  # as stored in the inbox (``intake.deliver``: safe, bounded, never taken before)
    sha256: str
    new: bool  # False: the same bytes were received before (that version is shown)
    version: int | None = None
    outcome: dict[str, Any] = field(default_factory=dict)  # the intake's FileOutcome of this file
    summary: dict[str, Any] = field(default_factory=dict)  # the round's collect summary


def scheduled(agency: Agency, rnd: Round) -> bool:
    return rnd.months in agency.schedule.rounds


def _outcome_of(data: DataRoot, slug: str, rnd: Round, unit: str, digest: str) -> dict[str, Any]:
    files = (read_json(data.collected(slug, rnd), {}) or {}).get("files", [])
    mine = [f for f in files if f.get("unit") == unit and f.get("sha256") == digest]
    return mine[0] if mine else {}


def receive_upload(
    agencies: AgenciesDir,
    data: DataRoot,
    agency: Agency,
    rnd: Round,
    unit: str,
    filename: str,
    payload: bytes,
    by: str = "",
) -> Received:
    """Check, keep and collect one uploaded file; UploadRefused (nothing stored) when it cannot be."""
    from ita_monitor.flow.pipeline import RoundJob, collect
    from ita_monitor.intake.inbox import deliver
    from ita_monitor.intake.versions import history, receive, safe_name
    from ita_monitor.model.limits import TooLarge

    if not scheduled(agency, rnd):
        raise UploadRefused("unscheduled")
    if unit not in agency.unit_codes:
        raise UploadRefused("unknown_unit")
    name = safe_name(filename)
    # the intake's first check: the one size limit, type, macros, zip bombs
    problems = check_bytes(payload, name, max_bytes=data.max_submission_bytes)
    if problems:
        raise UploadRefused("bad_file", problems)
    try:
        job = RoundJob.load(agencies, agency.slug, rnd, data)
    except InputError as exc:
        raise UploadRefused("no_plan", exc.problems) from exc
    digest = sha256(payload)
    known = [v for v in history(data, agency.slug, rnd) if v.unit == unit and v.sha256 == digest]
    if not known:
        try:  # a safe, bounded name never taken, created exclusively (several processes or hosts at once)
            name = deliver(data, agency.slug, rnd, unit, filename, payload)
        except TooLarge as exc:
            raise UploadRefused("too_large") from exc
        # kept as a version at once with the name as sent (the inbox holds the safe name; collect finds
        # the same bytes and stores nothing)
        receive(data, agency.slug, rnd, unit, filename, payload, source=f"inbox/{unit}/{name}")
    summary = collect(job, changed=not known)  # kept above: a published round is "changed after publication"
    outcome = _outcome_of(data, agency.slug, rnd, unit, digest)
    version = outcome.get("version") or (known[0].version if known else None)
    if by:  # who sent it through a page: the round's uploads.json, one entry per upload
        record_upload(
            data,
            agency.slug,
            rnd,
            {"unit": unit, "name": name, "sha256": digest, "version": version, "by": by},
        )
    return Received(unit, name, digest, not known, version, outcome, summary)


def uploads_path(data: DataRoot, slug: str, rnd: Round):
    return data.round_dir(slug, rnd) / "uploads.json"


def record_upload(data: DataRoot, slug: str, rnd: Round, entry: dict[str, Any]) -> None:
    """Note who uploaded a file on a page (the logged-in user) and when."""
    from datetime import UTC, datetime

    doc = read_json(uploads_path(data, slug, rnd), None) or {"uploads": []}
    doc["uploads"].append({**entry, "at": datetime.now(UTC).isoformat(timespec="seconds")})
    write_json(uploads_path(data, slug, rnd), doc)
