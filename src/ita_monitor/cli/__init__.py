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
from collections.abc import Sequence

from ita_monitor.cli import agencies, files, rounds, runs


def build_parser() -> argparse.ArgumentParser:
    """The commands, each defined beside what it does: the agencies directory (``agencies``), a unit's
    files (``files``), a round's state, links and exports (``rounds``), and runs through Airflow's REST
    API (``runs``)."""
    parser = argparse.ArgumentParser(prog="ita-monitor", description="ITA integrity-measure monitoring")
    sub = parser.add_subparsers(dest="command", required=True)
    for module in (agencies, files, rounds, runs):
        module.add_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)
