"""The one place ita-monitor touches Airflow's internals (checked against Airflow 3.3.2, requirements.lock).

Everything else uses Airflow's public interfaces (the Task SDK, the REST API in-process as the user,
providers, plugin and listener hooks, the auth manager); ruff's banned-API rule (TID251,
pyproject.toml) refuses ``airflow.models``, ``airflow.utils.session``, ``airflow.utils.state`` and
``airflow.configuration`` anywhere but here.  What remains, and why:

- ``run_rows`` / ``pending_approvals`` / ``latest_run``: the ITA page's reads of DAG runs and unanswered
  approvals, one SQL query each over the metadata DB.  The REST API has the same data
  (``POST /api/v2/dags/~/dagRuns/list``, ``GET .../hitlDetails``) but pages at ``[api]
  maximum_page_limit`` (100): the overview of 7,850 agencies would need hundreds of calls per view.
  Read-only, in the api-server's process.
- ``set_run_note``: the listener (a documented plugin hook, ``on_dag_run_running``) sets the run's note
  on the ``DagRun`` it is given, inside the scheduler's session (Airflow commits it with the run's
  state).  No task is ever rewritten: a round is one task, and its rerun is the clear of that task.

``tests/airflow/test_internals.py`` fails when any of these changes shape in a new Airflow.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

AIRFLOW_CHECKED = "3.3.2"


class RunRow(NamedTuple):
    dag_id: str
    run_id: str
    state: str
    conf: dict
    run_type: str
    logical_date: datetime | None
    data_interval_end: datetime | None
    run_after: datetime | None


def _state(value: Any) -> str:
    return str(getattr(value, "value", value) or "")


def run_rows(dag_ids: list[str]) -> list[RunRow]:
    """Every run of these DAGs, oldest first (by ``run_after``)."""
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from sqlalchemy import select

    if not dag_ids:
        return []
    with create_session() as session:
        rows = session.execute(
            select(
                DagRun.dag_id,
                DagRun.run_id,
                DagRun.state,
                DagRun.conf,
                DagRun.run_type,
                DagRun.logical_date,
                DagRun.data_interval_end,
                DagRun.run_after,
            )
            .where(DagRun.dag_id.in_(dag_ids))
            .order_by(DagRun.run_after)
        ).all()
    return [RunRow(d, r, _state(s), c or {}, _state(t), lg, e, a) for d, r, s, c, t, lg, e, a in rows]


def run_row(dag_id: str, run_id: str) -> RunRow | None:
    """One run, or None."""
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        row = session.execute(
            select(
                DagRun.dag_id,
                DagRun.run_id,
                DagRun.state,
                DagRun.conf,
                DagRun.run_type,
                DagRun.logical_date,
                DagRun.data_interval_end,
                DagRun.run_after,
            ).where(DagRun.dag_id == dag_id, DagRun.run_id == run_id)
        ).first()
    if row is None:
        return None
    d, r, s, c, t, lg, e, a = row
    return RunRow(d, r, _state(s), c or {}, _state(t), lg, e, a)


def latest_run(dag_id: str) -> RunRow | None:
    """The DAG's latest run (by ``run_after``), or None."""
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        row = session.execute(
            select(
                DagRun.dag_id,
                DagRun.run_id,
                DagRun.state,
                DagRun.conf,
                DagRun.run_type,
                DagRun.logical_date,
                DagRun.data_interval_end,
                DagRun.run_after,
            )
            .where(DagRun.dag_id == dag_id)
            .order_by(DagRun.run_after.desc())
            .limit(1)
        ).first()
    if row is None:
        return None
    d, r, s, c, t, lg, e, a = row
    return RunRow(d, r, _state(s), c or {}, _state(t), lg, e, a)


def pending_approvals(dag_ids: list[str]) -> set[tuple[str, str]]:
    """(dag_id, run_id) of the runs of these DAGs with an unanswered human-in-the-loop request."""
    from airflow.models.hitl import HITLDetail
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from sqlalchemy import select

    if not dag_ids:
        return set()
    with create_session() as session:
        return set(
            session.execute(
                select(TaskInstance.dag_id, TaskInstance.run_id)
                .join(HITLDetail, HITLDetail.ti_id == TaskInstance.id)
                .where(TaskInstance.dag_id.in_(dag_ids), HITLDetail.responded_at.is_(None))
            ).all()
        )


def set_run_note(dag_run: Any, note: str) -> None:
    """Give the run (the ``DagRun`` a listener hook was called with) its note; the scheduler commits it."""
    dag_run.note = note
