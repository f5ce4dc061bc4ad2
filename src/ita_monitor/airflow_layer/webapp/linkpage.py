"""Link health of an agency-year: each published link's state, what changed at the last check, the
repairs, the ITAS readiness sheet (CSV/HTML), and the buttons *check now* and *repair* (a run of the
agency's link DAG, triggered through Airflow's REST API as the user)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ita_monitor import linkhealth
from ita_monitor.airflow_layer.webapp.auth import (
    Actor,
    User,
    check_csrf,
    csrf_token,
    require_dag_access,
    username,
)
from ita_monitor.airflow_layer.webapp.runs import _api_error, call_api
from ita_monitor.airflow_layer.webapp.sources import agencies_dir, data_root, load_agency
from ita_monitor.airflow_layer.webapp.templating import SECURITY_HEADERS, base, render
from ita_monitor.errors import InputError
from ita_monitor.names import links_dag_id

router = APIRouter()


def _year(slug: str, fy: int) -> linkhealth.YearLinks:
    load_agency(slug)  # 404 for an unknown agency
    if not 2500 <= fy <= 2800:
        raise HTTPException(404, "ไม่มีปีงบประมาณนี้ / no such fiscal year")
    try:
        return linkhealth.YearLinks.load(agencies_dir(), slug, fy, data_root())
    except InputError as exc:
        raise HTTPException(404, f"{exc}") from exc


def latest_link_run(slug: str) -> dict | None:
    """The latest run of the agency's link DAG: state, when, whether it was asked to repair."""
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        row = session.execute(
            select(DagRun.run_id, DagRun.state, DagRun.run_after, DagRun.conf)
            .where(DagRun.dag_id == links_dag_id(slug))
            .order_by(DagRun.run_after.desc())
            .limit(1)
        ).first()
    if row is None:
        return None
    state = str(getattr(row.state, "value", row.state))
    return {"run_id": row.run_id, "state": state, "run_after": row.run_after, "conf": row.conf or {}}


def _redirect(request: Request, slug: str, fy: int, msg: str = "", err: str = "") -> RedirectResponse:
    url = f"{base(request)}/links/{quote(slug)}/{fy}"
    query = "&".join(f"{k}={quote(v)}" for k, v in (("msg", msg), ("err", err)) if v)
    return RedirectResponse(f"{url}?{query}" if query else url, status_code=303)


@router.get("/links/{slug}/{fy}", response_class=HTMLResponse)
def links_page(request: Request, user: User, slug: str, fy: int) -> HTMLResponse:
    require_dag_access(request, user, slug)
    year = _year(slug, fy)
    health = year.health()
    links = sorted((health or {}).get("links", {}).values(), key=lambda e: (e["kind"] != "document", e["id"]))
    return render(
        "links.html.j2",
        base=base(request),
        agency=year.agency,
        fy=fy,
        health=health,
        links=links,
        changes=(health or {}).get("changes", []),
        repairs=list(reversed((health or {}).get("repairs", [])))[:5],
        rows=linkhealth.readiness_rows(year.catalogue, year.manifest(), health, year.oit),
        broken=len(linkhealth.broken(health)),
        period=year.assessment,
        run=latest_link_run(slug),
        state_th=linkhealth.STATE_TH,
        user=username(user),
        csrf=csrf_token(user),
        message=request.query_params.get("msg", "")[:300],
        error=request.query_params.get("err", "")[:600],
    )


@router.get("/links/{slug}/{fy}/itas-readiness.{fmt}")
def readiness(request: Request, user: User, slug: str, fy: int, fmt: str) -> Response:
    """The ITAS readiness sheet as it stands (CSV for a spreadsheet, HTML to print)."""
    require_dag_access(request, user, slug)
    year = _year(slug, fy)
    health = year.health()
    rows = linkhealth.readiness_rows(year.catalogue, year.manifest(), health, year.oit)
    name = f"itas-readiness-{slug}-{fy}.{fmt}"
    if fmt == "csv":
        return Response(
            linkhealth.readiness_csv(rows),
            media_type="text/csv; charset=utf-8",
            headers={**SECURITY_HEADERS, "Content-Disposition": f'attachment; filename="{name}"'},
        )
    if fmt == "html":
        from ita_monitor.airflow_layer import settings

        html = linkhealth.readiness_html(year, rows, health, settings.renderer())
        return Response(html, media_type="text/html; charset=utf-8", headers=SECURITY_HEADERS)
    raise HTTPException(404, "มีแบบ csv และ html / csv or html")


@router.post("/links/{slug}/{fy}/check")
async def check_now(
    request: Request,
    user: Actor,
    slug: str,
    fy: int,
    repair: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """Start a run of the agency's link DAG for this year now (with ``repair``: repair, then check)."""
    check_csrf(user, csrf)
    _year(slug, fy)
    do_repair = repair in ("1", "true", "on")
    status, payload = await call_api(
        request,
        "POST",
        f"/api/v2/dags/{quote(links_dag_id(slug), safe='')}/dagRuns",
        {"logical_date": None, "conf": {"fiscal_year": fy, "repair": do_repair}},
    )
    if status >= 300:
        return _redirect(request, slug, fy, err=_api_error(status, payload))
    said = (
        "สั่งซ่อมแล้ว จะตรวจซ้ำเมื่อเสร็จ / repair started, then a new check"
        if do_repair
        else "สั่งตรวจแล้ว / check started"
    )
    return _redirect(request, slug, fy, msg=f"{said}: {payload.get('dag_run_id', '')}")
