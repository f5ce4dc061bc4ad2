"""Publish to a folder that a web server serves (the default target)."""

from __future__ import annotations

import hashlib

from ita_monitor.config import Agency, Catalogue
from ita_monitor.publish.base import Document, index_items
from ita_monitor.storage import PathLike, write_atomic


class StaticSitePublisher:
    """Files go to ``<site>/<year>/``; replaced versions to ``<site>/<year>/earlier/``."""

    name = "static"

    def __init__(self, site: PathLike, base_url: str, renderer):
        self.site = site
        self.base_url = base_url.rstrip("/")
        self.renderer = renderer

    def _url(self, rel: str) -> str:
        return f"{self.base_url}/{rel}" if self.base_url else rel

    def put(self, fiscal_year: int, doc: Document, previous: dict | None, now: str) -> dict:
        folder = self.site / str(fiscal_year)
        target = folder / doc.filename
        current = target.read_bytes() if target.exists() else None
        same_as_before = previous is not None and previous["sha256"] == doc.sha256
        if same_as_before and current == doc.data:
            return previous
        earlier = list(previous.get("earlier", [])) if previous else []
        if current is not None and current != doc.data:
            # A corrected document: keep what the site showed until now as a dated earlier version.
            old_sha = hashlib.sha256(current).hexdigest()
            old_when = previous["published_at"] if previous and previous["sha256"] == old_sha else now
            old_name = (
                f"earlier/{old_when.replace(':', '').replace('-', '')[:15]}-{old_sha[:8]}-{doc.filename}"
            )
            write_atomic(folder / old_name, current)
            earlier.append(
                {
                    "filename": old_name,
                    "url": self._url(f"{fiscal_year}/{old_name}"),
                    "sha256": old_sha,
                    "published_at": old_when,
                    "replaced_at": now,
                }
            )
        if current != doc.data:
            write_atomic(target, doc.data)
        return {
            "key": doc.key,
            "document": doc.document,
            "title_th": doc.title_th,
            "filename": doc.filename,
            "url": self._url(f"{fiscal_year}/{doc.filename}"),
            "sha256": doc.sha256,
            "bytes": len(doc.data),
            "published_at": previous["published_at"] if same_as_before else now,
            "earlier": earlier,
        }

    def write_index(self, agency: Agency, catalogue: Catalogue, manifest: dict) -> str:
        year = catalogue.fiscal_year
        html = self.renderer.html(
            "site_index.html.j2",
            agency=agency,
            fiscal_year=year,
            items=index_items(catalogue, manifest),
            relative_to=f"{year}/",
            base_url=self.base_url,
        )
        page = self.site / str(year) / "index.html"
        data = html.encode("utf-8")
        if not (page.exists() and page.read_bytes() == data):
            write_atomic(page, data)
        self._write_years_page(agency)
        return self._url(f"{year}/index.html")

    def _write_years_page(self, agency: Agency) -> None:
        years = sorted((p.name for p in self.site.iterdir() if p.is_dir() and p.name.isdigit()), reverse=True)
        data = self.renderer.html("site_years.html.j2", agency=agency, years=years).encode("utf-8")
        page = self.site / "index.html"
        if not (page.exists() and page.read_bytes() == data):
            write_atomic(page, data)
