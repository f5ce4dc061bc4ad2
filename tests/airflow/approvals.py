"""Answering a pending approval the way a person does: through Airflow's real REST API.

``dag.test()`` must run in the test's main thread; ``answer_in_thread`` waits in a helper thread
until the approval task is parked (its state is ``awaiting_input``), then PATCHes the answer through
the api-server app (``create_app``) with a real token of the user.  Airflow 3.3's PATCH resumes a
parked task at once (``handle_event_submit``); under ``dag.test()`` there is no executor whose
late report could race that resume (the race airflow-3.md describes with a live scheduler, which
test_browser.py still allows for), so the state is the only thing to wait for.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime
from urllib.parse import quote

from ita_monitor.model.names import APPROVAL_TASK as TASK_ID


def api_client():
    """A TestClient over Airflow's whole api-server app (core API and plugins)."""
    from airflow.api_fastapi.app import create_app
    from fastapi.testclient import TestClient

    return TestClient(create_app(apps="core"))


def token_for(username: str = "admin", role: str | None = "admin") -> str:
    """A real JWT of the simple auth manager for that user (role None = logged in, no rights)."""
    from airflow.api_fastapi.app import get_auth_manager
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser

    return get_auth_manager().generate_jwt(SimpleAuthManagerUser(username=username, role=role))


def pending(dag_id: str) -> list[tuple[str, datetime]]:
    """(run_id, parked at) of the unanswered approvals of ``dag_id``."""
    return [(run_id, parked) for run_id, parked, _task in pending_tasks(dag_id)]


def pending_tasks(dag_id: str) -> list[tuple[str, datetime, str]]:
    """(run_id, parked at, task id) of the unanswered approvals of ``dag_id``."""
    from airflow.models.hitl import HITLDetail
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        rows = session.execute(
            select(TaskInstance.run_id, HITLDetail.created_at, TaskInstance.state, TaskInstance.task_id)
            .join(HITLDetail, HITLDetail.ti_id == TaskInstance.id)
            .where(TaskInstance.dag_id == dag_id, HITLDetail.responded_at.is_(None))
        ).all()
    return [(r[0], r[1], r[3]) for r in rows if str(getattr(r[2], "value", r[2])) == "awaiting_input"]


def answer(
    client,
    dag_id: str,
    run_id: str,
    choice: str,
    comment: str = "",
    token: str | None = None,
    task_id: str = TASK_ID,
):
    path = (
        f"/api/v2/dags/{quote(dag_id, safe='')}/dagRuns/{quote(run_id, safe='')}"
        f"/taskInstances/{task_id}/-1/hitlDetails"
    )
    return client.patch(
        path,
        json={"chosen_options": [choice], "params_input": {"comment": comment}},
        headers={"Authorization": f"Bearer {token or token_for()}"},
    )


def answer_in_thread(client, dag_id: str, choice: str, comment: str = "", timeout: float = 120.0):
    """Start a thread that answers the first pending approval of ``dag_id``; returns (thread, result)."""
    result: dict = {}

    def run() -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = pending_tasks(dag_id)
            if found:
                run_id, _parked, task_id = found[0]
                resp = answer(client, dag_id, run_id, choice, comment, task_id=task_id)
                result.update(status=resp.status_code, body=resp.json(), run_id=run_id)
                return
            time.sleep(0.5)
        result["status"] = "timeout"

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, result


def run_approved(dag, comment: str = "ตรวจแล้ว / checked", **test_kwargs):
    """``dag.test(**test_kwargs)`` with a person (over the real REST API) approving every approval the
    run asks for; the run.  For tests whose subject is not the approval (tested in test_approval.py)."""
    client = api_client()
    done = threading.Event()

    def approve() -> None:
        answered: set[str] = set()
        while not done.is_set():
            for run_id, parked, task_id in pending_tasks(dag.dag_id):
                if (run_id, str(parked)) not in answered:
                    answer(client, dag.dag_id, run_id, "Approve", comment, task_id=task_id)
                    answered.add((run_id, str(parked)))
            done.wait(0.5)

    thread = threading.Thread(target=approve, daemon=True)
    thread.start()
    try:
        return dag.test(**test_kwargs)
    finally:
        done.set()
        thread.join(5)
