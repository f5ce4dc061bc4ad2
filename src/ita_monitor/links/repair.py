"""Repair: the approved bytes of every broken document ita-monitor published put back through the
publisher (folder targets: to the same place; WordPress: a new media item with the page updated),
the index page switched over, the statuses told where the documents are now, the repair recorded in
links.json.  Links of items not managed here are only reported."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any

from ita_monitor.links.record import HISTORY_KEPT, LinkHealth, RepairRecord, broken
from ita_monitor.links.year import YearLinks, now_iso
from ita_monitor.model.errors import InputError, Problem


@dataclass
class RepairResult:
    republished: list[str] = field(default_factory=list)  # link ids put back
    index_url: str = ""
    not_repairable: list[dict] = field(default_factory=list)  # {id, why}
    at: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def approved_document(year: YearLinks, entry: dict):
    """The approved bytes of a published document, from the data root; their sha256 is checked."""
    from ita_monitor.publish.base import Document

    key = entry["key"]
    if key == "measures":
        path = year.data.plan_dir(year.slug, year.fiscal_year) / entry["filename"]
    else:
        path = year.folder / key / "report" / entry["filename"]
    if not path.exists():
        raise InputError(
            [
                Problem(
                    str(path),
                    key,
                    "ไม่พบไฟล์ที่อนุมัติในที่เก็บข้อมูล จึงเผยแพร่ใหม่ไม่ได้: สร้างเอกสารใหม่แล้วอนุมัติอีกครั้ง",
                    "the approved file is not in the data root, so it cannot be republished: render and approve it again",
                )
            ]
        )
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != entry["sha256"]:
        raise InputError(
            [
                Problem(
                    str(path),
                    key,
                    "ไฟล์ในที่เก็บข้อมูลไม่ใช่ฉบับที่อนุมัติและเผยแพร่ (ถูกสร้างใหม่): อนุมัติฉบับใหม่ผ่านการเผยแพร่ตามปกติ",
                    "the file in the data root is not the approved, published version (rendered again since): "
                    "publish the new one through its approval instead",
                )
            ]
        )
    return Document(
        key=key, document=entry["document"], title_th=entry["title_th"], filename=entry["filename"], data=data
    )


def _update_statuses(year: YearLinks, out: dict) -> None:
    """The round's / plan's status.json say where their document is now (a WordPress repair moves it)."""
    from ita_monitor.model import status
    from ita_monitor.model.rounds import Round

    for entry in out["documents"]:
        key = entry["key"]
        if key == "measures":
            current = status.load_plan(year.data, year.slug, year.fiscal_year).published
        elif key.startswith("round-") and key[6:].isdigit():
            rnd = Round(year.fiscal_year, int(key[6:]))
            current = status.load_round(year.data, year.slug, rnd).published
        else:
            continue
        if current is None or current.dry_run:
            continue
        published = current.as_json()
        published["index_url"] = out["index_url"]
        published["documents"] = [
            {**d, "url": entry["url"], "sha256": entry["sha256"]} if d.get("key") == key else d
            for d in published.get("documents", [])
        ]
        if key == "measures":
            status.update_plan(year.data, year.slug, year.fiscal_year, published=published)
        else:
            status.update_round(year.data, year.slug, rnd, published=published)


def repair(
    year: YearLinks, publisher, health: LinkHealth | None = None, now: str | None = None
) -> RepairResult:
    """Put every broken document ita-monitor published back, then switch the index page over.

    Folder targets (static, SFTP): a missing or changed file is uploaded again to the same place (what
    was there by hand is kept under earlier/); a failing one is written afresh.  WordPress: the broken
    media item is set aside (renamed, kept in the library) and the approved bytes become a new media
    item, the year's page updated to it.  Links of items not managed here are only reported.
    """
    from ita_monitor.publish.record import publish_documents

    health = health if health is not None else year.health()
    manifest = year.manifest() or {}
    result = RepairResult(at=now or now_iso())
    docs = []
    for e in broken(health):
        if e.kind != "document":
            if e.kind == "other":
                result.not_repairable.append(
                    {
                        "id": e.id,
                        "why": "ไม่ได้เผยแพร่โดย ita-monitor: แก้ที่เว็บไซต์ แล้วแก้ URL ใน oit/<ปี>.yaml"
                        " / not published by ita-monitor: fix it on the site or its URL in oit/<FY>.yaml",
                    }
                )
            continue
        entry = manifest.get("documents", {}).get(e.id.removeprefix("document:"))
        if entry is None or entry["url"] != e.url:
            continue  # republished since that check
        try:
            doc = approved_document(year, entry)
        except InputError as exc:
            result.not_repairable.append({"id": e.id, "why": str(exc)})
            continue
        publisher.refresh(year.fiscal_year, doc, entry, e.state)
        docs.append(doc)
        result.republished.append(e.id)
    index = next((e for e in broken(health) if e.kind == "index"), None)
    if docs or index is not None:
        out = publish_documents(year, publisher, docs)
        result.index_url = out["index_url"]
        if index is not None:
            result.republished.append("index")
        _update_statuses(year, out)
    if health is not None:
        repairs = [*health.repairs, RepairRecord.coerce(result.as_dict())][-HISTORY_KEPT:]
        year.write_health(health.model_copy(update={"repairs": repairs}))
    return result
