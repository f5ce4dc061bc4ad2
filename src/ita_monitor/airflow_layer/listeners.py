"""Airflow listener (registered by the plugin; runs in the scheduler) for the round DAGs.

When the scheduler starts a round's run (a new one, or one that was cleared), the run gets the note
"FY2568 round 3 · ปีงบประมาณ ๒๕๖๘ รอบ ๓ เดือน" unless it has one, so the Grid view and the run's page
say which round it is (the logical date of round 3 of FY 2568 reads 2024-09-30, and a manual run's
round is only in its params).  Nothing else: a round's run is one task, so a rerun is the clear of
that task and no task state is ever rewritten here.
"""

from __future__ import annotations

import logging
from typing import Any

from airflow.listeners import hookimpl

from ita_monitor.model.names import PLAN_DAG_PREFIX, ROUND_DAG_PREFIX

log = logging.getLogger(__name__)


def round_note(dag_run: Any) -> str:
    """The run's round as a note, or '' when it cannot be told (bad params, unknown agency)."""
    from ita_monitor.airflow_layer import settings
    from ita_monitor.model.runs import RoundRefused, due_of_conf, round_of_run
    from ita_monitor.model.runs import round_note as note_of

    slug = dag_run.dag_id.removeprefix(ROUND_DAG_PREFIX)
    try:
        rounds = settings.agencies_dir().agency(slug).schedule.rounds
        rnd = round_of_run(
            dag_run.conf,
            run_type=str(getattr(dag_run.run_type, "value", dag_run.run_type) or ""),
            logical_date=dag_run.logical_date,
            interval_end=dag_run.data_interval_end,
            run_after=dag_run.run_after,
            rounds=rounds,
        )
    except RoundRefused:  # a run the round task will fail on with the reason; no note
        return ""
    except Exception:  # an agency that cannot be read: the round task says why
        return ""
    return note_of(rnd, due_of_conf(dag_run.conf))


def plan_note(dag_run: Any) -> str:
    """The plan run's fiscal year as a note."""
    from ita_monitor.model.runs import plan_note as note_of
    from ita_monitor.model.runs import plan_year_of_run

    fy = plan_year_of_run(dag_run.conf, dag_run.logical_date, dag_run.run_after)
    return note_of(fy) if fy else ""


@hookimpl
def on_dag_run_running(dag_run: Any, msg: str) -> None:
    if str(dag_run.dag_id).startswith(PLAN_DAG_PREFIX):
        try:
            if not dag_run.note and (note := plan_note(dag_run)):
                dag_run.note = note
        except Exception:
            log.exception("ita-monitor listener: could not note run %s", dag_run.run_id)
        return
    if not str(dag_run.dag_id).startswith(ROUND_DAG_PREFIX):
        return
    try:
        if not dag_run.note:
            note = round_note(dag_run)
            if note:
                from ita_monitor.airflow_layer.internals import set_run_note

                set_run_note(dag_run, note)
    except Exception:
        log.exception("ita-monitor listener: could not update run %s", dag_run.run_id)
