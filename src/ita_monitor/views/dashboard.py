"""What the IT admin's ITA page shows: every round's state, and one round's submissions in detail.

Pure core: reads the round files under the data root (status.json, collected.json, published.json,
and the ``received/`` version store and history when they exist) and the agencies' profiles and
plans; knows nothing about Airflow.  The Airflow layer adds what only the metadata DB knows (the
latest DAG run of each round, a pending approval) through ``RunInfo``.

Status files are read through ``status.py`` (models that keep what an older or newer version wrote
and drop values of the wrong shape); a half-filled status or a missing file shows what is there and
never breaks the page.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from ita_monitor.model import status
from ita_monitor.model.config import Agency, Plan
from ita_monitor.model.rounds import BANGKOK, Round, fiscal_year_of, last_day_to_submit
from ita_monitor.model.status import (
    PLAN_BADGES,
    Approval,
    CompletenessRecord,
    FileRecord,
    RoundStatus,
    SelfCheckRecord,
    State,
)
from ita_monitor.model.storage import DataRoot, PathLike, list_files
from ita_monitor.model.thai import thai_digits

# cell of the measure x unit matrix -> (Thai, English)
CELLS: dict[str, tuple[str, str]] = {
    "received": ("ได้รับแล้ว", "received"),
    "incomplete": ("ยังกรอกไม่ครบ", "incomplete row"),
    "rejected": ("ไม่รับไฟล์", "rejected"),
    "missing": ("ยังไม่ส่ง", "missing"),
}
PAGE_RE = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")


@dataclass(frozen=True)
class RunInfo:
    """The latest Airflow DAG run of one round, as the metadata DB knows it."""

    dag_id: str
    run_id: str
    state: str  # queued, running, success, failed
    awaiting_approval: bool = False


class _RoundView:
    """A round's ``state`` with its Thai and English labels, and its last day to submit."""

    state: State
    due_at: datetime

    @property
    def due_day(self) -> date:
        """The last day to submit, as the units' forms say it."""
        return last_day_to_submit(self.due_at)

    @property
    def state_th(self) -> str:
        return State(self.state).th

    @property
    def state_en(self) -> str:
        return State(self.state).en


@dataclass
class RoundSummary(_RoundView):
    """One round of one agency on the overview."""

    slug: str
    fiscal_year: int
    months: int
    label_th: str
    due_at: datetime
    state: State
    detail: str = ""  # why it failed or was rejected
    run: RunInfo | None = None

    @property
    def round_slug(self) -> str:
        return f"round-{self.months:02d}"


@dataclass
class PlanSummary:
    """The yearly plan of one agency and fiscal year: its documents and whether they are published."""

    state: State  # the round state whose badge colour it is shown with
    label_th: str
    label_en: str
    detail: str = ""  # the reason of a rejection
    files: list[FileLink] = field(default_factory=list)


def plan_summary(data: DataRoot, slug: str, fiscal_year: int) -> PlanSummary:
    """What the yearly plan DAG left in ``<agency>/<FY>/plan/status.json``."""
    written = status.load_plan(data, slug, fiscal_year)
    state = written.known_state if written.state else State.NOT_MADE
    if state not in PLAN_BADGES:
        state = State.RENDERED  # a state this version does not know: the documents may exist
    detail = written.approval.comment if state is State.REJECTED else ""
    return PlanSummary(
        PLAN_BADGES[state], state.th, state.en, detail, plan_files(data, slug, fiscal_year, count_pages=False)
    )


@dataclass
class AgencyRow:
    slug: str
    name_th: str
    years: dict[int, list[RoundSummary]] = field(default_factory=dict)
    plans: dict[int, PlanSummary] = field(default_factory=dict)


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


def _rejected(approval: Approval) -> str:
    who = f"by {approval.by}" if approval.by else ""
    return f"ไม่อนุมัติการเผยแพร่ / publishing rejected {who}: {approval.comment}".strip()


def round_state(
    written: RoundStatus | Mapping[str, Any] | None,
    rnd: Round,
    now: datetime,
    run: RunInfo | None = None,
    first_year: int | None = None,
) -> tuple[State, str]:
    """The state of a round on the page, and a one-line reason for a failed one.

    ``first_year`` is the agency's first monitored fiscal year (its earliest plan): a round before it
    that nothing ever ran for is "not monitored", not "waiting · past the due date".

    status.json says what the pipeline last wrote; the run (if any) says what Airflow is doing now.
    """
    written = RoundStatus.coerce(written)
    state = written.known_state
    active = run is not None and run.state in ("running", "queued")
    if first_year is not None and rnd.fiscal_year < first_year and state is None and run is None:
        return State.NOT_MONITORED, (
            f"ก่อนปีงบประมาณแรกที่ติดตาม ({first_year}) / before the agency's first monitored year {first_year}"
        )
    if state is State.CHANGED_AFTER_PUBLICATION and not active:
        return state, (
            "มีไฟล์เข้ามาหลังเผยแพร่ รายงานที่เผยแพร่ยังเป็นฉบับเดิม: สั่งรันใหม่เพื่อเผยแพร่อีกครั้ง / "
            "a file arrived after publication; the published report is the earlier one: rerun to republish"
        )
    if state is State.REJECTED or written.approval.decision == "rejected":
        return State.FAILED, _rejected(written.approval)
    if state in (State.PUBLISHED, State.DRY_RUN):
        return state, ""
    # the run knows whether the question is still open (status.json lags until the task resumes)
    if (run.awaiting_approval and active) if run else state is State.AWAITING_APPROVAL:
        return State.AWAITING_APPROVAL, ""
    if state is State.INCOMPLETE:
        return State.INCOMPLETE, ""
    if run and run.state == "failed":
        return State.FAILED, "งานในรอบนี้ล้มเหลว: ดูบันทึกของงาน / a task of this round failed: see its log"
    if state is State.FAILED:
        return State.FAILED, written.error
    if active:
        return State.RUNNING, ""
    if state is State.NOTHING_DUE:
        return State.NOTHING_DUE, ""
    if now < rnd.end_at():
        return State.NOT_OPEN, ""
    return State.WAITING, ""


def past_due(state: State, due_at: datetime, now: datetime) -> str:
    if state is State.WAITING and now >= due_at:
        return "เลยกำหนดส่งแล้ว / past the due date"
    return ""


def overview(
    agencies: Iterable[tuple[Agency, Iterable[int]]],
    data: DataRoot,
    now: datetime | None = None,
    runs: Mapping[tuple[str, int, int], RunInfo] | None = None,
) -> list[AgencyRow]:
    """Every agency x fiscal year x scheduled round with its state and due date.

    ``agencies`` gives each agency with the fiscal years to show (its plan years); years that only
    exist in the data root, and the current fiscal year, are shown too.
    """
    now = now or datetime.now(UTC)
    runs = runs or {}
    rows: list[AgencyRow] = []
    for agency, plan_years in agencies:
        plan_years = list(plan_years)
        first_year = min(plan_years, default=None)
        row = AgencyRow(agency.slug, agency.name_th)
        years = (
            set(plan_years)
            | set(data_years(data, agency.slug))
            | {fiscal_year_of(now.astimezone(BANGKOK).date())}
        )
        for fy in sorted(years, reverse=True):
            summaries = []
            for months in agency.schedule.rounds:
                rnd = Round(fy, months)
                run = runs.get((agency.slug, fy, months))
                state, detail = round_state(
                    status.load_round(data, agency.slug, rnd), rnd, now, run, first_year
                )
                detail = detail or past_due(state, rnd.due_at(agency.schedule.grace_days), now)
                summaries.append(
                    RoundSummary(
                        agency.slug,
                        fy,
                        months,
                        rnd.short_label_th,
                        rnd.due_at(agency.schedule.grace_days),
                        state,
                        detail,
                        run,
                    )
                )
            row.years[fy] = summaries
            row.plans[fy] = plan_summary(data, agency.slug, fy)
        rows.append(row)
    return rows


def data_years(data: DataRoot, slug: str) -> list[int]:
    """Fiscal-year folders present under the agency's folder of the data root."""
    folder = data.root / slug
    try:
        if not folder.exists():
            return []
        return sorted(
            int(p.name) for p in folder.iterdir() if p.name.isdigit() and len(p.name) == 4 and p.is_dir()
        )
    except OSError:
        return []


# --- one round ------------------------------------------------------------------------------------


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
class FileLink:
    label: str
    path: str  # relative to the agency's folder in the data root (for the files route)
    bytes: int | None = None
    pages: int | None = None


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


@dataclass
class RoundDetail(_RoundView):
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
                path=f"{rnd.fiscal_year}/{rnd.slug}/{stored}" if stored and ".." not in stored else "",
            )
        )
    return sorted(out, key=lambda h: h.at)


def pdf_pages(data: bytes) -> int | None:
    """Number of pages of a PDF (poppler's ``pdfinfo``; page objects counted without it), or None."""
    import shutil
    import subprocess
    import tempfile

    if shutil.which("pdfinfo"):
        with tempfile.NamedTemporaryFile(suffix=".pdf") as tmp:
            tmp.write(data)
            tmp.flush()
            try:
                out = subprocess.run(
                    ["pdfinfo", tmp.name], capture_output=True, timeout=20, check=False
                ).stdout
            except (OSError, subprocess.TimeoutExpired):
                out = b""
        m = re.search(rb"^Pages:\s+(\d+)", out, re.M)
        if m:
            return int(m.group(1))
    return len(PAGE_RE.findall(data)) or None


def pdf_links(
    folder: PathLike, rel: str, label: str, memo_label: str, count_pages: bool = True
) -> list[FileLink]:
    """The PDFs in ``folder`` (``rel`` under the agency's folder), the document first, memos after it."""
    links = []
    for f in list_files(folder):
        if not f.name.lower().endswith(".pdf"):
            continue
        size = pages = None
        if count_pages:
            try:
                body = f.read_bytes()
                size, pages = len(body), pdf_pages(body)
            except OSError:
                pass
        is_memo = "memo" in f.name.lower()
        links.append(FileLink(memo_label if is_memo else label, f"{rel}/{f.name}", size, pages))
    return sorted(links, key=lambda link: ("memo" in link.path.lower(), link.path))


def report_files(data: DataRoot, slug: str, rnd: Round, count_pages: bool = True) -> list[FileLink]:
    """The PDFs in the round's report folder (the report, its covering memo)."""
    return pdf_links(
        data.round_dir(slug, rnd) / "report",
        f"{rnd.fiscal_year}/{rnd.slug}/report",
        "รายงาน / report",
        "บันทึกข้อความนำส่ง / covering memo",
        count_pages,
    )


def plan_files(data: DataRoot, slug: str, fiscal_year: int, count_pages: bool = True) -> list[FileLink]:
    """The PDFs of the year's plan (the measures, the approval memo)."""
    return pdf_links(
        data.plan_dir(slug, fiscal_year),
        f"{fiscal_year}/plan",
        "มาตรการ / measures",
        "บันทึกขออนุมัติ / approval memo",
        count_pages,
    )


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
    due_at = rnd.due_at(agency.schedule.grace_days)
    return RoundDetail(
        slug=slug,
        agency_name_th=agency.name_th,
        rnd=rnd,
        due_at=due_at,
        state=state,
        detail=detail or past_due(state, due_at, now),
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


def approval_summary(detail: RoundDetail, files_url: str) -> str:
    """Markdown shown to the approver: completeness, the PDFs with their pages, links."""
    comp = detail.completeness
    due = len(comp.due)
    gaps = len(comp.gaps)
    lines = [
        f"**{detail.agency_name_th}** — {detail.rnd.label_th} ปีงบประมาณ {thai_digits(detail.rnd.fiscal_year)}",
        "",
        f"- ความครบถ้วน / completeness: {due - gaps} / {due}" + (" ✔" if due and not gaps else ""),
    ]
    lines += _link_lines(detail.reports, files_url)
    lines += selfcheck_lines(detail.status.selfcheck)
    lines.append("")
    lines.append(
        "อนุมัติ = เผยแพร่ขึ้นเว็บไซต์ / Approve = publish; ไม่อนุมัติ = ไม่เผยแพร่ / Reject = nothing is published"
    )
    return "\n".join(lines)


def selfcheck_lines(entry: SelfCheckRecord | None) -> list[str]:
    """Markdown lines of the self-check before approval: passed (per document: pages, characters,
    fonts, PDF/A, links) or failed (each finding: document, page, expected, found)."""
    head = "- ตรวจเอกสารก่อนอนุมัติ / self-check:"
    if entry is None:
        return [f"{head} ยังไม่ได้ตรวจ (เอกสารจัดทำก่อนมีการตรวจ) / not run (rendered before the self-check)"]
    return _selfcheck_result_lines(entry, head) + flag_lines(entry)


def flag_lines(entry: SelfCheckRecord | None) -> list[str]:
    """Markdown lines of what the approver decides (an OIT code of an unverified catalogue)."""
    flags = entry.flagged() if entry is not None else []
    if not flags:
        return []
    return [
        "- ⚠ **ตรวจก่อนอนุมัติ / decide before approving**: รหัส OIT จากบัญชีรายการที่ยังไม่ได้ตรวจสอบ"
        " / OIT code from an unverified catalogue — เทียบกับคู่มือ ITA ของปีนั้น / compare with that year's ITA manual",
        *(f"  - {line}" for line in flags),
    ]


def _selfcheck_result_lines(entry: SelfCheckRecord, head: str) -> list[str]:
    if entry.ok:
        parts = [
            f"{name} {thai_digits(d.pages)} หน้า, {thai_digits(d.characters)} ตัวอักษรตรงครบ, ฟอนต์ฝังครบ, PDF/A,"
            f" ลิงก์ {thai_digits(d.links)}"
            f" / {d.pages} pages, {d.characters} characters back exactly, fonts embedded, PDF/A, {d.links} links"
            for name, d in entry.documents.items()
        ]
        return [f"{head} ผ่าน / passed ✔", *(f"  - {p}" for p in parts)]
    return [
        f"{head} **ไม่ผ่าน / failed ✘** — อนุมัติไม่ได้จนกว่าจะแก้ / approval is blocked until fixed",
        *(f"  - {line}" for line in entry.blocking()),
    ]


def _link_lines(files: list[FileLink], files_url: str) -> list[str]:
    """A markdown list item per PDF: its link and its number of pages."""
    return [
        f"- [{f.label}]({files_url.rstrip('/')}/{f.path})" + (f", {f.pages} หน้า / pages" if f.pages else "")
        for f in files
    ]


def plan_approval_summary(
    agency: Agency,
    plan: Plan,
    files: list[FileLink],
    files_url: str,
    selfcheck: SelfCheckRecord | None = None,
) -> str:
    """Markdown shown to the approver of the yearly measures: the plan, its PDFs with pages, links.

    The measures are the executive's decision: they are published once the approval memo is signed.
    """
    lines = [
        f"**{agency.name_th}** — มาตรการส่งเสริมคุณธรรมและความโปร่งใส ปีงบประมาณ {thai_digits(plan.fiscal_year)}",
        "",
        f"- มาตรการ / measures: {len(plan.measures)}",
        *_link_lines(files, files_url),
        *selfcheck_lines(selfcheck),
    ]
    lines += [
        "",
        "อนุมัติเมื่อผู้บริหารลงนามในบันทึกข้อความแล้ว / Approve once the executive has signed the approval memo.",
        "อนุมัติ = เผยแพร่มาตรการขึ้นเว็บไซต์ / Approve = publish the measures; "
        "ไม่อนุมัติ = ไม่เผยแพร่ / Reject = nothing is published",
    ]
    return "\n".join(lines)
