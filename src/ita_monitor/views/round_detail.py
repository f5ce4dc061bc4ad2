"""One round on the ITA page in detail: the measure x unit matrix (each cell received, incomplete,
rejected or missing), the report PDFs, the published URLs, the submission history, the outcome of
every file of the last collect.  Read defensively: a half-written round shows what is there."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ita_monitor.model import status
from ita_monitor.model.agency import Agency
from ita_monitor.model.messages import CELLS
from ita_monitor.model.plan import Plan
from ita_monitor.model.rounds import BANGKOK, Round
from ita_monitor.model.status import Approval, CompletenessRecord, FileRecord, RoundStatus, State
from ita_monitor.model.storage import DataRoot, PathLike, list_files
from ita_monitor.views.pdf_files import FileLink, report_files
from ita_monitor.views.round_state import RoundView, RunInfo, round_state, with_past_due, written_due_at


def read_json_safe(path: PathLike, default: Any = None) -> Any:
    """JSON of ``path``, or ``default`` when it is missing or unreadable (never raises)."""
    try:
        data = path.read_bytes()
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError, PermissionError):
        return default
    except OSError:
        return default
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return default


def _as_dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _as_list(value: Any) -> list:
    return value if isinstance(value, list) else []


@dataclass
class Cell:
    """What is known for one (measure, unit) of a round."""

    kind: str  # received, incomplete, rejected, missing
    file: str = ""
    version: int | None = None
    received_at: str = ""
    reasons: list[str] = field(default_factory=list)

    @property
    def th(self) -> str:
        return CELLS[self.kind][0]

    @property
    def en(self) -> str:
        return CELLS[self.kind][1]


@dataclass
class MatrixRow:
    code: str
    title: str
    cells: dict[str, Cell | None]  # unit code -> cell; None = unit not responsible


@dataclass
class HistoryEntry:
    at: str
    unit: str
    file: str
    version: str
    sha256: str
    outcome: str  # accepted / rejected / ""
    reasons: list[str] = field(default_factory=list)
    path: str = ""  # the kept copy, relative to the agency folder (for the files route)
    withdrawn: Any = None  # status.WithdrawalRecord of the admin's withdrawal in force, or None


@dataclass
class RoundDetail(RoundView):
    slug: str
    agency_name_th: str
    rnd: Round
    due_at: datetime
    state: State
    detail: str
    units: list[tuple[str, str]]  # (code, Thai name) of the units that owe something this round
    matrix: list[MatrixRow]
    reports: list[FileLink]
    published: list[dict[str, str]]  # {"label", "url"}
    history: list[HistoryEntry]
    files: list[FileRecord]  # outcome of every file of the last collect
    completeness: CompletenessRecord
    approval: Approval
    status: RoundStatus
    run: RunInfo | None = None

    def __post_init__(self) -> None:
        self.files = [FileRecord.coerce(f) for f in self.files]
        self.completeness = CompletenessRecord.coerce(self.completeness)
        self.approval = Approval.coerce(self.approval)
        self.status = RoundStatus.coerce(self.status)

    @property
    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(CELLS, 0)
        for row in self.matrix:
            for cell in row.cells.values():
                if cell is not None:
                    out[cell.kind] += 1
        return out


def _received_times(inbox: PathLike) -> dict[str, str]:
    """``inbox/<unit>/<file>`` -> the file's modification time (Bangkok), for rounds without history."""
    out: dict[str, str] = {}
    try:
        if not inbox.exists():
            return out
        for unit_dir in inbox.iterdir():
            if not unit_dir.is_dir():
                continue
            for f in list_files(unit_dir):
                stat = getattr(f, "stat", None)
                if stat is None:
                    continue
                try:
                    mtime = stat().st_mtime
                except (OSError, AttributeError):
                    continue
                out[f"inbox/{unit_dir.name}/{f.name}"] = datetime.fromtimestamp(mtime, BANGKOK).isoformat(
                    timespec="minutes"
                )
    except OSError:
        pass
    return out


def _history(written: RoundStatus, files: list[FileRecord], rnd: Round) -> list[HistoryEntry]:
    """The submission history: status.json ``history`` (one entry per received version), with each
    version's outcome from the last collect; rounds without history show nothing here."""
    outcome = {(f.unit, f.version): f for f in files if f.version}
    out = []
    for v in written.history:
        f = outcome.get((v.unit, v.version), FileRecord())
        stored = v.stored_as
        out.append(
            HistoryEntry(
                at=v.received_at,
                unit=v.unit,
                file=v.name or v.source,
                version=str(v.version or ""),
                sha256=v.sha256,
                outcome="" if f.accepted is None else ("accepted" if f.accepted else "rejected"),
                reasons=f.errors,
                withdrawn=v.withdrawn,
                path=f"{rnd.fiscal_year}/{rnd.slug}/{stored}" if stored and ".." not in stored else "",
            )
        )
    return sorted(out, key=lambda h: h.at)


class _Submissions:
    """What the last collect read of a round, arranged for the measure x unit matrix."""

    def __init__(
        self, collected: dict, files: list[FileRecord], written: RoundStatus, mtimes: dict[str, str]
    ):
        self.files = files
        self.rows = {
            (r.get("unit"), r.get("measure_code")): r for r in map(_as_dict, _as_list(collected.get("rows")))
        }
        self.gaps = {(g.unit, g.measure_code): g for g in written.completeness.gaps if g.missing_fields}
        self.mtimes = mtimes
        self.by_unit: dict[str, list[FileRecord]] = {}  # per unit, its files in the order read
        for f in self.files:
            self.by_unit.setdefault(f.unit, []).append(f)

    def _version(self, unit: str, f: FileRecord) -> int | None:
        if f.version > 0:
            return f.version
        listed = self.by_unit.get(unit, [])
        return next((i + 1 for i, g in enumerate(listed) if g is f), None)

    def _when(self, f: FileRecord) -> str:
        return f.received_at or self.mtimes.get(f.file, "")

    def cell(self, unit: str, measure: str) -> Cell:
        """The (measure, unit) cell: the row in use, else the last refused file, else missing."""
        row = self.rows.get((unit, measure))
        if row is not None:
            source = str(row.get("source") or "")
            used = [f for f in self.by_unit.get(unit, []) if f.accepted and f.file == source]
            f = used[-1] if used else FileRecord(file=source)
            cell = Cell("received", source, self._version(unit, f), self._when(f))
            gap = self.gaps.get((unit, measure))
            if gap:
                cell.kind = "incomplete"
                cell.reasons = [f"ยังไม่กรอก / empty: {', '.join(gap.missing_fields)}"]
            return cell
        refused = [f for f in self.by_unit.get(unit, []) if f.accepted is False]
        if refused:
            last = refused[-1]
            return Cell("rejected", last.file, self._version(unit, last), self._when(last), last.errors)
        return Cell("missing")


def _published_links(written: RoundStatus) -> list[dict[str, str]]:
    pub = written.published
    if pub is None:
        return []
    links = [{"label": d.filename or d.url, "url": d.url} for d in pub.documents if d.url]
    if pub.index_url:
        links.append({"label": "หน้ารวมเอกสาร OIT / OIT index page", "url": pub.index_url})
    return links


def round_detail(
    agency: Agency,
    plan: Plan | None,
    rnd: Round,
    data: DataRoot,
    now: datetime | None = None,
    run: RunInfo | None = None,
    first_year: int | None = None,
) -> RoundDetail:
    """The round page: measure x unit matrix, report PDFs, published URLs, history.

    ``first_year``: the agency's first monitored fiscal year (rounds before it are "not monitored")."""
    now = now or datetime.now(UTC)
    slug = agency.slug
    written = status.load_round(data, slug, rnd)
    collected = _as_dict(read_json_safe(data.collected(slug, rnd), {}))
    raw = _as_list(collected.get("files"))
    files = [FileRecord.coerce(f) for f in raw] if raw else list(written.files)
    history = _history(written, files, rnd)
    mtimes = _received_times(data.inbox(slug, rnd)) if not history else {}
    subs = _Submissions(collected, files, written, mtimes)
    due = plan.due_in(rnd.months) if plan else ()
    unit_codes = [u.code for u in agency.units if any(u.code in m.units for m in due)]
    matrix = [
        MatrixRow(m.code, m.title, {c: subs.cell(c, m.code) if c in m.units else None for c in unit_codes})
        for m in due
    ]
    state, detail = round_state(written, rnd, now, run, first_year)
    due_at = written_due_at(written, agency, rnd)
    return RoundDetail(
        slug=slug,
        agency_name_th=agency.name_th,
        rnd=rnd,
        due_at=due_at,
        state=state,
        detail=with_past_due(detail, state, due_at, now),
        units=[(c, agency.unit(c).name_th) for c in unit_codes],
        matrix=matrix,
        reports=report_files(data, slug, rnd),
        published=_published_links(written),
        history=history,
        files=subs.files,
        completeness=written.completeness,
        approval=written.approval,
        status=written,
        run=run,
    )
