"""Files: serving the agency's round files and static site, and a unit's upload into the inbox.

Every path is checked segment by segment before it is read, so nothing outside the agency's folder
can be reached; only a few file types are served, HTML in a sandbox.  An upload is written atomically
under a name never already taken (nothing a unit sends is overwritten), then the round is collected.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import Response

from ita_monitor.airflow_layer.webapp.auth import Actor, User, check_csrf, require_dag_access, username
from ita_monitor.airflow_layer.webapp.sources import agencies_dir, data_root, load_agency, load_plan
from ita_monitor.airflow_layer.webapp.templating import SECURITY_HEADERS
from ita_monitor.airflow_layer.webapp.urls import parse_round, redirect_round
from ita_monitor.errors import InputError
from ita_monitor.storage import write_atomic
from ita_monitor.submissions import SUFFIXES

log = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
SAFE_NAME = re.compile(r"^[\w\u0E00-\u0E7F][\w\u0E00-\u0E7F .()+-]{0,150}$")
SERVED_SUFFIXES = {
    ".pdf": "application/pdf",
    ".csv": "text/csv; charset=utf-8",
    ".json": "application/json",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".html": "text/html; charset=utf-8",
}

router = APIRouter()


async def limit_body(request: Request, call_next):
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


# --- serving -----------------------------------------------------------------------------------------


def safe_parts(request: Request, path: str) -> list[str]:
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


def serve(folder: Any, parts: list[str]) -> Response:
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


@router.get("/files/{slug}/{path:path}")
def agency_file(request: Request, user: User, slug: str, path: str) -> Response:
    """A file under ``<data root>/<agency>/``: report PDFs, received files (for the history)."""
    require_dag_access(request, user, slug)
    load_agency(slug)
    parts = safe_parts(request, path)
    return serve(data_root().root / slug, parts)


@router.get("/site/{slug}/{path:path}")
def site_file(request: Request, user: User, slug: str, path: str) -> Response:
    """The agency's static site folder (publish target ``static``), for relative published URLs."""
    require_dag_access(request, user, slug)
    agency = load_agency(slug)
    parts = safe_parts(request, path)
    site_path = agency.publish.path
    if agency.publish.target != "static" or site_path.startswith("/") or ".." in site_path.split("/"):
        raise HTTPException(404, "หน่วยงานนี้ไม่ได้เผยแพร่ไปยังโฟลเดอร์ / this agency does not publish to a folder")
    return serve(data_root().site(site_path), parts)


# --- uploads -----------------------------------------------------------------------------------------


def upload_name(filename: str, taken: set[str]) -> str:
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


@router.post("/a/{slug}/{fy}/{rnd}/upload")
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
    check_csrf(user, csrf)
    agency = load_agency(slug)
    the_round = parse_round(fy, rnd)
    if unit not in agency.unit_codes:
        raise HTTPException(400, "ไม่รู้จักหน่วยงานย่อยนี้ / unknown unit")
    data = await file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise HTTPException(413, f"ไฟล์ใหญ่เกิน {MAX_UPLOAD_BYTES // 1048576} MB / file larger than the limit")
    problem = check_upload(file.filename or "", data)
    if problem:
        return redirect_round(request, slug, the_round, err=problem)
    plan = load_plan(slug, fy)
    if plan is None:
        raise HTTPException(400, f"ไม่มีแผนมาตรการของปี {fy} / no measure plan for fiscal year {fy}")
    root = data_root()
    folder = root.inbox(slug, the_round) / unit
    taken = {p.name for p in folder.iterdir()} if folder.exists() else set()
    name = upload_name(file.filename or "", taken)
    write_atomic(folder / name, data)
    log.info(
        "ITA upload by %s: %s/%s/%s/%s (%d bytes)",
        username(user),
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
        return redirect_round(
            request,
            slug,
            the_round,
            err=f"รับไฟล์แล้วแต่อ่านรอบไม่ได้ / saved, but the round could not be read: {exc}",
        )
    return redirect_round(
        request,
        slug,
        the_round,
        msg=f"รับไฟล์ {name} ของ {unit} แล้ว / received {name} from {unit}: "
        f"{summary.get('accepted', '?')} accepted, {summary.get('rejected', '?')} rejected",
    )
