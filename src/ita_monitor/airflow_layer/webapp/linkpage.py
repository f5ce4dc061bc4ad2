"""Link health of an agency-year: each published link's state, what changed at the last check, the
repairs, the ITAS readiness sheet (CSV/HTML), and the buttons *check now* and *repair* (a run of the
agency's link DAG, triggered through Airflow's REST API as the user)."""

from __future__ import annotations

import logging
from urllib.parse import quote, urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ita_monitor.airflow_layer.webapp.auth import (
    Actor,
    User,
    csrf_token,
    require_dag_access,
    username,
)
from ita_monitor.airflow_layer.webapp.runs import action_form, call_api
from ita_monitor.airflow_layer.webapp.sources import agencies_dir, data_root, load_agency
from ita_monitor.airflow_layer.webapp.templating import SECURITY_HEADERS, base, render
from ita_monitor.links import readiness as itas
from ita_monitor.links.record import STATE_TH, broken
from ita_monitor.links.year import YearLinks
from ita_monitor.model.errors import InputError
from ita_monitor.model.messages import ERRORS, message
from ita_monitor.model.names import links_dag_id

log = logging.getLogger(__name__)
router = APIRouter()


def _year(slug: str, fy: int) -> YearLinks:
    load_agency(slug)  # 404 for an unknown agency
    if not 2500 <= fy <= 2800:
        raise HTTPException(404, "ไม่มีปีงบประมาณนี้ / no such fiscal year")
    try:
        return YearLinks.load(agencies_dir(), slug, fy, data_root())
    except InputError as exc:
        raise HTTPException(404, f"{exc}") from exc


def latest_link_run(slug: str) -> dict | None:
    """The latest run of the agency's link DAG: state, when, whether it was asked to repair."""
    from ita_monitor.airflow_layer import internals

    row = internals.latest_run(links_dag_id(slug))
    if row is None:
        return None
    return {"run_id": row.run_id, "state": row.state, "run_after": row.run_after, "conf": row.conf}


def _redirect(request: Request, slug: str, fy: int, code: str = "", n: int | None = None) -> RedirectResponse:
    """Back to the year's link page with the code of a message the app issued (``model.messages``)."""
    url = f"{base(request)}/links/{quote(slug)}/{fy}"
    params = [("m", code), ("n", "" if n is None else str(int(n)))]
    query = urlencode([(k, v) for k, v in params if v])
    return RedirectResponse(f"{url}?{query}" if query else url, status_code=303)


def _issued(request: Request) -> tuple[str, str]:
    """(message, error) of the ``?m=`` code only: any other text in the address is never shown."""

    q = request.query_params
    n = q.get("n", "")
    said = message(q.get("m", ""), int(n) if n.isdigit() and len(n) < 7 else None)
    if said is None:
        return "", ""
    text = " / ".join(said)
    return ("", text) if q.get("m") in ERRORS else (text, "")


@router.get("/links/{slug}/{fy}", response_class=HTMLResponse)
def links_page(request: Request, user: User, slug: str, fy: int) -> HTMLResponse:
    require_dag_access(request, user, slug)
    year = _year(slug, fy)
    health = year.health()
    links = sorted(health.links.values() if health else [], key=lambda e: (e.kind != "document", e.id))
    return render(
        "links.html.j2",
        base=base(request),
        agency=year.agency,
        fy=fy,
        health=health,
        links=links,
        changes=health.changes if health else [],
        repairs=list(reversed(health.repairs if health else []))[:5],
        rows=itas.readiness_rows(year.catalogue, year.manifest(), health, year.oit),
        broken=len(broken(health)),
        period=year.assessment,
        run=latest_link_run(slug),
        state_th=STATE_TH,
        user=username(user),
        csrf=csrf_token(user),
        message=_issued(request)[0],
        error=_issued(request)[1],
    )


@router.get("/links/{slug}/{fy}/itas-readiness.{fmt}")
def readiness(request: Request, user: User, slug: str, fy: int, fmt: str) -> Response:
    """The ITAS readiness sheet as it stands (CSV for a spreadsheet, HTML to print)."""
    require_dag_access(request, user, slug)
    year = _year(slug, fy)
    health = year.health()
    rows = itas.readiness_rows(year.catalogue, year.manifest(), health, year.oit)
    name = f"itas-readiness-{slug}-{fy}.{fmt}"
    if fmt == "csv":
        return Response(
            itas.readiness_csv(rows),
            media_type="text/csv; charset=utf-8",
            headers={**SECURITY_HEADERS, "Content-Disposition": f'attachment; filename="{name}"'},
        )
    if fmt == "html":
        from ita_monitor.airflow_layer import settings

        html = itas.readiness_html(year, rows, health, settings.renderer())
        return Response(html, media_type="text/html; charset=utf-8", headers=SECURITY_HEADERS)
    raise HTTPException(404, "มีแบบ csv และ html / csv or html")


@router.post("/links/{slug}/{fy}/check")
async def check_now(request: Request, user: Actor, slug: str, fy: int) -> Response:
    """Start a run of the agency's link DAG for this year now (with ``repair``: repair, then check).
    The login and access are checked before the small form is read."""
    form = await action_form(request, user)
    _year(slug, fy)
    do_repair = form.get("repair", "") in ("1", "true", "on")
    status, payload = await call_api(
        request,
        "POST",
        f"/api/v2/dags/{quote(links_dag_id(slug), safe='')}/dagRuns",
        {"logical_date": None, "conf": {"fiscal_year": fy, "repair": do_repair}},
    )
    if status >= 300:
        log.warning("link check %s %s: Airflow answered %s: %s", slug, fy, status, str(payload)[:300])
        return _redirect(request, slug, fy, "api_error", status)
    return _redirect(request, slug, fy, "repair_started" if do_repair else "check_started")
