"""The plugin is registered once, from the plugins folder, with everything it brings; asked the way
each Airflow process asks (``airflow plugins`` in a fresh process, as the scheduler, dag-processor and
api-server load it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from importlib.metadata import distribution, entry_points

from tests.conftest import ROOT


def test_the_package_has_no_plugin_entry_point():
    assert [e for e in entry_points(group="airflow.plugins") if "ita" in e.value] == []
    assert "airflow.plugins" not in (distribution("ita-monitor").read_text("entry_points.txt") or "")


def test_a_fresh_airflow_process_loads_the_plugin_once_from_the_plugins_folder():
    env = {**os.environ, "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins")}
    out = subprocess.run(
        [sys.executable, "-m", "airflow", "plugins", "--output", "json"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=300,
    ).stdout
    plugins = [p for p in json.loads(out) if p["name"] == "ita_monitor"]
    assert len(plugins) == 1, plugins
    plugin = plugins[0]
    assert plugin["source"] == "$PLUGINS_FOLDER/ita_monitor_plugin.py"
    assert plugin["timetables"] == ["ita_monitor.airflow_layer.timetable.MonitoringRoundTimetable"]
    assert [a["url_prefix"] for a in plugin["fastapi_apps"]] == ["/ita"]
    assert {v["url_route"] for v in plugin["external_views"]} == {"ita", "ita_round"}
    assert len(plugin["global_operator_extra_links"]) == 2


def test_loading_the_plugin_does_not_import_the_web_app():
    code = (
        "import sys; from airflow import plugins_manager as pm; pm.ensure_plugins_loaded(); "
        "print(sorted(m for m in sys.modules if m.startswith('ita_monitor.airflow_layer.webapp')))"
    )
    env = {**os.environ, "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins")}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True, timeout=300
    ).stdout
    assert out.strip().splitlines()[-1] == str(
        ["ita_monitor.airflow_layer.webapp", "ita_monitor.airflow_layer.webapp.root_app"]
    )
