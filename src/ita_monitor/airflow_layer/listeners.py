"""Airflow listener (registered by the plugin; runs in the scheduler) for the round DAGs.

When the scheduler starts a round's run (a new one, or one that was cleared):

- the run gets the note "FY2568 round 3 · ปีงบประมาณ ๒๕๖๘ รอบ ๓ เดือน" unless it has one, so the Grid
  view and the run's page say which round it is (the logical date of round 3 of FY 2568 reads
  2024-09-30, and a manual run's round is only in its params);
- after a clear, the tasks that never ran because an upstream task failed (``upstream_failed``) are
  set back to be scheduled.  Clearing only the failed ``check_completeness`` (the UI's *Clear* without
  *Downstream*) then goes on to render, approve and publish, as clearing with downstream does; a task
  whose upstream still fails becomes ``upstream_failed`` again at once.
"""

from __future__ import annotations

import logging
from typing import Any

from airflow.listeners import hookimpl

from ita_monitor.model.names import ROUND_DAG_PREFIX

log = logging.getLogger(__name__)


def round_note(dag_run: Any) -> str:
    """The run's round as a note, or '' when it cannot be told (bad params, unknown agency)."""
    from ita_monitor.airflow_layer import settings
    from ita_monitor.model.rounds import resolve_round
    from ita_monitor.model.thai import thai_digits

    slug = dag_run.dag_id.removeprefix(ROUND_DAG_PREFIX)
    conf = dag_run.conf or {}
    try:
        rounds = settings.agencies_dir().agency(slug).schedule.rounds
        fy, months = conf.get("fiscal_year"), conf.get("round")
        rnd = resolve_round(
            int(fy) if fy not in (None, "") else None,
            int(months) if months not in (None, "") else None,
            dag_run.data_interval_end,
            dag_run.run_after,
            rounds,
        )
    except Exception:  # a run the round task will fail on with the reason; no note
        return ""
    return f"FY{rnd.fiscal_year} round {rnd.months} · " + thai_digits(
        f"ปีงบประมาณ {rnd.fiscal_year} รอบ {rnd.months} เดือน"
    )


def requeue_held_back(dag_run: Any, session: Any) -> int:
    """Set the run's ``upstream_failed`` tasks back to no state; how many."""
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.state import TaskInstanceState
    from sqlalchemy import update

    result = session.execute(
        update(TaskInstance)
        .where(
            TaskInstance.dag_id == dag_run.dag_id,
            TaskInstance.run_id == dag_run.run_id,
            TaskInstance.state == TaskInstanceState.UPSTREAM_FAILED,
        )
        .values(state=None)
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount or 0


@hookimpl
def on_dag_run_running(dag_run: Any, msg: str) -> None:
    if not str(dag_run.dag_id).startswith(ROUND_DAG_PREFIX):
        return
    from sqlalchemy.orm import object_session

    session = object_session(dag_run)
    try:
        if not dag_run.note:
            note = round_note(dag_run)
            if note:
                dag_run.note = note
        if session is not None and (dag_run.clear_number or 0) > 0:
            n = requeue_held_back(dag_run, session)
            if n:
                log.info(
                    "%s %s: %d task(s) held back by the cleared failure rescheduled",
                    dag_run.dag_id,
                    dag_run.run_id,
                    n,
                )
    except Exception:
        log.exception("ita-monitor listener: could not update run %s", dag_run.run_id)
