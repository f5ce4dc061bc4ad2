"""The ITAS readiness sheet of a fiscal year: each OIT item, published, reachable and matching what
was approved (managed here), or the admin's URL and whether it answered; as CSV (UTF-8 with BOM) and
HTML, written beside published.json."""

from __future__ import annotations

import csv
import io

from ita_monitor.links.record import HEALTHY, STATE_TH, LinkEntry, LinkHealth
from ita_monitor.links.year import YearLinks
from ita_monitor.model.catalogue import Catalogue, OitItem, OitLinks
from ita_monitor.model.storage import write_atomic

READINESS_COLUMNS = [
    "oit_item",
    "oit_name",
    "managed",
    "document",
    "url",
    "published",
    "reachable",
    "matching",
    "state",
    "detail",
    "checked_at",
    "last_ok",
    "ready",
]


def _yes(flag: bool | None) -> str:
    return "-" if flag is None else ("yes" if flag else "no")


def _known(entry: LinkEntry | None, url: str) -> LinkEntry | None:
    """The last check of a link, if it checked this URL (a republish or an edit moves it)."""
    return entry if entry is not None and entry.url == url else None


def _not_managed_row(item: OitItem, oit: OitLinks, checked: dict[str, LinkEntry]) -> dict:
    """An item the agency publishes itself: the admin's URL and whether it answered."""
    url = oit.urls.get(item.code, "")
    e = _known(checked.get(f"other:{item.code}"), url) if url else None
    return {
        "oit_item": item.code,
        "oit_name": item.name,
        "managed": "no",
        "document": "",
        "url": url,
        "published": "-",
        "reachable": _yes(e.state in HEALTHY) if e else "-",
        "matching": "-",
        "state": e.state if e else "",
        "detail": (e.detail if e else "") or ("" if url else "ยังไม่ได้ระบุ URL / no URL entered"),
        "checked_at": e.checked_at if e else "",
        "last_ok": (e.last_ok or "") if e else "",
        "ready": "-",
    }


def _unpublished_row(item: OitItem) -> dict:
    return {
        "oit_item": item.code,
        "oit_name": item.name,
        "managed": "yes",
        "document": "",
        "url": "",
        "published": "no",
        "reachable": "-",
        "matching": "-",
        "state": "",
        "detail": "ยังไม่ได้เผยแพร่ / not published yet",
        "checked_at": "",
        "last_ok": "",
        "ready": "no",
    }


def _document_row(item: OitItem, doc: dict, e: LinkEntry | None) -> dict:
    """A document ita-monitor published: reachable, the approved bytes, so ready."""
    reachable = None if e is None else e.state in (*HEALTHY, "changed")
    matching = None if e is None or not reachable else e.state != "changed"
    return {
        "oit_item": item.code,
        "oit_name": item.name,
        "managed": "yes",
        "document": doc["title_th"],
        "url": doc["url"],
        "published": "yes",
        "reachable": _yes(reachable),
        "matching": _yes(matching),
        "state": e.state if e else "",
        "detail": e.detail if e else "ยังไม่ได้ตรวจ / not checked yet",
        "checked_at": e.checked_at if e else "",
        "last_ok": (e.last_ok or "") if e else "",
        "ready": _yes(bool(reachable and matching)),
    }


def _item_rows(item: OitItem, docs: dict, checked: dict[str, LinkEntry], oit: OitLinks) -> list[dict]:
    if item.document is None:
        return [_not_managed_row(item, oit, checked)]
    mine = sorted((d for d in docs.values() if d["document"] == item.document), key=lambda d: d["key"])
    if not mine:
        return [_unpublished_row(item)]
    return [_document_row(item, d, _known(checked.get(f"document:{d['key']}"), d["url"])) for d in mine]


def readiness_rows(
    catalogue: Catalogue, manifest: dict | None, health: LinkHealth | None, oit: OitLinks
) -> list[dict]:
    """Each OIT item of the year: published, reachable, matching (managed here) or the admin's URL."""
    docs = (manifest or {}).get("documents", {})
    checked = health.links if health else {}
    return [row for item in catalogue.items for row in _item_rows(item, docs, checked, oit)]


def readiness_csv(rows: list[dict]) -> bytes:
    """UTF-8 with BOM, so spreadsheet programs show Thai correctly."""
    out = io.StringIO()
    writer = csv.DictWriter(out, READINESS_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def readiness_html(year: YearLinks, rows: list[dict], health: LinkHealth | None, renderer=None) -> bytes:
    if renderer is None:
        from ita_monitor.documents.render import Renderer

        renderer = Renderer()
    html = renderer.html(
        "itas_readiness.html.j2",
        agency=year.agency,
        fiscal_year=year.fiscal_year,
        rows=rows,
        checked_at=health.checked_at if health else "",
        index_url=(year.manifest() or {}).get("index_url", ""),
        state_th=STATE_TH,
    )
    return html.encode("utf-8")


def write_readiness(year: YearLinks, health: LinkHealth | None = None, renderer=None) -> dict[str, str]:
    """``itas-readiness.csv|.html`` beside published.json (written only when they change)."""
    health = health if health is not None else year.health()
    rows = readiness_rows(year.catalogue, year.manifest(), health, year.oit)
    written = {}
    for name, data in (
        ("itas-readiness.csv", readiness_csv(rows)),
        ("itas-readiness.html", readiness_html(year, rows, health, renderer)),
    ):
        path = year.folder / name
        if not (path.exists() and path.read_bytes() == data):
            write_atomic(path, data)
        written[name] = str(path)
    return written
