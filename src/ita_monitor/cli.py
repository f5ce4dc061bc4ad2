"""``ita-monitor``: the admin's command line.

Where it reads: ``--agencies-dir`` and ``--data-root`` when given, else ``[ita] agencies_dir`` and
``[ita] data_root`` read as the DAGs and the plugin read them (Airflow's config file,
``AIRFLOW__ITA__*``, else ``$AIRFLOW_HOME/ita/agencies`` and ``$AIRFLOW_HOME/ita/data``), through
``airflow_layer/cli_adapter.py``, the command line's only way into Airflow.

ita-monitor validate [DIR]     check every agency profile, plan and OIT catalogue in DIR
ita-monitor check-submission FILE --agency SLUG --fiscal-year YYYY --round N [--unit CODE]
                               (the size limit is AIRFLOW__ITA__MAX_SUBMISSION_BYTES, default 5 MiB)
ita-monitor history --agency SLUG --fiscal-year YYYY --round N [--data-root URL] [--json]
ita-monitor status --agency SLUG --fiscal-year YYYY --round N [--data-root URL] [--json]
ita-monitor withdraw --agency SLUG --fiscal-year YYYY --round N --unit CODE --version N --reason TEXT [--by NAME] [--undo]
ita-monitor link --agency SLUG --fiscal-year YYYY --round N --unit CODE [--revoke [--reason TEXT] [--by NAME]] [--until YYYY-MM-DD]
ita-monitor export year --agency SLUG --fiscal-year YYYY [--data-root URL] [--out FILE.xlsx | --csv DIR]
ita-monitor export overview --fiscal-year YYYY [--district D] [--state S] [--round N] [--out FILE.xlsx | --csv DIR]

Through Airflow's REST API (``airflow_layer.restapi``: --api-url / [api] base_url; --token or --user and
--password, or the simple auth manager's passwords file on the Airflow machine):

ita-monitor rerun --agency SLUG --fiscal-year YYYY --round N [--wait]
                               clear the round's latest run from its check on (however it was started)
ita-monitor run-round --agency SLUG --fiscal-year YYYY --round N [--due YYYY-MM-DD] [--wait]
                               start a run of the round (catching up a past one: a new last day to submit)
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from ita_monitor.airflow_layer import cli_adapter
from ita_monitor.model.config import AgenciesDir
from ita_monitor.model.messages import said
from ita_monitor.model.who import actor


def _agencies(args: argparse.Namespace) -> AgenciesDir:
    """``--agencies-dir``, else ``[ita] agencies_dir`` as the DAGs and the plugin read it."""
    return AgenciesDir(cli_adapter.agencies_dir(args.agencies_dir))


def _data(args: argparse.Namespace):
    """``--data-root``, else ``[ita] data_root`` as the DAGs and the plugin read it."""
    from ita_monitor.model.storage import DataRoot

    return DataRoot(cli_adapter.open_data_root(args.data_root))


def cmd_validate(args: argparse.Namespace) -> int:
    code = _validate(cli_adapter.agencies_dir(args.dir))
    if not args.no_sync and cli_adapter.is_configured_agencies_dir(args.dir):
        print(cli_adapter.sync_dags())  # the DAG files follow the profiles just checked
    return code


def cmd_dags(args: argparse.Namespace) -> int:
    print(cli_adapter.sync_dags(args.dags_folder))  # ``dags sync``: the files whose agencies changed
    return 0


def _validate(folder) -> int:
    problems = AgenciesDir(folder).validate()
    errors = [p for p in problems if p.severity == "error"]
    for p in problems:
        print(p, file=sys.stderr if p.severity == "error" else sys.stdout)
    warnings = len(problems) - len(errors)
    if errors:
        print(
            said("validate_failed", errors=len(errors), warnings=warnings, folder=folder),
            file=sys.stderr,
        )
        return 1
    agencies = AgenciesDir(folder)
    plans = sum(len(agencies.plan_years(s)) for s in agencies.slugs())
    print(
        said("validate_ok", agencies=len(agencies.slugs()), plans=plans, folder=folder)
        + (f" ({said('with_warnings', warnings=warnings)})" if warnings else "")
    )
    return 0


def cmd_check_submission(args: argparse.Namespace) -> int:
    """Validate one unit file exactly as a round's collect step would."""
    from pathlib import Path

    from ita_monitor.intake.reading import check_file
    from ita_monitor.intake.submissions import read_file
    from ita_monitor.model.errors import InputError, count
    from ita_monitor.model.limits import (
        TooLarge,
        max_submission_bytes_default,
        read_path_bounded,
        too_large_th_en,
    )
    from ita_monitor.model.rounds import Round

    path = Path(args.file)
    agencies = _agencies(args)
    try:
        agency = agencies.agency(args.agency)
        plan = agencies.plan(args.agency, args.fiscal_year)
        rnd = Round(args.fiscal_year, args.round)
    except (InputError, ValueError) as exc:
        print(exc, file=sys.stderr)
        return 2
    limit = max_submission_bytes_default()
    try:
        data = read_path_bounded(path, limit)  # a file above the limit is refused unread
    except TooLarge as exc:
        th, en = too_large_th_en(exc.limit, exc.seen, exc.exact)
        print(f"{path.name}: {th} / {en}", file=sys.stderr)
        print(said("file_rejected"), file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"{path}: {said('unreadable', why=exc.strerror or exc)}", file=sys.stderr)
        return 2
    unit = args.unit or (path.parent.name if path.parent.name in agency.unit_codes else "")
    unit = unit or read_file(data, path.name).unit
    if not unit:
        print(
            f"{path.name}: {said('unit_unknown_of_file', units=', '.join(sorted(agency.unit_codes)))}",
            file=sys.stderr,
        )
        return 2
    rows, problems = check_file(data, path.name, unit, plan, agency, rnd, limit)
    errors = [p for p in problems if p.severity == "error"]
    for p in problems:
        print(p, file=sys.stderr if p.severity == "error" else sys.stdout)
    if errors:
        n = count(errors)
        print(
            said("file_problems", n=n),
            file=sys.stderr,
        )
        return 1
    codes = ", ".join(r.measure_code for r in rows)
    due = [m.code for m in plan.due_in(rnd.months) if unit in m.units]
    left = [c for c in due if c not in {r.measure_code for r in rows}]
    print(said("file_ok", rows=len(rows), unit=unit, codes=codes))
    if left:
        print(said("not_in_file_yet", codes=", ".join(left)))
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    """Every received version of a round: unit, version, time, sha256, accepted or not."""
    from dataclasses import replace

    from ita_monitor.intake.versions import history, withdrawn_versions
    from ita_monitor.model.rounds import Round
    from ita_monitor.model.storage import read_json

    data = _data(args)
    rnd = Round(args.fiscal_year, args.round)
    versions = history(data, args.agency, rnd)
    set_aside = withdrawn_versions(data, args.agency, rnd)
    versions = [replace(v, withdrawn=set_aside.get((v.unit, v.version))) for v in versions]
    files = read_json(data.collected(args.agency, rnd), {}) or {}
    outcome = {(f["unit"], f.get("version")): f for f in files.get("files", [])}
    if args.json:
        import json

        doc = [{**v.as_dict(), "outcome": outcome.get((v.unit, v.version))} for v in versions]
        print(json.dumps(doc, ensure_ascii=False, indent=2))
        return 0
    if not versions:
        print(said("nothing_received", agency=args.agency, fiscal_year=rnd.fiscal_year, round=rnd.slug))
        return 0
    for v in versions:
        o = outcome.get((v.unit, v.version))
        state = "not read yet" if o is None else ("accepted" if o["accepted"] else "rejected")
        if o is not None and o["accepted"]:
            state += f", {o.get('counts', 0)} row(s) in use"
        if v.withdrawn:
            w = v.withdrawn
            state += f", WITHDRAWN by {w.get('by', '')} at {w.get('at', '')}: {w.get('reason', '')}"
        print(f"{v.unit}\tv{v.version}\t{v.received_at}\t{v.sha256[:12]}\t{v.name}\t{state}")
        if o is not None and not o["accepted"]:
            for p in o["problems"]:
                print(f"\t- [{p['where']}] {p['th']} / {p['en']}")
    return 0


def airflow_run(args: argparse.Namespace, agency, rnd):
    """The round's latest run as Airflow's REST API tells it (``dashboard.RunInfo``, or None when it
    knows none), and '' — or (None, why) when Airflow could not be asked."""
    from ita_monitor.model.names import round_dag_id
    from ita_monitor.model.runs import latest_run_of
    from ita_monitor.views.round_state import RunInfo

    dag_id = round_dag_id(agency.slug)
    try:
        api = _api(args)
        run = latest_run_of(api.runs(dag_id), rnd, agency.schedule.rounds)
        if run is None:
            return None, ""
        parked = run.state in ("queued", "running") and api.awaiting_input(dag_id, run.run_id)
        return RunInfo(dag_id, run.run_id, run.state, parked), ""
    except cli_adapter.ApiError as exc:
        return None, f"not asked: {exc}"
    except Exception as exc:  # no Airflow config here at all
        return None, f"not asked: {type(exc).__name__}: {exc}"


def cmd_status(args: argparse.Namespace) -> int:
    """The round's state (with Airflow's run), due date, progress, missing items and rejected files."""
    from ita_monitor.model.errors import InputError
    from ita_monitor.model.rounds import Round

    try:
        rnd = Round(args.fiscal_year, args.round)
        from ita_monitor.views.round_status import round_status_report

        agencies = _agencies(args)
        agency = agencies.agency(args.agency)
        run, airflow = (None, "not asked: --offline") if args.offline else airflow_run(args, agency, rnd)
        report = round_status_report(agencies, _data(args), args.agency, rnd, run, airflow)
    except (InputError, ValueError) as exc:
        print(exc, file=sys.stderr)
        return 2
    if args.json:
        import json

        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0
    print(
        said(
            "status_head",
            agency=args.agency,
            fiscal_year=rnd.fiscal_year,
            round_th=rnd.short_label_th,
            months=rnd.months,
        )
    )
    print(f"{said('status_state')}: {report['state_th']} / {report['state_en']} ({report['state']})")
    print(f"{said('status_data_root')}: {report['data_root']}")
    if report["detail"]:
        print(f"  {report['detail']}")
    if report["run"]:
        print(f"{said('status_run')}: {report['run']['run_id']} ({report['run']['state']})")
    elif report["airflow"] != "asked":
        print(f"Airflow {report['airflow']} ({said('status_offline')})")
    else:
        print(f"{said('status_run')}: {said('status_none')}")
    print(f"{said('status_due')}: {report['last_day_to_submit']} (the wait ends {report['due_at']})")
    if report["due"]:
        print(f"{said('status_received', received=report['received'], due=report['due'])}")
    for f in report["accepted_files"]:
        print(f"  + {f['unit']} v{f['version']} {f['file']} {f['received_at']}".rstrip())
    if report["missing"]:
        print(f"{said('status_missing')} ({len(report['missing'])}):")
        for m in report["missing"]:
            what = f" [{', '.join(m['missing_fields'])}]" if m["missing_fields"] else ""
            print(f"  - {m['unit']} {m['unit_th']}\t{m['measure']} {m['measure_th']}{what}")
    else:
        print(f"{said('status_missing')}: {said('status_none')}")
    if report["rejected"]:
        print(f"{said('status_rejected')} ({len(report['rejected'])}):")
        for r in report["rejected"]:
            print(f"  - {r['unit']} v{r['version']} {r['file']}")
            for reason in r["reasons"]:
                print(f"      {reason}")
    return 0


def cmd_link(args: argparse.Namespace) -> int:
    """Print a unit's upload link; with --revoke, revoke the link it has now first (then print the new one).

    The link's key comes from Airflow's config (``[ita] link_secret`` or ``[api_auth] jwt_secret``), so
    run it where Airflow's config is (e.g. ``docker compose exec airflow-apiserver ita-monitor link ...``).
    """
    from datetime import datetime

    from ita_monitor.intake.unit_links import LinkScope, extend, link_for, revoke
    from ita_monitor.model.errors import InputError
    from ita_monitor.model.rounds import BANGKOK, Round

    try:
        agency = _agencies(args).agency(args.agency)
        rnd = Round(args.fiscal_year, args.round)
    except (InputError, ValueError) as exc:
        print(exc, file=sys.stderr)
        return 2
    if rnd.months not in agency.schedule.rounds:
        print(
            said(
                "round_not_scheduled",
                months=rnd.months,
                agency=agency.slug,
                rounds=list(agency.schedule.rounds),
            ),
            file=sys.stderr,
        )
        return 2
    if args.unit not in agency.unit_codes:
        print(
            said("no_such_unit", unit=args.unit, units=", ".join(sorted(agency.unit_codes))),
            file=sys.stderr,
        )
        return 2
    data = _data(args)
    scope = LinkScope(agency.slug, rnd.fiscal_year, rnd.months, args.unit)
    if args.revoke:
        entry = revoke(data, scope, by=actor(args), reason=args.reason or "")
        print(
            said(
                "revoked_now",
                agency=agency.slug,
                fiscal_year=rnd.fiscal_year,
                round=rnd.slug,
                unit=args.unit,
                generation=entry["generation"],
            )
        )
    base = args.base_url or cli_adapter.public_base_url()
    if not base:
        print(said("no_base_url"), file=sys.stderr)
        return 2
    try:
        secret = cli_adapter.link_secret()
    except cli_adapter.NoSecret as exc:
        print(exc, file=sys.stderr)
        return 2
    until = None
    if args.until:
        day = datetime.strptime(args.until, "%Y-%m-%d")
        until = datetime.combine(day.date(), datetime.min.time(), tzinfo=BANGKOK).replace(hour=23, minute=59)
    if until is not None:  # a late link: the unit's page and the round's page show it
        extend(data, scope, until, by=actor(args))
    print(link_for(secret, data, scope, agency.schedule.grace_days, base, expires_at=until))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """The agency's year or the many-agency overview as an Excel workbook (or CSV files)."""
    from ita_monitor.model.errors import InputError
    from ita_monitor.views import export

    if args.what == "year" and not args.agency:
        print(said("give_agency"), file=sys.stderr)
        return 2
    try:
        if args.what == "year":
            frames, name = export.year_export(_agencies(args), _data(args), args.agency, args.fiscal_year)
        else:
            frames, name = export.overview_export(
                _agencies(args), _data(args), args.fiscal_year, args.district, args.state, args.round
            )
    except InputError as exc:
        print(exc, file=sys.stderr)
        return 2
    for path in export.write(frames, name, args.out, args.csv):
        print(path)
    return 0


# --- through Airflow's REST API --------------------------------------------------------------------


def _api(args: argparse.Namespace):
    return cli_adapter.airflow_api(args.api_url, args.token, args.user, args.password)


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
            print("สำเร็จ / success")
            return 0
        if run.state == "failed":
            failed = [
                t for t, s in api.task_states(dag_id, run_id).items() if s in ("failed", "upstream_failed")
            ]
            print(f"ล้มเหลว / failed: {', '.join(failed)} (see the task's log)")
            return 1
        if api.awaiting_input(dag_id, run_id):
            print(
                "รออนุมัติ / awaiting approval: approve or reject on the ITA page or in Airflow's Required actions"
            )
            return 0
        if stop_when_waiting and "deferred" in api.task_states(dag_id, run_id).values():
            print("รอรับผลการดำเนินงาน / waiting for submissions (deferred) until the last day to submit")
            return 0
        if time.monotonic() > deadline:
            print(f"ยังไม่เสร็จ / still {run.state} after {timeout:.0f} s", file=sys.stderr)
            return 3
        time.sleep(every)


def _agency_round(args: argparse.Namespace):
    from ita_monitor.model.rounds import Round

    agency = _agencies(args).agency(args.agency)
    if getattr(args, "plan", False):
        return agency, None
    if args.round is None:
        raise ValueError("ระบุ --round (หรือ --plan) / give --round N (or --plan for the yearly plan)")
    rnd = Round(args.fiscal_year, args.round)
    if rnd.months not in agency.schedule.rounds:
        raise ValueError(
            f"รอบ {rnd.months} เดือนไม่อยู่ในรอบติดตามของ {agency.slug} {list(agency.schedule.rounds)} / "
            f"round {rnd.months} is not in {agency.slug}'s schedule {list(agency.schedule.rounds)}"
        )
    return agency, rnd


def cmd_rerun(args: argparse.Namespace) -> int:
    """Clear the round's latest run (scheduled, Trigger form, command line or ITA page) from its check
    on, through Airflow's REST API: the check reads the inbox again and what follows runs again.  With
    ``--plan``, the yearly plan's latest run of the fiscal year, from ``validate_plan`` on."""
    from ita_monitor.model.errors import InputError
    from ita_monitor.model.names import (
        CHECK_TASK,
        PLAN_CHECK_TASK,
        grid_url,
        plan_dag_id,
        round_dag_id,
        round_page_url,
    )
    from ita_monitor.model.runs import latest_plan_run_of, latest_run_of, rerun_clear_body

    try:
        agency, rnd = _agency_round(args)
    except (InputError, ValueError) as exc:
        print(exc, file=sys.stderr)
        return 2
    fy = args.fiscal_year
    if rnd is None:
        dag_id, first, what = plan_dag_id(agency.slug), PLAN_CHECK_TASK, f"FY{fy} plan"
    else:
        dag_id, first, what = round_dag_id(agency.slug), CHECK_TASK, f"FY{fy} round {rnd.months}"
    try:
        api = _api(args)
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
            print(
                f"ยังไม่มีการรันของ {what} / no run of {what} in {dag_id}: start one with {how}", file=sys.stderr
            )
            return 1
        print(f"การรัน / run: {dag_id} {run.run_id} ({run.state}) {run.note}".rstrip())
        page = (
            round_page_url(api.base, agency.slug, fy, rnd.months)
            if rnd is not None
            else f"{api.base}/ita/y/{agency.slug}/{fy}"
        )
        watch = [
            f"ดูได้ที่ / watch it: ITA page   {page}",
            f"                  Airflow Grid {grid_url(api.base, dag_id, run.run_id)}",
        ]
        if run.state in ("queued", "running"):
            if api.awaiting_input(dag_id, run.run_id):
                print("รออนุมัติอยู่ ไม่ต้องรันใหม่ / it awaits approval: nothing to rerun (approve or reject it)")
            else:
                going = ", ".join(f"{t} {s}" for t, s in api.task_states(dag_id, run.run_id).items() if s)
                print(f"การรันนี้ยังทำงานอยู่ ไม่ได้ล้างงานใด / the run is still going, nothing cleared ({going})")
            print("\n".join(watch))
            return follow_run(api, dag_id, run.run_id, args.timeout) if args.wait else 0
        before = api.task_states(dag_id, run.run_id)  # the clear's answer has the states after it
        cleared = api.clear(dag_id, rerun_clear_body(run.run_id, first))
        order = list(before)
        cleared.sort(key=lambda ti: order.index(ti["task_id"]) if ti["task_id"] in order else len(order))
        names = ", ".join(f"{ti['task_id']} (was {before.get(ti['task_id']) or 'none'})" for ti in cleared)
        print(f"ล้างแล้ว / cleared from {first}: {names or 'nothing'}")
        print("\n".join(watch))
        return follow_run(api, dag_id, run.run_id, args.timeout) if args.wait else 0
    except cli_adapter.ApiError as exc:
        print(exc, file=sys.stderr)
        return 2


def cmd_run_round(args: argparse.Namespace) -> int:
    """Start a run of one round through Airflow's REST API, its id and note naming the round; with
    ``--due`` (catching up a past round) the forms, mails, links and the ITA page say that last day to
    submit, and the run waits for submissions (inbox, mailbox) until it ends."""
    from datetime import UTC, date, datetime

    from ita_monitor.model.errors import InputError
    from ita_monitor.model.names import grid_url, round_dag_id, round_page_url
    from ita_monitor.model.rounds import last_day_to_submit
    from ita_monitor.model.runs import CONF_DUE, due_problem, manual_run_id, round_note

    try:
        agency, rnd = _agency_round(args)
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
        print(
            f"หมายเหตุ: วันสุดท้ายที่ส่งของรอบนี้ ({last_day_to_submit(scheduled)}) ผ่านมาแล้ว รอบนี้จะตรวจทันทีด้วยไฟล์ที่มีอยู่ "
            f"ให้เวลาหน่วยงานด้วย --due YYYY-MM-DD / note: this round's last day to submit "
            f"({last_day_to_submit(scheduled)}) has passed, so it is checked at once with what is in; give the units "
            "time with --due YYYY-MM-DD"
        )
    dag_id = round_dag_id(agency.slug)
    conf: dict = {"fiscal_year": rnd.fiscal_year, "round": rnd.months}
    if due is not None:
        conf[CONF_DUE] = due.isoformat()
    try:
        api = _api(args)
        run = api.trigger(dag_id, manual_run_id(rnd, now), conf, round_note(rnd, due))
        paused = api.dag_paused(dag_id)
    except cli_adapter.ApiError as exc:
        print(exc, file=sys.stderr)
        return 2
    print(f"เริ่มแล้ว / started: {dag_id} {run.run_id} ({run.state}) {run.note}".rstrip())
    if due is not None:
        print(
            f"ส่งภายใน / last day to submit: {due.isoformat()} (forms, mails, links and the ITA page say it)"
        )
    if paused:
        print(f"DAG {dag_id} ปิดอยู่ (paused): เปิดก่อน การรันจึงจะเริ่ม / is paused: unpause it to let the run start")
    print(f"ดูได้ที่ / watch it: ITA page   {round_page_url(api.base, agency.slug, rnd.fiscal_year, rnd.months)}")
    print(f"                  Airflow Grid {grid_url(api.base, dag_id, run.run_id)}")
    if not args.wait:
        return 0
    try:
        return follow_run(api, dag_id, run.run_id, args.timeout, stop_when_waiting=True)
    except cli_adapter.ApiError as exc:
        print(exc, file=sys.stderr)
        return 2


def cmd_withdraw(args: argparse.Namespace) -> int:
    """Withdraw a unit's received version with a reason (or ``--undo`` it): it stays in the history and
    the manifest, marked, and no longer counts; the round is collected again at once."""
    from ita_monitor.flow.pipeline import RoundJob, withdraw_version
    from ita_monitor.intake.versions import WithdrawRefused
    from ita_monitor.model.errors import InputError
    from ita_monitor.model.rounds import Round
    from ita_monitor.model.status import State

    by = actor(args)  # --by, else the OS user
    try:
        job = RoundJob.load(_agencies(args), args.agency, Round(args.fiscal_year, args.round), _data(args))
        action, after = withdraw_version(job, args.unit, args.version, args.reason or "", by, undo=args.undo)
    except (InputError, ValueError) as exc:  # WithdrawRefused is a ValueError
        print(exc, file=sys.stderr)
        return 2 if not isinstance(exc, WithdrawRefused) else 1
    what = "คืนสถานะ / undone" if args.undo else "ถอนแล้ว / withdrawn"
    print(
        f"{what}: {args.agency} FY{args.fiscal_year} round {args.round} {args.unit} v{args.version} "
        f"by {action['by']} at {action['at']}" + (f": {action['reason']}" if action["reason"] else "")
    )
    state = State.of(after.state)
    if state is not None:
        print(f"สถานะ / state: {state.th} / {state.en} ({state})")
    return 0


def _api_args(parser: argparse.ArgumentParser, wait: bool = True) -> None:
    parser.add_argument("--api-url", default="", help="Airflow's api-server (default [api] base_url)")
    parser.add_argument("--token", default="", help="an Airflow API token (default ITA_AIRFLOW_TOKEN)")
    parser.add_argument("--user", default="", help="Airflow user (default ITA_AIRFLOW_USER)")
    parser.add_argument("--password", default="", help="its password (default ITA_AIRFLOW_PASSWORD)")
    if wait:
        parser.add_argument(
            "--wait", action="store_true", help="follow the run until it awaits approval, fails or succeeds"
        )
        parser.add_argument("--timeout", type=float, default=1800.0, help="--wait at most this many seconds")


AGENCIES_DIR_HELP = (
    "[ita] agencies_dir of Airflow's config or AIRFLOW__ITA__AGENCIES_DIR, else $AIRFLOW_HOME/ita/agencies"
)
DATA_ROOT_HELP = "[ita] data_root of Airflow's config or AIRFLOW__ITA__DATA_ROOT, else $AIRFLOW_HOME/ita/data"


def _where_args(parser: argparse.ArgumentParser, data_root: bool = True) -> None:
    """``--agencies-dir`` and ``--data-root``, defined once: by default what the DAGs and the plugin read."""
    parser.add_argument("--agencies-dir", help=f"the agencies directory (default: {AGENCIES_DIR_HELP})")
    if data_root:
        parser.add_argument("--data-root", help=f"the data root, a path or URL (default: {DATA_ROOT_HELP})")


def cmd_roles(args: argparse.Namespace) -> int:
    """``roles sync``: the FAB auth manager's ita-* roles per agency and the users file's users
    (``airflow_layer/roles.py``); run where Airflow's config is, as ``airflow users`` is."""
    try:
        for line in cli_adapter.sync_roles(_agencies(args), Path(args.users) if args.users else None):
            print(line)
    except (ValueError, OSError) as exc:  # the users file's mistakes (roles.UsersFileError) say where
        print(exc, file=sys.stderr)
        return 2
    return 0


def _round_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--agency", required=True, help="agency slug (its folder name)")
    parser.add_argument("--fiscal-year", type=int, required=True, help="BE fiscal year, e.g. 2565")
    parser.add_argument("--round", type=int, required=True, help="round in months: 1, 3, 6, 9 or 12")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ita-monitor", description="ITA integrity-measure monitoring")
    sub = parser.add_subparsers(dest="command", required=True)
    _reading_commands(sub)
    _acting_commands(sub)
    return parser


def _reading_commands(sub) -> None:
    """The commands that read the agencies directory and the data root."""
    validate = sub.add_parser("validate", help="check agency profiles, plans and OIT catalogues")
    validate.add_argument(
        "dir", nargs="?", help="the agencies directory (default: " + AGENCIES_DIR_HELP + ")"
    )
    validate.add_argument("--no-sync", action="store_true", help="leave the DAG files as they are")
    validate.set_defaults(func=cmd_validate)
    dags = sub.add_parser("dags", help="sync: write the agencies' DAG files whose agencies changed")
    dags.add_argument("action", choices=["sync"])
    dags.add_argument("--dags-folder", help="Airflow's DAGs folder (default [core] dags_folder)")
    dags.set_defaults(func=cmd_dags)
    check = sub.add_parser("check-submission", help="validate one unit file exactly as a round would")
    check.add_argument("file", help="the .xlsx, .csv or .json file")
    _round_args(check)
    check.add_argument("--unit", help="unit code (default: the file's folder or the unit in the form)")
    _where_args(check, data_root=False)
    check.set_defaults(func=cmd_check_submission)
    hist = sub.add_parser("history", help="list every file received in a round, with versions")
    _round_args(hist)
    _where_args(hist)
    hist.add_argument("--json", action="store_true", help="print JSON")
    hist.set_defaults(func=cmd_history)
    stat = sub.add_parser("status", help="a round's state, due date, missing items and rejected files")
    _round_args(stat)
    _where_args(stat)
    stat.add_argument(
        "--offline", action="store_true", help="do not ask Airflow about the round's run (data root only)"
    )
    _api_args(stat, wait=False)
    stat.add_argument("--json", action="store_true", help="print JSON")
    stat.set_defaults(func=cmd_status)
    link = sub.add_parser("link", help="print a unit's upload link; --revoke revokes the current one first")
    _round_args(link)
    link.add_argument("--unit", required=True, help="unit code")
    link.add_argument("--revoke", action="store_true", help="revoke the unit's current link of the round")
    link.add_argument("--reason", help="why it is revoked (kept in the revocation list)")
    link.add_argument("--by", help="who revokes it, as recorded (default: the OS user running the command)")
    link.add_argument(
        "--until", help="expire at the end of this day (YYYY-MM-DD, Bangkok; CE) instead of the due date"
    )
    link.add_argument("--base-url", help="where units reach the api-server (default [api] base_url)")
    _where_args(link)
    link.set_defaults(func=cmd_link)
    exp = sub.add_parser("export", help="the agency's year or the many-agency overview as Excel or CSV")
    exp.add_argument("what", choices=["year", "overview"], help="year: one agency; overview: every agency")
    exp.add_argument("--agency", help="agency slug (for year)")
    exp.add_argument("--fiscal-year", type=int, required=True, help="BE fiscal year, e.g. 2565")
    exp.add_argument("--district", default="", help="overview: only agencies of this district (อำเภอ)")
    exp.add_argument("--state", default="", help="overview: only rounds in this state (e.g. incomplete)")
    exp.add_argument("--round", type=int, help="overview: only this round (months)")
    exp.add_argument(
        "--out",
        help="the .xlsx to write (default: ita-<agency>-<FY>-year.xlsx / ita-agencies-<FY>-overview.xlsx)",
    )
    exp.add_argument("--csv", metavar="DIR", help="write CSV files (one per table) into DIR instead")
    _where_args(exp)
    exp.set_defaults(func=cmd_export)


def _acting_commands(sub) -> None:
    """The commands that change something: a run through Airflow's REST API, a version, the roles."""
    rerun = sub.add_parser("rerun", help="rerun a round's latest run from its check (Airflow's REST API)")
    rerun.add_argument("--agency", required=True, help="agency slug (its folder name)")
    rerun.add_argument("--fiscal-year", type=int, required=True, help="BE fiscal year, e.g. 2565")
    rerun.add_argument("--round", type=int, help="round in months: 1, 3, 6, 9 or 12")
    rerun.add_argument("--plan", action="store_true", help="the yearly plan's run instead of a round's")
    _api_args(rerun)
    _where_args(rerun, data_root=False)
    rerun.set_defaults(func=cmd_rerun)
    wd = sub.add_parser("withdraw", help="withdraw a unit's received version with a reason (or --undo)")
    _round_args(wd)
    wd.add_argument("--unit", required=True, help="unit code")
    wd.add_argument("--version", type=int, required=True, help="the version number (ita-monitor history)")
    wd.add_argument("--reason", default="", help="why (required to withdraw; kept with the version)")
    wd.add_argument("--by", default="", help="who withdraws it (default: the OS user running the command)")
    wd.add_argument("--undo", action="store_true", help="put the version back (a second recorded action)")
    _where_args(wd)
    wd.set_defaults(func=cmd_withdraw)
    run = sub.add_parser("run-round", help="start a run of a round (catch up a past one with --due)")
    _round_args(run)
    run.add_argument("--due", default="", help="a new last day to submit, YYYY-MM-DD (CE), today or later")
    _api_args(run)
    _where_args(run, data_root=False)
    run.set_defaults(func=cmd_run_round)
    roles = sub.add_parser("roles", help="per-agency access with the FAB auth manager (docs/production.md)")
    roles.add_argument("action", choices=["sync"], help="sync: make the ita-* roles, assign users")
    roles.add_argument("--users", help="the users file (e.g. include/agencies/users.yaml); no passwords")
    _where_args(roles, data_root=False)
    roles.set_defaults(func=cmd_roles)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
