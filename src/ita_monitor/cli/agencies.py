"""The agencies directory and what Airflow derives from it: ``validate``, ``dags sync``, ``roles sync``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ita_monitor.airflow_layer import cli_adapter
from ita_monitor.cli.common import AGENCIES_DIR_HELP, agencies_of, where_args
from ita_monitor.model.config import AgenciesDir
from ita_monitor.model.messages import said


def cmd_validate(args: argparse.Namespace) -> int:
    code = _validate(cli_adapter.agencies_dir(args.dir))
    if not args.no_sync and cli_adapter.is_configured_agencies_dir(args.dir):
        print(cli_adapter.sync_dags())  # the DAG files follow the profiles just checked
    return code


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


def cmd_dags(args: argparse.Namespace) -> int:
    print(cli_adapter.sync_dags(args.dags_folder))  # ``dags sync``: the files whose agencies changed
    return 0


def cmd_roles(args: argparse.Namespace) -> int:
    """``roles sync``: the FAB auth manager's ita-* roles per agency and the users file's users
    (``airflow_layer/roles.py``); run where Airflow's config is, as ``airflow users`` is."""
    try:
        for line in cli_adapter.sync_roles(agencies_of(args), Path(args.users) if args.users else None):
            print(line)
    except (ValueError, OSError) as exc:  # the users file's mistakes (roles.UsersFileError) say where
        print(exc, file=sys.stderr)
        return 2
    return 0


def add_commands(sub) -> None:
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
    roles = sub.add_parser("roles", help="per-agency access with the FAB auth manager (docs/production.md)")
    roles.add_argument("action", choices=["sync"], help="sync: make the ita-* roles, assign users")
    roles.add_argument("--users", help="the users file (e.g. include/agencies/users.yaml); no passwords")
    where_args(roles, data_root=False)
    roles.set_defaults(func=cmd_roles)
