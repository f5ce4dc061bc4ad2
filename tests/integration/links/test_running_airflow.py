"""The README's link-health commands against running Airflow processes (api-server, scheduler,
dag-processor and triggerer started by the tests' one harness, ``scheduler_cluster``, on 127.0.0.1:8095): `airflow dags unpause`,
`airflow dags trigger ita_links__<agency> --conf '{"fiscal_year": 2565}'` finds a removed file and
mails the admin once (real SMTP); the same with `"repair": true` puts it back and mails the recovery."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from urllib.parse import quote

import pytest

from ita_monitor.documents.render import Renderer
from ita_monitor.publish.factory import publisher_for
from tests.airflow.scheduler_cluster import SchedulerCluster
from tests.conftest import ROOT, skip_or_fail
from tests.integration.links.conftest import FY, agencies_with_target, documents, publish_approved, year_of
from tests.integration.test_unit_mail import subject
from tests.linkserver import FaultyServer

pytestmark = [pytest.mark.links, pytest.mark.smtp]
PORT = 8095
BASE = f"http://127.0.0.1:{PORT}"
PASSWORD = "ita-links-test-pass"
SLUG = "links-run"
DAG = f"ita_links__{SLUG}"


def _api(path: str, token: str) -> dict:
    req = urllib.request.Request(f"{BASE}{path}", headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())


def _token() -> str:
    req = urllib.request.Request(
        f"{BASE}/auth/token",
        data=json.dumps({"username": "admin", "password": PASSWORD}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())["access_token"]


def _wait(what: str, check, timeout: float = 300.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(1)
    raise AssertionError(f"timed out waiting for {what}")


def test_the_readme_commands_check_mail_once_and_repair_on_running_airflow(
    tmp_path, data_root, inbox_of_mail
):
    with socket.socket() as s:
        if s.connect_ex(("127.0.0.1", PORT)) == 0:
            skip_or_fail(f"port {PORT} is already in use")
    site = data_root / "site" / SLUG
    site.mkdir(parents=True)
    with FaultyServer(site) as server:
        agencies = agencies_with_target(
            tmp_path, SLUG, target="static", path=f"site/{SLUG}", base_url=server.url
        )
        year = year_of(agencies, SLUG, data_root, {})
        publish_approved(year, publisher_for(year.agency, year.data, Renderer()))
        (site / str(FY) / f"ita-{FY}-measures.pdf").unlink()  # removed from the site

        cluster = SchedulerCluster(
            tmp_path / "airflow",
            agencies,
            data_root,
            PORT,
            password=PASSWORD,
            env={
                "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",  # only the runs this test triggers
                "AIRFLOW__ITA__ADMIN_EMAIL": "it-admin@maeukho.example",
                "AIRFLOW_CONN_ITA_SMTP": os.environ["AIRFLOW_CONN_ITA_SMTP"],  # the real SMTP server
            },
        )
        env = cluster.env
        airflow = str(ROOT / ".venv" / "bin" / "airflow")
        try:
            (tmp_path / "airflow").mkdir()
            cluster.start()
            token = _token()
            _wait("the link DAG to be parsed", lambda: _dag_exists(token))

            def trigger(conf: str) -> str:
                # exactly as the README says
                subprocess.run([airflow, "dags", "unpause", DAG], env=env, check=True, capture_output=True)
                before = {r["dag_run_id"] for r in _api(f"/api/v2/dags/{DAG}/dagRuns", token)["dag_runs"]}
                subprocess.run(
                    [airflow, "dags", "trigger", DAG, "--conf", conf],
                    env=env,
                    check=True,
                    capture_output=True,
                )
                runs = _api(f"/api/v2/dags/{DAG}/dagRuns", token)["dag_runs"]
                (run,) = [r for r in runs if r["dag_run_id"] not in before]
                return _wait("the run to end", lambda: _ended(token, run["dag_run_id"]), timeout=240)

            assert trigger(json.dumps({"fiscal_year": FY})) == "success"
            health = json.loads((data_root / SLUG / str(FY) / "links.json").read_text(encoding="utf-8"))
            assert health["links"]["document:measures"]["state"] == "missing"
            assert {v["state"] for k, v in health["links"].items() if k != "document:measures"} == {"ok"}
            assert len(inbox_of_mail) == 1
            mail = next(iter(inbox_of_mail.values()))
            assert "(เสีย ๑)" in subject(mail) and mail["To"] == "it-admin@maeukho.example"
            html = next(p for p in mail.walk() if p.get_content_type() == "text/html").get_payload(
                decode=True
            )
            assert f"{BASE}/ita/links/{SLUG}/{FY}" in html.decode("utf-8")  # the page, to see and repair

            assert trigger(json.dumps({"fiscal_year": FY})) == "success"
            assert len(inbox_of_mail) == 1  # still broken: not mailed again

            assert trigger(json.dumps({"fiscal_year": FY, "repair": True})) == "success"
            health = json.loads((data_root / SLUG / str(FY) / "links.json").read_text(encoding="utf-8"))
            assert {v["state"] for v in health["links"].values()} == {"ok"}
            measures = next(d for d in documents(SLUG) if d.key == "measures")
            assert (site / str(FY) / measures.filename).read_bytes() == measures.data
            assert len(inbox_of_mail) == 2  # the recovery, once
        finally:
            cluster.stop()


def _dag_exists(token: str) -> bool:
    try:
        _api(f"/api/v2/dags/{DAG}", token)
        return True
    except urllib.error.HTTPError:
        return False


def _ended(token: str, run_id: str) -> str | None:
    state = _api(f"/api/v2/dags/{DAG}/dagRuns/{quote(run_id, safe='')}", token)["state"]
    return state if state in ("success", "failed") else None
