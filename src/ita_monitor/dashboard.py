"""What the IT admin's ITA page shows: every round's state, and one round's submissions in detail.

Pure core: reads the round files under the data root (status.json, collected.json, published.json,
and the ``received/`` version store and history when they exist) and the agencies' profiles and
plans; knows nothing about Airflow.  The Airflow layer adds what only the metadata DB knows (the
latest DAG run of each round, a pending approval) through ``RunInfo``.

Everything is read defensively: a round folder written by an older or newer version, a half-filled
status or a missing file shows what is there and never breaks the page.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from ita_monitor.config import Agency, Plan
from ita_monitor.rounds import BANGKOK, Round, fiscal_year_of, last_day_to_submit
from ita_monitor.storage import DataRoot, PathLike, list_files
from ita_monitor.thai import thai_digits

# state -> (Thai, English); the order is the order of a round's life
STATES: dict[str, tuple[str, str]] = {
    "not_open": ("ยังไม่เปิดรอบ", "not yet open"),
    "waiting": ("รอรับผลการดำเนินงาน", "waiting for submissions"),
    "incomplete": ("ยังไม่ครบ", "incomplete"),
    "running": ("กำลังดำเนินการ", "running"),
    "awaiting_approval": ("รออนุมัติ", "awaiting approval"),
    "published": ("เผยแพร่แล้ว", "published"),
    "dry_run": ("ทดลองเผยแพร่ (ไม่ได้ส่งจริง)", "dry run, nothing sent"),
    "failed": ("ล้มเหลว", "failed"),
}
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

    state: str
    due_at: datetime

    @property
    def due_day(self) -> date:
        """The last day to submit, as the units' forms say it."""
        return last_day_to_submit(self.due_at)

    @property
    def state_th(self) -> str:
        return STATES[self.state][0]

    @property
    def state_en(self) -> str:
        return STATES[self.state][1]


@dataclass
class RoundSummary(_RoundView):
    """One round of one agency on the overview."""

    slug: str
    fiscal_year: int
    months: int
    label_th: str
    due_at: datetime
    state: str
    detail: str = ""  # why it failed or was rejected
    run: RunInfo | None = None

    @property
    def round_slug(self) -> str:
        return f"round-{self.months:02d}"


@dataclass
class PlanSummary:
    """The yearly plan of one agency and fiscal year: its documents and whether they are published."""

    state: str  # a key of STATES (for the badge's colour)
    label_th: str
    label_en: str
    detail: str = ""  # the reason of a rejection
    files: list[FileLink] = field(default_factory=list)


# plan status.json state -> (badge colour, Thai, English)
PLAN_STATES: dict[str, tuple[str, str, str]] = {
    "": ("not_open", "ยังไม่จัดทำ", "not made yet"),
    "validated": ("running", "กำลังจัดทำ", "being made"),
    "rendered": ("running", "จัดทำแล้ว ยังไม่เผยแพร่", "made, not published"),
    "awaiting_approval": ("awaiting_approval", "รออนุมัติ", "awaiting approval"),
    "approved": ("running", "อนุมัติแล้ว", "approved"),
    "rejected": ("failed", "ไม่อนุมัติ", "rejected"),
    "published": ("published", "เผยแพร่แล้ว", "published"),
    "dry_run": ("dry_run", "ทดลองเผยแพร่ (ไม่ได้ส่งจริง)", "dry run, nothing sent"),
}


def plan_summary(data: DataRoot, slug: str, fiscal_year: int) -> PlanSummary:
    """What the yearly plan DAG left in ``<agency>/<FY>/plan/status.json``."""
    status = read_json_safe(data.plan_dir(slug, fiscal_year) / "status.json", {}) or {}
    colour, th, en = PLAN_STATES.get(str(status.get("state") or ""), PLAN_STATES["rendered"])
    approval = status.get("approval") if isinstance(status.get("approval"), dict) else {}
    detail = str(approval.get("comment") or "") if status.get("state") == "rejected" else ""
    return PlanSummary(colour, th, en, detail, plan_files(data, slug, fiscal_year, count_pages=False))


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


def round_state(
    status: Mapping[str, Any] | None, rnd: Round, now: datetime, run: RunInfo | None = None
) -> tuple[str, str]:
    """The state of a round on the page, and a one-line reason for a failed one.

    status.json says what the pipeline last wrote; the run (if any) says what Airflow is doing now.
    """
    status = _as_dict(status)
    written = status.get("state")
    approval = _as_dict(status.get("approval"))
    if written == "rejected" or approval.get("decision") == "rejected":
        who = approval.get("by") or ""
        why = approval.get("comment") or ""
        return (
            "failed",
            f"ไม่อนุมัติการเผยแพร่ / publishing rejected {('by ' + who) if who else ''}: {why}".strip(),
        )
    if written == "published":
        return "published", ""
    if written == "dry_run":
        return "dry_run", ""
    # the run knows whether the question is still open (status.json lags until the task resumes)
    if (
        (run.awaiting_approval and run.state in ("running", "queued"))
        if run
        else written == "awaiting_approval"
    ):
        return "awaiting_approval", ""
    if written == "incomplete":
        return "incomplete", ""
    if run and run.state == "failed":
        return "failed", "งานในรอบนี้ล้มเหลว: ดูบันทึกของงาน / a task of this round failed: see its log"
    if written == "failed":
        return "failed", str(status.get("error") or "")
    if run and run.state in ("running", "queued"):
        return "running", ""
    if now < rnd.end_at():
        return "not_open", ""
    return "waiting", ""


def _past_due(state: str, due_at: datetime, now: datetime) -> str:
    if state == "waiting" and now >= due_at:
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
                status = read_json_safe(data.status(agency.slug, rnd))
                run = runs.get((agency.slug, fy, months))
                state, detail = round_state(status, rnd, now, run)
                detail = detail or _past_due(state, rnd.due_at(agency.schedule.grace_days), now)
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
    state: str
    detail: str
    units: list[tuple[str, str]]  # (code, Thai name) of the units that owe something this round
    matrix: list[MatrixRow]
    reports: list[FileLink]
    published: list[dict[str, str]]  # {"label", "url"}
    history: list[HistoryEntry]
    files: list[dict[str, Any]]  # outcome of every file of the last collect
    completeness: dict[str, Any]
    approval: dict[str, Any]
    status: dict[str, Any]
    run: RunInfo | None = None

    @property
    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(CELLS, 0)
        for row in self.matrix:
            for cell in row.cells.values():
                if cell is not None:
                    out[cell.kind] += 1
        return out


def _problem_text(p: Any) -> str:
    if isinstance(p, dict):
        where = f" [{p.get('where')}]" if p.get("where") else ""
        return f"{p.get('th', '')} / {p.get('en', '')}{where}".strip(" /")
    return str(p)


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


def _history(status: dict, files: list[dict], rnd: Round) -> list[HistoryEntry]:
    """The submission history: status.json ``history`` (one entry per received version), with each
    version's outcome from the last collect; rounds without history show nothing here."""
    outcome = {(str(f.get("unit")), str(f.get("version"))): f for f in files if f.get("version")}
    out = []
    for v in map(_as_dict, _as_list(status.get("history"))):
        unit, version = str(v.get("unit") or ""), str(v.get("version") or "")
        f = outcome.get((unit, version), {})
        accepted = f.get("accepted")
        stored = str(v.get("stored_as") or "")
        out.append(
            HistoryEntry(
                at=str(v.get("received_at") or ""),
                unit=unit,
                file=str(v.get("name") or v.get("source") or ""),
                version=version,
                sha256=str(v.get("sha256") or ""),
                outcome="" if accepted is None else ("accepted" if accepted else "rejected"),
                reasons=[
                    _problem_text(p)
                    for p in _as_list(f.get("problems"))
                    if _as_dict(p).get("severity", "error") == "error"
                ],
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


def round_detail(
    agency: Agency,
    plan: Plan | None,
    rnd: Round,
    data: DataRoot,
    now: datetime | None = None,
    run: RunInfo | None = None,
) -> RoundDetail:
    """The round page: measure x unit matrix, report PDFs, published URLs, history."""
    now = now or datetime.now(UTC)
    slug = agency.slug
    status = _as_dict(read_json_safe(data.status(slug, rnd), {}))
    collected = _as_dict(read_json_safe(data.collected(slug, rnd), {}))
    files = [_as_dict(f) for f in _as_list(collected.get("files") or status.get("files"))]
    rows = {(r.get("unit"), r.get("measure_code")): r for r in map(_as_dict, _as_list(collected.get("rows")))}
    history = _history(status, files, rnd)
    mtimes = _received_times(data.inbox(slug, rnd)) if not history else {}
    completeness = _as_dict(status.get("completeness"))
    gaps = {
        (g.get("unit"), g.get("measure_code")): g
        for g in map(_as_dict, _as_list(completeness.get("gaps")))
        if g.get("missing_fields")
    }
    # per unit, its files in the order read (versions in order when versioned)
    by_unit: dict[str, list[dict]] = {}
    for f in files:
        by_unit.setdefault(str(f.get("unit")), []).append(f)

    def version_of(unit: str, f: dict) -> int | None:
        v = f.get("version")
        if isinstance(v, int) and v > 0:
            return v
        listed = by_unit.get(unit, [])
        return listed.index(f) + 1 if f in listed else None

    def when(f: dict) -> str:
        return str(f.get("received_at") or mtimes.get(str(f.get("file")), ""))

    due = plan.due_in(rnd.months) if plan else ()
    unit_codes = [u.code for u in agency.units if any(u.code in m.units for m in due)]
    matrix = []
    for m in due:
        cells: dict[str, Cell | None] = {}
        for code in unit_codes:
            if code not in m.units:
                cells[code] = None
                continue
            row = rows.get((code, m.code))
            if row is not None:
                source = str(row.get("source") or "")
                used = [
                    f for f in by_unit.get(code, []) if f.get("accepted") and str(f.get("file")) == source
                ]
                f = used[-1] if used else {"file": source}
                cell = Cell("received", source, version_of(code, f), when(f))
                gap = gaps.get((code, m.code))
                if gap:
                    cell.kind = "incomplete"
                    cell.reasons = [f"ยังไม่กรอก / empty: {', '.join(gap.get('missing_fields') or [])}"]
                cells[code] = cell
            elif any(f.get("accepted") is False for f in by_unit.get(code, [])):
                last = [f for f in by_unit[code] if f.get("accepted") is False][-1]
                reasons = [
                    _problem_text(p)
                    for p in _as_list(last.get("problems"))
                    if _as_dict(p).get("severity", "error") == "error"
                ]
                cells[code] = Cell(
                    "rejected", str(last.get("file") or ""), version_of(code, last), when(last), reasons
                )
            else:
                cells[code] = Cell("missing")
        matrix.append(MatrixRow(m.code, m.title, cells))

    published = []
    pub = _as_dict(status.get("published"))
    for doc in map(_as_dict, _as_list(pub.get("documents"))):
        if doc.get("url"):
            published.append({"label": str(doc.get("filename") or doc.get("url")), "url": str(doc["url"])})
    if pub.get("index_url"):
        published.append({"label": "หน้ารวมเอกสาร OIT / OIT index page", "url": str(pub["index_url"])})

    state, detail = round_state(status, rnd, now, run)
    detail = detail or _past_due(state, rnd.due_at(agency.schedule.grace_days), now)
    return RoundDetail(
        slug=slug,
        agency_name_th=agency.name_th,
        rnd=rnd,
        due_at=rnd.due_at(agency.schedule.grace_days),
        state=state,
        detail=detail,
        units=[(c, agency.unit(c).name_th) for c in unit_codes],
        matrix=matrix,
        reports=report_files(data, slug, rnd),
        published=published,
        history=history,
        files=files,
        completeness=completeness,
        approval=_as_dict(status.get("approval")),
        status=status,
        run=run,
    )


def approval_summary(detail: RoundDetail, files_url: str) -> str:
    """Markdown shown to the approver: completeness, the PDFs with their pages, links."""
    comp = detail.completeness
    due = len(_as_list(comp.get("due")))
    gaps = len(_as_list(comp.get("gaps")))
    lines = [
        f"**{detail.agency_name_th}** — {detail.rnd.label_th} ปีงบประมาณ {thai_digits(detail.rnd.fiscal_year)}",
        "",
        f"- ความครบถ้วน / completeness: {due - gaps} / {due}" + (" ✔" if due and not gaps else ""),
    ]
    lines += _link_lines(detail.reports, files_url)
    lines.append("")
    lines.append(
        "อนุมัติ = เผยแพร่ขึ้นเว็บไซต์ / Approve = publish; ไม่อนุมัติ = ไม่เผยแพร่ / Reject = nothing is published"
    )
    return "\n".join(lines)


def _link_lines(files: list[FileLink], files_url: str) -> list[str]:
    """A markdown list item per PDF: its link and its number of pages."""
    return [
        f"- [{f.label}]({files_url.rstrip('/')}/{f.path})" + (f", {f.pages} หน้า / pages" if f.pages else "")
        for f in files
    ]


def plan_approval_summary(agency: Agency, plan: Plan, files: list[FileLink], files_url: str) -> str:
    """Markdown shown to the approver of the yearly measures: the plan, its PDFs with pages, links.

    The measures are the executive's decision: they are published once the approval memo is signed.
    """
    lines = [
        f"**{agency.name_th}** — มาตรการส่งเสริมคุณธรรมและความโปร่งใส ปีงบประมาณ {thai_digits(plan.fiscal_year)}",
        "",
        f"- มาตรการ / measures: {len(plan.measures)}",
        *_link_lines(files, files_url),
    ]
    lines += [
        "",
        "อนุมัติเมื่อผู้บริหารลงนามในบันทึกข้อความแล้ว / Approve once the executive has signed the approval memo.",
        "อนุมัติ = เผยแพร่มาตรการขึ้นเว็บไซต์ / Approve = publish the measures; "
        "ไม่อนุมัติ = ไม่เผยแพร่ / Reject = nothing is published",
    ]
    return "\n".join(lines)
