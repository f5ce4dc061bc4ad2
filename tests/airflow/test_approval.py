"""Approval before publishing, answered through Airflow's REST API while dag.test() runs the round."""

from __future__ import annotations

import json

import pytest
from airflow.dag_processing.dagbag import DagBag

from tests.airflow.approvals import answer_in_thread, api_client
from tests.conftest import ROOT, drop_samples

pytestmark = pytest.mark.airflow
DAG_ID = "ita_round__mae-u-kho"
CONF = {"fiscal_year": 2565, "round": 12}


@pytest.fixture(scope="module")
def dag(airflow_db):
    return DagBag(dag_folder=str(ROOT / "dags")).dags[DAG_ID]


@pytest.fixture(scope="module")
def client(airflow_db):
    return api_client()


def _states(run) -> dict[str, str]:
    return {ti.task_id: str(getattr(ti.state, "value", ti.state)) for ti in run.get_task_instances()}


def _status(data_root) -> dict:
    return json.loads((data_root / "mae-u-kho" / "2565" / "round-12" / "status.json").read_text())


def test_the_approval_sits_between_render_and_publish(dag):
    assert dag.get_task("approve_publish").downstream_task_ids == {"publish_report"}
    assert dag.get_task("render_report").downstream_task_ids == {"approve_publish"}


def test_approve_publishes_and_records_who_approved(dag, client, data_root):
    drop_samples(data_root)
    thread, result = answer_in_thread(client, DAG_ID, "Approve", "ตรวจแล้ว / checked")
    run = dag.test(run_conf=CONF)
    thread.join(5)
    assert result["status"] == 200, result
    assert run.state == "success", _states(run)
    status = _status(data_root)
    assert status["state"] == "published"
    assert status["approval"]["decision"] == "approved"
    assert status["approval"]["by"] == "admin" and status["approval"]["comment"] == "ตรวจแล้ว / checked"
    assert (data_root / "site" / "mae-u-kho" / "2565" / "ita-2565-round-12-report.pdf").exists()


def test_reject_publishes_nothing_and_the_run_says_why(dag, client, data_root):
    drop_samples(data_root)
    thread, result = answer_in_thread(client, DAG_ID, "Reject", "ตัวเลขในมาตรการ M4 ผิด / M4 figures wrong")
    run = dag.test(run_conf=CONF)
    thread.join(5)
    assert result["status"] == 200, result
    states = _states(run)
    assert run.state == "failed"
    assert states["approve_publish"] == "failed" and states["publish_report"] == "upstream_failed"
    status = _status(data_root)
    assert status["state"] == "rejected"
    assert status["approval"] == {
        "decision": "rejected",
        "by": "admin",
        "at": status["approval"]["at"],
        "comment": "ตัวเลขในมาตรการ M4 ผิด / M4 figures wrong",
    }
    assert not (data_root / "site").exists()


def test_an_agency_without_approval_publishes_right_after_rendering(airflow_db, tmp_path, monkeypatch):
    import shutil

    from tests.conftest import AGENCIES

    agencies = tmp_path / "agencies"
    shutil.copytree(AGENCIES, agencies)
    profile = agencies / "mae-u-kho" / "agency.yaml"
    profile.write_text(profile.read_text(encoding="utf-8").replace("approval: true", "approval: false"))
    monkeypatch.setenv("AIRFLOW__ITA__AGENCIES_DIR", str(agencies))
    dag = DagBag(dag_folder=str(ROOT / "dags")).dags[DAG_ID]
    assert "approve_publish" not in dag.task_ids
    assert dag.get_task("render_report").downstream_task_ids == {"publish_report"}


def test_a_report_failing_its_self_check_is_never_put_to_the_approver(dag, data_root):
    """A unit typed its evidence link with Thai digits: the self-check names it, approval is not asked."""
    inbox = drop_samples(data_root)
    path = inbox / "pr" / "pr-round12.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["rows"][0]["หมายเหตุ"] = "หลักฐาน https://www.maeukho.go.th/๒๕๖๕/pr.pdf"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    run = dag.test(run_conf=CONF)  # nobody answers: the task must fail before asking
    states = _states(run)
    assert run.state == "failed"
    assert states["render_report"] == "success"
    assert states["approve_publish"] == "failed" and states["publish_report"] == "upstream_failed"
    status = _status(data_root)
    assert status["state"] == "failed" and status["selfcheck"]["ok"] is False
    [finding] = status["selfcheck"]["documents"]["report"]["findings"]
    assert finding["check"] == "link" and finding["expected"] == "https://www.maeukho.go.th/๒๕๖๕/pr.pdf"
    assert finding["page"] >= 2  # the results table, not the cover
    assert (
        "ไม่ผ่านการตรวจก่อนอนุมัติ" in status["error"]
        and "https://www.maeukho.go.th/๒๕๖๕/pr.pdf" in status["error"]
    )
    assert status.get("approval", {}).get("decision") != "pending"
    assert not (data_root / "site").exists()
