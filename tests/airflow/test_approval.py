"""Approval before publishing, answered through Airflow's REST API while dag.test() runs the round."""

from __future__ import annotations

import json

import pytest
from airflow.dag_processing.dagbag import DagBag

from ita_monitor.model.names import ROUND_TASK
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


def test_the_approval_is_part_of_the_rounds_one_task(dag):
    from airflow.providers.standard.operators.hitl import ApprovalOperator

    assert dag.task_ids == [ROUND_TASK]
    assert isinstance(dag.get_task(ROUND_TASK), ApprovalOperator)


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
    assert status["approval"]["sha256"] == status["report"]["sha256"]  # what was approved, exactly
    assert status["approval"]["run_id"] == run.run_id
    assert (data_root / "site" / "mae-u-kho" / "2565" / "ita-2565-round-12-report.pdf").exists()

    # the same round run again asks again (a clear or a new run never reuses an earlier answer)
    thread, result = answer_in_thread(client, DAG_ID, "Approve", "อีกครั้ง / again")
    again = dag.test(run_conf=CONF)
    thread.join(5)
    assert again.state == "success" and result["run_id"] == again.run_id, _states(again)
    assert _status(data_root)["approval"]["run_id"] == again.run_id


def test_a_changed_report_is_asked_about_again(dag, client, data_root):
    inbox = drop_samples(data_root)
    thread, result = answer_in_thread(client, DAG_ID, "Approve", "ตรวจแล้ว / checked")
    first = dag.test(run_conf=CONF)
    thread.join(5)
    assert first.state == "success" and result["status"] == 200
    approved = _status(data_root)["approval"]["sha256"]
    path = inbox / "pr" / "pr-round12.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["rows"][0]["หมายเหตุ"] = "ฉบับแก้ไข / corrected"
    (inbox / "pr" / "pr-round12-v2.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    thread, result = answer_in_thread(client, DAG_ID, "Reject", "ยังไม่ได้ตรวจ / not checked yet")
    again = dag.test(run_conf=CONF)
    thread.join(5)
    assert result["status"] == 200 and result["run_id"] == again.run_id, result
    status = _status(data_root)
    assert again.state == "failed" and status["state"] == "rejected"
    assert status["approval"]["sha256"] == status["report"]["sha256"] != approved


def test_reject_publishes_nothing_and_the_run_says_why(dag, client, data_root):
    drop_samples(data_root)
    thread, result = answer_in_thread(client, DAG_ID, "Reject", "ตัวเลขในมาตรการ M4 ผิด / M4 figures wrong")
    run = dag.test(run_conf=CONF)
    thread.join(5)
    assert result["status"] == 200, result
    assert run.state == "failed"
    assert _states(run) == {ROUND_TASK: "failed"}
    status = _status(data_root)
    assert status["state"] == "rejected"
    assert status["approval"] == {
        "decision": "rejected",
        "by": "admin",
        "at": status["approval"]["at"],
        "comment": "ตัวเลขในมาตรการ M4 ผิด / M4 figures wrong",
        "sha256": status["report"]["sha256"],
        "run_id": run.run_id,
    }
    assert not (data_root / "site").exists()


def test_an_agency_without_approval_publishes_right_after_rendering(
    airflow_db, tmp_path, monkeypatch, data_root
):
    import shutil

    from tests.conftest import AGENCIES

    agencies = tmp_path / "agencies"
    shutil.copytree(AGENCIES, agencies)
    profile = agencies / "mae-u-kho" / "agency.yaml"
    profile.write_text(profile.read_text(encoding="utf-8").replace("approval: true", "approval: false"))
    monkeypatch.setenv("AIRFLOW__ITA__AGENCIES_DIR", str(agencies))
    dag = DagBag(dag_folder=str(ROOT / "dags")).dags[DAG_ID]
    assert dag.get_task(ROUND_TASK).approval is False
    drop_samples(data_root)
    run = dag.test(run_conf=CONF)  # nobody is asked
    assert run.state == "success", _states(run)
    status = _status(data_root)
    assert status["state"] == "published" and status.get("approval", {}).get("decision", "") == ""


def test_a_report_failing_its_self_check_is_never_put_to_the_approver(dag, data_root):
    """A unit typed its evidence link with Thai digits: the self-check names it, approval is not asked."""
    inbox = drop_samples(data_root)
    path = inbox / "pr" / "pr-round12.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["rows"][0]["หมายเหตุ"] = "หลักฐาน https://www.maeukho.go.th/๒๕๖๕/pr.pdf"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    run = dag.test(run_conf=CONF)  # nobody answers: the task must fail before asking
    assert run.state == "failed"
    assert _states(run) == {ROUND_TASK: "failed"}
    status = _status(data_root)
    assert status["state"] == "failed" and status["selfcheck"]["ok"] is False
    assert status["report"]["sha256"]  # rendered, then refused
    [finding] = status["selfcheck"]["documents"]["report"]["findings"]
    assert finding["check"] == "link" and finding["expected"] == "https://www.maeukho.go.th/๒๕๖๕/pr.pdf"
    assert finding["page"] >= 2  # the results table, not the cover
    assert (
        "ไม่ผ่านการตรวจก่อนอนุมัติ" in status["error"]
        and "https://www.maeukho.go.th/๒๕๖๕/pr.pdf" in status["error"]
    )
    assert status.get("approval", {}).get("decision") != "pending"
    assert not (data_root / "site").exists()
