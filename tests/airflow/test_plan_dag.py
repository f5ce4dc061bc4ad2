"""The yearly plan of the sample agency run by Airflow (dag.test() on a real metadata DB)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from airflow.dag_processing.dagbag import DagBag

from tests.conftest import AGENCIES, ROOT, pdftotext

pytestmark = pytest.mark.airflow
DAG_ID = "ita_plan__mae-u-kho"
CONF = {"fiscal_year": 2565}


@pytest.fixture(scope="module")
def dagbag(airflow_db) -> DagBag:
    return DagBag(dag_folder=str(ROOT / "dags"))


@pytest.fixture(scope="module")
def dag(dagbag):
    return dagbag.dags[DAG_ID]


def _states(run) -> dict[str, str]:
    return {
        ti.task_id: str(ti.state.value if hasattr(ti.state, "value") else ti.state)
        for ti in run.get_task_instances()
    }


def _squash(text: str) -> str:
    return "".join(text.split())


def test_the_plan_dag_reads_like_the_year(dag):
    assert "ita" in dag.tags and dag.doc_md
    assert dag.get_task("validate_plan").downstream_task_ids == {"render_measures", "render_approval_memo"}
    # the measures are published once a person approves (the executive has signed the memo)
    assert dag.get_task("render_measures").downstream_task_ids == {"approve_publish"}
    assert dag.get_task("render_approval_memo").downstream_task_ids == {"approve_publish"}
    assert dag.get_task("approve_publish").downstream_task_ids == {"publish_measures"}
    assert dag.params["fiscal_year"] is None
    assert all(t.retries >= 1 for t in dag.tasks)


def test_it_is_scheduled_at_midnight_on_1_october_in_bangkok(dag):
    from airflow.timetables.base import TimeRestriction

    info = dag.timetable.next_dagrun_info(
        last_automated_data_interval=None,
        restriction=TimeRestriction(datetime(2021, 6, 1, tzinfo=UTC), None, catchup=True),
    )
    assert info.run_after == datetime(2021, 9, 30, 17, 0, tzinfo=UTC)  # 1 Oct 2021 00:00 +07, FY 2565


def test_a_plan_run_renders_both_documents_and_publishes_the_measures_once_approved(dag, data_root):
    from tests.airflow.approvals import answer_in_thread, api_client

    thread, result = answer_in_thread(api_client(), DAG_ID, "Approve", "นายกลงนามแล้ว / memo signed")
    run = dag.test(run_conf=CONF)
    thread.join(5)
    assert result["status"] == 200, result
    assert run.state == "success", _states(run)
    assert set(_states(run).values()) == {"success"}

    folder = data_root / "mae-u-kho" / "2565" / "plan"
    status = json.loads((folder / "status.json").read_text())
    assert status["state"] == "published" and status["warnings"] == []
    assert status["approval"]["decision"] == "approved" and status["approval"]["by"] == "admin"
    assert status["approval"]["comment"] == "นายกลงนามแล้ว / memo signed"
    measures = folder / "ita-2565-measures.pdf"
    memo = folder / "ita-2565-approval-memo.pdf"
    assert status["measures"]["path"].endswith(measures.name) and status["memo"]["path"].endswith(memo.name)

    text = _squash(pdftotext(measures))
    for expected in ["การใช้อำนาจ", "ประสิทธิภาพการสื่อสาร", "การป้องกันการทุจริต", "มาตรการตรวจสอบการใช้ดุลพินิจ"]:
        assert expected in text
    assert "บันทึกข้อความ" in pdftotext(memo)

    site = data_root / "site" / "mae-u-kho" / "2565"
    assert (site / "ita-2565-measures.pdf").read_bytes() == measures.read_bytes()
    index = (site / "index.html").read_text(encoding="utf-8")
    o42 = index.split('id="O42"')[1].split("</section>")[0]
    assert 'href="ita-2565-measures.pdf"' in o42  # under the year's OIT item for the measures

    # a second run gives the same files
    before = {p: p.read_bytes() for p in sorted(data_root.rglob("*.pdf"))}
    again = dag.test(run_conf=CONF, mark_success_pattern="approve_publish")
    assert again.state == "success"
    assert {p: p.read_bytes() for p in sorted(data_root.rglob("*.pdf"))} == before


def test_rejected_measures_are_not_published_and_the_run_says_why(dag, data_root):
    from tests.airflow.approvals import answer_in_thread, api_client

    thread, result = answer_in_thread(api_client(), DAG_ID, "Reject", "ยังไม่ได้ลงนาม / memo not signed yet")
    run = dag.test(run_conf=CONF)
    thread.join(5)
    assert result["status"] == 200, result
    states = _states(run)
    assert run.state == "failed"
    assert states["approve_publish"] == "failed" and states["publish_measures"] == "upstream_failed"
    status = json.loads((data_root / "mae-u-kho" / "2565" / "plan" / "status.json").read_text())
    assert status["state"] == "rejected"
    assert status["approval"]["decision"] == "rejected"
    assert status["approval"]["comment"] == "ยังไม่ได้ลงนาม / memo not signed yet"
    assert (data_root / "mae-u-kho" / "2565" / "plan" / "ita-2565-measures.pdf").exists()  # rendered, kept
    assert not (data_root / "site").exists()


def test_a_plan_without_its_analysis_fails_at_validation_naming_file_and_field(
    airflow_db, tmp_path, monkeypatch, data_root
):
    agencies = tmp_path / "agencies"
    shutil.copytree(AGENCIES, agencies)
    plan = agencies / "mae-u-kho" / "plans" / "2565.yaml"
    text = plan.read_text(encoding="utf-8")
    plan.write_text(text[: text.index("analysis:")] + text[text.index("memo:") :], encoding="utf-8")
    monkeypatch.setenv("AIRFLOW__ITA__AGENCIES_DIR", str(agencies))
    dag = DagBag(dag_folder=str(ROOT / "dags")).dags[DAG_ID]
    run = dag.test(run_conf=CONF, logical_date=datetime(2021, 9, 30, 17, tzinfo=UTC))
    states = _states(run)
    assert run.state == "failed"
    assert states["validate_plan"] == "failed"
    assert {states[t] for t in ("render_measures", "render_approval_memo")} == {"upstream_failed"}
    assert not (data_root / "mae-u-kho" / "2565" / "plan" / "ita-2565-measures.pdf").exists()
    assert not (data_root / "site").exists()


def test_the_round_dag_still_runs_for_a_plan_without_analysis(airflow_db, tmp_path, monkeypatch, data_root):
    from tests.conftest import drop_samples

    agencies = tmp_path / "agencies"
    shutil.copytree(AGENCIES, agencies)
    plan = agencies / "mae-u-kho" / "plans" / "2565.yaml"
    text = plan.read_text(encoding="utf-8")
    plan.write_text(text[: text.index("analysis:")] + text[text.index("measures:") :], encoding="utf-8")
    monkeypatch.setenv("AIRFLOW__ITA__AGENCIES_DIR", str(agencies))
    drop_samples(data_root)
    dag = DagBag(dag_folder=str(ROOT / "dags")).dags["ita_round__mae-u-kho"]
    from tests.airflow.approvals import run_approved  # a person approves (tested in test_approval.py)

    run = run_approved(
        dag,
        run_conf={"fiscal_year": 2565, "round": 12},
        logical_date=datetime(2022, 10, 16, tzinfo=UTC),
    )
    assert run.state == "success", _states(run)
    status = json.loads((data_root / "mae-u-kho" / "2565" / "round-12" / "status.json").read_text())
    memo = status["report"]["memo_path"]
    assert memo.endswith("report/ita-2565-round-12-memo.pdf")
    assert "รายงานผลการดำเนินการ" in _squash(pdftotext(Path(memo.removeprefix("file:"))))


def test_the_plan_dag_file_does_no_heavy_imports_at_parse_time():
    code = (
        "import sys, glob, runpy; [runpy.run_path(f) for f in glob.glob('dags/ita_agencies/*.py')];"
        "heavy = [m for m in ('weasyprint', 'pandas', 'openpyxl', 'pydyf') if m in sys.modules];"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
