"""What a publisher does, whatever the target: put documents up, then switch the index over.

The record of what is published lives under the data root (``<agency>/<year>/published.json``),
one entry per document key (the year's measures, each round's report), so republishing the same
bytes changes nothing and a corrected document replaces the old one under the same key while the
old one is kept as a dated earlier version.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Protocol

from ita_monitor.config import Agency, Catalogue


@dataclass(frozen=True)
class Document:
    key: str  # stable id within the fiscal year: "measures", "round-12"
    document: str  # catalogue document kind: "measures" | "round_report"
    title_th: str
    filename: str  # ASCII file name on the site
    data: bytes = field(repr=False)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


class Publisher(Protocol):
    """A website target.  ``put`` must be idempotent for identical bytes."""

    name: str

    def put(self, fiscal_year: int, doc: Document, previous: dict | None, now: str) -> dict:
        """Upload ``doc``; return its manifest entry (url, sha256, published_at, earlier...)."""
        ...

    def write_index(self, agency: Agency, catalogue: Catalogue, manifest: dict) -> str:
        """Write (or switch over) the year's index page listing the manifest; return its URL."""
        ...


def index_items(catalogue: Catalogue, manifest: dict) -> list[dict]:
    """Catalogue items in order, each with its published documents, for index pages and link sheets."""
    entries = manifest.get("documents", {})
    items = []
    for item in catalogue.items:
        docs = sorted((e for e in entries.values() if e["document"] == item.document), key=lambda e: e["key"])
        items.append({"code": item.code, "name": item.name, "documents": docs})
    return items
