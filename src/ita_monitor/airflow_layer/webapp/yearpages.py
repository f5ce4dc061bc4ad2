"""The year and the province at a glance: the agency's year page, the many-agency overview, and
their Excel/CSV exports.

    GET /ita/y/{agency}/{fy}                   the agency's year: rounds, units, measures, plan, ITA scores
    GET /ita/y/{agency}/{fy}/export.xlsx       its workbook (``export.year_workbook``)
    GET /ita/y/{agency}/{fy}/items.csv         every round's rows, for machines
    GET /ita/agencies?fy=&district=&state=&round=        agency x round, furthest behind first
    GET /ita/agencies/export.xlsx?... and export.csv     the overview as shown (same filters)

Reading goes through the pure core (``yearview``, ``agencies_overview``, ``scores``, ``charts``,
``export``); every page and export checks the user's access to each agency's DAG like the others.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response

from ita_monitor.airflow_layer import settings
from ita_monitor.airflow_layer.webapp.auth import User, permitted, require_dag_access, username
from ita_monitor.airflow_layer.webapp.runs import latest_runs
from ita_monitor.airflow_layer.webapp.sources import agencies_dir, data_root, load_agency, load_plan
from ita_monitor.airflow_layer.webapp.templating import SECURITY_HEADERS, base, render
from ita_monitor.documents import charts
from ita_monitor.model.agency import Agency
from ita_monitor.model.rounds import BANGKOK, fiscal_year_of
from ita_monitor.model.status import State
from ita_monitor.views.agencies_overview import Overview, overview
from ita_monitor.views.scores import score_history
from ita_monitor.views.yearview import YearView, year_view

router = APIRouter()


def _fy(fy: int) -> int:
    if not 2500 <= fy <= 2800:
        raise HTTPException(404, "ไม่มีปีงบประมาณนี้ / no such fiscal year")
    return fy


def _year(slug: str, fy: int) -> tuple[Agency, YearView]:
    agency = load_agency(slug)
    plan = load_plan(slug, _fy(fy))
    runs = {m: r for (s, y, m), r in latest_runs({slug: agency}).items() if s == slug and y == fy}
    return agency, year_view(agency, plan, fy, data_root(), runs=runs)


def _download(body: bytes, filename: str, media_type: str) -> Response:
    headers = {**SECURITY_HEADERS, "Content-Disposition": f'attachment; filename="{filename}"'}
    return Response(body, media_type=media_type, headers=headers)


@router.get("/y/{slug}/{fy}", response_class=HTMLResponse)
def year_page(request: Request, user: User, slug: str, fy: int) -> HTMLResponse:
    require_dag_access(request, user, slug)
    agency, view = _year(slug, fy)
    plans = [p for y in agencies_dir().plan_years(slug) if y <= fy and (p := load_plan(slug, y)) is not None]
    history = score_history(plans)
    return render(
        "year.html.j2",
        base=base(request),
        user=username(user),
        agency=agency,
        v=view,
        completion_chart=charts.completion_chart(view, thai=True, templates=settings.get("templates_dir")),
        history=history,
        scores_chart=charts.scores_chart(history, thai=True, templates=settings.get("templates_dir"))
        if history
        else "",
    )


@router.get("/y/{slug}/{fy}/export.xlsx")
def year_export(request: Request, user: User, slug: str, fy: int) -> Response:
    from ita_monitor.views import export

    require_dag_access(request, user, slug)
    agency, view = _year(slug, fy)
    body = export.year_workbook(view, agency, load_plan(slug, fy))
    return _download(body, export.year_filename(view), export.XLSX_TYPE)


@router.get("/y/{slug}/{fy}/items.csv")
def year_items_csv(request: Request, user: User, slug: str, fy: int) -> Response:
    from ita_monitor.views import export

    require_dag_access(request, user, slug)
    agency, view = _year(slug, fy)
    frame = export.year_frames(view, agency, load_plan(slug, fy))["รายการส่งทุกรอบ"]
    return _download(export.csv(frame), export.year_filename(view, "csv"), "text/csv; charset=utf-8")


def plan_years(slugs: list[str]) -> list[int]:
    """The fiscal years any of the agencies has a plan for, and the current one."""
    agencies = agencies_dir()
    current = fiscal_year_of(datetime.now(UTC).astimezone(BANGKOK).date())
    return sorted({current} | {y for s in slugs for y in agencies.plan_years(s)})


def _overview(
    request: Request, user: object, fy: int | None, district: str, state: str, months: int | None
) -> Overview:
    agencies = agencies_dir()
    slugs = permitted(user, agencies.slugs())
    if not slugs and agencies.slugs():
        raise HTTPException(403, "ไม่มีสิทธิ์ดูหน่วยงานใด / you may not see any agency's rounds")
    now = datetime.now(UTC)
    if fy is None:  # the newest year an agency has a plan for (not a future one), else the current year
        current = fiscal_year_of(now.astimezone(BANGKOK).date())
        fy = max((y for s in slugs for y in agencies.plan_years(s) if y <= current), default=current)
    fy = _fy(fy)
    if state and State.of(state) is None:
        raise HTTPException(404, "ไม่มีสถานะนี้ / no such state")
    loaded: dict[str, Agency] = {}
    for slug in slugs:
        try:
            loaded[slug] = load_agency(slug)
        except HTTPException:
            continue  # the overview of rounds names a broken profile; here it is left out
    pairs = [(a, load_plan(s, fy)) for s, a in loaded.items()]
    return overview(
        pairs, fy, data_root(), now, district=district, state=state, months=months, runs=latest_runs(loaded)
    )


Fy = Annotated[int | None, Query()]
Text = Annotated[str, Query(max_length=100)]
Months = Annotated[int | None, Query(alias="round", ge=1, le=12)]


Page = Annotated[int, Query(ge=1, le=100_000)]


@router.get("/agencies", response_class=HTMLResponse)
def agencies_page(
    request: Request,
    user: User,
    fy: Fy = None,
    district: Text = "",
    state: Text = "",
    months: Months = None,
    page: Page = 1,
) -> HTMLResponse:
    """A page of agencies at a time (``[ita] overview_page_agencies``), furthest behind first; the
    exports hold every row the filters keep."""
    from urllib.parse import urlencode

    ov = _overview(request, user, fy, district, state, months)
    shown = ov.page(page, settings.overview_page_agencies())
    filters = [(k, v) for k, v in request.query_params.multi_items() if k != "page"] or [
        ("fy", str(ov.fiscal_year))
    ]
    return render(
        "agencies.html.j2",
        base=base(request),
        user=username(user),
        ov=ov,
        shown=shown,
        page_query={
            n: "?" + urlencode([*filters, ("page", n)]) for n in (shown.number - 1, shown.number + 1)
        },
        years=plan_years(permitted(user, agencies_dir().slugs())),
        district=district,
        state=state,
        months=months,
        query="?" + urlencode(filters),
    )


@router.get("/agencies/export.xlsx")
def agencies_export(
    request: Request, user: User, fy: Fy = None, district: Text = "", state: Text = "", months: Months = None
) -> Response:
    from ita_monitor.views import export

    ov = _overview(request, user, fy, district, state, months)
    return _download(export.overview_workbook(ov), export.overview_filename(ov), export.XLSX_TYPE)


@router.get("/agencies/export.csv")
def agencies_csv(
    request: Request, user: User, fy: Fy = None, district: Text = "", state: Text = "", months: Months = None
) -> Response:
    from ita_monitor.views import export

    ov = _overview(request, user, fy, district, state, months)
    body = export.csv(export.overview_frame(ov))
    return _download(body, export.overview_filename(ov, "csv"), "text/csv; charset=utf-8")
