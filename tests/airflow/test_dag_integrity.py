"""Every DAG imports, serializes (which proves the timetable is registered), and follows the house rules."""

import subprocess
import sys
from datetime import UTC, datetime

import pytest
from airflow.dag_processing.dagbag import DagBag
from airflow.serialization.serialized_objects import DagSerialization

from tests.conftest import ROOT


@pytest.fixture(scope="module")
def dagbag() -> DagBag:
    return DagBag(dag_folder=str(ROOT / "dags"))


def test_no_import_errors(dagbag):
    assert dagbag.import_errors == {}
    assert "ita_round__mae-u-kho" in dagbag.dags


def test_every_dag_serializes_and_round_trips(dagbag):
    for dag_id, dag in dagbag.dags.items():
        data = DagSerialization.to_dict(dag)
        back = DagSerialization.from_dict(data)
        assert back.dag_id == dag_id
        assert type(back.timetable).__name__ == "MonitoringRoundTimetable" or "round" not in dag_id


def test_tags_retries_and_docs_on_every_dag(dagbag):
    for dag in dagbag.dags.values():
        assert "ita" in dag.tags
        assert dag.doc_md
        for t in dag.tasks:
            assert t.retries >= 1, t.task_id


def test_retries_back_off_by_doubling(dagbag):
    """Airflow's own retry arithmetic on our tasks: each retry waits at least twice as long as the last.

    (``retry_exponential_backoff`` is a multiplier in Airflow 3.3: ``True`` would mean 1.0, a constant
    60 s between tries.)"""
    from types import SimpleNamespace

    from airflow.models.taskinstance import TaskInstance

    ended = datetime(2026, 1, 1, tzinfo=UTC)
    for task in dagbag.dags["ita_round__mae-u-kho"].tasks:
        if not task.retries:
            continue
        waits = []
        for try_number in (1, 2, 3):
            ti = SimpleNamespace(
                task=task,
                try_number=try_number,
                end_date=ended,
                retry_delay_override=None,
                dag_id=task.dag_id,
                task_id=task.task_id,
                logical_date=None,
            )
            waits.append((TaskInstance.next_retry_datetime(ti) - ended).total_seconds())
        assert 60 <= waits[0] < 120 <= waits[1] < 240 <= waits[2], (task.task_id, waits)


def test_round_dag_is_one_task_whose_clear_is_the_whole_rerun(dagbag):
    from ita_monitor.model.names import APPROVAL_TASK, CHECK_TASK, PUBLISH_TASK, REPORT_TASK, ROUND_TASK

    dag = dagbag.dags["ita_round__mae-u-kho"]
    assert dag.task_ids == [ROUND_TASK]
    assert CHECK_TASK == APPROVAL_TASK == REPORT_TASK == PUBLISH_TASK == ROUND_TASK
    assert dag.max_active_runs > 1  # rounds of one agency never wait on each other (flow/run_claims.py)


def test_dag_file_does_no_heavy_imports_at_parse_time():
    code = (
        "import sys, glob, runpy; [runpy.run_path(f) for f in glob.glob('dags/ita_agencies/*.py')];"
        "heavy = [m for m in ('weasyprint', 'pandas', 'openpyxl', 'pydyf') if m in sys.modules];"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_an_invalid_agency_gets_a_dag_that_says_what_to_fix(tmp_path, monkeypatch):
    import shutil

    agencies = tmp_path / "agencies"
    shutil.copytree(ROOT / "include" / "agencies", agencies)
    broken = agencies / "broken-one"
    broken.mkdir()
    (broken / "agency.yaml").write_text("name_th: x\n", encoding="utf-8")
    monkeypatch.setenv("AIRFLOW__ITA__AGENCIES_DIR", str(agencies))
    bag = DagBag(dag_folder=str(ROOT / "dags"))
    assert bag.import_errors == {}
    assert {"ita_round__mae-u-kho", "ita_round__broken-one"} <= set(bag.dags)
    assert [t.task_id for t in bag.dags["ita_round__broken-one"].tasks] == ["report_config_problem"]
