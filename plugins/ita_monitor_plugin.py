"""The ita-monitor Airflow plugin, loaded from Airflow's plugins folder by every Airflow process.

- ``timetables``: the round timetable, which the scheduler and dag-processor need to (de)serialize
  the round DAGs;
- ``fastapi_apps``: the ITA page (``create_ita_app``) under ``/ita`` in the api-server, made on its
  first request (``LazyApp``), so processes that never serve it never import FastAPI's routes;
- ``fastapi_root_middlewares``: keeps Airflow's root app in the request scope, so the page calls the
  REST API in-process as the logged-in user;
- ``external_views``: the page in the navigation and as a tab on each DAG run;
- ``global_operator_extra_links``: "Report PDF" and "Published page" on the round's task;
- ``listeners``: in the scheduler, each round's run gets the note "FY2568 round 3"
  (``airflow_layer.listeners``).

This file is the only registration of the plugin (there is no ``airflow.plugins`` entry point):
it must be in ``[core] plugins_folder`` (the project's ``plugins/``; ``/opt/airflow/plugins`` in the
image), next to nothing else of ita-monitor (every ``.py`` file there is imported as a module).
"""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from ita_monitor.airflow_layer import listeners as round_listener
from ita_monitor.airflow_layer.links import PublishedPageLink, ReportPdfLink
from ita_monitor.airflow_layer.timetable import MonitoringRoundTimetable
from ita_monitor.airflow_layer.webapp import LazyApp, create_ita_app
from ita_monitor.airflow_layer.webapp.root_app import RootAppRecorder
from ita_monitor.model.names import ITA_PREFIX


class ItaMonitorPlugin(AirflowPlugin):
    name = "ita_monitor"
    timetables = [MonitoringRoundTimetable]
    listeners = [round_listener]
    global_operator_extra_links = [ReportPdfLink(), PublishedPageLink()]
    fastapi_apps = [{"app": LazyApp(create_ita_app), "url_prefix": ITA_PREFIX, "name": "ITA monitoring"}]
    fastapi_root_middlewares = [
        {"middleware": RootAppRecorder, "args": [], "kwargs": {}, "name": "ita_root_app"}
    ]
    external_views = [
        {
            "name": "ITA รอบติดตาม / rounds",
            "href": f"{ITA_PREFIX}/",
            "destination": "nav",
            "url_route": "ita",
            "category": "browse",
        },
        {
            "name": "ITA รอบนี้ / this round",
            "href": f"{ITA_PREFIX}/run/{{DAG_ID}}/{{RUN_ID}}",
            "destination": "dag_run",
            "url_route": "ita_round",
        },
    ]
