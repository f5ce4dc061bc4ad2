"""The ita-monitor Airflow plugin: the round timetable (needed to serialize the DAGs), the ITA page
(a FastAPI app under /ita, in the navigation and as a tab on each DAG run), the operator links and
the listener that names each round's run and lets a cleared task go on (``listeners``).

Every Airflow process loads plugins (workers too), so the web app is imported only when the
api-server first calls it (``LazyApp``)."""

from __future__ import annotations

from typing import Any

from airflow.plugins_manager import AirflowPlugin

from ita_monitor.airflow_layer import listeners as round_listener
from ita_monitor.airflow_layer.links import PublishedPageLink, ReportPdfLink
from ita_monitor.airflow_layer.timetable import MonitoringRoundTimetable

ROOT_APP_KEY = "ita_monitor.root_app"


class LazyApp:
    """An ASGI app that imports ``ita_monitor.airflow_layer.webapp`` on its first request."""

    def __init__(self) -> None:
        self._app: Any = None

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if self._app is None:
            from ita_monitor.airflow_layer.webapp import app

            self._app = app
        await self._app(scope, receive, send)


class RootAppRecorder:
    """Root middleware: keeps Airflow's root app in the request scope, so the ITA page can call the
    public REST API in-process (through all of Airflow's auth) as the logged-in user."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope.get("type") == "http" and ROOT_APP_KEY not in scope and "app" in scope:
            scope[ROOT_APP_KEY] = scope["app"]
        await self.app(scope, receive, send)


class ItaMonitorPlugin(AirflowPlugin):
    name = "ita_monitor"
    timetables = [MonitoringRoundTimetable]
    listeners = [round_listener]  # the scheduler notes each round's run and reschedules after a clear
    global_operator_extra_links = [ReportPdfLink(), PublishedPageLink()]
    fastapi_apps = [{"app": LazyApp(), "url_prefix": "/ita", "name": "ITA monitoring"}]
    fastapi_root_middlewares = [
        {"middleware": RootAppRecorder, "args": [], "kwargs": {}, "name": "ita_root_app"}
    ]
    external_views = [
        {
            "name": "ITA รอบติดตาม / rounds",
            "href": "/ita/",
            "destination": "nav",
            "url_route": "ita",
            "category": "browse",
        },
        {
            "name": "ITA รอบนี้ / this round",
            "href": "/ita/run/{DAG_ID}/{RUN_ID}",
            "destination": "dag_run",
            "url_route": "ita_round",
        },
    ]
