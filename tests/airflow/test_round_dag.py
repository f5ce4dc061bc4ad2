"""Whole rounds of the sample agency run by Airflow (dag.test() on a real metadata DB)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime

import pytest
from airflow.dag_processing.dagbag import DagBag

from ita_monitor.model.names import ROUND_TASK
from tests.airflow.approvals import run_approved  # a person approves (the approval: test_approval.py)
from tests.conftest import ROOT, drop_samples, pdftotext

pytestmark = pytest.mark.airflow
DAG_ID = "ita_round__mae-u-kho"
CONF = {"fiscal_year": 2565, "round": 12}


@pytest.fixture(scope="module")
def dag(airflow_db):
    return DagBag(dag_folder=str(ROOT / "dags")).dags[DAG_ID]


def _states(run) -> dict[str, str]:
    return {
        ti.task_id: str(ti.state.value if hasattr(ti.state, "value") else ti.state)
        for ti in run.get_task_instances()
    }


def _status(data_root) -> dict:
    return json.loads((data_root / "mae-u-kho" / "2565" / "round-12" / "status.json").read_text())


def _site_files(data_root) -> dict[str, bytes]:
    site = data_root / "site" / "mae-u-kho"
    return {str(p.relative_to(site)): p.read_bytes() for p in sorted(site.rglob("*")) if p.is_file()}


def test_a_complete_round_runs_to_a_published_pdf(dag, data_root):
    inbox = drop_samples(data_root)
    received = {p: p.read_bytes() for p in inbox.rglob("*") if p.is_file()}
    run = run_approved(dag, run_conf=CONF)
    assert run.state == "success", _states(run)
    assert _states(run) == {ROUND_TASK: "success"}  # a round is one task run

    status = _status(data_root)
    assert status["state"] == "published" and status["completeness"]["complete"]
    pdf = data_root / "site" / "mae-u-kho" / "2565" / "ita-2565-round-12-report.pdf"
    text = "".join(pdftotext(pdf).split())
    for expected in [
        "รายงานผลการดำเนินการตามมาตรการส่งเสริมคุณธรรมและความโปร่งใสภายในหน่วยงาน",
        "องค์การบริหารส่วนตำบลแม่อูคอ",
        "พ.ศ.๒๕๖๕",
        "มาตรการตรวจสอบการใช้ดุลพินิจ",
        "มาตรการเผยแพร่ข้อมูลต่อสาธารณะ",
        "มาตรการส่งเสริมความโปร่งใสในการจัดซื้อจัดจ้าง",
        "ประกาศเจตจำนงการบริหารงานด้วยความซื่อสัตย์สุจริตอย่างมีคุณธรรมและโปร่งใส",
    ]:
        assert expected in text, expected
    index = (data_root / "site" / "mae-u-kho" / "2565" / "index.html").read_text(encoding="utf-8")
    assert index.count('href="ita-2565-round-12-report.pdf"') == 1
    # nothing received was changed
    assert {p: p.read_bytes() for p in inbox.rglob("*") if p.is_file()} == received

    # running the same round again gives the same published files and one index entry
    before = _site_files(data_root)
    again = run_approved(dag, run_conf=CONF)
    assert again.state == "success"
    assert _site_files(data_root) == before


def test_an_incomplete_round_fails_at_the_check_then_completes_after_the_submission_and_clear(dag, data_root):
    drop_samples(data_root, units={"palad", "pr"})  # กองคลัง has not sent M4
    logical = datetime(2022, 10, 16, tzinfo=UTC)
    run = run_approved(dag, run_conf=CONF, logical_date=logical)
    states = _states(run)
    assert run.state == "failed"
    assert states == {ROUND_TASK: "failed"}

    status = _status(data_root)
    assert status["state"] == "incomplete"
    assert status["completeness"]["gaps"] == [
        {
            "unit": "finance",
            "unit_th": "กองคลัง",
            "measure_code": "M4",
            "measure_th": "มาตรการส่งเสริมความโปร่งใสในการจัดซื้อจัดจ้าง",
            "missing_fields": [],
            "where": "",
        }
    ]
    assert not (data_root / "site").exists()
    assert not (data_root / "mae-u-kho" / "2565" / "round-12" / "report").exists()

    # the missing file arrives; the admin clears the failed task, as the README says: it opens the
    # round again (nothing is mailed twice), finds it due, and reads the inbox again
    drop_samples(data_root, units={"finance"})
    env = {**os.environ, "PATH": f"{os.path.dirname(sys.executable)}:{os.environ['PATH']}"}
    cleared = subprocess.run(
        [
            sys.executable,
            "-m",
            "airflow",
            "tasks",
            "clear",
            DAG_ID,
            "-t",
            ROUND_TASK,
            "-s",
            logical.isoformat(),
            "-e",
            logical.isoformat(),
            "-y",
        ],
        capture_output=True,
        text=True,
        env=env,
    )
    assert cleared.returncode == 0, cleared.stderr[-2000:]
    run = run_approved(dag, run_conf=CONF, logical_date=logical)
    assert run.state == "success", _states(run)
    assert _states(run) == {ROUND_TASK: "success"}
    assert _status(data_root)["state"] == "published"
    assert (data_root / "site" / "mae-u-kho" / "2565" / "ita-2565-round-12-report.pdf").exists()


def test_a_round_with_nothing_due_skips_render_and_publish(dag, data_root):
    run = run_approved(
        dag,
        run_conf={"fiscal_year": 2565, "round": 9},
        logical_date=datetime(2022, 7, 16, tzinfo=UTC),
    )
    # round 9 is due only for M2 (งานประชาสัมพันธ์), which has not submitted: the round fails
    assert _states(run) == {ROUND_TASK: "failed"}
    run = run_approved(
        dag,
        run_conf={"fiscal_year": 2565, "round": 2},
        logical_date=datetime(2021, 12, 16, tzinfo=UTC),
    )
    states = _states(run)
    assert states == {ROUND_TASK: "skipped"}
