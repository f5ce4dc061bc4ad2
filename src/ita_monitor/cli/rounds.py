"""A round as the admin looks at it and hands it out: ``status`` (its state, with Airflow's run when
Airflow can be asked), ``link`` (a unit's upload link, revoked or extended) and ``export`` (the year or
the many-agency overview as Excel or CSV)."""

from __future__ import annotations

import argparse
import sys

from ita_monitor.airflow_layer import cli_adapter
from ita_monitor.cli.common import (
    agencies_of,
    agency_round,
    api_args,
    api_of,
    data_of,
    round_args,
    where_args,
)
from ita_monitor.model.messages import said
from ita_monitor.model.who import actor


def airflow_run(args: argparse.Namespace, agency, rnd):
    """The round's latest run as Airflow's REST API tells it (``dashboard.RunInfo``, or None when it
    knows none), and '' — or (None, why) when Airflow could not be asked."""
    from ita_monitor.model.names import round_dag_id
    from ita_monitor.model.runs import latest_run_of
    from ita_monitor.views.round_state import RunInfo

    dag_id = round_dag_id(agency.slug)
    try:
        api = api_of(args)
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

        agencies = agencies_of(args)
        agency = agencies.agency(args.agency)
        run, airflow = (None, "not asked: --offline") if args.offline else airflow_run(args, agency, rnd)
        report = round_status_report(agencies, data_of(args), args.agency, rnd, run, airflow)
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
    from ita_monitor.model.rounds import BANGKOK

    try:
        agency, rnd = agency_round(args)  # a round not in the agency's schedule is refused, saying so
    except (InputError, ValueError) as exc:
        print(exc, file=sys.stderr)
        return 2
    if args.unit not in agency.unit_codes:
        print(
            said("no_such_unit", unit=args.unit, units=", ".join(sorted(agency.unit_codes))),
            file=sys.stderr,
        )
        return 2
    data = data_of(args)
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
            frames, name = export.year_export(agencies_of(args), data_of(args), args.agency, args.fiscal_year)
        else:
            frames, name = export.overview_export(
                agencies_of(args), data_of(args), args.fiscal_year, args.district, args.state, args.round
            )
    except InputError as exc:
        print(exc, file=sys.stderr)
        return 2
    for path in export.write(frames, name, args.out, args.csv):
        print(path)
    return 0


def add_commands(sub) -> None:
    stat = sub.add_parser("status", help="a round's state, due date, missing items and rejected files")
    round_args(stat)
    where_args(stat)
    stat.add_argument(
        "--offline", action="store_true", help="do not ask Airflow about the round's run (data root only)"
    )
    api_args(stat, wait=False)
    stat.add_argument("--json", action="store_true", help="print JSON")
    stat.set_defaults(func=cmd_status)
    link = sub.add_parser("link", help="print a unit's upload link; --revoke revokes the current one first")
    round_args(link)
    link.add_argument("--unit", required=True, help="unit code")
    link.add_argument("--revoke", action="store_true", help="revoke the unit's current link of the round")
    link.add_argument("--reason", help="why it is revoked (kept in the revocation list)")
    link.add_argument("--by", help="who revokes it, as recorded (default: the OS user running the command)")
    link.add_argument(
        "--until", help="expire at the end of this day (YYYY-MM-DD, Bangkok; CE) instead of the due date"
    )
    link.add_argument("--base-url", help="where units reach the api-server (default [api] base_url)")
    where_args(link)
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
    where_args(exp)
    exp.set_defaults(func=cmd_export)
