"""One agency's fiscal year as the link check sees it (``YearLinks``: profile, catalogue, the admin's
OIT URLs, the data root, where its files are) and which years a run checks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from ita_monitor.links.record import LinkHealth
from ita_monitor.model.agency_year import AgencyYear
from ita_monitor.model.catalogue import OitLinks, Period
from ita_monitor.model.config import AgenciesDir
from ita_monitor.model.storage import DataRoot, PathLike, read_json, write_json


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass(frozen=True, kw_only=True)
class YearLinks(AgencyYear):
    """One agency's fiscal year as the link check sees it (duck-types the jobs ``publish_documents`` takes)."""

    oit: OitLinks

    @classmethod
    def load(cls, agencies: AgenciesDir, slug: str, fiscal_year: int, data: DataRoot) -> YearLinks:
        return cls(
            agency=agencies.agency(slug),
            catalogue=agencies.catalogue(fiscal_year),
            oit=agencies.oit_links(slug, fiscal_year),
            data=data,
            fiscal_year=fiscal_year,
        )

    @property
    def health_path(self) -> PathLike:
        return self.folder / "links.json"

    def manifest(self) -> dict | None:
        return read_json(self.manifest_path, None)

    def health(self) -> LinkHealth | None:
        """links.json as it is (None before the first check); old files load as they are."""
        raw = read_json(self.health_path, None)
        return None if raw is None else LinkHealth.coerce(raw)

    def write_health(self, health: LinkHealth) -> None:
        write_json(self.health_path, health.as_json())

    @property
    def assessment(self) -> Period | None:
        return self.oit.assessment or self.catalogue.assessment


def in_assessment(year: YearLinks, day: date) -> bool:
    period = year.assessment
    return period is not None and day in period


def years_to_check(
    agencies: AgenciesDir, slug: str, data: DataRoot, day: date, wanted: int | None, scheduled: bool
) -> list[YearLinks]:
    """The fiscal year asked for; else, for a scheduled run, the years whose assessment period holds
    ``day`` (none outside it); else (on demand) the fiscal year of ``day``."""
    from ita_monitor.model.rounds import fiscal_year_of

    if wanted:
        return [YearLinks.load(agencies, slug, int(wanted), data)]
    current = fiscal_year_of(day)
    if not scheduled:
        return [YearLinks.load(agencies, slug, current, data)]
    years = []
    for fy in (current - 1, current, current + 1):
        if (agencies.root / "catalogue" / f"oit-{fy}.yaml").exists():
            year = YearLinks.load(agencies, slug, fy, data)
            if in_assessment(year, day):
                years.append(year)
    return years
