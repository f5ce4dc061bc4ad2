"""The OIT catalogue of a fiscal year (``catalogue/oit-<FY>.yaml``: items, which document each is, the
assessment period) and the admin's URLs of the items not managed here (``<agency>/oit/<FY>.yaml``)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field, model_validator

from ita_monitor.model.schema import FileModel, Text


class OitItem(FileModel):
    code: Text  # O42
    name: Text
    # What ita-monitor publishes for it; None: an item the agency publishes itself (not managed here),
    # listed on the ITAS readiness sheet with the URL the admin entered (``<agency>/oit/<FY>.yaml``).
    document: Literal["measures", "round_report"] | None = None


class Period(FileModel):
    """A span of days, both included (e.g. the ITA assessment period, when assessors open the links)."""

    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self

    def __contains__(self, day: date) -> bool:
        return self.start <= day <= self.end


class Catalogue(FileModel):
    """The OIT items of one fiscal year; those with a ``document`` are published by ita-monitor."""

    fiscal_year: int
    items: tuple[OitItem, ...] = Field(min_length=1)
    pass_level: float = Field(default=85, ge=0, le=100)
    # false: the codes were not checked against the NACC's list of that year (validate warns)
    verified: bool = True
    source: str = ""  # where the codes and names come from
    assessment: Period | None = None  # when the assessors read the links: link checks run weekly then

    def item_for(self, document: str) -> OitItem | None:
        return next((i for i in self.items if i.document == document), None)

    @property
    def managed(self) -> tuple[OitItem, ...]:
        """The items ita-monitor publishes documents for."""
        return tuple(i for i in self.items if i.document is not None)


class OitLinks(FileModel):
    """``<agency>/oit/<FY>.yaml``, edited by the admin: the URLs typed into ITAS for the OIT items that
    ita-monitor does not publish (checked with the rest), and the agency's own assessment period."""

    urls: dict[Text, Text] = {}  # OIT item code -> URL
    assessment: Period | None = None  # overrides the catalogue's
