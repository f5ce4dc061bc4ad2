"""A round's or plan's runs, through Airflow's REST API (``airflow_layer.restapi``): ``rerun`` clears the
latest run from its check on, ``run-round`` starts one (a past round caught up with ``--due``), and with
``--wait`` both follow the run until it waits for approval, fails or succeeds."""

from __future__ import annotations

import argparse
import sys

from ita_monitor.airflow_layer import cli_adapter
from ita_monitor.cli.common import agency_round, api_args, api_of, data_of, round_args, where_args
from ita_monitor.model.messages import said


def follow_run(
    api, dag_id: str, run_id: str, timeout: float, every: float = 2.0, stop_when_waiting: bool = False
) -> int:
    """Follow a run until it waits for approval (0), succeeds (0) or fails (1); 3 when ``timeout``
    seconds pass first.  Prints each change of the run's state.  ``stop_when_waiting``: also stop (0)
    once it waits, deferred, for the units' submissions."""
    import time

    deadline = time.monotonic() + timeout
    last = ""
    while True:
        run = api.run(dag_id, run_id)
        if run.state != last:
            print(f"  {run.state}")
            last = run.state
        if run.state == "success":
            print(said("run_success"))
            return 0
        if run.state == "failed":
            states = api.task_states(dag_id, run_id).items()
            print(
                said(
                    "run_failed", tasks=", ".join(t for t, s in states if s in ("failed", "upstream_failed"))
                )
            )
            return 1
        if api.awaiting_input(dag_id, run_id):
            print(said("run_awaits_approval"))
            return 0
        if stop_when_waiting and "deferred" in api.task_states(dag_id, run_id).values():
            print(said("run_waits_for_files"))
            return 0
        if time.monotonic() > deadline:
            print(said("run_still", state=run.state, seconds=f"{timeout:.0f}"), file=sys.stderr)
            return 3
        time.sleep(every)


def _watch(api, page: str, dag_id: str, run_id: str) -> str:
    """Where to follow the run: the ITA page and Airflow's Grid."""
    from ita_monitor.model.names import grid_url

    head = f"{said('watch')}: "
    return f"{head}ITA page     {page}\n{' ' * len(head)}Airflow Grid {grid_url(api.base, dag_id, run_id)}"


def cmd_rerun(args: argparse.Namespace) -> int:
    """Clear the round's latest run (scheduled, Trigger form, command line or ITA page) from its check
    on, through Airflow's REST API: the check reads the inbox again and what follows runs again.  With
    ``--plan``, the yearly plan's latest run of the fiscal year, from ``validate_plan`` on."""
    from ita_monitor.model.errors import InputError
    from ita_monitor.model.names import CHECK_TASK, PLAN_CHECK_TASK, plan_dag_id, round_dag_id, round_page_url
    from ita_monitor.model.runs import latest_plan_run_of, latest_run_of, rerun_clear_body

    try:
        agency, rnd = agency_round(args)
    except (InputError, ValueError) as exc:
        print(exc, file=sys.stderr)
        return 2
    fy = args.fiscal_year
    if rnd is None:
        dag_id, first, what = plan_dag_id(agency.slug), PLAN_CHECK_TASK, f"FY{fy} plan"
        page = f"/ita/y/{agency.slug}/{fy}"
    else:
        dag_id, first, what = round_dag_id(agency.slug), CHECK_TASK, f"FY{fy} round {rnd.months}"
    try:
        api = api_of(args)
        runs = api.runs(dag_id)
        run = (
            latest_plan_run_of(runs, fy) if rnd is None else latest_run_of(runs, rnd, agency.schedule.rounds)
        )
        if run is None:
            how = (
                f"`ita-monitor run-round --agency {agency.slug} --fiscal-year {fy} --round {rnd.months}`"
                if rnd is not None
                else f"Trigger {dag_id} with fiscal_year {fy}"
            )
            print(said("no_run_yet", what=what, dag_id=dag_id, how=how), file=sys.stderr)
            return 1
        print(f"{said('status_run')}: {dag_id} {run.run_id} ({run.state}) {run.note}".rstrip())
        page = round_page_url(api.base, agency.slug, fy, rnd.months) if rnd is not None else api.base + page
        if run.state in ("queued", "running"):
            if api.awaiting_input(dag_id, run.run_id):
                print(said("rerun_awaits_approval"))
            else:
                going = ", ".join(f"{t} {s}" for t, s in api.task_states(dag_id, run.run_id).items() if s)
                print(said("rerun_still_going", going=going))
            print(_watch(api, page, dag_id, run.run_id))
            return follow_run(api, dag_id, run.run_id, args.timeout) if args.wait else 0
        before = api.task_states(dag_id, run.run_id)  # the clear's answer has the states after it
        cleared = api.clear(dag_id, rerun_clear_body(run.run_id, first))
        order = list(before)
        cleared.sort(key=lambda ti: order.index(ti["task_id"]) if ti["task_id"] in order else len(order))
        names = ", ".join(f"{ti['task_id']} (was {before.get(ti['task_id']) or 'none'})" for ti in cleared)
        print(f"{said('rerun_cleared')} from {first}: {names or 'nothing'}")
        if rnd is not None:
            _record_rerun(args, agency.slug, rnd, f"{run.run_id}: {len(cleared)}")
        print(_watch(api, page, dag_id, run.run_id))
        return follow_run(api, dag_id, run.run_id, args.timeout) if args.wait else 0
    except cli_adapter.ApiError as exc:
        print(exc, file=sys.stderr)
        return 2


def _record_rerun(args: argparse.Namespace, slug: str, rnd, detail: str) -> None:
    """The rerun as one of the round's actions (the round's page lists who and when), as the page's
    rerun button records it; where the data root cannot be reached from here, Airflow's own audit
    log still has the clear."""
    from ita_monitor.model.status import record_action
    from ita_monitor.model.who import actor

    try:
        record_action(data_of(args), slug, rnd, "rerun", (args.by or args.user or actor(args)), detail=detail)
    except OSError as exc:
        print(said("not_recorded", why=exc), file=sys.stderr)


def cmd_run_round(args: argparse.Namespace) -> int:
    """Start a run of one round through Airflow's REST API, its id and note naming the round; with
    ``--due`` (catching up a past round) the forms, mails, links and the ITA page say that last day to
    submit, and the run waits for submissions (inbox, mailbox) until it ends."""
    from datetime import UTC, date, datetime

    from ita_monitor.model.errors import InputError
    from ita_monitor.model.names import round_dag_id, round_page_url
    from ita_monitor.model.rounds import last_day_to_submit
    from ita_monitor.model.runs import CONF_DUE, due_problem, manual_run_id, round_note

    try:
        agency, rnd = agency_round(args)
        due = date.fromisoformat(args.due) if args.due else None
    except (InputError, ValueError) as exc:
        print(f"{exc} (--due: YYYY-MM-DD, e.g. 2026-12-20)" if args.due else exc, file=sys.stderr)
        return 2
    now = datetime.now(UTC)
    if due is not None and (problem := due_problem(due, now)):
        print(problem, file=sys.stderr)
        return 2
    scheduled = rnd.due_at(agency.schedule.grace_days)
    if due is None and scheduled <= now:
        print(said("due_passed", day=last_day_to_submit(scheduled)))
    dag_id = round_dag_id(agency.slug)
    conf: dict = {"fiscal_year": rnd.fiscal_year, "round": rnd.months}
    if due is not None:
        conf[CONF_DUE] = due.isoformat()
    try:
        api = api_of(args)
        run = api.trigger(dag_id, manual_run_id(rnd, now), conf, round_note(rnd, due))
        paused = api.dag_paused(dag_id)
    except cli_adapter.ApiError as exc:
        print(exc, file=sys.stderr)
        return 2
    print(f"{said('cli_started')}: {dag_id} {run.run_id} ({run.state}) {run.note}".rstrip())
    if due is not None:
        print(f"{said('status_due')}: {due.isoformat()} ({said('due_said_everywhere')})")
    if paused:
        print(said("dag_paused", dag_id=dag_id))
    print(_watch(api, round_page_url(api.base, agency.slug, rnd.fiscal_year, rnd.months), dag_id, run.run_id))
    if not args.wait:
        return 0
    try:
        return follow_run(api, dag_id, run.run_id, args.timeout, stop_when_waiting=True)
    except cli_adapter.ApiError as exc:
        print(exc, file=sys.stderr)
        return 2


def add_commands(sub) -> None:
    rerun = sub.add_parser("rerun", help="rerun a round's latest run from its check (Airflow's REST API)")
    rerun.add_argument("--agency", required=True, help="agency slug (its folder name)")
    rerun.add_argument("--fiscal-year", type=int, required=True, help="BE fiscal year, e.g. 2565")
    rerun.add_argument("--round", type=int, help="round in months: 1, 3, 6, 9 or 12")
    rerun.add_argument("--plan", action="store_true", help="the yearly plan's run instead of a round's")
    rerun.add_argument(
        "--by", default="", help="who reruns it, as the round's page lists it (default --user or the OS user)"
    )
    api_args(rerun)
    where_args(rerun)
    rerun.set_defaults(func=cmd_rerun)
    run = sub.add_parser("run-round", help="start a run of a round (catch up a past one with --due)")
    round_args(run)
    run.add_argument("--due", default="", help="a new last day to submit, YYYY-MM-DD (CE), today or later")
    api_args(run)
    where_args(run, data_root=False)
    run.set_defaults(func=cmd_run_round)
