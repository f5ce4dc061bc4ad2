"""The OIT link sheet: per agency and fiscal year, each OIT item with the URL(s) of its published
documents, as CSV and as an HTML page, ready to paste into the NACC's ITAS system.

Written under the data root next to published.json (``<agency>/<year>/oit-links.csv|.html``) on every
publish, from the year's catalogue (item numbers and names) and the manifest.
"""

from __future__ import annotations

import csv
import io

from ita_monitor.model.agency import Agency
from ita_monitor.model.catalogue import Catalogue
from ita_monitor.model.storage import PathLike, write_atomic
from ita_monitor.publish.base import index_items

COLUMNS = ["oit_item", "oit_name", "document", "url", "published_at", "sha256", "index_url"]


def link_rows(catalogue: Catalogue, manifest: dict) -> list[dict]:
    """One row per published document of each OIT item; an item with none gets one row without URL."""
    rows = []
    index_url = manifest.get("index_url", "")
    for item in index_items(catalogue, manifest):
        base = {"oit_item": item["code"], "oit_name": item["name"], "index_url": index_url}
        if not item["documents"]:
            rows.append({**base, "document": "", "url": "", "published_at": "", "sha256": ""})
        for doc in item["documents"]:
            rows.append(
                {
                    **base,
                    "document": doc["title_th"],
                    "url": doc["url"],
                    "published_at": doc["published_at"],
                    "sha256": doc["sha256"],
                }
            )
    return rows


def link_sheet_csv(catalogue: Catalogue, manifest: dict) -> bytes:
    """UTF-8 with BOM, so spreadsheet programs show Thai correctly."""
    out = io.StringIO()
    writer = csv.DictWriter(out, COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(link_rows(catalogue, manifest))
    return out.getvalue().encode("utf-8-sig")


def link_sheet_html(agency: Agency, catalogue: Catalogue, manifest: dict, renderer) -> bytes:
    html = renderer.html(
        "oit_links.html.j2",
        agency=agency,
        fiscal_year=catalogue.fiscal_year,
        items=index_items(catalogue, manifest),
        index_url=manifest.get("index_url", ""),
    )
    return html.encode("utf-8")


def write_link_sheet(
    folder: PathLike, agency: Agency, catalogue: Catalogue, manifest: dict, renderer
) -> dict[str, str]:
    """Write ``oit-links.csv`` and ``oit-links.html`` into ``folder`` (only when they change)."""
    written = {}
    for name, data in (
        ("oit-links.csv", link_sheet_csv(catalogue, manifest)),
        ("oit-links.html", link_sheet_html(agency, catalogue, manifest, renderer)),
    ):
        path = folder / name
        if not (path.exists() and path.read_bytes() == data):
            write_atomic(path, data)
        written[name] = str(path)
    return written
