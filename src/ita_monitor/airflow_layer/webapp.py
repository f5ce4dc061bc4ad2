"""The ITA page: a FastAPI app that the plugin mounts in Airflow's api-server under ``/ita``.

Routes (every one needs an Airflow login: the ``Authorization: Bearer`` token or the ``_token``
cookie the login page sets; each checks the user's access to the agency's DAG):

    GET  /ita/                                   all agencies x fiscal years x rounds
    GET  /ita/a/{agency}/{fy}/{round}            one round: measure x unit, PDFs, URLs, history
    GET  /ita/run/{dag_id}/{run_id}              the round of a DAG run (the run's tab)
    GET  /ita/run/{dag_id}/{run_id}/{what}       redirect to the run's report PDF / published page
    GET  /ita/files/{agency}/{path}              a file of the agency's rounds (PDFs, received files)
    GET  /ita/site/{agency}/{path}               the agency's static site (publish target "static")
    POST /ita/a/{agency}/{fy}/{round}/upload     a unit's file -> inbox, then pipeline.collect
    POST /ita/a/{agency}/{fy}/{round}/approve    answer the pending approval (REST API, as the user)
    POST /ita/a/{agency}/{fy}/{round}/rerun      clear the run's failed tasks (REST API, as the user)

Reading goes through ``ita_monitor.dashboard`` (pure); what only Airflow knows (runs, pending
approvals) is read from the metadata DB here.  Actions on runs go through Airflow's public REST API
with the user's own token, so Airflow's permissions and audit log apply.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.exceptions import HTTPException as StarletteHTTPException

from ita_monitor import dashboard
from ita_monitor.airflow_layer import settings
from ita_monitor.airflow_layer.plugin import ROOT_APP_KEY
from ita_monitor.config import Agency, Plan
from ita_monitor.errors import InputError
from ita_monitor.rounds import BANGKOK, Round, resolve_round
from ita_monitor.storage import DataRoot, write_atomic
from ita_monitor.submissions import SUFFIXES
from ita_monitor.thai import month_name

log = logging.getLogger(__name__)

DAG_PREFIX = "ita_round__"
APPROVAL_TASK = "approve_publish"
UI_TEMPLATES = settings.PROJECT_ROOT / "include" / "templates" / "ui"
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
SAFE_NAME = re.compile(r"^[\w\u0E00-\u0E7F][\w\u0E00-\u0E7F .()+-]{0,150}$")
SERVED_SUFFIXES = {
    ".pdf": "application/pdf",
    ".csv": "text/csv; charset=utf-8",
    ".json": "application/json",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".html": "text/html; charset=utf-8",
}
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "SAMEORIGIN",
    "Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; frame-ancestors 'self'",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}

app = FastAPI(title="ita-monitor", docs_url=None, redoc_url=None, openapi_url=None)


@app.middleware("http")
async def _limit_body(request: Request, call_next):
    """Refuse an oversized request before its body is read and spooled (uploads: 413)."""
    if request.method == "POST":
        length = request.headers.get("content-length")
        if length is None or not length.isdigit():
            return Response("Content-Length required", status_code=411)
        if int(length) > MAX_UPLOAD_BYTES + 1024 * 1024:
            return Response(
                f"ไฟล์ใหญ่เกิน {MAX_UPLOAD_BYTES // 1048576} MB / request larger than the upload limit",
                status_code=413,
                media_type="text/plain; charset=utf-8",
            )
    return await call_next(request)


# --- authentication and access -------------------------------------------------------------------


async def current_user(request: Request) -> Any:
    """The logged-in Airflow user (bearer token or the login cookie), by Airflow's own ``get_user``;
    401 without credentials.  Imported lazily: workers load the plugin but never serve pages."""
    from airflow.api_fastapi.core_api.security import bearer_scheme, get_user

    return await get_user(request, None, await bearer_scheme(request))


User = Annotated[Any, Depends(current_user)]


def dag_id_of(slug: str) -> str:
    return f"{DAG_PREFIX}{slug}"


def require_dag_access(request: Request, user: Any, slug: str, method: str = "GET") -> None:
    """403 unless the user may ``method`` the agency's DAG (GET = see it, PUT = act on its runs)."""
    from airflow.api_fastapi.core_api.security import requires_access_dag

    requires_access_dag(method, param_dag_id=dag_id_of(slug))(request, user)  # type: ignore[arg-type]


def _may_act(request: Request, user: User, slug: str) -> Any:
    """Dependency of the action routes: the user, if they may act on the agency's DAG runs (checked
    before the form is read, so a forbidden user learns nothing from validation errors)."""
    require_dag_access(request, user, slug, "PUT")
    return user


Actor = Annotated[Any, Depends(_may_act)]


def _permitted(user: Any, slugs: list[str]) -> list[str]:
    from airflow.api_fastapi.app import get_auth_manager

    allowed = get_auth_manager().filter_authorized_dag_ids(
        dag_ids={dag_id_of(s) for s in slugs}, user=user, method="GET"
    )
    return [s for s in slugs if dag_id_of(s) in allowed]


def _username(user: Any) -> str:
    for attr in ("get_name", "get_id"):
        fn = getattr(user, attr, None)
        if fn:
            try:
                return str(fn())
            except Exception:
                continue
    return str(user)


def csrf_token(user: Any) -> str:
    """A per-user token the forms carry: a cross-site form cannot know it, the page does."""
    from airflow.configuration import conf

    key = (conf.get("api_auth", "jwt_secret", fallback="") or "ita-monitor").encode()
    return hmac.new(key, f"ita-ui:{_username(user)}".encode(), hashlib.sha256).hexdigest()


def _check_csrf(user: Any, token: str) -> None:
    if not hmac.compare_digest(csrf_token(user), token or ""):
        raise HTTPException(403, "ฟอร์มหมดอายุหรือไม่ได้มาจากหน้านี้ / form token missing or wrong: reload the page")


def _user_token(request: Request) -> str:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return request.cookies.get("_token", "")


# --- configuration, cached -------------------------------------------------------------------------

_cache: dict[tuple, tuple[tuple, Any]] = {}  # (kind, path) -> (file stamps, parsed value)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return -1.0


def _cached(key: tuple, stamps: tuple, load) -> Any:
    """``load()``, parsed again only when one of the files' modification times changed."""
    hit = _cache.get(key)
    if hit is None or hit[0] != stamps:
        _cache[key] = (stamps, load())
    return _cache[key][1]


def agencies_dir():
    return settings.agencies_dir()


def load_agency(slug: str) -> Agency:
    """The agency's profile, parsed once per change of its file; 404 for an unknown agency."""
    agencies = agencies_dir()
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{1,62}", slug or ""):
        raise HTTPException(404, "ไม่รู้จักหน่วยงานนี้ / unknown agency")
    path = agencies.root / slug / "agency.yaml"
    if not path.exists():
        raise HTTPException(404, "ไม่รู้จักหน่วยงานนี้ / unknown agency")
    try:
        return _cached(("agency", str(path)), (_mtime(path),), lambda: agencies.agency(slug))
    except InputError as exc:
        raise HTTPException(500, f"agency.yaml ไม่ถูกต้อง / invalid agency profile:\n{exc}") from exc


def load_plan(slug: str, fy: int) -> Plan | None:
    """The agency's plan of that fiscal year, or None when there is none (or it is invalid)."""
    agencies = agencies_dir()
    path = agencies.root / slug / "plans" / f"{fy}.yaml"

    def load() -> Plan | None:
        try:
            return agencies.plan(slug, fy) if path.exists() else None
        except InputError:
            return None

    return _cached(("plan", str(path)), (_mtime(path), _mtime(agencies.root / slug / "agency.yaml")), load)


def data_root() -> DataRoot:
    """The data root; a local ``file://`` root is read with pathlib (much faster than fsspec)."""
    url = settings.get("data_root")
    if url.startswith("file://"):
        from urllib.parse import unquote, urlparse

        return DataRoot(Path(unquote(urlparse(url).path)))
    if "://" not in url:
        return DataRoot(Path(url))
    return DataRoot(settings.data_root())


# --- what the metadata DB knows ----------------------------------------------------------------------


def _round_of_run(agency: Agency, conf: dict | None, interval_end, run_after) -> Round | None:
    conf = conf or {}
    try:
        fy = conf.get("fiscal_year")
        months = conf.get("round")
        return resolve_round(
            int(fy) if fy not in (None, "") else None,
            int(months) if months not in (None, "") else None,
            interval_end,
            run_after,
            agency.schedule.rounds,
        )
    except (ValueError, TypeError):
        return None


def latest_runs(agencies: dict[str, Agency]) -> dict[tuple[str, int, int], dashboard.RunInfo]:
    """The latest DAG run of each (agency, fiscal year, round), with whether it awaits approval."""
    from airflow.models.dagrun import DagRun
    from airflow.models.hitl import HITLDetail
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from sqlalchemy import select

    by_dag = {dag_id_of(s): a for s, a in agencies.items()}
    if not by_dag:
        return {}
    out: dict[tuple[str, int, int], dashboard.RunInfo] = {}
    with create_session() as session:
        pending = set(
            session.execute(
                select(TaskInstance.dag_id, TaskInstance.run_id)
                .join(HITLDetail, HITLDetail.ti_id == TaskInstance.id)
                .where(TaskInstance.dag_id.in_(by_dag), HITLDetail.responded_at.is_(None))
            ).all()
        )
        rows = session.execute(
            select(
                DagRun.dag_id,
                DagRun.run_id,
                DagRun.state,
                DagRun.conf,
                DagRun.data_interval_end,
                DagRun.run_after,
            )
            .where(DagRun.dag_id.in_(by_dag))
            .order_by(DagRun.run_after)
        ).all()
    for dag_id, run_id, state, conf, interval_end, run_after in rows:
        agency = by_dag[dag_id]
        rnd = _round_of_run(agency, conf, interval_end, run_after)
        if rnd is None:
            continue
        out[(agency.slug, rnd.fiscal_year, rnd.months)] = dashboard.RunInfo(
            dag_id, run_id, str(getattr(state, "value", state)), (dag_id, run_id) in pending
        )
    return out


def run_round(dag_id: str, run_id: str) -> tuple[Agency, Round]:
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from sqlalchemy import select

    if not dag_id.startswith(DAG_PREFIX):
        raise HTTPException(404, "ไม่ใช่ DAG ของรอบติดตาม ITA / not an ITA round DAG")
    agency = load_agency(dag_id.removeprefix(DAG_PREFIX))
    with create_session() as session:
        row = session.execute(
            select(DagRun.conf, DagRun.data_interval_end, DagRun.run_after).where(
                DagRun.dag_id == dag_id, DagRun.run_id == run_id
            )
        ).first()
    if row is None:
        raise HTTPException(404, "ไม่พบการรันนี้ / no such DAG run")
    rnd = _round_of_run(agency, *row)
    if rnd is None:
        raise HTTPException(404, "บอกไม่ได้ว่าการรันนี้เป็นรอบใด / cannot tell which round this run is about")
    return agency, rnd


# --- rendering ---------------------------------------------------------------------------------------


def _local(value: datetime | date | str | None) -> datetime | str:
    """``value`` as Bangkok time; an unparseable string comes back as it is, nothing as ``""``."""
    if not value:
        return ""
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime.combine(value, datetime.min.time())
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    return value.astimezone(BANGKOK) if value.tzinfo else value


def _thai_day(value: datetime | date | str | None) -> str:
    local = _local(value)
    if isinstance(local, str):
        return local
    return f"{local.day} {month_name(local.month)} {local.year + 543}"


def _thai_time(value: datetime | str | None) -> str:
    local = _local(value)
    if isinstance(local, str):
        return local
    return f"{_thai_day(local)} {local:%H:%M} น."


_env = Environment(
    loader=FileSystemLoader(str(UI_TEMPLATES)),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.filters.update(
    thai_day=_thai_day,
    thai_time=_thai_time,
    q=lambda s: quote(str(s), safe=""),
    qp=lambda s: quote(str(s), safe="/"),
)
_env.globals.update(STATES=dashboard.STATES, CELLS=dashboard.CELLS)


def render(template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    html = _env.get_template(template).render(**context)
    return HTMLResponse(html, status_code=status_code, headers=SECURITY_HEADERS)


def _round(fy: int, rnd: str) -> Round:
    m = re.fullmatch(r"(?:round-)?(\d{1,2})", rnd)
    if not m or not 2500 <= fy <= 2800:
        raise HTTPException(404, "ไม่มีรอบนี้ / no such round")
    try:
        return Round(fy, int(m.group(1)))
    except ValueError as exc:
        raise HTTPException(404, "ไม่มีรอบนี้ / no such round") from exc


def _base(request: Request) -> str:
    """The app's own prefix as the browser sees it (``/ita`` behind Airflow's root path)."""
    return str(request.scope.get("root_path", "")).rstrip("/")


def _round_page(
    request: Request, user: Any, agency: Agency, rnd: Round, message: str = "", error: str = ""
) -> HTMLResponse:
    run = latest_runs({agency.slug: agency}).get((agency.slug, rnd.fiscal_year, rnd.months))
    detail = dashboard.round_detail(
        agency, load_plan(agency.slug, rnd.fiscal_year), rnd, data_root(), run=run
    )
    return render(
        "round.html.j2",
        base=_base(request),
        d=detail,
        agency=agency,
        user=_username(user),
        csrf=csrf_token(user),
        message=message,
        error=error,
        max_mb=MAX_UPLOAD_BYTES // (1024 * 1024),
        suffixes=", ".join(SUFFIXES),
    )


# --- routes: pages -----------------------------------------------------------------------------------


@app.get("/", response_class=HTMLResponse)
def overview(request: Request, user: User) -> HTMLResponse:
    agencies = agencies_dir()
    slugs = _permitted(user, agencies.slugs())
    if not slugs and agencies.slugs():
        raise HTTPException(403, "ไม่มีสิทธิ์ดูหน่วยงานใด / you may not see any agency's rounds")
    loaded: dict[str, Agency] = {}
    problems: list[str] = []
    for slug in slugs:
        try:
            loaded[slug] = load_agency(slug)
        except HTTPException as exc:
            problems.append(f"{slug}: {exc.detail}")
    rows = dashboard.overview(
        [(a, agencies.plan_years(s)) for s, a in loaded.items()], data_root(), runs=latest_runs(loaded)
    )
    columns = sorted({m for a in loaded.values() for m in a.schedule.rounds})
    return render(
        "overview.html.j2",
        base=_base(request),
        rows=rows,
        columns=columns,
        problems=problems,
        user=_username(user),
    )


@app.get("/a/{slug}/{fy}/{rnd}", response_class=HTMLResponse)
def round_page(request: Request, user: User, slug: str, fy: int, rnd: str) -> HTMLResponse:
    require_dag_access(request, user, slug)
    agency = load_agency(slug)
    return _round_page(
        request,
        user,
        agency,
        _round(fy, rnd),
        message=request.query_params.get("msg", "")[:300],
        error=request.query_params.get("err", "")[:600],
    )


@app.get("/run/{dag_id}/{run_id}", response_class=HTMLResponse)
def run_tab(request: Request, user: User, dag_id: str, run_id: str) -> HTMLResponse:
    if not dag_id.startswith(DAG_PREFIX):
        return render(
            "message.html.j2",
            base=_base(request),
            title="ไม่ใช่รอบติดตาม ITA / not an ITA round",
            text="DAG นี้ไม่ใช่ ita_round__<หน่วยงาน> / this DAG is not an ita_round__<agency> DAG",
        )
    require_dag_access(request, user, dag_id.removeprefix(DAG_PREFIX))
    agency, rnd = run_round(dag_id, run_id)
    return _round_page(request, user, agency, rnd)


@app.get("/run/{dag_id}/{run_id}/{what}")
def run_link(request: Request, user: User, dag_id: str, run_id: str, what: str) -> Response:
    """Targets of the operator links "Report PDF" and "Published page"."""
    if not dag_id.startswith(DAG_PREFIX) or what not in ("report", "published"):
        raise HTTPException(404, "ไม่มีลิงก์นี้ / no such link")
    require_dag_access(request, user, dag_id.removeprefix(DAG_PREFIX))
    agency, rnd = run_round(dag_id, run_id)
    base = _base(request)
    detail = dashboard.round_detail(agency, None, rnd, data_root())
    if what == "report":
        report = next((r for r in detail.reports if "memo" not in r.path.lower()), None)
        if report is None:
            raise HTTPException(404, "ยังไม่มีรายงาน PDF ของรอบนี้ / no report PDF for this round yet")
        return RedirectResponse(f"{base}/files/{agency.slug}/{quote(report.path)}", status_code=303)
    if not detail.published:
        raise HTTPException(404, "รอบนี้ยังไม่ได้เผยแพร่ / this round is not published yet")
    return RedirectResponse(_published_href(base, agency, detail.published[0]["url"]), status_code=303)


def _published_href(base: str, agency: Agency, url: str) -> str:
    """A published URL; a relative one (static target without base_url) is served from the data root."""
    if re.match(r"^https?://", url):
        return url
    return f"{base}/site/{agency.slug}/{quote(url.lstrip('/'))}"


_env.globals["published_href"] = _published_href


# --- routes: files -----------------------------------------------------------------------------------


def _safe_parts(request: Request, path: str) -> list[str]:
    """The path's segments, refusing anything that could leave the folder it is read from."""
    raw = request.scope.get("raw_path", b"").decode("latin-1").lower()
    if any(bad in raw for bad in ("%2f", "%5c", "%2e", "%00", "%252")):
        raise HTTPException(400, "ไม่รับชื่อไฟล์ที่เข้ารหัสตัวคั่น / encoded separators are not allowed")
    if not path or path.startswith("/") or "\\" in path or "\x00" in path or ":" in path:
        raise HTTPException(400, "ไม่รับที่อยู่ไฟล์นี้ / path not allowed")
    parts = path.split("/")
    for part in parts:
        if part in ("", ".", "..") or part.startswith(".") or not SAFE_NAME.match(part):
            raise HTTPException(400, "ไม่รับที่อยู่ไฟล์นี้ / path not allowed")
    return parts


def _serve(folder: Any, parts: list[str]) -> Response:
    suffix = Path(parts[-1]).suffix.lower()
    if suffix not in SERVED_SUFFIXES:
        raise HTTPException(404, "ไม่ให้บริการไฟล์ชนิดนี้ / file type not served")
    target = folder
    for part in parts:
        target = target / part
    if isinstance(folder, Path):
        resolved = target.resolve()
        if not resolved.is_relative_to(folder.resolve()):
            raise HTTPException(400, "ไม่รับที่อยู่ไฟล์นี้ / path not allowed")
    try:
        if target.is_dir():
            raise HTTPException(404, "ไม่พบไฟล์ / file not found")
        body = target.read_bytes()
    except (FileNotFoundError, NotADirectoryError) as exc:
        raise HTTPException(404, "ไม่พบไฟล์ / file not found") from exc
    headers = dict(SECURITY_HEADERS)
    if suffix == ".html":
        headers["Content-Security-Policy"] = "sandbox; default-src 'self'; style-src 'unsafe-inline'"
    disposition = "inline" if suffix in (".pdf", ".html") else "attachment"
    headers["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(parts[-1])}"
    return Response(body, media_type=SERVED_SUFFIXES[suffix], headers=headers)


@app.get("/files/{slug}/{path:path}")
def agency_file(request: Request, user: User, slug: str, path: str) -> Response:
    """A file under ``<data root>/<agency>/``: report PDFs, received files (for the history)."""
    require_dag_access(request, user, slug)
    load_agency(slug)
    parts = _safe_parts(request, path)
    return _serve(data_root().root / slug, parts)


@app.get("/site/{slug}/{path:path}")
def site_file(request: Request, user: User, slug: str, path: str) -> Response:
    """The agency's static site folder (publish target ``static``), for relative published URLs."""
    require_dag_access(request, user, slug)
    agency = load_agency(slug)
    parts = _safe_parts(request, path)
    site_path = agency.publish.path
    if agency.publish.target != "static" or site_path.startswith("/") or ".." in site_path.split("/"):
        raise HTTPException(404, "หน่วยงานนี้ไม่ได้เผยแพร่ไปยังโฟลเดอร์ / this agency does not publish to a folder")
    return _serve(data_root().site(site_path), parts)


# --- routes: actions ---------------------------------------------------------------------------------


def _redirect_round(
    request: Request, slug: str, rnd: Round, msg: str = "", err: str = ""
) -> RedirectResponse:
    url = f"{_base(request)}/a/{slug}/{rnd.fiscal_year}/{rnd.slug}"
    query = "&".join(f"{k}={quote(v)}" for k, v in (("msg", msg), ("err", err)) if v)
    return RedirectResponse(f"{url}?{query}" if query else url, status_code=303)


def _upload_name(filename: str, taken: set[str]) -> str:
    """A safe file name for the inbox, never one already there (a suffix -2, -3, ... is added)."""
    name = Path((filename or "").replace("\\", "/")).name.strip()
    name = re.sub(r"[^\w\u0E00-\u0E7F.()+-]+", "_", name).lstrip("._") or "upload"
    stem, suffix = Path(name).stem[:100], Path(name).suffix.lower()
    candidate, n = f"{stem}{suffix}", 1
    while candidate in taken:
        n += 1
        candidate = f"{stem}-{n}{suffix}"
    return candidate


def check_upload(name: str, data: bytes) -> str:
    """'' when the file may go into the inbox, else why not (Thai / English)."""
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        return f"ไม่รับไฟล์ชนิดนี้: ใช้ {', '.join(SUFFIXES)} / unsupported file type: send {', '.join(SUFFIXES)}"
    if not data:
        return "ไฟล์ว่างเปล่า / the file is empty"
    is_zip = data[:4] == b"PK\x03\x04"
    if suffix == ".xlsx" and not is_zip:
        return "ไฟล์ .xlsx นี้ไม่ใช่ไฟล์ Excel จริง / this .xlsx file is not an Excel workbook"
    if suffix in (".csv", ".json") and (is_zip or b"\x00" in data[:8192]):
        return f"ไฟล์ {suffix} นี้ไม่ใช่ไฟล์ข้อความ / this {suffix} file is not a text file"
    return ""


@app.post("/a/{slug}/{fy}/{rnd}/upload")
async def upload(
    request: Request,
    user: Actor,
    slug: str,
    fy: int,
    rnd: str,
    unit: Annotated[str, Form()],
    file: Annotated[UploadFile, File()],
    csrf: Annotated[str, Form()] = "",
) -> Response:
    _check_csrf(user, csrf)
    agency = load_agency(slug)
    the_round = _round(fy, rnd)
    if unit not in agency.unit_codes:
        raise HTTPException(400, "ไม่รู้จักหน่วยงานย่อยนี้ / unknown unit")
    data = await file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise HTTPException(413, f"ไฟล์ใหญ่เกิน {MAX_UPLOAD_BYTES // 1048576} MB / file larger than the limit")
    problem = check_upload(file.filename or "", data)
    if problem:
        return _redirect_round(request, slug, the_round, err=problem)
    plan = load_plan(slug, fy)
    if plan is None:
        raise HTTPException(400, f"ไม่มีแผนมาตรการของปี {fy} / no measure plan for fiscal year {fy}")
    root = data_root()
    folder = root.inbox(slug, the_round) / unit
    taken = {p.name for p in folder.iterdir()} if folder.exists() else set()
    name = _upload_name(file.filename or "", taken)
    write_atomic(folder / name, data)
    log.info(
        "ITA upload by %s: %s/%s/%s/%s (%d bytes)",
        _username(user),
        slug,
        the_round.slug,
        unit,
        name,
        len(data),
    )

    from starlette.concurrency import run_in_threadpool

    from ita_monitor.pipeline import RoundJob, collect

    try:
        job = RoundJob.load(agencies_dir(), slug, the_round, root)
        summary = await run_in_threadpool(collect, job)
    except InputError as exc:
        return _redirect_round(
            request,
            slug,
            the_round,
            err=f"รับไฟล์แล้วแต่อ่านรอบไม่ได้ / saved, but the round could not be read: {exc}",
        )
    return _redirect_round(
        request,
        slug,
        the_round,
        msg=f"รับไฟล์ {name} ของ {unit} แล้ว / received {name} from {unit}: "
        f"{summary.get('accepted', '?')} accepted, {summary.get('rejected', '?')} rejected",
    )


async def call_api(request: Request, method: str, path: str, body: dict) -> tuple[int, Any]:
    """Call Airflow's public REST API in this api-server, as the logged-in user (their own token)."""
    import httpx

    root = request.scope.get(ROOT_APP_KEY)
    if root is None:
        raise HTTPException(
            503, "เรียก REST API ของ Airflow ไม่ได้ / Airflow's REST API is not reachable from here"
        )
    transport = httpx.ASGITransport(app=root)
    async with httpx.AsyncClient(transport=transport, base_url="http://airflow-api") as client:
        resp = await client.request(
            method, path, json=body, headers={"Authorization": f"Bearer {_user_token(request)}"}
        )
    try:
        payload = resp.json()
    except ValueError:
        payload = resp.text
    return resp.status_code, payload


def _api_error(status: int, payload: Any) -> str:
    detail = payload.get("detail") if isinstance(payload, dict) else payload
    return f"Airflow ตอบ {status} / Airflow answered {status}: {str(detail)[:300]}"


@app.post("/a/{slug}/{fy}/{rnd}/approve")
async def approve(
    request: Request,
    user: Actor,
    slug: str,
    fy: int,
    rnd: str,
    run_id: Annotated[str, Form()],
    decision: Annotated[str, Form()],
    comment: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    _check_csrf(user, csrf)
    the_round = _round(fy, rnd)
    if decision not in ("Approve", "Reject"):
        raise HTTPException(400, "ตัวเลือกไม่ถูกต้อง / decision must be Approve or Reject")
    comment = comment.strip()[:500]
    if decision == "Reject" and not comment:
        return _redirect_round(request, slug, the_round, err="บอกเหตุผลที่ไม่อนุมัติ / say why you reject")
    path = f"/api/v2/dags/{quote(dag_id_of(slug), safe='')}/dagRuns/{quote(run_id, safe='')}/taskInstances/{APPROVAL_TASK}/-1/hitlDetails"
    status, payload = await call_api(
        request, "PATCH", path, {"chosen_options": [decision], "params_input": {"comment": comment}}
    )
    if status >= 300:
        return _redirect_round(request, slug, the_round, err=_api_error(status, payload))
    said = "อนุมัติแล้ว / approved" if decision == "Approve" else "ไม่อนุมัติ / rejected"
    return _redirect_round(request, slug, the_round, msg=f"{said}: {comment}" if comment else said)


@app.post("/a/{slug}/{fy}/{rnd}/rerun")
async def rerun(
    request: Request,
    user: Actor,
    slug: str,
    fy: int,
    rnd: str,
    run_id: Annotated[str, Form()],
    csrf: Annotated[str, Form()] = "",
) -> Response:
    _check_csrf(user, csrf)
    the_round = _round(fy, rnd)
    status, payload = await call_api(
        request,
        "POST",
        f"/api/v2/dags/{quote(dag_id_of(slug), safe='')}/clearTaskInstances",
        {"dry_run": False, "dag_run_id": run_id, "only_failed": True, "reset_dag_runs": True},
    )
    if status >= 300:
        return _redirect_round(request, slug, the_round, err=_api_error(status, payload))
    cleared = len(payload.get("task_instances", [])) if isinstance(payload, dict) else 0
    return _redirect_round(
        request,
        slug,
        the_round,
        msg=f"สั่งรันใหม่แล้ว ({cleared} งาน) / rerun requested: {cleared} failed tasks cleared",
    )


@app.exception_handler(StarletteHTTPException)
async def _http_error(request: Request, exc: HTTPException) -> Response:
    if exc.status_code == 401:
        return render(
            "message.html.j2",
            401,
            base=_base(request),
            title="ต้องเข้าสู่ระบบ Airflow / Airflow login required",
            text="เข้าสู่ระบบ Airflow ก่อน แล้วเปิดหน้านี้อีกครั้ง / log in to Airflow, then open this page again",
            login=True,
        )
    return render(
        "message.html.j2",
        exc.status_code,
        base=_base(request),
        title=f"{exc.status_code}",
        text=str(exc.detail),
    )


def now() -> datetime:
    return datetime.now(UTC)
