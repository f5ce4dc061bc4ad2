"""One agency's fiscal year over the data root: what every job shares (a round's ``RoundJob``, the
yearly plan's ``YearJob``, the link check's ``YearLinks``): the agency's profile, the year's OIT
catalogue, the data root, and where the year's files are.  Each job adds what only it needs."""

from __future__ import annotations

from dataclasses import dataclass

from ita_monitor.model.agency import Agency
from ita_monitor.model.catalogue import Catalogue
from ita_monitor.model.storage import DataRoot, PathLike


@dataclass(frozen=True, kw_only=True)
class AgencyYear:
    agency: Agency
    catalogue: Catalogue
    data: DataRoot
    fiscal_year: int

    @property
    def slug(self) -> str:
        return self.agency.slug

    @property
    def folder(self) -> PathLike:
        """``<root>/<agency>/<FY>``."""
        return self.data.year_dir(self.slug, self.fiscal_year)

    @property
    def manifest_path(self) -> PathLike:
        """``<root>/<agency>/<FY>/published.json``."""
        return self.data.published(self.slug, self.fiscal_year)

    @property
    def plan_dir(self) -> PathLike:
        """``<root>/<agency>/<FY>/plan``: the year's measures and approval memo."""
        return self.data.plan_dir(self.slug, self.fiscal_year)
