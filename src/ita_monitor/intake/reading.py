"""Reading a round: every version of every unit's file read in order (after the inbox is taken in as
versions, ``inbox.take_in_inbox``); per (unit, measure) the row of the latest valid version counts,
a rejected version never replaces an accepted one, and whatever one file holds or does, the others are
read.  ``check_file`` reads one file exactly as a round does (the CLI's check-submission uses it)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ita_monitor.intake.columns import FileOutcome, ResultRow
from ita_monitor.intake.inbox import _unreadable, take_in_inbox
from ita_monitor.intake.submissions import parse_submission
from ita_monitor.intake.versions import Version, withdrawn_versions
from ita_monitor.model.agency import Agency
from ita_monitor.model.errors import Problem
from ita_monitor.model.limits import TooLarge, read_path_bounded, too_large_th_en
from ita_monitor.model.plan import Plan
from ita_monitor.model.rounds import Round
from ita_monitor.model.storage import DataRoot


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


def _payload(data: DataRoot, slug: str, rnd: Round, version: Version) -> bytes:
    stored = data.within_round(slug, rnd, version.stored_as)
    if stored.exists():
        return read_path_bounded(stored, max(data.max_submission_bytes, version.bytes))
    source = data.within_round(slug, rnd, version.source)  # not stored yet (store=False, or killed)
    return read_path_bounded(source, max(data.max_submission_bytes, version.bytes))


def check_file(
    payload: bytes,
    shown: str,
    unit: str,
    plan: Plan,
    agency: Agency,
    rnd: Round,
    max_bytes: int | None = None,
) -> tuple[list[ResultRow], list[Problem]]:
    """One file, exactly as a round reads it (the CLI's check-submission uses this too)."""
    return parse_submission(payload, shown, unit, plan, agency, rnd, max_bytes)


def take_in(data: DataRoot, agency: Agency, plan: Plan, rnd: Round, store: bool = True) -> Intake:
    """Take in the inbox, then read every version; per (unit, measure) the latest valid row counts.

    Whatever one file holds or does, the others are read: a file that cannot be read (or whose
    reading fails in any way) is a rejected file with its reason.
    """
    just_read: dict[tuple[str, str], bytes] = {}  # the new versions' bytes, read from the inbox once
    versions, new, unread = take_in_inbox(data, agency.slug, rnd, store=store, read=just_read)
    set_aside = withdrawn_versions(data, agency.slug, rnd)  # the admin's withdrawals: listed, not counted
    outcomes: list[FileOutcome] = []
    rows: dict[tuple[str, str], ResultRow] = {}
    used_by: dict[tuple[str, str], int] = {}
    for v in sorted(versions, key=lambda v: (v.unit, v.version)):
        try:
            payload = just_read.pop((v.unit, v.sha256), None) or _payload(data, agency.slug, rnd, v)
            found, problems = check_file(
                payload, v.source, v.unit, plan, agency, rnd, data.max_submission_bytes
            )
        except TooLarge as exc:
            found, problems = [], [Problem(v.source, "", *too_large_th_en(exc.limit, exc.seen, exc.exact))]
        except Exception as exc:
            found, problems = (
                [],
                [_unreadable(v.source, exc)],
            )
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
            withdrawn=set_aside.get((v.unit, v.version)),
        )
        outcomes.append(outcome)
        if not errors and outcome.withdrawn is None:
            for r in found:
                rows[(r.unit, r.measure_code)] = r
                used_by[(r.unit, r.measure_code)] = len(outcomes) - 1
    for index in used_by.values():
        outcomes[index].counts += 1
    for u in unread:
        outcomes.append(FileOutcome(u.unit, u.source, "", False, 0, [u.problem]))
    return Intake(versions, outcomes, rows, new)
