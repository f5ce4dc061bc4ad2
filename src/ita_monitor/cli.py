"""``ita-monitor``: the admin's command line (no Airflow needed).

ita-monitor validate [DIR]     check every agency profile, plan and OIT catalogue in DIR
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from ita_monitor.config import AgenciesDir


def _default_agencies_dir() -> str:
    return os.environ.get("AIRFLOW__ITA__AGENCIES_DIR", "include/agencies")


def cmd_validate(args: argparse.Namespace) -> int:
    problems = AgenciesDir(args.dir).validate()
    errors = [p for p in problems if p.severity == "error"]
    for p in problems:
        print(p, file=sys.stderr if p.severity == "error" else sys.stdout)
    if errors:
        print(f"พบปัญหา {len(errors)} รายการ / {len(errors)} problem(s) found in {args.dir}", file=sys.stderr)
        return 1
    agencies = AgenciesDir(args.dir)
    plans = sum(len(agencies.plan_years(s)) for s in agencies.slugs())
    print(
        f"ถูกต้อง / OK: {len(agencies.slugs())} agencies, {plans} plans in {args.dir}"
        + (f" ({len(problems)} warning(s))" if problems else "")
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ita-monitor", description="ITA integrity-measure monitoring")
    sub = parser.add_subparsers(dest="command", required=True)
    validate = sub.add_parser("validate", help="check agency profiles, plans and OIT catalogues")
    validate.add_argument("dir", nargs="?", default=_default_agencies_dir(), help="the agencies directory")
    validate.set_defaults(func=cmd_validate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
