"""``ita-monitor``: the admin's command line (no Airflow needed).

ita-monitor validate [DIR]     check every agency profile, plan and OIT catalogue in DIR
ita-monitor check-submission FILE --agency SLUG --fiscal-year YYYY --round N [--unit CODE]
                               (the size limit is AIRFLOW__ITA__MAX_SUBMISSION_BYTES, default 5 MiB)
ita-monitor history --agency SLUG --fiscal-year YYYY --round N [--data-root URL] [--json]
ita-monitor status --agency SLUG --fiscal-year YYYY --round N [--data-root URL] [--json]
ita-monitor link --agency SLUG --fiscal-year YYYY --round N --unit CODE [--revoke [--reason TEXT]]
ita-monitor export year --agency SLUG --fiscal-year YYYY [--data-root URL] [--out FILE.xlsx | --csv DIR]
ita-monitor export overview --fiscal-year YYYY [--district D] [--state S] [--round N] [--out FILE.xlsx | --csv DIR]
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from ita_monitor.model.config import AgenciesDir
from ita_monitor.model.thai import thai_digits


def _default_agencies_dir() -> str:
    return os.environ.get("AIRFLOW__ITA__AGENCIES_DIR", "include/agencies")


def cmd_validate(args: argparse.Namespace) -> int:
    problems = AgenciesDir(args.dir).validate()
    errors = [p for p in problems if p.severity == "error"]
    for p in problems:
        print(p, file=sys.stderr if p.severity == "error" else sys.stdout)
    warnings = len(problems) - len(errors)
    if errors:
        print(
            f"พบข้อผิดพลาด {thai_digits(len(errors))} รายการ คำเตือน {thai_digits(warnings)} รายการ / {len(errors)} error(s) and "
            f"{warnings} warning(s) found in {args.dir}",
            file=sys.stderr,
        )
        return 1
    agencies = AgenciesDir(args.dir)
    plans = sum(len(agencies.plan_years(s)) for s in agencies.slugs())
    print(
        f"ถูกต้อง / OK: {len(agencies.slugs())} agencies, {plans} plans in {args.dir}"
        + (f" (คำเตือน {thai_digits(warnings)} รายการ / {warnings} warning(s))" if warnings else "")
    )
    return 0


def _data_root(url: str):
    """A data root from a path or URL: local paths and file:// directly, others through Airflow."""
    from ita_monitor.model.storage import local_path

    local = local_path(url)
    if local is not None:
        return local
    from airflow.sdk import ObjectStoragePath

    return ObjectStoragePath(url)


def cmd_check_submission(args: argparse.Namespace) -> int:
    """Validate one unit file exactly as a round's collect step would."""
    from pathlib import Path

    from ita_monitor.intake.submissions import read_file
    from ita_monitor.intake.versions import check_file
    from ita_monitor.model.errors import InputError, count
    from ita_monitor.model.limits import (
        TooLarge,
        max_submission_bytes_default,
        read_path_bounded,
        too_large_th_en,
    )
    from ita_monitor.model.rounds import Round

    path = Path(args.file)
    agencies = AgenciesDir(args.agencies_dir)
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
        print("ไม่ผ่าน / rejected: the round would not count this file", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"{path}: อ่านไฟล์ไม่ได้ / cannot read the file: {exc.strerror or exc}", file=sys.stderr)
        return 2
    unit = args.unit or (path.parent.name if path.parent.name in agency.unit_codes else "")
    unit = unit or read_file(data, path.name).unit
    if not unit:
        print(
            f"{path.name}: ไม่ทราบว่าเป็นไฟล์ของหน่วยงานใด: ระบุ --unit / cannot tell the unit: give --unit "
            f"({', '.join(sorted(agency.unit_codes))})",
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
            f"ไม่ผ่าน: พบปัญหา {thai_digits(f'{n:,}')} รายการ ไฟล์นี้จะไม่ถูกนับ / rejected: {n:,} problem(s); "
            "the round would not count this file",
            file=sys.stderr,
        )
        return 1
    codes = ", ".join(r.measure_code for r in rows)
    due = [m.code for m in plan.due_in(rnd.months) if unit in m.units]
    left = [c for c in due if c not in {r.measure_code for r in rows}]
    print(f"ถูกต้อง / OK: {len(rows)} row(s) for unit {unit}: {codes}")
    if left:
        print(f"ยังไม่มีในไฟล์นี้ / not in this file yet: {', '.join(left)}")
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    """Every received version of a round: unit, version, time, sha256, accepted or not."""
    from ita_monitor.intake.versions import history
    from ita_monitor.model.rounds import Round
    from ita_monitor.model.storage import DataRoot, read_json

    data = DataRoot(_data_root(args.data_root))
    rnd = Round(args.fiscal_year, args.round)
    versions = history(data, args.agency, rnd)
    files = read_json(data.collected(args.agency, rnd), {}) or {}
    outcome = {(f["unit"], f.get("version")): f for f in files.get("files", [])}
    if args.json:
        import json

        doc = [{**v.as_dict(), "outcome": outcome.get((v.unit, v.version))} for v in versions]
        print(json.dumps(doc, ensure_ascii=False, indent=2))
        return 0
    if not versions:
        print(f"ยังไม่ได้รับไฟล์ / no files received for {args.agency} {rnd.fiscal_year} {rnd.slug}")
        return 0
    for v in versions:
        o = outcome.get((v.unit, v.version))
        state = "not read yet" if o is None else ("accepted" if o["accepted"] else "rejected")
        if o is not None and o["accepted"]:
            state += f", {o.get('counts', 0)} row(s) in use"
        print(f"{v.unit}\tv{v.version}\t{v.received_at}\t{v.sha256[:12]}\t{v.name}\t{state}")
        if o is not None and not o["accepted"]:
            for p in o["problems"]:
                print(f"\t- [{p['where']}] {p['th']} / {p['en']}")
    return 0


def round_status_report(agencies: AgenciesDir, data, slug: str, rnd) -> dict:
    """The round as the data root says it now: state, due date, missing (unit, measure), rejected files.

    The state is the ITA page's, read from status.json alone (the command line does not ask Airflow
    whether a run is active).  The gaps are the plan's due (unit, measure) pairs checked against the
    rows of the last collect, so they are right before the round's check has run too.
    """
    from datetime import UTC, datetime

    from ita_monitor.intake.completeness import check
    from ita_monitor.intake.submissions import ResultRow
    from ita_monitor.model import status as status_file
    from ita_monitor.model.errors import InputError
    from ita_monitor.model.storage import read_json
    from ita_monitor.views.dashboard import past_due, round_state

    agency = agencies.agency(slug)
    written = status_file.load_round(data, slug, rnd)
    state, detail = round_state(
        written, rnd, datetime.now(UTC), None, min(agencies.plan_years(slug), default=None)
    )
    due_at = rnd.due_at(agency.schedule.grace_days)
    detail = detail or past_due(state, due_at, datetime.now(UTC))
    try:
        plan = agencies.plan(slug, rnd.fiscal_year)
    except InputError as exc:
        plan, detail = None, detail or str(exc)
    missing = []
    if plan is not None:
        doc = read_json(data.collected(slug, rnd), None) or {}
        rows = [ResultRow(**r) for r in doc.get("rows", [])]
        result = check(plan, agency, rnd, rows)
        missing = [
            {
                "unit": g.unit,
                "unit_th": g.unit_th,
                "measure": g.measure_code,
                "measure_th": g.measure_th,
                "missing_fields": list(g.missing_fields),
                "where": g.where,
            }
            for g in result.gaps
        ]
    rejected = [
        {"unit": f.unit, "file": f.file, "version": f.version, "reasons": f.errors}
        for f in written.files
        if f.accepted is False
    ]
    return {
        "agency": slug,
        "fiscal_year": rnd.fiscal_year,
        "round": rnd.months,
        "state": str(state),
        "state_th": state.th,
        "state_en": state.en,
        "detail": detail,
        "due_at": due_at.isoformat(),
        "last_day_to_submit": rnd.last_day_to_submit(agency.schedule.grace_days).isoformat(),
        "missing": missing,
        "rejected": rejected,
    }


def cmd_status(args: argparse.Namespace) -> int:
    """The round's state, due date, every missing (unit, measure) and every rejected file."""
    from ita_monitor.model.errors import InputError
    from ita_monitor.model.rounds import Round
    from ita_monitor.model.storage import DataRoot

    try:
        rnd = Round(args.fiscal_year, args.round)
        report = round_status_report(
            AgenciesDir(args.agencies_dir), DataRoot(_data_root(args.data_root)), args.agency, rnd
        )
    except (InputError, ValueError) as exc:
        print(exc, file=sys.stderr)
        return 2
    if args.json:
        import json

        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 0
    print(
        f"{args.agency} ปีงบประมาณ {thai_digits(rnd.fiscal_year)} {rnd.short_label_th} / FY {rnd.fiscal_year} round {rnd.months}"
    )
    print(f"สถานะ / state: {report['state_th']} / {report['state_en']} ({report['state']})")
    if report["detail"]:
        print(f"  {report['detail']}")
    print(f"ส่งภายใน / due by: {report['last_day_to_submit']} (the wait ends {report['due_at']})")
    if report["missing"]:
        print(f"ยังไม่ได้รับ / missing ({len(report['missing'])}):")
        for m in report["missing"]:
            what = f" [{', '.join(m['missing_fields'])}]" if m["missing_fields"] else ""
            print(f"  - {m['unit']} {m['unit_th']}\t{m['measure']} {m['measure_th']}{what}")
    else:
        print("ยังไม่ได้รับ / missing: ไม่มี / none")
    if report["rejected"]:
        print(f"ไฟล์ที่ไม่รับ / rejected files ({len(report['rejected'])}):")
        for r in report["rejected"]:
            print(f"  - {r['unit']} v{r['version']} {r['file']}")
            for reason in r["reasons"]:
                print(f"      {reason}")
    return 0


def actor(args: argparse.Namespace) -> str:
    """Who runs a command that changes something, as it is recorded: ``--by``, else the OS user."""
    import getpass

    given = (getattr(args, "by", None) or "").strip()
    if given:
        return given
    try:
        return getpass.getuser()  # LOGNAME/USER/..., else the password database: never empty
    except (KeyError, OSError):
        return f"uid:{os.getuid()}"


def cmd_link(args: argparse.Namespace) -> int:
    """Print a unit's upload link; with --revoke, revoke the link it has now first (then print the new one).

    The link's key comes from Airflow's config (``[ita] link_secret`` or ``[api_auth] jwt_secret``), so
    run it where Airflow's config is (e.g. ``docker compose exec airflow-apiserver ita-monitor link ...``).
    """
    from datetime import datetime

    from ita_monitor.intake.unit_links import LinkScope, link_for, revoke
    from ita_monitor.model.errors import InputError
    from ita_monitor.model.rounds import BANGKOK, Round
    from ita_monitor.model.storage import DataRoot

    try:
        agency = AgenciesDir(args.agencies_dir).agency(args.agency)
        rnd = Round(args.fiscal_year, args.round)
    except (InputError, ValueError) as exc:
        print(exc, file=sys.stderr)
        return 2
    if rnd.months not in agency.schedule.rounds:
        print(
            f"รอบ {thai_digits(rnd.months)} เดือนไม่อยู่ในรอบติดตามของ {agency.slug} {list(agency.schedule.rounds)} / "
            f"round {rnd.months} is not in {agency.slug}'s schedule {list(agency.schedule.rounds)}",
            file=sys.stderr,
        )
        return 2
    if args.unit not in agency.unit_codes:
        print(
            f"ไม่รู้จักหน่วยงานย่อย {args.unit} / unknown unit {args.unit} "
            f"(known: {', '.join(sorted(agency.unit_codes))})",
            file=sys.stderr,
        )
        return 2
    data = DataRoot(_data_root(args.data_root))
    scope = LinkScope(agency.slug, rnd.fiscal_year, rnd.months, args.unit)
    if args.revoke:
        entry = revoke(data, scope, by=actor(args), reason=args.reason or "")
        print(
            f"ยกเลิกลิงก์แล้ว / revoked: {agency.slug} {rnd.fiscal_year} {rnd.slug} {args.unit} "
            f"(generation {entry['generation']}); every earlier link of this unit and round is refused"
        )
    from ita_monitor.airflow_layer.websecurity import NoSecret, link_secret, public_base_url

    base = args.base_url or public_base_url()
    if not base:
        print("ตั้ง [api] base_url หรือใช้ --base-url / set [api] base_url or give --base-url", file=sys.stderr)
        return 2
    try:
        secret = link_secret()
    except NoSecret as exc:
        print(exc, file=sys.stderr)
        return 2
    until = None
    if args.until:
        day = datetime.strptime(args.until, "%Y-%m-%d")
        until = datetime.combine(day.date(), datetime.min.time(), tzinfo=BANGKOK).replace(hour=23, minute=59)
    print(link_for(secret, data, scope, agency.schedule.grace_days, base, expires_at=until))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """The agency's year or the many-agency overview as an Excel workbook (or CSV files)."""
    from pathlib import Path

    from ita_monitor.model.errors import InputError
    from ita_monitor.model.storage import DataRoot
    from ita_monitor.views import export

    agencies = AgenciesDir(args.agencies_dir)
    data = DataRoot(_data_root(args.data_root))
    try:
        if args.what == "year":
            from ita_monitor.views.yearview import year_view

            if not args.agency:
                print("ระบุ --agency / give --agency SLUG", file=sys.stderr)
                return 2
            agency = agencies.agency(args.agency)
            plan = agencies.plan(args.agency, args.fiscal_year)
            view = year_view(agency, plan, args.fiscal_year, data)
            frames = export.year_frames(view, agency, plan)
            name = export.year_filename(view)
        else:
            from ita_monitor.views.agencies_overview import overview

            pairs = []
            for slug in agencies.slugs():
                agency = agencies.agency(slug)
                plan = (
                    agencies.plan(slug, args.fiscal_year)
                    if args.fiscal_year in agencies.plan_years(slug)
                    else None
                )
                pairs.append((agency, plan))
            ov = overview(
                pairs, args.fiscal_year, data, district=args.district, state=args.state, months=args.round
            )
            frames = {"ภาพรวมหลายหน่วยงาน": export.overview_frame(ov)}
            name = export.overview_filename(ov)
    except InputError as exc:
        print(exc, file=sys.stderr)
        return 2
    if args.csv:
        folder = Path(args.csv)
        folder.mkdir(parents=True, exist_ok=True)
        stem = name.rsplit(".", 1)[0]
        for sheet, frame in frames.items():
            path = folder / f"{stem}-{export.CSV_NAMES[sheet]}.csv"
            path.write_bytes(export.csv(frame))
            print(path)
        return 0
    out = Path(args.out or name)
    out.write_bytes(export.xlsx(frames))
    print(out)
    return 0


def _round_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--agency", required=True, help="agency slug (its folder name)")
    parser.add_argument("--fiscal-year", type=int, required=True, help="BE fiscal year, e.g. 2565")
    parser.add_argument("--round", type=int, required=True, help="round in months: 1, 3, 6, 9 or 12")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ita-monitor", description="ITA integrity-measure monitoring")
    sub = parser.add_subparsers(dest="command", required=True)
    validate = sub.add_parser("validate", help="check agency profiles, plans and OIT catalogues")
    validate.add_argument("dir", nargs="?", default=_default_agencies_dir(), help="the agencies directory")
    validate.set_defaults(func=cmd_validate)
    check = sub.add_parser("check-submission", help="validate one unit file exactly as a round would")
    check.add_argument("file", help="the .xlsx, .csv or .json file")
    _round_args(check)
    check.add_argument("--unit", help="unit code (default: the file's folder or the unit in the form)")
    check.add_argument("--agencies-dir", default=_default_agencies_dir(), help="the agencies directory")
    check.set_defaults(func=cmd_check_submission)
    hist = sub.add_parser("history", help="list every file received in a round, with versions")
    _round_args(hist)
    hist.add_argument(
        "--data-root",
        default=os.environ.get("AIRFLOW__ITA__DATA_ROOT", "var/data"),
        help="the data root (path or URL; default AIRFLOW__ITA__DATA_ROOT)",
    )
    hist.add_argument("--json", action="store_true", help="print JSON")
    hist.set_defaults(func=cmd_history)
    stat = sub.add_parser("status", help="a round's state, due date, missing items and rejected files")
    _round_args(stat)
    stat.add_argument(
        "--data-root",
        default=os.environ.get("AIRFLOW__ITA__DATA_ROOT", "var/data"),
        help="the data root (path or URL; default AIRFLOW__ITA__DATA_ROOT)",
    )
    stat.add_argument("--agencies-dir", default=_default_agencies_dir(), help="the agencies directory")
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
    link.add_argument("--agencies-dir", default=_default_agencies_dir(), help="the agencies directory")
    link.add_argument(
        "--data-root",
        default=os.environ.get("AIRFLOW__ITA__DATA_ROOT", "var/data"),
        help="the data root (path or URL; default AIRFLOW__ITA__DATA_ROOT)",
    )
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
    exp.add_argument("--agencies-dir", default=_default_agencies_dir(), help="the agencies directory")
    exp.add_argument(
        "--data-root",
        default=os.environ.get("AIRFLOW__ITA__DATA_ROOT", "var/data"),
        help="the data root (path or URL; default AIRFLOW__ITA__DATA_ROOT)",
    )
    exp.set_defaults(func=cmd_export)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
