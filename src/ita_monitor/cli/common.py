"""What every command shares: where it reads (``--agencies-dir``, ``--data-root``), how it reaches
Airflow's REST API, and the round it names; each option defined once."""

from __future__ import annotations

import argparse

from ita_monitor.airflow_layer import cli_adapter
from ita_monitor.model.config import AgenciesDir
from ita_monitor.model.messages import said

AGENCIES_DIR_HELP = (
    "[ita] agencies_dir of Airflow's config or AIRFLOW__ITA__AGENCIES_DIR, else $AIRFLOW_HOME/ita/agencies"
)
DATA_ROOT_HELP = "[ita] data_root of Airflow's config or AIRFLOW__ITA__DATA_ROOT, else $AIRFLOW_HOME/ita/data"


def agencies_of(args: argparse.Namespace) -> AgenciesDir:
    """``--agencies-dir``, else ``[ita] agencies_dir`` as the DAGs and the plugin read it."""
    return AgenciesDir(cli_adapter.agencies_dir(args.agencies_dir))


def data_of(args: argparse.Namespace):
    """``--data-root``, else ``[ita] data_root`` as the DAGs and the plugin read it."""
    from ita_monitor.model.storage import DataRoot

    return DataRoot(cli_adapter.open_data_root(args.data_root))


def api_of(args: argparse.Namespace):
    """Airflow's REST API as ``--api-url``/``--token``/``--user``/``--password`` (or their defaults) say."""
    return cli_adapter.airflow_api(args.api_url, args.token, args.user, args.password)


def agency_round(args: argparse.Namespace):
    """The agency and the round ``--agency``/``--fiscal-year``/``--round`` name (round None with
    ``--plan``); ValueError, said in Thai and English, when the round is not the agency's."""
    from ita_monitor.model.rounds import Round

    agency = agencies_of(args).agency(args.agency)
    if getattr(args, "plan", False):
        return agency, None
    if args.round is None:
        raise ValueError(said("give_round"))
    rnd = Round(args.fiscal_year, args.round)
    if rnd.months not in agency.schedule.rounds:
        raise ValueError(
            said(
                "round_not_scheduled",
                months=rnd.months,
                agency=agency.slug,
                rounds=list(agency.schedule.rounds),
            )
        )
    return agency, rnd


def round_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--agency", required=True, help="agency slug (its folder name)")
    parser.add_argument("--fiscal-year", type=int, required=True, help="BE fiscal year, e.g. 2565")
    parser.add_argument("--round", type=int, required=True, help="round in months: 1, 3, 6, 9 or 12")


def where_args(parser: argparse.ArgumentParser, data_root: bool = True) -> None:
    """``--agencies-dir`` and ``--data-root``, defined once: by default what the DAGs and the plugin read."""
    parser.add_argument("--agencies-dir", help=f"the agencies directory (default: {AGENCIES_DIR_HELP})")
    if data_root:
        parser.add_argument("--data-root", help=f"the data root, a path or URL (default: {DATA_ROOT_HELP})")


def api_args(parser: argparse.ArgumentParser, wait: bool = True) -> None:
    parser.add_argument("--api-url", default="", help="Airflow's api-server (default [api] base_url)")
    parser.add_argument("--token", default="", help="an Airflow API token (default ITA_AIRFLOW_TOKEN)")
    parser.add_argument("--user", default="", help="Airflow user (default ITA_AIRFLOW_USER)")
    parser.add_argument("--password", default="", help="its password (default ITA_AIRFLOW_PASSWORD)")
    if wait:
        parser.add_argument(
            "--wait", action="store_true", help="follow the run until it awaits approval, fails or succeeds"
        )
        parser.add_argument("--timeout", type=float, default=1800.0, help="--wait at most this many seconds")
