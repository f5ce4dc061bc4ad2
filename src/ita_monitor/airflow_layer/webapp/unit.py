"""A unit's own page, reached by the personal link of its form mail, without an Airflow login:

    GET  /ita/u/{token}            what is due from this unit in this round, its files, an upload
    POST /ita/u/{token}/upload     the unit's file -> the round's intake; the page shows its outcome
    GET  /ita/u/{token}/form       the unit's prefilled form of the round

and, for an admin who may act on the agency's runs, the units' current links on the round's page and

    POST /ita/a/{agency}/{fy}/{round}/revoke-link   revoke a unit's link (the next one is shown)

The token (``unit_links.py``) is the only key: it is checked (signature, expiry, revocation, the
agency, unit and round still configured, rate limits per address and per link) before anything else
and, for an upload, before the body is read; then the Origin/Referer, the size limit while reading,
and the form token.  Nothing here takes an agency, unit or round from the request: what a link can
see or change is exactly its own unit's submissions to its own round.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ita_monitor.airflow_layer import websecurity as ws
from ita_monitor.airflow_layer.ratelimit import RateLimit
from ita_monitor.airflow_layer.webapp.auth import Actor
from ita_monitor.airflow_layer.webapp.sources import agencies_dir, data_root, load_agency, load_plan
from ita_monitor.airflow_layer.webapp.templating import base, environment
from ita_monitor.intake.unit_links import Link, LinkRefused, check_revoked, expiry, extended_until, read_token
from ita_monitor.intake.uploads import UploadRefused, receive_upload
from ita_monitor.model.messages import MESSAGES
from ita_monitor.model.rounds import BANGKOK

log = logging.getLogger(__name__)
router = APIRouter()

# Counted by every api-server worker and host together (``ratelimit.py``): requests of one address,
# of one link, and uploads of one link
PER_ADDRESS = RateLimit("address", 120, 600)
PER_LINK = RateLimit("link", 60, 600)
UPLOADS_PER_LINK = RateLimit("link-uploads", 12, 600)
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'",
    "Referrer-Policy": "same-origin",  # the token never leaves in a Referer; our own POSTs keep Origin
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex, nofollow",
}


@dataclass
class MeasureState:
    code: str
    title: str
    cell: Any  # round_detail.Cell of this unit


@dataclass
class UnitView:
    """What the page shows: this unit's part of the round, nothing of any other unit."""

    agency_th: str
    unit: str
    unit_th: str
    fiscal_year: int
    months: int
    round_th: str
    last_day: date
    late: bool
    expires_at: datetime
    measures: list[MeasureState] = field(default_factory=list)
    history: list[Any] = field(default_factory=list)  # round_detail.HistoryEntry of this unit
    files: list[Any] = field(default_factory=list)  # this unit's status.FileRecord of the last collect
    has_form: bool = False


class _Refusal(Exception):
    def __init__(self, code: str, status: int, n: int | None = None, problems: list | None = None):
        self.code, self.status, self.n, self.problems = code, status, n, problems or []


def _too_large(limit: int, seen: int, exact: bool) -> _Refusal:
    th, en = ws.too_large_text(limit, seen, exact)
    return _Refusal("too_large", 413, problems=[{"where": "", "th": th, "en": en}])


def _address(request: Request) -> str:
    return request.client.host if request.client else "-"


def _link(request: Request, token: str) -> tuple[Link, Any]:
    """The link and its agency, or _Refusal: everything checked before a body is read."""
    wait = PER_ADDRESS.hit(_address(request))
    if wait:
        raise _Refusal("rate_limited", 429, int(wait) + 1)
    try:
        link = read_token(ws.link_secret(), token)
        check_revoked(data_root(), link)
    except LinkRefused as exc:
        raise _Refusal(exc.code, 410 if exc.code == "expired" else 403) from exc
    except ws.NoSecret as exc:
        log.error("%s", exc)
        raise _Refusal("no_secret", 503) from exc
    scope = link.scope
    wait = PER_LINK.hit(f"{scope.agency}/{scope.key()}/{link.generation}")
    if wait:
        raise _Refusal("rate_limited", 429, int(wait) + 1)
    try:
        agency = load_agency(scope.agency)
    except Exception as exc:  # unknown or invalid profile: the link cannot be served
        raise _Refusal("unknown", 404) from exc
    if scope.unit not in agency.unit_codes or scope.months not in agency.schedule.rounds:
        raise _Refusal("unknown", 404)
    return link, agency


def _subject(link: Link) -> str:
    s = link.scope
    return f"unit-link:{s.agency}:{s.fiscal_year}:{s.months}:{s.unit}:{link.generation}"


def unit_view(agency: Any, link: Link) -> UnitView:
    from ita_monitor.views.round_detail import round_detail

    scope, rnd = link.scope, link.scope.rnd
    data = data_root()
    detail = round_detail(agency, load_plan(agency.slug, rnd.fiscal_year), rnd, data)
    measures = [
        MeasureState(row.code, row.title, row.cells[scope.unit])
        for row in detail.matrix
        if row.cells.get(scope.unit) is not None
    ]
    form = data.round_dir(agency.slug, rnd) / "outbox" / scope.unit / _form_name(link)
    grace = agency.schedule.grace_days
    # a late link: made with ita-monitor link --until (noted), valid past the round's own expiry
    late = link.expires_at > expiry(rnd, grace) and extended_until(data, scope) is not None
    return UnitView(
        agency_th=agency.name_th,
        unit=scope.unit,
        unit_th=agency.unit(scope.unit).name_th,
        fiscal_year=rnd.fiscal_year,
        months=rnd.months,
        round_th=rnd.label_th,
        # a late link (ita-monitor link --until) gives its own last day, not the expired original's
        last_day=link.expires_at.astimezone(BANGKOK).date() if late else detail.due_day,
        late=late,
        expires_at=link.expires_at,
        measures=measures,
        history=[h for h in detail.history if h.unit == scope.unit],
        files=[f for f in detail.files if f.unit == scope.unit],
        has_form=form.exists(),
    )


def _form_name(link: Link) -> str:
    s = link.scope
    return f"ita-{s.fiscal_year}-{s.rnd.slug}-{s.unit}.xlsx"


def _page(
    request: Request,
    token: str,
    link: Link | None,
    agency: Any,
    status: int = 200,
    refused: str = "",
    problems: list | None = None,
    outcome: dict | None = None,
    n: int | None = None,
) -> HTMLResponse:
    texts = dict(MESSAGES)
    if refused and n is not None:
        th, en = MESSAGES[refused]
        texts[refused] = (th.replace("{n}", str(n)), en.replace("{n}", str(n)))
    html = (
        environment()
        .get_template("unit.html.j2")
        .render(
            u=unit_view(agency, link) if link is not None else None,
            link_url=f"{base(request)}/u/{token}",
            csrf=ws.form_token(_subject(link)) if link is not None else "",
            refused=refused,
            problems=problems or [],
            outcome=outcome,
            MESSAGES=texts,
            max_mb=ws.upload_limit(data_root()) // (1024 * 1024),
        )
    )
    headers = dict(HEADERS)
    if status == 429 and n:
        headers["Retry-After"] = str(n)
    return HTMLResponse(html, status_code=status, headers=headers)


def _refused_page(request: Request, token: str, r: _Refusal, link=None, agency=None) -> HTMLResponse:
    return _page(request, token, link, agency, r.status, r.code, r.problems, n=r.n)


@router.get("/u/{token}", response_class=HTMLResponse)
def unit_page(request: Request, token: str) -> Response:
    try:
        link, agency = _link(request, token)
    except _Refusal as r:
        return _refused_page(request, token, r)
    outcome = None
    v = request.query_params.get("v", "")
    if v.isdigit():
        mine = [f for f in unit_view(agency, link).files if str(f.version) == v]
        if mine:
            f = mine[-1]
            outcome = {
                "name": f.file.rsplit("/", 1)[-1],
                "version": f.version,
                "accepted": bool(f.accepted),
                "rows": f.rows,
                "problems": f.problems,
                "new": request.query_params.get("again") != "1",
            }
    return _page(request, token, link, agency, outcome=outcome)


@router.post("/u/{token}/upload")
async def unit_upload(request: Request, token: str) -> Response:
    from starlette.concurrency import run_in_threadpool
    from starlette.datastructures import UploadFile
    from starlette.formparsers import MultiPartException

    link = agency = None
    limit = ws.upload_limit(data_root())
    try:
        link, agency = await run_in_threadpool(_link, request, token)
        scope = link.scope
        wait = UPLOADS_PER_LINK.hit(f"{scope.agency}/{scope.key()}/{link.generation}")
        if wait:
            raise _Refusal("rate_limited", 429, int(wait) + 1)
        if not ws.same_origin(request.headers):
            raise _Refusal("origin", 403)
        try:
            form = await ws.read_form(request, limit)
        except ws.BodyTooLarge as exc:
            raise _too_large(limit, limit + 1, False) from exc
        except (MultiPartException, ValueError, KeyError) as exc:
            raise _Refusal("bad_request", 400) from exc
        try:
            problem = ws.form_token_problem(_subject(link), str(form.get("csrf") or ""))
            if problem:
                raise _Refusal(problem, 403)
            upload = form.get("file")
            if not isinstance(upload, UploadFile) or not upload.filename:
                raise _Refusal("no_file", 400)
            if upload.size is not None and upload.size > limit:
                raise _too_large(limit, upload.size, True)
            try:
                payload = await ws.read_upload(upload, limit)
            except ws.BodyTooLarge as exc:
                raise _too_large(limit, limit + 1, False) from exc
            filename = upload.filename
        finally:
            await form.close()
        try:
            got = await run_in_threadpool(
                receive_upload,
                agencies_dir(),
                data_root(),
                agency,
                scope.rnd,
                scope.unit,
                filename,
                payload,
                f"unit link {scope.unit} (generation {link.generation})",  # who: the unit, by its own link
            )
        except UploadRefused as exc:
            raise _Refusal(exc.code, 400, problems=[p.as_dict() for p in exc.problems]) from exc
    except _Refusal as r:
        return _refused_page(request, token, r, link, agency)
    log.info(
        "ITA link upload: %s %s %s %s -> %s (v%s, %d bytes, from %s)",
        scope.agency,
        scope.fiscal_year,
        scope.rnd.slug,
        scope.unit,
        got.name,
        got.version,
        len(payload),
        _address(request),
    )
    if got.new:
        from ita_monitor.model.status import record_action

        who = f"ลิงก์ของหน่วยงานย่อย / unit's link ({scope.unit}, {_address(request)})"
        record_action(
            data_root(), scope.agency, scope.rnd, "upload", who, scope.unit, f"{got.name} v{got.version}"
        )
    again = "" if got.new else "&again=1"
    return RedirectResponse(f"{base(request)}/u/{token}?v={got.version}{again}", status_code=303)


@router.get("/u/{token}/form")
def unit_form(request: Request, token: str) -> Response:
    from ita_monitor.airflow_layer.webapp.downloads import XLSX, file_response

    try:
        link, agency = _link(request, token)
    except _Refusal as r:
        return _refused_page(request, token, r)
    rnd = link.scope.rnd
    path = data_root().round_dir(agency.slug, rnd) / "outbox" / link.scope.unit / _form_name(link)
    if not path.exists():
        return _page(request, token, link, agency, 404)
    return file_response(path, XLSX, dict(HEADERS))


# --- the admin's side: each unit's current link on the round page, and revoking one -------------------


def admin_links(
    request: Request, user: Any, agency: Any, rnd: Any, units: list[tuple[str, str]]
) -> list[dict]:
    """The current link of each unit owing something in the round, for a user who may act on the
    agency's runs (a viewer must not get a unit's upload rights); [] otherwise."""
    from datetime import UTC

    from fastapi import HTTPException

    from ita_monitor.airflow_layer.webapp.auth import require_dag_access
    from ita_monitor.intake.unit_links import LinkScope, extended_until, generation, link_for

    if rnd.months not in agency.schedule.rounds or not units:
        return []
    try:
        require_dag_access(request, user, agency.slug, "PUT")
        secret = ws.link_secret()
    except (HTTPException, ws.NoSecret):
        return []
    origin = ws.public_base_url() or f"{request.url.scheme}://{request.headers.get('host', '')}"
    grace = agency.schedule.grace_days
    data = data_root()
    from ita_monitor.model import status
    from ita_monitor.views.round_state import written_due_at

    due = written_due_at(status.load_round(data, agency.slug, rnd), agency, rnd)
    out = []
    for code, name in units:
        scope = LinkScope(agency.slug, rnd.fiscal_year, rnd.months, code)
        late = extended_until(data, scope)  # a late link (ita-monitor link --until): shown, not the original
        made = generation(data, scope)
        expires = late or due
        out.append(
            {
                "unit": code,
                "name": name,
                "url": link_for(secret, data, scope, grace, origin, expires_at=expires),
                "generation": made,
                "expires_at": expires,
                "expired": datetime.now(UTC) >= expires,
                "late": late is not None,
            }
        )
    return out


@router.post("/a/{slug}/{fy}/{rnd}/revoke-link")
async def revoke_link(request: Request, user: Actor, slug: str, fy: int, rnd: str) -> Response:
    """Revoke a unit's current link (login and access checked before the form is read)."""
    from fastapi import HTTPException

    from ita_monitor.airflow_layer.webapp.auth import username
    from ita_monitor.airflow_layer.webapp.runs import action_form
    from ita_monitor.airflow_layer.webapp.urls import parse_round, redirect_round
    from ita_monitor.intake.unit_links import LinkScope, revoke

    form = await action_form(request, user)
    agency = load_agency(slug)
    the_round = parse_round(fy, rnd)
    unit = form.get("unit", "")
    if the_round.months not in agency.schedule.rounds or unit not in agency.unit_codes:
        raise HTTPException(400, "ไม่รู้จักหน่วยงานย่อยหรือรอบนี้ / unknown unit or round")
    scope = LinkScope(slug, the_round.fiscal_year, the_round.months, unit)
    reason = form.get("reason", "").strip()[:200]
    shown = form.get("generation", "")
    entry = revoke(  # and recorded as the round's action
        data_root(), scope, by=username(user), reason=reason, shown=int(shown) if shown.isdigit() else None
    )
    log.info(
        "ITA link revoked by %s: %s %s %s generation %s",
        username(user),
        slug,
        the_round.slug,
        unit,
        entry["generation"],
    )
    return redirect_round(request, slug, the_round, "link_revoked")
