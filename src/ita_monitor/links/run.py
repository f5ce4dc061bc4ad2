"""A check of a year from start to end: every link fetched, the outcome recorded in links.json, the
readiness sheet rewritten; and the notices marked as told.  The link DAG's tasks call these."""

from __future__ import annotations

from ita_monitor.links.checker import CheckSettings, check
from ita_monitor.links.readiness import write_readiness
from ita_monitor.links.record import LinkHealth, mark_notified, record
from ita_monitor.links.targets import links_to_check
from ita_monitor.links.year import YearLinks, now_iso


def run_check(year: YearLinks, settings: CheckSettings, renderer=None, now: str | None = None) -> LinkHealth:
    """Check every link of the year, keep the result in links.json, rewrite the readiness sheet."""
    links = links_to_check(year.catalogue, year.manifest(), year.oit)
    outcomes = check(links, settings)
    health = record(year.health(), year.slug, year.fiscal_year, links, outcomes, now or now_iso())
    year.write_health(health)
    write_readiness(year, health, renderer)
    return health


def notify_done(year: YearLinks, at: str | None = None) -> LinkHealth:
    health = mark_notified(year.health() or LinkHealth(), at or now_iso())
    year.write_health(health)
    return health
