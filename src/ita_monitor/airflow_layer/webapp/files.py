"""Files: serving the agency's round files and static site, and a unit's upload into the inbox.

Every path is checked segment by segment before it is read, so nothing outside the agency's folder
can be reached; only a few file types are served, HTML in a sandbox.  An upload is read only after
the login and access are checked, against the intake's one size limit, with a fresh form token; it is
refused before anything is stored when its round is not in the agency's schedule or it cannot be a
submission, else it goes through ``uploads.receive_upload`` (the inbox, then the round's intake) and the
round page shows this file's outcome.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException

from ita_monitor.airflow_layer import websecurity as ws
from ita_monitor.airflow_layer.webapp.auth import Actor, User, check_csrf, require_dag_access, username
from ita_monitor.airflow_layer.webapp.downloads import file_response
from ita_monitor.airflow_layer.webapp.sources import agencies_dir, data_root, load_agency
from ita_monitor.airflow_layer.webapp.templating import SECURITY_HEADERS, base, render
from ita_monitor.airflow_layer.webapp.urls import parse_round, redirect_round
from ita_monitor.intake.uploads import UploadRefused, receive_upload, scheduled
from ita_monitor.model.messages import MESSAGES, message

log = logging.getLogger(__name__)

SAFE_NAME = re.compile(r"^[\w\u0E00-\u0E7F][\w\u0E00-\u0E7F .()+-]{0,150}$")
SERVED_SUFFIXES = {
    ".pdf": "application/pdf",
    ".csv": "text/csv; charset=utf-8",
    ".json": "application/json",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".html": "text/html; charset=utf-8",
}
STATE_CHANGING = ("POST", "PUT", "PATCH", "DELETE")

router = APIRouter()


def _refuse(
    request: Request, status: int, code: str, n: int | None = None, text: tuple[str, str] | None = None
) -> Response:
    th, en = text or message(code, n) or ("", "")
    return render("message.html.j2", status, base=base(request), title=f"{status}", text=f"{th}\n{en}")


async def limit_body(request: Request, call_next):
    """Before any route: a state-changing request must say how large it is and stay within the one
    size limit, and come from this site's own pages (Origin, or Referer without it).  A unit's link
    routes (``/u/``) check their link first and the origin after it (``unit.py``)."""
    if request.method in STATE_CHANGING:
        length = request.headers.get("content-length")
        if length is None or not length.isdigit():
            return Response("Content-Length required", status_code=411)
        limit = ws.upload_limit(data_root())
        if int(length) > limit + ws.FORM_OVERHEAD:
            return _refuse(request, 413, "too_large", text=ws.too_large_text(limit, int(length), False))
        path, prefix = request.url.path, base(request)
        own = path[len(prefix) :] if prefix and path.startswith(prefix) else path
        if not own.startswith("/u/") and not ws.same_origin(request.headers):
            return _refuse(request, 403, "origin")
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
    headers = dict(SECURITY_HEADERS)
    if suffix == ".html":
        headers["Content-Security-Policy"] = "sandbox; default-src 'self'; style-src 'unsafe-inline'"
    return file_response(target, SERVED_SUFFIXES[suffix], headers, inline=suffix in (".pdf", ".html"))


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


@router.post("/a/{slug}/{fy}/{rnd}/upload")
async def upload(request: Request, user: Actor, slug: str, fy: int, rnd: str) -> Response:
    """A unit's file, by an admin: the login and access are checked (``Actor``) before the body."""
    from starlette.concurrency import run_in_threadpool

    from ita_monitor.airflow_layer.webapp.views import round_page_response

    agency = load_agency(slug)
    the_round = parse_round(fy, rnd)
    if not scheduled(agency, the_round):
        th, en = MESSAGES["unscheduled"]
        raise HTTPException(404, f"{th} / {en}")
    root = data_root()
    limit = ws.upload_limit(root)
    try:
        form = await ws.read_form(request, limit)
    except ws.BodyTooLarge:
        return _refuse(request, 413, "too_large", text=ws.too_large_text(limit, limit + 1, False))
    except (MultiPartException, ValueError, KeyError):
        return _refuse(request, 400, "bad_request")
    try:
        check_csrf(user, str(form.get("csrf") or ""))
        unit = str(form.get("unit") or "")
        if unit not in agency.unit_codes:
            raise HTTPException(400, "ไม่รู้จักหน่วยงานย่อยนี้ / unknown unit")
        file = form.get("file")
        if not isinstance(file, UploadFile) or not file.filename:
            return _refuse(request, 400, "no_file")
        if file.size is not None and file.size > limit:  # the one limit: nothing of it is kept
            return _refuse(request, 413, "too_large", text=ws.too_large_text(limit, file.size, True))
        try:
            payload = await ws.read_upload(file, limit)
        except ws.BodyTooLarge:
            return _refuse(request, 413, "too_large", text=ws.too_large_text(limit, limit + 1, False))
        filename = file.filename
    finally:
        await form.close()
    try:
        got = await run_in_threadpool(
            receive_upload, agencies_dir(), root, agency, the_round, unit, filename, payload, username(user)
        )
    except UploadRefused as exc:
        return round_page_response(
            request, user, agency, the_round, 400, refused=exc.code, problems=exc.problems
        )
    log.info(
        "ITA upload by %s: %s/%s/%s/%s (%d bytes, version %s%s)",
        username(user),
        slug,
        the_round.slug,
        unit,
        got.name,
        len(payload),
        got.version,
        "" if got.new else ", received before",
    )
    if got.new:
        from ita_monitor.model.status import record_action

        record_action(
            root, slug, the_round, "upload", username(user), unit=unit, detail=f"{got.name} v{got.version}"
        )
    return redirect_round(request, slug, the_round, "received", unit=unit, v=got.version)
