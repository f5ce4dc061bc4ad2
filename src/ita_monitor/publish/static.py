"""Publish to a folder that a web server serves: a local folder (static) or, through ``Tree``, a remote one.

Layout (the same for every folder target)::

    <site>/index.html                    the years
    <site>/<year>/index.html             the year's OIT items with their documents
    <site>/<year>/<file>.pdf             the current version of each document (same URL when corrected)
    <site>/<year>/earlier/<dated>-<file> replaced versions, kept and listed as earlier versions

Every file is written atomically (temporary name, then rename), documents first, the year's index
page last, so a reader never sees a half-written file or an index linking to a missing one.
"""

from __future__ import annotations

import hashlib
from typing import Protocol

from ita_monitor.model.agency import Agency
from ita_monitor.model.catalogue import Catalogue
from ita_monitor.model.storage import PathLike, write_atomic
from ita_monitor.publish.base import Document, dated_name, earlier_entry, index_items


class Tree(Protocol):
    """A folder the site is served from; paths are relative, with ``/``."""

    def read(self, rel: str) -> bytes | None: ...
    def exists(self, rel: str) -> bool: ...
    def write(self, rel: str, data: bytes) -> None:  # atomic
        ...
    def subdirs(self) -> list[str]: ...
    def where(self, rel: str) -> str:  # for plans and messages
        ...


class LocalTree:
    """A folder on this machine or an ObjectStoragePath."""

    def __init__(self, site: PathLike):
        self.site = site

    def _path(self, rel: str) -> PathLike:
        path = self.site
        for part in rel.split("/"):
            path = path / part
        return path

    def read(self, rel: str) -> bytes | None:
        path = self._path(rel)
        return path.read_bytes() if path.exists() else None

    def exists(self, rel: str) -> bool:
        return self._path(rel).exists()

    def write(self, rel: str, data: bytes) -> None:
        write_atomic(self._path(rel), data)

    def subdirs(self) -> list[str]:
        return [p.name for p in self.site.iterdir() if p.is_dir()] if self.site.exists() else []

    def where(self, rel: str) -> str:
        return str(self._path(rel))


class FolderPublisher:
    """Files go to ``<site>/<year>/``; replaced versions to ``<site>/<year>/earlier/``."""

    name = "folder"

    def __init__(self, tree: Tree, base_url: str, renderer):
        self.tree = tree
        self.base_url = base_url.rstrip("/")
        self.renderer = renderer

    @property
    def location(self) -> str:
        return self.tree.where("")

    def _url(self, rel: str) -> str:
        return f"{self.base_url}/{rel}" if self.base_url else rel

    def put(self, fiscal_year: int, doc: Document, previous: dict | None, now: str) -> dict:
        rel = f"{fiscal_year}/{doc.filename}"
        current = self.tree.read(rel)
        current_sha = hashlib.sha256(current).hexdigest() if current is not None else None
        same_as_before = previous is not None and previous["sha256"] == doc.sha256
        if same_as_before and current_sha == doc.sha256:
            return previous
        earlier = [e for e in (previous or {}).get("earlier", []) if e["sha256"] != doc.sha256]
        kept = {e["sha256"] for e in earlier}
        if previous is not None and not same_as_before and previous["sha256"] not in kept:
            # The version the index showed until now is kept as a dated earlier version.  It is
            # copied before the new one overwrites it; a rerun after a failure finds the copy.
            old_name = f"earlier/{dated_name(previous['published_at'], previous['sha256'], doc.filename)}"
            if not self.tree.exists(f"{fiscal_year}/{old_name}") and current_sha == previous["sha256"]:
                self.tree.write(f"{fiscal_year}/{old_name}", current)
            if self.tree.exists(f"{fiscal_year}/{old_name}"):
                earlier.append(
                    earlier_entry(
                        previous, now, filename=old_name, url=self._url(f"{fiscal_year}/{old_name}")
                    )
                )
                kept.add(previous["sha256"])
        if current is not None and current_sha != doc.sha256 and current_sha not in kept:
            # Someone changed the file on the site by hand: keep that too rather than lose it.
            old_name = f"earlier/{dated_name(now, current_sha, doc.filename)}"
            self.tree.write(f"{fiscal_year}/{old_name}", current)
            earlier.append(
                {
                    "filename": old_name,
                    "url": self._url(f"{fiscal_year}/{old_name}"),
                    "sha256": current_sha,
                    "published_at": now,
                    "replaced_at": now,
                }
            )
        if current_sha != doc.sha256:
            self.tree.write(rel, doc.data)
        return {
            "key": doc.key,
            "document": doc.document,
            "title_th": doc.title_th,
            "filename": doc.filename,
            "url": self._url(rel),
            "sha256": doc.sha256,
            "bytes": len(doc.data),
            "published_at": previous["published_at"] if same_as_before else now,
            "earlier": earlier,
        }

    def refresh(self, fiscal_year: int, doc: Document, entry: dict, state: str) -> None:
        """Repair (linkhealth): make the next ``put`` leave the approved bytes served at the same place.

        A missing or changed file needs nothing here (``put`` compares the remote bytes, keeps a hand
        change under earlier/ and uploads again); a file the server fails to serve is written afresh.
        """
        if state != "failing":
            return
        rel = f"{fiscal_year}/{doc.filename}"
        current = self.tree.read(rel)
        if current is None or hashlib.sha256(current).hexdigest() == doc.sha256:
            self.tree.write(rel, doc.data)

    def index_html(self, agency: Agency, catalogue: Catalogue, manifest: dict) -> bytes:
        year = catalogue.fiscal_year
        html = self.renderer.html(
            "site_index.html.j2",
            agency=agency,
            fiscal_year=year,
            items=index_items(catalogue, manifest),
            relative_to=f"{year}/",
            base_url=self.base_url,
            absolute_links=False,
        )
        return html.encode("utf-8")

    def write_index(self, agency: Agency, catalogue: Catalogue, manifest: dict) -> str:
        year = catalogue.fiscal_year
        data = self.index_html(agency, catalogue, manifest)
        if self.tree.read(f"{year}/index.html") != data:
            self.tree.write(f"{year}/index.html", data)
        self._write_years_page(agency)
        return self._url(f"{year}/index.html")

    def _write_years_page(self, agency: Agency) -> None:
        years = sorted((d for d in self.tree.subdirs() if d.isdigit()), reverse=True)
        data = self.renderer.html("site_years.html.j2", agency=agency, years=years).encode("utf-8")
        if self.tree.read("index.html") != data:
            self.tree.write("index.html", data)

    def plan(self, agency: Agency, catalogue: Catalogue, actions: list[dict]) -> list[str]:
        year = catalogue.fiscal_year
        lines = []
        for a in actions:
            target = self.tree.where(f"{year}/{a['filename']}")
            if a["action"] == "upload":
                lines.append(f"copy {a['filename']} ({a['bytes']} bytes) to {target}")
            elif a["action"] == "replace":
                lines.append(f"keep the current {a['filename']} under {year}/earlier/, then replace {target}")
        changed = any(a["action"] != "unchanged" for a in actions)
        lines.append(
            f"{'rewrite' if changed else 'leave unchanged'} the index page {self.tree.where(f'{year}/index.html')}"
        )
        return lines


class StaticSitePublisher(FolderPublisher):
    """The default target: a folder under the data root (or absolute) that any web server serves."""

    name = "static"

    def __init__(self, site: PathLike, base_url: str, renderer):
        super().__init__(LocalTree(site), base_url, renderer)
        self.site = site

    @property
    def location(self) -> str:
        # Its public URL, not the folder: moving the data root is no move of the site.
        return self.base_url
