"""The docker-compose topology, natively: Airflow on PostgreSQL, CeleryExecutor on Redis.

A scheduler, a dag-processor, a triggerer, an api-server and a Celery worker run as processes of
their own.  A round of the sample agency triggered through the REST API runs to success; a worker
killed while the round task renders leaves no partial PDF, and the retried task completes on a new worker.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path

import pytest

from ita_monitor.model.names import ROUND_TASK
from tests.conftest import AGENCIES, pdftotext, skip_or_fail
from tests.integration.celery_cluster import CeleryCluster, drop_database, services_missing

pytestmark = [pytest.mark.celery, pytest.mark.timeout(600)]
SLUG = "mae-u-kho"
DAG_ID = f"ita_round__{SLUG}"
DATABASE = "ita_celery_test"
ROUND_DIR = Path(SLUG) / "2565" / "round-12"
SAMPLES = Path(__file__).resolve().parents[2] / "include" / "sample_submissions"


def _agencies_without_approval(target: Path) -> Path:
    """The sample agencies, with the human approval step switched off (nobody answers it here)."""
    shutil.copytree(AGENCIES, target)
    profile = target / SLUG / "agency.yaml"
    text = profile.read_text(encoding="utf-8")
    text, n = re.subn(r"(?m)^approval:.*$", "approval: false", text)
    profile.write_text(text if n else text + "\napproval: false\n", encoding="utf-8")
    return target


def _drop_samples(data: Path) -> None:
    src = SAMPLES / ROUND_DIR
    shutil.copytree(src, data / ROUND_DIR / "inbox", dirs_exist_ok=True)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    missing = services_missing()
    if missing:
        skip_or_fail(missing)
    work = tmp_path_factory.mktemp("celery")
    data = work / "data"
    data.mkdir()
    c = CeleryCluster(
        home=work / "airflow",
        database=DATABASE,
        agencies_dir=_agencies_without_approval(work / "agencies"),
        data_root=data.as_uri(),
    )
    c.data = data
    try:
        c.start()
        c.wait_for_dags({DAG_ID})
        c.unpause(DAG_ID)
        yield c
    finally:
        c.stop()
        drop_database(DATABASE)


def _run_round(cluster: CeleryCluster) -> str:
    return cluster.trigger(DAG_ID, {"fiscal_year": 2565, "round": 12})


def _assert_published(cluster: CeleryCluster) -> bytes:
    report = cluster.data / ROUND_DIR / "report" / "ita-2565-round-12-report.pdf"
    site = cluster.data / "site" / SLUG / "2565" / report.name
    assert report.exists() and site.exists()
    pdf = report.read_bytes()
    assert site.read_bytes() == pdf
    assert "องค์การบริหารส่วนตำบลแม่อูคอ" in "".join(pdftotext(pdf).split())
    return pdf


def test_a_round_triggered_through_the_rest_api_runs_on_celery_workers(cluster):
    _drop_samples(cluster.data)
    run_id = _run_round(cluster)
    state = cluster.wait_for_run(DAG_ID, run_id)
    states = cluster.task_states(DAG_ID, run_id)
    assert state == "success", f"{states}\n{cluster.logs()}"
    assert set(states.values()) <= {"success", "skipped"}, states
    assert states == {ROUND_TASK: "success"}  # a round is one task run
    # every task ran on the Celery worker, not in the scheduler
    worker = cluster.task(DAG_ID, run_id, ROUND_TASK)
    assert worker["hostname"] and worker["executor"] in (None, "CeleryExecutor"), worker
    _assert_published(cluster)


def test_a_worker_killed_while_rendering_leaves_no_partial_pdf_and_the_retry_completes(cluster):
    _drop_samples(cluster.data)
    report_dir = cluster.data / ROUND_DIR / "report"
    shutil.rmtree(report_dir, ignore_errors=True)
    shutil.rmtree(cluster.data / "site", ignore_errors=True)
    run_id = _run_round(cluster)

    # Kill the worker while WeasyPrint is at work: the render task's own log says when it starts.
    log = (
        cluster.home
        / "logs"
        / f"dag_id={DAG_ID}"
        / f"run_id={run_id}"
        / f"task_id={ROUND_TASK}"
        / "attempt=1.log"
    )
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        if log.exists() and "Fetching and parsing HTML" in log.read_text(errors="replace"):
            break
        time.sleep(0.005)
    else:
        pytest.fail(f"{ROUND_TASK} never started rendering\n{cluster.logs()}")
    cluster.kill("worker")  # SIGKILL to the worker's whole process group: pool and task processes
    killed_at = time.monotonic()

    # No partial report: either no PDF, or (had the write already finished) a whole one.
    visible = [p for p in report_dir.glob("*") if not p.name.startswith(".")] if report_dir.exists() else []
    for pdf in visible:
        assert pdftotext(pdf), f"{pdf} is not a whole PDF"
    ti = cluster.task(DAG_ID, run_id, ROUND_TASK)
    assert ti["state"] != "success", f"the render finished before the kill: {log.read_text()[-2000:]}"

    cluster.start_worker("worker2")
    state = cluster.wait_for_run(DAG_ID, run_id, timeout=300)
    ti = cluster.task(DAG_ID, run_id, ROUND_TASK)
    assert state == "success", f"{cluster.task_states(DAG_ID, run_id)}\n{cluster.logs()}"
    assert ti["try_number"] >= 2, ti  # the killed try counted, the retry rendered
    assert not [p for p in report_dir.iterdir() if p.name.endswith(".tmp") and not p.name.startswith(".")]
    _assert_published(cluster)
    print(f"retried render completed {time.monotonic() - killed_at:.0f} s after the kill ({os.getpid()})")
