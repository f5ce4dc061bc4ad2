"""The ita-monitor Airflow plugin: registers the round timetable (needed to serialize the DAGs)."""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from ita_monitor.airflow_layer.timetable import MonitoringRoundTimetable


class ItaMonitorPlugin(AirflowPlugin):
    name = "ita_monitor"
    timetables = [MonitoringRoundTimetable]
