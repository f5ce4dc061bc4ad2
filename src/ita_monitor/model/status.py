"""The status of a round and of a yearly plan: what ``status.json`` holds, read and written only here.

``<root>/<agency>/<FY>/round-MM/status.json``  the round: its state, the files of the last collect,
                                               the history of received versions, completeness, the
                                               report, the approval and what was published
``<root>/<agency>/<FY>/plan/status.json``      the yearly plan: its state, warnings, the measures and
                                               memo PDFs, the approval and what was published

Each step merges its changes into the file (``update_round`` / ``update_plan``) through
``revisions.update_json`` (a claimed revision, so steps, uploads and page actions running at once never
lose each other's changes), on a local folder and on an ObjectStoragePath alike.

Files written by older (or newer) versions load without a manual step: unknown keys are kept as
they are (``extra="allow"``) and written back unchanged; a value of the wrong shape (a string where a
record is expected, a number in a list of records) is dropped on reading, so one bad value never
hides the rest of the status.

The states themselves (``State``, their labels) are in ``states.py``.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import to_jsonable_python

from ita_monitor.model.revisions import read_json_current, update_json
from ita_monitor.model.rounds import Round
from ita_monitor.model.states import State
from ita_monitor.model.storage import DataRoot, PathLike
from ita_monitor.model.thai import thai_digits

# --- tolerant records ------------------------------------------------------------------------------


def _drop(data: Any, loc: tuple) -> bool:
    """Remove the value at ``loc`` (a pydantic error location) from ``data``; False if it is not there."""
    *parents, last = loc
    node = data
    for key in parents:
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            return False
    if isinstance(node, dict) and last in node:
        del node[last]
        return True
    if isinstance(node, list) and isinstance(last, int) and 0 <= last < len(node):
        del node[last]
        return True
    return False


class Record(BaseModel):
    """A part of a status file: unknown keys kept, values of the wrong shape dropped on reading."""

    model_config = ConfigDict(extra="allow", coerce_numbers_to_str=True)

    @classmethod
    def coerce(cls, raw: Any) -> Self:
        """``raw`` (a dict read from JSON, a record, or anything else) as this record, never raising."""
        if isinstance(raw, cls):
            return raw
        if isinstance(raw, BaseModel):
            raw = raw.model_dump(mode="json", exclude_unset=True)
        if not isinstance(raw, dict):
            return cls()
        try:
            return cls.model_validate(raw)
        except ValidationError:
            data = copy.deepcopy(raw)  # drop the bad values from a copy: the caller's dict stays as it was
        for _ in range(1000):
            try:
                return cls.model_validate(data)
            except ValidationError as exc:
                # deepest locations first, list items from the end, so indices stay valid
                locs = sorted({tuple(e["loc"]) for e in exc.errors()}, key=_loc_order, reverse=True)
                dropped = [loc for loc in locs if _drop(data, loc)]
                if not dropped:
                    break
        return cls()

    def as_json(self) -> dict[str, Any]:
        """What is written back: the keys that were read or set, unknown ones included."""
        return self.model_dump(mode="json", exclude_unset=True)


def _loc_order(loc: tuple) -> tuple:
    return (len(loc), tuple((1, p) if isinstance(p, int) else (0, 0) for p in loc))


class ProblemRecord(Record):
    """An ``errors.Problem`` as written: where, and what in Thai and English."""

    file: str = ""
    where: str = ""
    th: str = ""
    en: str = ""
    severity: str = "error"

    def __str__(self) -> str:
        where = f" [{self.where}]" if self.where else ""
        return f"{self.th} / {self.en}{where}".strip(" /")


class WithdrawalRecord(Record):
    """The admin's withdrawal of a received version (``versions.record_withdrawal``)."""

    action: str = ""
    by: str = ""
    at: str = ""
    reason: str = ""


class FileRecord(Record):
    """The outcome of one received file at the last collect (``submissions.FileOutcome``)."""

    unit: str = ""
    file: str = ""
    sha256: str = ""
    accepted: bool | None = None
    rows: int = 0
    problems: list[ProblemRecord] = Field(default_factory=list)
    version: int = 0
    received_at: str = ""
    stored_as: str = ""
    counts: int = 0
    withdrawn: WithdrawalRecord | None = None  # set aside by the admin: listed, does not count

    @property
    def errors(self) -> list[str]:
        """Why the file was refused, one line per error."""
        return [str(p) for p in self.problems if p.severity == "error"]


class VersionRecord(Record):
    """One received version of a unit's file (``intake.Version``)."""

    unit: str = ""
    version: int = 0
    name: str = ""
    sha256: str = ""
    bytes: int = 0
    received_at: str = ""
    stored_as: str = ""
    source: str = ""
    withdrawn: WithdrawalRecord | None = None


class RejectedRecord(Record):
    unit: str = ""
    file: str = ""
    version: int = 0
    reasons: list[str] = Field(default_factory=list)


class GapRecord(Record):
    """One (unit, measure) that is not ready (``completeness.Gap``)."""

    unit: str = ""
    unit_th: str = ""
    measure_code: str = ""
    measure_th: str = ""
    missing_fields: list[str] = Field(default_factory=list)
    where: str = ""


class CompletenessRecord(Record):
    """``completeness.Completeness.as_dict()``."""

    fiscal_year: int | None = None
    round: int | None = None
    complete: bool = False
    due: list[list[str]] = Field(default_factory=list)
    gaps: list[GapRecord] = Field(default_factory=list)


class PdfRecord(Record):
    """A rendered PDF: where it is written, its hash and size (the report adds its memo's)."""

    path: str = ""
    sha256: str = ""
    bytes: int = 0
    memo_path: str = ""
    memo_sha256: str = ""


class Approval(Record):
    """The approver's answer: ``pending`` while asked, then ``approved`` or ``rejected``."""

    decision: str = ""
    by: str = ""
    at: str = ""
    comment: str = ""
    asked_at: str = ""


class ActionRecord(Record):
    """One thing a person did to the round: an upload, an approval or rejection, a revoked link, a
    rerun; who did it and when (UTC ISO), and what it was about (unit, version, run, reason)."""

    what: str = ""  # upload | approved | rejected | link_revoked | rerun
    by: str = ""
    at: str = ""
    unit: str = ""
    detail: str = ""


ACTIONS_KEPT = 500  # the newest actions a round keeps


class PublishedDoc(Record):
    key: str = ""
    filename: str = ""
    url: str = ""
    sha256: str = ""


class Published(Record):
    """What publishing did (``publish.record.publish_documents``); with ``dry_run`` only the plan."""

    target: str = ""
    dry_run: bool = False
    index_url: str = ""
    documents: list[PublishedDoc] = Field(default_factory=list)


class FindingRecord(Record):
    """One difference the self-check found (``selfcheck.Finding``)."""

    check: str = ""  # text | font | pdfa | link
    page: int = 0  # 1-based; 0 = the whole file
    expected: str = ""
    found: str = ""
    th: str = ""
    en: str = ""

    def __str__(self) -> str:
        where = f"หน้า {thai_digits(self.page)} / page {self.page}: " if self.page else ""
        return f"{where}{self.th} / {self.en} — expected «{self.expected}», found «{self.found}»"


class DocumentCheck(Record):
    """The self-check of one rendered PDF (``selfcheck.SelfCheck``)."""

    document: str = ""
    ok: bool = False
    pages: int = 0
    characters: int = 0
    fonts: list[str] = Field(default_factory=list)
    links: int = 0
    seconds: float = 0.0
    findings: list[FindingRecord] = Field(default_factory=list)
    flags: list[FindingRecord] = Field(default_factory=list)  # for a person to decide; not blocking


class SelfCheckRecord(Record):
    """The self-check of a round's (report, memo) or a plan's (measures, approval_memo) PDFs before
    approval: ``ok`` only when every document passed."""

    ok: bool = False
    documents: dict[str, DocumentCheck] = Field(default_factory=dict)

    def with_documents(self, *results: dict[str, Any]) -> SelfCheckRecord:
        """This record with each result (``SelfCheck.as_dict()``) in it, replacing the same document's."""
        documents = {**self.documents, **{r["document"]: DocumentCheck.coerce(r) for r in results}}
        return SelfCheckRecord(ok=all(d.ok for d in documents.values()), documents=documents)

    def flagged(self) -> list[str]:
        """What a person decides before approving (not blocking): one line per flag, naming the document."""
        return [f"{name}: {f}" for name, d in self.documents.items() for f in d.flags]

    def blocking(self) -> list[str]:
        """Why approval must not be asked: one line per finding, naming document, page, expected, found."""
        return [f"{name}: {f}" for name, d in self.documents.items() for f in d.findings] + [
            f"{name}: ไม่ผ่าน / failed" for name, d in self.documents.items() if not d.ok and not d.findings
        ]


class _Status(Record):
    agency: str = ""
    fiscal_year: int | None = None
    state: str = ""
    updated_at: str = ""
    approval: Approval = Field(default_factory=Approval)
    published: Published | None = None

    @property
    def known_state(self) -> State | None:
        return State.of(self.state)


class RoundStatus(_Status):
    """``<agency>/<FY>/round-MM/status.json``."""

    round: int | None = None
    label_th: str = ""
    due_at: str = ""  # when the wait ends (ISO); the page's and the forms' last day is the day before
    due_day: str = ""  # the last day to submit the run was given (catching up a past round), or ""
    files: list[FileRecord] = Field(default_factory=list)
    rejected: list[RejectedRecord] = Field(default_factory=list)
    history: list[VersionRecord] = Field(default_factory=list)
    completeness: CompletenessRecord = Field(default_factory=CompletenessRecord)
    report: PdfRecord | None = None
    selfcheck: SelfCheckRecord | None = None  # of the report and its memo, before approval
    error: str = ""
    actions: list[ActionRecord] = Field(default_factory=list)  # who did what, oldest first


class PlanStatus(_Status):
    """``<agency>/<FY>/plan/status.json``."""

    warnings: list[ProblemRecord] = Field(default_factory=list)
    measures: PdfRecord | None = None
    memo: PdfRecord | None = None
    selfcheck: SelfCheckRecord | None = None  # of the measures and the approval memo, before approval


# --- reading and writing ---------------------------------------------------------------------------


def round_path(data: DataRoot, slug: str, rnd: Round) -> PathLike:
    return data.status(slug, rnd)


def plan_path(data: DataRoot, slug: str, fiscal_year: int) -> PathLike:
    return data.plan_dir(slug, fiscal_year) / "status.json"


def _read(path: PathLike) -> Any:
    """The JSON at ``path`` (its newest revision, ``revisions.read_json_current``), or None when it is
    missing or unreadable (never raises)."""
    try:
        return read_json_current(path, None)
    except (OSError, UnicodeDecodeError, ValueError):
        return None


def load_round(data: DataRoot, slug: str, rnd: Round) -> RoundStatus:
    """The round's status; an empty one when there is none yet (or it cannot be read)."""
    return RoundStatus.coerce(_read(round_path(data, slug, rnd)))


def load_plan(data: DataRoot, slug: str, fiscal_year: int) -> PlanStatus:
    """The yearly plan's status; an empty one when there is none yet."""
    return PlanStatus.coerce(_read(plan_path(data, slug, fiscal_year)))


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


S = TypeVar("S", bound=_Status)


def _merge(kind: type[S], path: PathLike, changes: dict[str, Any]) -> S:
    """Merge ``changes`` into the document, safely against other processes (``revisions.update_json``).
    A collect's snapshot (``files``, ``rejected``, ``history``) never replaces one with more versions:
    two collects at once (two uploads) may finish in either order, the newer snapshot stays."""
    plain = to_jsonable_python(changes)

    def merge(current: Any) -> dict[str, Any]:
        doc = kind.coerce(current).as_json()
        update = dict(plain)
        if "history" in update and len(doc.get("history") or []) > len(update["history"] or []):
            for key in ("files", "rejected", "history"):
                update.pop(key, None)
        doc.update(update, updated_at=_now())
        return kind.coerce(doc).as_json()

    return kind.coerce(update_json(path, merge))


def update_round(data: DataRoot, slug: str, rnd: Round, /, **changes: Any) -> RoundStatus:
    """Merge ``changes`` (keys of ``RoundStatus``) into the round's status.json; other keys are kept."""
    return _merge(RoundStatus, round_path(data, slug, rnd), changes)


def update_plan(data: DataRoot, slug: str, fiscal_year: int, /, **changes: Any) -> PlanStatus:
    """Merge ``changes`` (keys of ``PlanStatus``) into the plan's status.json; other keys are kept."""
    return _merge(PlanStatus, plan_path(data, slug, fiscal_year), changes)


def record_action(
    data: DataRoot, slug: str, rnd: Round, what: str, by: str, unit: str = "", detail: str = "", at: str = ""
) -> ActionRecord:
    """Add one person's action (done ``at``, default now) to the round's record, appended inside the
    claimed revision, so actions at the same moment are all kept; the record added."""
    action = ActionRecord(what=what, by=by, at=at or _now(), unit=unit, detail=detail[:300])

    def add(current: Any) -> dict[str, Any]:
        doc = RoundStatus.coerce(current).as_json()
        doc["actions"] = [*(doc.get("actions") or []), action.as_json()][-ACTIONS_KEPT:]
        return RoundStatus.coerce(doc).as_json()

    update_json(round_path(data, slug, rnd), add)
    return action
