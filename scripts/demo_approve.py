"""Answer the demo round's approval, honestly labelled: "demo auto-approval (scripts/demo.sh)".

Runs beside ``airflow dags test`` (same metadata DB): waits until the DAG's approval task (the round's
run_round, the plan's approve_publish) is parked awaiting input, waits 8 s more (answers sooner can
race the task's bookkeeping, see airflow-3.md), then answers Approve through Airflow's real REST API (the api-server app in this
process) as the admin user, so the answer is recorded like any person's: who, when, comment.

Usage: python scripts/demo_approve.py <dag_id> [timeout seconds] [log file]
Airflow's own output goes to the log file (default: stderr); the one result line to stdout.
"""

from __future__ import annotations

import os
import sys
import time
from datetime import UTC, datetime
from urllib.parse import quote

COMMENT = "demo auto-approval (scripts/demo.sh)"
WAIT_AFTER_PARKING = 8.0


def main(dag_id: str, timeout: float = 600.0, log_file: str = "") -> int:
    out = os.fdopen(os.dup(1), "w")
    if log_file:
        log = open(log_file, "a")
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
    else:
        os.dup2(2, 1)
    from airflow.api_fastapi.app import create_app, get_auth_manager
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser
    from airflow.models.hitl import HITLDetail
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from fastapi.testclient import TestClient
    from sqlalchemy import select

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with create_session() as session:
            row = session.execute(
                select(TaskInstance.run_id, HITLDetail.created_at, TaskInstance.task_id)
                .join(HITLDetail, HITLDetail.ti_id == TaskInstance.id)
                .where(
                    TaskInstance.dag_id == dag_id,
                    TaskInstance.state == "awaiting_input",
                    HITLDetail.responded_at.is_(None),
                )
            ).first()
        if row is None:
            time.sleep(1)
            continue
        run_id, parked, task_id = row
        parked = parked if parked.tzinfo else parked.replace(tzinfo=UTC)
        time.sleep(max(0.0, WAIT_AFTER_PARKING - (datetime.now(UTC) - parked).total_seconds()))
        client = TestClient(create_app(apps="core"))
        token = get_auth_manager().generate_jwt(SimpleAuthManagerUser(username="admin", role="admin"))
        resp = client.patch(
            f"/api/v2/dags/{quote(dag_id, safe='')}/dagRuns/{quote(run_id, safe='')}"
            f"/taskInstances/{quote(task_id, safe='')}/-1/hitlDetails",
            json={"chosen_options": ["Approve"], "params_input": {"comment": COMMENT}},
            headers={"Authorization": f"Bearer {token}"},
        )
        if resp.status_code != 200:
            print(f"demo: the approval was not accepted: {resp.status_code} {resp.text}", file=sys.stderr)
            return 1
        print(
            f"-- approval recorded: Approve by admin, comment {COMMENT!r} (run {run_id})",
            file=out,
            flush=True,
        )
        return 0
    print("demo: no approval was asked for in time", file=sys.stderr)
    return 1


if __name__ == "__main__":
    args = sys.argv[1:]
    sys.exit(main(args[0], float(args[1]) if len(args) > 1 else 600.0, args[2] if len(args) > 2 else ""))
