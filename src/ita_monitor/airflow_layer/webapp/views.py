"""The pages: the overview of every agency's rounds, one round, a DAG run's tab and its links."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from ita_monitor.airflow_layer import websecurity as ws
from ita_monitor.airflow_layer.webapp.auth import (
    User,
    csrf_token,
    may_approve,
    permitted,
    require_dag_access,
    username,
)
from ita_monitor.airflow_layer.webapp.runs import latest_runs, run_round
from ita_monitor.airflow_layer.webapp.sources import agencies_dir, data_root, load_agency, load_plan
from ita_monitor.airflow_layer.webapp.templating import base, published_href, render
from ita_monitor.airflow_layer.webapp.urls import parse_round
from ita_monitor.intake.columns import SUFFIXES
from ita_monitor.intake.mail_store import quarantined
from ita_monitor.model import messages
from ita_monitor.model.agency import Agency
from ita_monitor.model.messages import ERRORS, MESSAGES
from ita_monitor.model.names import agency_of_round_dag
from ita_monitor.model.rounds import BANGKOK, Round
from ita_monitor.views import dashboard
from ita_monitor.views.round_detail import round_detail

router = APIRouter()


@router.get("/", response_class=HTMLResponse)
def overview(request: Request, user: User, page: Annotated[int, Query(ge=1, le=100_000)] = 1) -> HTMLResponse:
    """Every agency's rounds, a page of agencies at a time (``[ita] overview_page_agencies``): only
    the page's rounds are read; problems and quarantined mail are said for every agency."""
    from ita_monitor.airflow_layer import settings
    from ita_monitor.views.paging import page_of

    agencies = agencies_dir()
    slugs = permitted(user, agencies.slugs())
    if not slugs and agencies.slugs():
        raise HTTPException(403, "ไม่มีสิทธิ์ดูหน่วยงานใด / you may not see any agency's rounds")
    loaded: dict[str, Agency] = {}
    problems: list[str] = []
    for slug in slugs:
        try:
            loaded[slug] = load_agency(slug)
        except HTTPException as exc:
            problems.append(f"{slug}: {exc.detail}")
    shown, paged = page_of(list(loaded), page, settings.overview_page_agencies())
    on_page = {s: loaded[s] for s in shown}
    rows = dashboard.overview(
        [(a, agencies.plan_years(s)) for s, a in on_page.items()], data_root(), runs=latest_runs(on_page)
    )
    columns = sorted({m for a in loaded.values() for m in a.schedule.rounds})
    root = data_root()
    quarantine = [
        {"slug": slug, "name_th": agency.name_th, "messages": kept}
        for slug, agency in loaded.items()
        if (kept := quarantined(root, slug))
    ]
    return render(
        "overview.html.j2",
        base=base(request),
        rows=rows,
        columns=columns,
        problems=problems,
        quarantine=quarantine,
        user=username(user),
        paged=paged,
        page_path=f"{base(request)}/",
        page_query={n: f"?page={n}" for n in (paged.number - 1, paged.number + 1)},
        page_note="",
    )


CLAIMED = {"already_approved": "approval", "already_rejected": "approval", "already_rerunning": "rerun"}


def _holder(agency: Agency, rnd: Round, code: str, key: str) -> dict[str, str]:
    """Who holds the claim a message names, and since when, from the claim itself (``flow.claims``):
    the address only says which claim, never what the page says about it."""
    from ita_monitor.flow import claims

    kind = CLAIMED.get(code)
    if not kind or not key or len(key) > 600:
        return {}
    held = claims.holder(data_root(), agency.slug, rnd, kind, key) or {}
    at = str(held.get("at") or held.get("claimed_at") or "")
    return {"who": str(held.get("by") or ""), "at": _bangkok(at) if at else ""}


def _bangkok(iso: str) -> str:
    from datetime import datetime

    from ita_monitor.model.rounds import BANGKOK

    try:
        return (
            datetime.fromisoformat(iso.replace("Z", "+00:00"))
            .astimezone(BANGKOK)
            .strftime("%Y-%m-%d %H:%M:%S")
        )
    except ValueError:
        return iso


def round_page_response(
    request: Request,
    user: Any,
    agency: Agency,
    rnd: Round,
    status_code: int = 200,
    code: str = "",
    n: int | None = None,
    refused: str = "",
    problems: list | None = None,
    outcome_of: tuple[str, str] | None = None,
    claim: str = "",
) -> HTMLResponse:
    """The round's page, with the message of an app-issued ``code``, an upload refused before it was
    stored (``refused``, with the intake's ``problems``), or the outcome of the file ``outcome_of``
    (unit, version) just received."""
    run = latest_runs({agency.slug: agency}).get((agency.slug, rnd.fiscal_year, rnd.months))
    detail = round_detail(
        agency,
        load_plan(agency.slug, rnd.fiscal_year),
        rnd,
        data_root(),
        run=run,
        first_year=min(agencies_dir().plan_years(agency.slug), default=None),
    )
    text = messages.message(code, n, **_holder(agency, rnd, code, claim)) if code else None
    message = error = ""
    if text:
        said = f"{text[0]} / {text[1]}"
        error, message = (said, "") if code in ERRORS else ("", said)
    if refused:
        th, en = MESSAGES[refused]
        error = f"{th} / {en}"
    outcome = None
    if outcome_of:
        unit, version = outcome_of
        mine = [f for f in detail.files if f.unit == unit and str(f.version) == version]
        outcome = mine[-1] if mine else None
    from ita_monitor.airflow_layer.webapp.unit import admin_links
    from ita_monitor.intake.mail_store import late_files

    return render(
        "round.html.j2",
        status_code,
        links=admin_links(request, user, agency, rnd, detail.units),
        base=base(request),
        d=detail,
        agency=agency,
        user=username(user),
        csrf=csrf_token(user),
        may_approve=may_approve(user, agency.slug),
        message=message,
        error=error,
        problems=[p.as_dict() if hasattr(p, "as_dict") else p for p in problems or []],
        outcome=outcome,
        max_mb=ws.upload_limit(data_root()) // (1024 * 1024),
        today=datetime.now(BANGKOK).date().isoformat(),
        suffixes=", ".join(SUFFIXES),
        late=late_files(data_root(), agency.slug, rnd),
    )


@router.get("/a/{slug}/{fy}/{rnd}", response_class=HTMLResponse)
def round_page(request: Request, user: User, slug: str, fy: int, rnd: str) -> HTMLResponse:
    """The round; ``?m=<code>[&n=<number>]`` shows only a message the app issued, ``?unit=&v=`` the
    outcome of that version of that unit's files (any other text in the address is ignored)."""
    require_dag_access(request, user, slug)
    agency = load_agency(slug)
    q = request.query_params
    n = q.get("n", "")
    unit, version = q.get("unit", ""), q.get("v", "")
    return round_page_response(
        request,
        user,
        agency,
        parse_round(fy, rnd),
        code=q.get("m", ""),
        n=int(n) if n.isdigit() and len(n) < 7 else None,
        outcome_of=(unit, version) if unit in agency.unit_codes and version.isdigit() else None,
        claim=q.get("c", ""),
    )


@router.get("/run/{dag_id}/{run_id}", response_class=HTMLResponse)
def run_tab(request: Request, user: User, dag_id: str, run_id: str) -> HTMLResponse:
    slug = agency_of_round_dag(dag_id)
    if slug is None:
        return render(
            "message.html.j2",
            base=base(request),
            title="ไม่ใช่รอบติดตาม ITA / not an ITA round",
            text="DAG นี้ไม่ใช่ ita_round__<หน่วยงาน> / this DAG is not an ita_round__<agency> DAG",
        )
    require_dag_access(request, user, slug)
    agency, rnd = run_round(dag_id, run_id)
    return round_page_response(request, user, agency, rnd)


@router.get("/run/{dag_id}/{run_id}/{what}")
def run_link(request: Request, user: User, dag_id: str, run_id: str, what: str) -> Response:
    """Targets of the operator links "Report PDF" and "Published page"."""
    slug = agency_of_round_dag(dag_id)
    if slug is None or what not in ("report", "published"):
        raise HTTPException(404, "ไม่มีลิงก์นี้ / no such link")
    require_dag_access(request, user, slug)
    agency, rnd = run_round(dag_id, run_id)
    prefix = base(request)
    detail = round_detail(agency, None, rnd, data_root())
    if what == "report":
        report = next((r for r in detail.reports if "memo" not in r.path.lower()), None)
        if report is None:
            raise HTTPException(404, "ยังไม่มีรายงาน PDF ของรอบนี้ / no report PDF for this round yet")
        return RedirectResponse(f"{prefix}/files/{agency.slug}/{quote(report.path)}", status_code=303)
    if not detail.published:
        raise HTTPException(404, "รอบนี้ยังไม่ได้เผยแพร่ / this round is not published yet")
    return RedirectResponse(published_href(prefix, agency, detail.published[0]["url"]), status_code=303)
