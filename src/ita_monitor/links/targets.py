"""The links of an agency's fiscal year that assessors open: the documents ita-monitor published (with
their approved sha256, from ``published.json``), the year's index page (it must still link to each
document) and the URLs the admin entered for the OIT items not managed here (``<agency>/oit/<FY>.yaml``)."""

from __future__ import annotations

from dataclasses import dataclass

from ita_monitor.model.catalogue import Catalogue, OitLinks


@dataclass(frozen=True)
class Link:
    id: str  # "document:round-12", "index", "other:O1": stable across checks
    kind: str  # document | index | other
    url: str
    oit_item: str
    label: str
    sha256: str | None = None  # documents: the approved bytes
    links_to: tuple[str, ...] = ()  # index: the document URLs it must link to


def links_to_check(catalogue: Catalogue, manifest: dict | None, oit: OitLinks) -> list[Link]:
    """Every link of the year: published documents, the index page, the admin's URLs of other items."""
    manifest = manifest or {}
    docs = manifest.get("documents", {})
    links = []
    by_document = {i.document: i for i in catalogue.managed}
    for key, entry in sorted(docs.items()):
        item = by_document.get(entry["document"])
        links.append(
            Link(
                id=f"document:{key}",
                kind="document",
                url=entry["url"],
                oit_item=item.code if item else "",
                label=entry.get("title_th", key),
                sha256=entry["sha256"],
            )
        )
    if manifest.get("index_url"):
        links.append(
            Link(
                id="index",
                kind="index",
                url=manifest["index_url"],
                oit_item="",
                label="หน้ารวมเอกสาร OIT / the year's index page",
                links_to=tuple(e["url"] for _, e in sorted(docs.items())),
            )
        )
    names = {i.code: i.name for i in catalogue.items if i.document is None}
    for code, url in oit.urls.items():
        if code in names:
            links.append(Link(id=f"other:{code}", kind="other", url=url, oit_item=code, label=names[code]))
    return links


# --- checking -----------------------------------------------------------------------------------
