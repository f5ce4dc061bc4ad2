"""A unit's files in a round, read from the data root: ``check-submission`` (one file, as a round
would check it), ``history`` (every version received) and ``withdraw`` (set a version aside, or undo)."""

from __future__ import annotations

import argparse
import sys

from ita_monitor.cli.common import agencies_of, data_of, round_args, where_args
from ita_monitor.model.messages import said
from ita_monitor.model.who import actor


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
    agencies = agencies_of(args)
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

    data = data_of(args)
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
        job = RoundJob.load(
            agencies_of(args), args.agency, Round(args.fiscal_year, args.round), data_of(args)
        )
        action, after = withdraw_version(job, args.unit, args.version, args.reason or "", by, undo=args.undo)
    except (InputError, ValueError) as exc:  # WithdrawRefused is a ValueError
        print(exc, file=sys.stderr)
        return 2 if not isinstance(exc, WithdrawRefused) else 1
    what = said("cli_undone" if args.undo else "cli_withdrawn")
    print(
        f"{what}: {args.agency} FY{args.fiscal_year} round {args.round} {args.unit} v{args.version} "
        f"by {action['by']} at {action['at']}" + (f": {action['reason']}" if action["reason"] else "")
    )
    state = State.of(after.state)
    if state is not None:
        print(f"{said('status_state')}: {state.th} / {state.en} ({state})")
    return 0


def add_commands(sub) -> None:
    check = sub.add_parser("check-submission", help="validate one unit file exactly as a round would")
    check.add_argument("file", help="the .xlsx, .csv or .json file")
    round_args(check)
    check.add_argument("--unit", help="unit code (default: the file's folder or the unit in the form)")
    where_args(check, data_root=False)
    check.set_defaults(func=cmd_check_submission)
    hist = sub.add_parser("history", help="list every file received in a round, with versions")
    round_args(hist)
    where_args(hist)
    hist.add_argument("--json", action="store_true", help="print JSON")
    hist.set_defaults(func=cmd_history)
    wd = sub.add_parser("withdraw", help="withdraw a unit's received version with a reason (or --undo)")
    round_args(wd)
    wd.add_argument("--unit", required=True, help="unit code")
    wd.add_argument("--version", type=int, required=True, help="the version number (ita-monitor history)")
    wd.add_argument("--reason", default="", help="why (required to withdraw; kept with the version)")
    wd.add_argument("--by", default="", help="who withdraws it (default: the OS user running the command)")
    wd.add_argument("--undo", action="store_true", help="put the version back (a second recorded action)")
    where_args(wd)
    wd.set_defaults(func=cmd_withdraw)
