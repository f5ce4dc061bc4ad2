"""What a publisher does, whatever the target: put documents up, then switch the index over.

The record of what is published lives under the data root (``<agency>/<year>/published.json``),
one entry per document key (the year's measures, each round's report), so republishing the same
bytes changes nothing and a corrected document replaces the old one under the same key while the
old one is kept as a dated earlier version.

Targets that talk to a server (WordPress, SFTP) turn every failure into ``PublishFailed``
(``call_target``), whose message says which target, what failed and what to do.  There is one retry
layer: Airflow's task retries (``retries`` with exponential backoff on every task).  A transient
failure (the target down or erroring) fails the try and the task is retried later, from the start,
which is safe because publishing is idempotent (documents are keyed by sha256); a refusal
(credentials, permissions, settings) fails the task at once.  The index page is only switched over
after every document is up, in one step.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from ita_monitor.model.agency import Agency
from ita_monitor.model.catalogue import Catalogue

T = TypeVar("T")


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
    location: str  # where it publishes (folder, site URL): a change of site starts a new record
    renderer: Any  # ita_monitor.documents.render.Renderer: index pages and the OIT link sheet

    def put(self, fiscal_year: int, doc: Document, previous: dict | None, now: str) -> dict:
        """Upload ``doc``; return its manifest entry (url, sha256, published_at, earlier...)."""
        ...

    def write_index(self, agency: Agency, catalogue: Catalogue, manifest: dict) -> str:
        """Write (or switch over) the year's index page listing the manifest; return its URL."""
        ...

    def refresh(self, fiscal_year: int, doc: Document, entry: dict, state: str) -> None:
        """Repair of a broken link (``state``: changed, missing, failing): prepare the next ``put`` to
        serve ``doc`` again (folder targets: at the same place; WordPress: as a new media item)."""
        ...

    def plan(self, agency: Agency, catalogue: Catalogue, actions: list[dict]) -> list[str]:
        """What ``put`` and ``write_index`` would do for these actions, one line each (dry run)."""
        ...


def index_items(catalogue: Catalogue, manifest: dict) -> list[dict]:
    """Catalogue items in order, each with its published documents, for index pages and link sheets."""
    entries = manifest.get("documents", {})
    items = []
    for item in catalogue.managed:
        docs = sorted((e for e in entries.values() if e["document"] == item.document), key=lambda e: e["key"])
        items.append({"code": item.code, "name": item.name, "documents": docs})
    return items


def earlier_entry(previous: dict, now: str, **where: str) -> dict:
    """The manifest record of a replaced version: where it is kept now, when it was published/replaced."""
    return {
        **where,
        "sha256": previous["sha256"],
        "published_at": previous["published_at"],
        "replaced_at": now,
    }


def dated_name(when: str, sha256: str, filename: str) -> str:
    """File name of a kept earlier version: ``20221015T0300-1a2b3c4d-<filename>``."""
    stamp = when.replace(":", "").replace("-", "")[:15]
    return f"{stamp}-{sha256[:8]}-{filename}"


# --- faults -------------------------------------------------------------------------------------


class PublishFailed(Exception):
    """Publishing stopped.  ``transient``: the target was down or erroring (a later rerun can work);
    otherwise the request itself was refused (credentials, permissions, settings) and must be fixed."""

    def __init__(self, target: str, action: str, cause: str, transient: bool, attempts: int = 1):
        self.target = target
        self.action = action
        self.cause = cause
        self.transient = transient
        self.attempts = attempts
        if transient:
            todo_th = (
                "ตรวจสอบว่าเว็บไซต์/เซิร์ฟเวอร์เปิดอยู่และเข้าถึงได้ แล้วสั่ง clear งานที่ล้มเหลว "
                "เพื่อเผยแพร่ใหม่ (เอกสารที่ขึ้นไปแล้วจะไม่ซ้ำ หน้ารายการยังเป็นฉบับเดิมจนกว่าจะสำเร็จ)"
            )
            todo_en = (
                "check that the site/server is up and reachable, then clear the failed task to "
                "rerun it (documents already uploaded are not duplicated; the index page stays as it was "
                "until the round completes)"
            )
        else:
            todo_th = (
                "ตรวจสอบ Airflow connection ของปลายทางนี้ (ที่อยู่ ชื่อผู้ใช้ รหัสผ่านแอปพลิเคชัน/กุญแจ สิทธิ์) "
                "และการตั้งค่า publish ในโปรไฟล์หน่วยงาน แล้วสั่ง clear งานที่ล้มเหลว"
            )
            todo_en = (
                "check this target's Airflow connection (address, user, application password/key, "
                "permissions) and the agency profile's publish settings, then clear the failed task"
            )
        tries = f" (ลอง {attempts} ครั้ง / after {attempts} attempts)" if attempts > 1 else ""
        super().__init__(
            f"เผยแพร่ไปยัง {target} ไม่สำเร็จ: {action}{tries}\n"
            f"publishing to {target} failed: {action}{tries}: {cause}\n"
            f"วิธีแก้: {todo_th}\nwhat to do: {todo_en}"
        )


def call_target(
    target: str, action: str, fn: Callable[[], T], classify: Callable[[BaseException], bool | None]
) -> T:
    """Run ``fn`` once; a failure ``classify`` recognises (True = transient, False = refused) becomes
    ``PublishFailed``, anything else (None: not about the target) passes through unchanged.

    No retry here: the task's retries (Airflow) try the whole publish again, with backoff."""
    try:
        return fn()
    except PublishFailed:
        raise
    except Exception as exc:
        transient = classify(exc)
        if transient is None:
            raise
        raise PublishFailed(target, action, f"{type(exc).__name__}: {exc}", transient) from exc
