"""What DAG files need at parse time: the configured agencies, read cheaply (small YAML files only)."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

from ita_monitor.airflow_layer import settings
from ita_monitor.config import parse_agency
from ita_monitor.rounds import DEFAULT_ROUNDS


def configured_agencies() -> Iterator[tuple[object, str]]:
    """Each agency with "" when its profile is valid, or a stand-in and its problems when not.

    An invalid profile must not take every other agency's DAG down with it, and must not vanish
    silently either: its DAG stays, with one task that fails saying what to fix.
    """
    agencies = settings.agencies_dir()
    for slug in agencies.slugs():
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
