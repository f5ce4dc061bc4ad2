"""The ITA page: a FastAPI app that the plugin mounts in Airflow's api-server under ``/ita``.

Routes (every one needs an Airflow login: the ``Authorization: Bearer`` token or the ``_token``
cookie the login page sets; each checks the user's access to the agency's DAG):

    GET  /ita/                                   all agencies x fiscal years x rounds       views.py
    GET  /ita/a/{agency}/{fy}/{round}            one round: measure x unit, PDFs, URLs     views.py
    GET  /ita/run/{dag_id}/{run_id}              the round of a DAG run (the run's tab)    views.py
    GET  /ita/run/{dag_id}/{run_id}/{what}       redirect to the run's report / page       views.py
    GET  /ita/files/{agency}/{path}              a file of the agency's rounds             files.py
    GET  /ita/site/{agency}/{path}               the agency's static site                  files.py
    POST /ita/a/{agency}/{fy}/{round}/upload     a unit's file -> inbox, then collect      files.py
    POST /ita/a/{agency}/{fy}/{round}/approve    answer the pending approval (REST API)    runs.py
    POST /ita/a/{agency}/{fy}/{round}/rerun      rerun the round (REST API clear; once at a time) runs.py
    POST /ita/a/{agency}/{fy}/{round}/run        run this round, a new last day to submit   roundactions.py
    POST /ita/a/{agency}/{fy}/{round}/withdraw   withdraw / undo a unit's received version  roundactions.py
    GET  /ita/links/{agency}/{fy}                link health, changes, ITAS readiness      linkpage.py
    GET  /ita/links/{agency}/{fy}/itas-readiness.csv|.html   the ITAS readiness sheet      linkpage.py
    POST /ita/links/{agency}/{fy}/check          check now / repair (link DAG, REST API)   linkpage.py
    GET  /ita/y/{agency}/{fy}[/export.xlsx|/items.csv]   the agency's year, its exports    yearpages.py
    GET  /ita/agencies[/export.xlsx|/export.csv]  many agencies x rounds, filtered        yearpages.py

A unit's own page needs no Airflow login, only the unit's signed link (``unit_links.py``):

    GET  /ita/u/{token}                          the unit's measures, files and an upload   unit.py
    POST /ita/u/{token}/upload                   the unit's file -> inbox, then collect     unit.py
    GET  /ita/u/{token}/form                     the unit's prefilled form                  unit.py

Every state-changing request is checked before its body is read: who is asking (login and access,
or the link), its Origin/Referer and its size; then its form token (``websecurity.py``).

One module per concept: ``auth`` (login, access, CSRF), ``sources`` (agency profiles, plans and the
data root, cached), ``runs`` (what the metadata DB knows, actions through Airflow's REST API as the
user), ``files`` (serving and uploads), ``views`` (pages), ``templating`` (Jinja, Thai date filters,
error pages), ``unit`` (a unit's page by its link).  Reading goes through ``ita_monitor.views`` (pure).

This module stays light: every Airflow process loads the plugin, but only the api-server serves the
page, so FastAPI and the routes are imported by ``create_ita_app()`` (through ``LazyApp``, on the first
request).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi import FastAPI


def create_ita_app() -> FastAPI:
    """A new ITA page app: the routes of every concept, the body limit and the error pages."""
    from fastapi import FastAPI
    from starlette.exceptions import HTTPException as StarletteHTTPException

    from ita_monitor.airflow_layer.webapp import (
        files,
        linkpage,
        roundactions,
        runs,
        templating,
        unit,
        views,
        yearpages,
    )

    app = FastAPI(title="ita-monitor", docs_url=None, redoc_url=None, openapi_url=None)
    app.middleware("http")(files.limit_body)
    app.exception_handler(StarletteHTTPException)(templating.error_page)
    app.include_router(views.router)
    app.include_router(files.router)
    app.include_router(runs.router)
    app.include_router(roundactions.router)
    app.include_router(linkpage.router)
    app.include_router(unit.router)
    app.include_router(yearpages.router)
    return app


class LazyApp:
    """An ASGI app that makes the real one (``factory()``) on its first request."""

    def __init__(self, factory: Callable[[], Any] = create_ita_app) -> None:
        self._factory = factory
        self._app: Any = None

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if self._app is None:
            self._app = self._factory()
        await self._app(scope, receive, send)
