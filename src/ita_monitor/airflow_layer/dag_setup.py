"""What DAG files need at parse time: the configured agencies, read cheaply (small YAML files only)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from types import SimpleNamespace

from ita_monitor.airflow_layer import settings
from ita_monitor.model.names import slug_of_dag
from ita_monitor.model.parsing import parse_agency
from ita_monitor.model.rounds import DEFAULT_ROUNDS


def dag_being_run() -> str:
    """The DAG a task process is loading, or "" when parsing for the dag-processor."""
    from airflow.sdk import get_parsing_context

    return get_parsing_context().dag_id or ""


def configured_agencies(in_shard: Callable[[str], bool] | None = None) -> Iterator[tuple[object, str]]:
    """Each agency with "" when its profile is valid, or a stand-in and its problems when not.

    An invalid profile must not take every other agency's DAG down with it, and must not vanish
    silently either: its DAG stays, with one task that fails saying what to fix.

    ``in_shard``: only the agencies of one DAG file (``dag_files.shard_of``).  In a task's process only
    the agency of the DAG being run is read (Airflow's parsing context names it; DAG ids are
    ``<family>__<slug>``): with hundreds of agencies every task would otherwise build every agency's
    DAG before it starts.
    """
    agencies = settings.agencies_dir()
    slugs = agencies.slugs()
    running = slug_of_dag(dag_being_run())
    if running in slugs:
        slugs = [running]
    if in_shard is not None:
        slugs = [slug for slug in slugs if in_shard(slug)]
    for slug in slugs:
        agency, problems = parse_agency(agencies.root / slug / "agency.yaml")
        errors = [p for p in problems if p.severity == "error"]
        if agency is not None and not errors:
            yield agency, ""
        else:
            stand_in = SimpleNamespace(
                slug=slug,
                name_th="",
                short_name_th=slug,
                schedule=SimpleNamespace(rounds=DEFAULT_ROUNDS, grace_days=15),
            )
            yield stand_in, "\n".join(str(p) for p in errors)
