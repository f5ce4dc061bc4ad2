"""The one adapter of Airflow internals (airflow_layer/internals.py) against the real metadata DB: fails
when a new Airflow changes what it reads or writes, or when Airflow is upgraded without re-checking it."""

from __future__ import annotations

import threading
import time

import pytest
from airflow.dag_processing.dagbag import DagBag

from ita_monitor.airflow_layer import internals
from tests.airflow.approvals import answer, api_client, token_for
from tests.conftest import ROOT, drop_samples

pytestmark = pytest.mark.airflow
DAG_ID = "ita_round__mae-u-kho"
CONF = {"fiscal_year": 2565, "round": 12}


def test_the_adapter_was_checked_against_the_installed_airflow():
    import airflow

    assert airflow.__version__ == internals.AIRFLOW_CHECKED, (
        "Airflow was upgraded: re-check airflow_layer/internals.py against it, then update AIRFLOW_CHECKED"
    )


def test_runs_approvals_and_notes_read_and_written_as_airflow_records_them(airflow_db, data_root):
    dag = DagBag(dag_folder=str(ROOT / "dags")).dags[DAG_ID]
    client = api_client()
    drop_samples(data_root)
    seen: dict = {}

    def approve_when_pending() -> None:
        for _ in range(480):
            pending = internals.pending_approvals([DAG_ID, "some_other_dag"])
            if pending:
                seen["pending"] = pending
                [(_dag, run_id)] = pending
                seen["status"] = answer(client, DAG_ID, run_id, "Approve", "ok").status_code
                return
            time.sleep(0.5)

    thread = threading.Thread(target=approve_when_pending, daemon=True)
    thread.start()
    run = dag.test(run_conf=CONF)
    thread.join(5)
    assert seen["pending"] == {(DAG_ID, run.run_id)} and seen["status"] == 200
    assert internals.pending_approvals([DAG_ID]) == set()  # answered

    rows = internals.run_rows([DAG_ID, "some_other_dag"])
    [row] = [r for r in rows if r.run_id == run.run_id]
    assert (row.dag_id, row.state, row.conf) == (DAG_ID, "success", CONF)
    assert row.run_after is not None and row.run_after.tzinfo is not None
    assert internals.run_row(DAG_ID, run.run_id) == row
    assert internals.run_row(DAG_ID, "no-such-run") is None
    assert internals.latest_run(DAG_ID) == rows[-1]
    assert internals.run_rows([]) == [] and internals.pending_approvals([]) == set()

    # the note, set on the DagRun a listener gets, is what the REST API shows once committed
    from urllib.parse import quote

    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        dag_run = session.scalars(select(DagRun).where(DagRun.run_id == run.run_id)).one()
        internals.set_run_note(dag_run, "FY2565 round 12 · ปีงบประมาณ ๒๕๖๕ รอบ ๑๒ เดือน")
    got = client.get(
        f"/api/v2/dags/{DAG_ID}/dagRuns/{quote(run.run_id, safe='')}",
        headers={"Authorization": f"Bearer {token_for()}"},
    ).json()
    assert got["note"] == "FY2565 round 12 · ปีงบประมาณ ๒๕๖๕ รอบ ๑๒ เดือน"
