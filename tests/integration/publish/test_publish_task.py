"""The publish step of a round's task (``tasks.publish_report``, what ``run_round`` does after the approval)
run by Airflow (dag.test()) with the agency's connection from AIRFLOW_CONN_*: WordPressHook
(airflow_layer/wordpress_hook.py) for WordPress, the SFTP provider's SFTPHook for SFTP; and a whole round
of the real round DAG publishing to WordPress."""

from __future__ import annotations

import json
import shutil
from urllib.parse import urljoin

import pytest
import requests
from airflow.dag_processing.dagbag import DagBag

from ita_monitor.model.config import AgenciesDir
from ita_monitor.model.rounds import Round
from ita_monitor.model.storage import DataRoot
from tests.conftest import ROOT, SAMPLES
from tests.integration.conftest import agencies_with_target, live_links

CONF = {"fiscal_year": 2565, "round": 12}
REPORT = b"%PDF-1.4\n% the round report of the task test\n%%EOF\n"


def _round_with_report(data_root, agencies, slug: str) -> None:
    """The round as its render step leaves it: the report PDF in the round's report folder."""
    data = DataRoot(data_root)
    agency = AgenciesDir(agencies).agency(slug)
    path = data.report(agency.slug, Round(2565, 12))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(REPORT)


LOCAL_BUNDLE = "airflow.dag_processing.bundles.local.LocalDagBundle"
STEP_DAG = """
from airflow.sdk import DAG, task

from ita_monitor.airflow_layer.tasks import round_params

with DAG("ita_publish_step__{slug}", schedule=None, params=round_params()):

    @task
    def publish() -> dict:
        from ita_monitor.airflow_layer.tasks import _job, publish_report

        return publish_report(_job("{slug}"))

    publish()
"""


def _publish_dag(slug: str, folder, monkeypatch):
    """A DAG whose one task is the publish step of the round's task, with the round DAG's trigger form
    (the earlier steps' output, the report, is in place), in a DAG folder of its own: ``dag.test()``
    runs only a DAG that a configured bundle holds."""
    folder.mkdir(exist_ok=True)
    (folder / f"publish_step_{slug.replace('-', '_')}.py").write_text(STEP_DAG.format(slug=slug))
    bundle = {"name": "dags-folder", "classpath": LOCAL_BUNDLE, "kwargs": {"path": str(folder)}}
    monkeypatch.setenv("AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST", json.dumps([bundle]))
    return DagBag(dag_folder=str(folder)).dags[f"ita_publish_step__{slug}"]


def _states(run) -> dict[str, str]:
    return {ti.task_id: str(getattr(ti.state, "value", ti.state)) for ti in run.get_task_instances()}


@pytest.mark.airflow
@pytest.mark.wordpress
def test_publish_task_to_wordpress_with_an_http_connection(
    airflow_db, wordpress, data_root, tmp_path, monkeypatch
):
    slug = "task-wordpress"
    agencies = agencies_with_target(
        tmp_path, slug, target="wordpress", conn_id="ita_web_wp", page_slug="oit-task-{fiscal_year}"
    )
    monkeypatch.setenv("AIRFLOW__ITA__AGENCIES_DIR", str(agencies))
    conn = {"conn_type": "http", "host": "127.0.0.1", "port": 8091, "schema": "http", "login": "ita-admin"}
    monkeypatch.setenv(
        "AIRFLOW_CONN_ITA_WEB_WP", json.dumps({**conn, "password": wordpress.extra["password"]})
    )
    _round_with_report(data_root, agencies, slug)

    run = _publish_dag(slug, tmp_path / "dags", monkeypatch).test(run_conf=CONF)
    assert run.state == "success", _states(run)
    status = json.loads((data_root / slug / "2565" / "round-12" / "status.json").read_text())
    page_url = status["published"]["index_url"]
    links = live_links(page_url)
    assert len(links) == 1 and requests.get(links[0], timeout=30).content == REPORT
    assert (data_root / slug / "2565" / "oit-links.csv").exists()

    # a wrong Application Password: the task fails at once, saying what to check
    monkeypatch.setenv("AIRFLOW_CONN_ITA_WEB_WP", json.dumps({**conn, "password": "not the password"}))
    (data_root / slug / "2565" / "round-12" / "report" / "ita-2565-round-12-report.pdf").write_bytes(
        REPORT + b"x"
    )
    run = _publish_dag(slug, tmp_path / "dags", monkeypatch).test(run_conf=CONF)
    assert run.state == "failed"
    assert live_links(page_url) == links


@pytest.mark.airflow
@pytest.mark.sftp
def test_publish_task_over_sftp_dry_run_then_for_real(
    airflow_db, sftp_site, data_root, tmp_path, monkeypatch
):
    slug = "task-sftp"
    folder = sftp_site.extra["docroot"] / slug
    base_url = f"{sftp_site.extra['http']}/{slug}"
    common = dict(target="sftp", conn_id="ita_web_sftp", path=str(folder), base_url=base_url)
    conn = {
        "conn_type": "sftp",
        "host": "127.0.0.1",
        "port": 2222,
        "login": "ita-sftp",
        "extra": {"key_file": sftp_site.extra["key_file"], "no_host_key_check": "true"},
    }
    monkeypatch.setenv("AIRFLOW_CONN_ITA_WEB_SFTP", json.dumps(conn))
    agencies = agencies_with_target(tmp_path / "dry", slug, **common, dry_run=True)
    monkeypatch.setenv("AIRFLOW__ITA__AGENCIES_DIR", str(agencies))
    _round_with_report(data_root, agencies, slug)

    run = _publish_dag(slug, tmp_path / "dags", monkeypatch).test(run_conf=CONF)
    assert run.state == "success", _states(run)
    status = json.loads((data_root / slug / "2565" / "round-12" / "status.json").read_text())
    assert status["state"] == "dry_run" and status["published"]["plan"][0]["action"] == "upload"
    assert any("ita-2565-round-12-report.pdf" in line for line in status["published"]["changes"])
    assert not folder.exists()  # nothing touched

    agencies = agencies_with_target(tmp_path / "real", slug, **common)
    monkeypatch.setenv("AIRFLOW__ITA__AGENCIES_DIR", str(agencies))
    run = _publish_dag(slug, tmp_path / "dags", monkeypatch).test(run_conf=CONF)
    assert run.state == "success", _states(run)
    page_url = f"{base_url}/2565/index.html"
    links = [urljoin(page_url, href) for href in live_links(page_url)]
    assert len(links) == 1 and requests.get(links[0], timeout=30).content == REPORT


@pytest.mark.airflow
@pytest.mark.wordpress
def test_a_whole_round_of_the_sample_agency_publishes_its_report_to_wordpress(
    airflow_db, wordpress, data_root, tmp_path, monkeypatch
):
    slug = "round-wordpress"
    agencies = agencies_with_target(
        tmp_path, slug, target="wordpress", conn_id="ita_web_round", page_slug="oit-round-{fiscal_year}"
    )
    monkeypatch.setenv("AIRFLOW__ITA__AGENCIES_DIR", str(agencies))
    conn = {"conn_type": "http", "host": "http://127.0.0.1", "port": 8091, "login": "ita-admin"}
    monkeypatch.setenv(
        "AIRFLOW_CONN_ITA_WEB_ROUND", json.dumps({**conn, "password": wordpress.extra["password"]})
    )
    shutil.copytree(
        SAMPLES / "mae-u-kho" / "2565" / "round-12", data_root / slug / "2565" / "round-12" / "inbox"
    )

    dag = DagBag(dag_folder=str(ROOT / "dags")).dags[f"ita_round__{slug}"]
    seen = []
    for _ in range(2):  # the second run changes nothing on the site
        run = dag.test(run_conf=CONF)
        assert run.state == "success", _states(run)
        status = json.loads((data_root / slug / "2565" / "round-12" / "status.json").read_text())
        assert status["state"] == "published"
        links = live_links(status["published"]["index_url"])
        report = (
            data_root / slug / "2565" / "round-12" / "report" / "ita-2565-round-12-report.pdf"
        ).read_bytes()
        assert len(links) == 1 and requests.get(links[0], timeout=30).content == report
        seen.append(links)
    assert seen[0] == seen[1]  # the same media item: nothing uploaded again
