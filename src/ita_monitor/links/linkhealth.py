"""Link health of what an agency published for a fiscal year, its ITAS readiness sheet, and repair.

Assessors score the OIT items by opening the links typed into ITAS, so every link of the year is
fetched (following redirects, with a timeout, at most ``per_host`` connections and ``rate_per_host``
requests a second to any one host): the documents ita-monitor published (the bytes' sha256 compared
with what was approved, from ``published.json``), the year's index page (it must still link to each
document) and the URLs the admin entered for the items not managed here (``<agency>/oit/<FY>.yaml``).

Each link gets a state:

- ``ok`` – answered 2xx with the approved bytes (index: linking to every document);
- ``slow`` – as ok, but took longer than ``slow`` seconds;
- ``changed`` – answered, with other bytes (index: no longer linking to a document);
- ``missing`` – 404 or 410;
- ``failing`` – 5xx or another error status, a timeout, a redirect loop, no connection;
- ``unchecked`` – not a web address (a relative link: set ``publish.base_url``).

Results are kept in ``<agency>/<FY>/links.json`` with when each link last worked, when its state
began, and a history of checks; a change of state (between healthy and each broken state) becomes a
notice, sent once (``pending_notice`` / ``mark_notified``).  ``repair`` puts the approved bytes back:
to the same place (folder targets: static, SFTP) or as a new media item with the index page updated
(WordPress).  Nothing here knows about Airflow.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlsplit

from ita_monitor.model.config import AgenciesDir, Agency, Catalogue, OitLinks, Period
from ita_monitor.model.errors import InputError, Problem
from ita_monitor.model.storage import DataRoot, PathLike, read_json, write_atomic, write_json

HEALTHY = ("ok", "slow")
BROKEN = ("changed", "missing", "failing")
STATES = (*HEALTHY, *BROKEN, "unchecked")
STATE_TH = {
    "ok": "ใช้งานได้",
    "slow": "ช้า",
    "changed": "เนื้อหาเปลี่ยน",
    "missing": "ไม่พบ (404)",
    "failing": "เข้าไม่ได้",
    "unchecked": "ไม่ได้ตรวจ",
}
HISTORY_KEPT = 200
INDEX_BODY_LIMIT = 5 * 1024 * 1024


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


# --- what to check ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckSettings:
    """How politely and how long to check (``[ita] link_*`` in Airflow; the benchmark sets its own)."""

    timeout: float = 20.0  # seconds for one whole answer (connect, redirects, body)
    slow: float = 5.0  # seconds: an answer slower than this is "slow"
    per_host: int = 2  # connections open at once to one host
    rate_per_host: float = 2.0  # requests started per second to one host; 0 = no limit
    max_redirects: int = 10  # more is a redirect loop
    user_agent: str = "ita-monitor-linkcheck/1 (+OIT link health)"


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


@dataclass
class Outcome:
    state: str
    detail: str = ""
    http_status: int | None = None
    elapsed: float | None = None
    sha256: str | None = None
    final_url: str | None = None


@dataclass
class HostStats:
    requests: int = 0
    in_flight: int = 0
    max_in_flight: int = 0


class _HostGate:
    """At most ``per_host`` requests at once and ``rate`` starts a second to one host."""

    def __init__(self, per_host: int, rate: float, stats: HostStats):
        self.sem = asyncio.Semaphore(max(1, per_host))
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.next_start = 0.0
        self.stats = stats

    async def __aenter__(self) -> None:
        await self.sem.acquire()
        if self.interval:
            loop = asyncio.get_running_loop()
            now = loop.time()
            start = max(now, self.next_start)
            self.next_start = start + self.interval
            if start > now:
                await asyncio.sleep(start - now)
        self.stats.requests += 1
        self.stats.in_flight += 1
        self.stats.max_in_flight = max(self.stats.max_in_flight, self.stats.in_flight)

    async def __aexit__(self, *exc: object) -> None:
        self.stats.in_flight -= 1
        self.sem.release()


def _host(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


async def _check_one(client, link: Link, settings: CheckSettings, gates: dict[str, _HostGate]) -> Outcome:
    import httpx

    if urlsplit(link.url).scheme not in ("http", "https"):
        return Outcome(
            "unchecked",
            "ไม่ใช่ที่อยู่เว็บเต็ม: ตั้ง publish.base_url / not a full web address: set publish.base_url",
        )
    gate = gates[_host(link.url)]
    async with gate:
        started = time.monotonic()
        digest = hashlib.sha256()
        body = bytearray()
        try:
            async with asyncio.timeout(settings.timeout):
                async with client.stream("GET", link.url) as resp:
                    async for chunk in resp.aiter_bytes():
                        digest.update(chunk)
                        if link.kind == "index" and len(body) < INDEX_BODY_LIMIT:
                            body += chunk
        except httpx.TooManyRedirects:
            return Outcome(
                "failing",
                f"วนเปลี่ยนเส้นทางไม่สิ้นสุด / redirect loop (more than {settings.max_redirects} redirects)",
                elapsed=time.monotonic() - started,
            )
        except (TimeoutError, httpx.TimeoutException):
            return Outcome(
                "failing",
                f"ไม่ตอบภายใน {settings.timeout:g} วินาที / timeout: no whole answer in {settings.timeout:g} s",
                elapsed=time.monotonic() - started,
            )
        except httpx.HTTPError as exc:
            return Outcome(
                "failing",
                f"เชื่อมต่อไม่ได้ / cannot connect: {type(exc).__name__}: {exc}",
                elapsed=time.monotonic() - started,
            )
        elapsed = time.monotonic() - started
    status = resp.status_code
    out = Outcome("ok", http_status=status, elapsed=round(elapsed, 3), final_url=str(resp.url))
    if status in (404, 410):
        out.state, out.detail = "missing", f"HTTP {status}: ไม่พบ / not found"
        return out
    if status >= 400 or status < 200:
        out.state, out.detail = "failing", f"HTTP {status}"
        return out
    out.sha256 = digest.hexdigest()
    if link.sha256 and out.sha256 != link.sha256:
        out.state = "changed"
        out.detail = (
            f"ไฟล์ไม่ตรงกับที่อนุมัติ / not the approved bytes: sha256 {out.sha256[:12]}… "
            f"instead of {link.sha256[:12]}…"
        )
        return out
    if link.links_to:
        text = body.decode("utf-8", "replace")
        folder = link.url.rsplit("/", 1)[0] + "/"
        gone = [
            u
            for u in link.links_to
            if u not in text and not (u.startswith(folder) and u[len(folder) :] in text)
        ]
        if gone:
            out.state = "changed"
            out.detail = "หน้ารวมไม่มีลิงก์ / the page no longer links to: " + ", ".join(gone)
            return out
    if elapsed > settings.slow:
        out.state, out.detail = "slow", f"{elapsed:.1f} s (> {settings.slow:g} s)"
    return out


async def check_async(
    links: Iterable[Link], settings: CheckSettings, stats: dict[str, HostStats] | None = None
) -> dict[str, Outcome]:
    """Check every link; ``stats`` (if given) gets per host the requests and most at once."""
    import httpx

    links = list(links)
    stats = {} if stats is None else stats
    gates: dict[str, _HostGate] = {}
    for link in links:
        host = _host(link.url)
        if host not in gates:
            gates[host] = _HostGate(
                settings.per_host, settings.rate_per_host, stats.setdefault(host, HostStats())
            )
    limits = httpx.Limits(
        max_connections=max(1, len(gates)) * settings.per_host,
        max_keepalive_connections=max(1, len(gates)) * settings.per_host,
    )
    async with httpx.AsyncClient(
        follow_redirects=True,
        max_redirects=settings.max_redirects,
        timeout=settings.timeout,
        limits=limits,
        headers={"User-Agent": settings.user_agent},
    ) as client:
        results = await asyncio.gather(*(_check_one(client, link, settings, gates) for link in links))
    return {link.id: out for link, out in zip(links, results, strict=True)}


def check(links: Iterable[Link], settings: CheckSettings) -> dict[str, Outcome]:
    return asyncio.run(check_async(links, settings))


# --- the record ---------------------------------------------------------------------------------


def _group(state: str | None) -> str | None:
    """ok and slow are one group for notices: only a move between groups is mailed."""
    return "healthy" if state in HEALTHY else state


def record(
    previous: dict | None, agency: str, fiscal_year: int, links: list[Link], outcomes, now: str
) -> dict:
    """The new ``links.json`` from the previous one and this check's outcomes."""
    prev = previous or {}
    before = prev.get("links", {})
    entries: dict[str, dict] = {}
    changes = []
    for link in links:
        out = outcomes[link.id]
        old = before.get(link.id, {})
        old_state = old.get("state")
        healthy = out.state in HEALTHY
        entry = {
            "id": link.id,
            "kind": link.kind,
            "url": link.url,
            "oit_item": link.oit_item,
            "label": link.label,
            "expected_sha256": link.sha256,
            "state": out.state,
            "detail": out.detail,
            "http_status": out.http_status,
            "elapsed": out.elapsed,
            "sha256": out.sha256,
            "final_url": out.final_url,
            "checked_at": now,
            "since": old.get("since", now) if old_state == out.state and old.get("url") == link.url else now,
            "last_ok": now if healthy else old.get("last_ok"),
        }
        entries[link.id] = entry
        if old_state != out.state or (old and old.get("url") != link.url):
            changes.append(
                {
                    "id": link.id,
                    "label": link.label,
                    "oit_item": link.oit_item,
                    "url": link.url,
                    "old_url": old.get("url") if old.get("url") != link.url else None,
                    "from": old_state,
                    "to": out.state,
                    "detail": out.detail,
                    "at": now,
                    "notify": _group(old_state) != _group(out.state)
                    and not (old_state is None and healthy)
                    and out.state != "unchecked",
                }
            )
    for link_id, old in before.items():
        if link_id not in entries:  # no longer published (e.g. an item dropped): say so once
            changes.append(
                {
                    "id": link_id,
                    "label": old.get("label", link_id),
                    "oit_item": old.get("oit_item", ""),
                    "url": old.get("url"),
                    "old_url": None,
                    "from": old.get("state"),
                    "to": None,
                    "detail": "ไม่ได้ตรวจแล้ว / no longer checked",
                    "at": now,
                    "notify": False,
                }
            )
    counts = {s: sum(1 for e in entries.values() if e["state"] == s) for s in STATES}
    history = list(prev.get("history", []))
    history.append({"checked_at": now, "counts": counts, "changes": changes})
    notices = list(prev.get("notices", []))
    to_notify = [c for c in changes if c["notify"]]
    if to_notify:
        notices.append({"at": now, "changes": to_notify, "sent_at": None})
    return {
        "agency": agency,
        "fiscal_year": fiscal_year,
        "checked_at": now,
        "counts": counts,
        "links": entries,
        "changes": changes,
        "history": history[-HISTORY_KEPT:],
        "notices": notices[-HISTORY_KEPT:],
        "repairs": prev.get("repairs", []),
    }


def pending_notice(health: dict | None) -> list[dict]:
    """Changes of state not yet sent to the admin (each sent once), oldest first."""
    return [c for n in (health or {}).get("notices", []) if n.get("sent_at") is None for c in n["changes"]]


def mark_notified(health: dict, at: str) -> dict:
    for n in health.get("notices", []):
        if n.get("sent_at") is None:
            n["sent_at"] = at
    return health


def broken(health: dict | None) -> list[dict]:
    return [e for e in (health or {}).get("links", {}).values() if e["state"] in BROKEN]


# --- one agency-year ----------------------------------------------------------------------------


@dataclass(frozen=True)
class YearLinks:
    """One agency's fiscal year as the link check sees it (duck-types the jobs ``publish_documents`` takes)."""

    agency: Agency
    catalogue: Catalogue
    oit: OitLinks
    data: DataRoot
    fiscal_year: int

    @classmethod
    def load(cls, agencies: AgenciesDir, slug: str, fiscal_year: int, data: DataRoot) -> YearLinks:
        return cls(
            agencies.agency(slug),
            agencies.catalogue(fiscal_year),
            agencies.oit_links(slug, fiscal_year),
            data,
            fiscal_year,
        )

    @property
    def slug(self) -> str:
        return self.agency.slug

    @property
    def folder(self) -> PathLike:
        return self.data.root / self.slug / str(self.fiscal_year)

    @property
    def manifest_path(self) -> PathLike:
        return self.folder / "published.json"

    @property
    def health_path(self) -> PathLike:
        return self.folder / "links.json"

    def manifest(self) -> dict | None:
        return read_json(self.manifest_path, None)

    def health(self) -> dict | None:
        return read_json(self.health_path, None)

    @property
    def assessment(self) -> Period | None:
        return self.oit.assessment or self.catalogue.assessment


def in_assessment(year: YearLinks, day: date) -> bool:
    period = year.assessment
    return period is not None and day in period


def years_to_check(
    agencies: AgenciesDir, slug: str, data: DataRoot, day: date, wanted: int | None, scheduled: bool
) -> list[YearLinks]:
    """The fiscal year asked for; else, for a scheduled run, the years whose assessment period holds
    ``day`` (none outside it); else (on demand) the fiscal year of ``day``."""
    from ita_monitor.model.rounds import fiscal_year_of

    if wanted:
        return [YearLinks.load(agencies, slug, int(wanted), data)]
    current = fiscal_year_of(day)
    if not scheduled:
        return [YearLinks.load(agencies, slug, current, data)]
    years = []
    for fy in (current - 1, current, current + 1):
        if (agencies.root / "catalogue" / f"oit-{fy}.yaml").exists():
            year = YearLinks.load(agencies, slug, fy, data)
            if in_assessment(year, day):
                years.append(year)
    return years


def run_check(year: YearLinks, settings: CheckSettings, renderer=None, now: str | None = None) -> dict:
    """Check every link of the year, keep the result in links.json, rewrite the readiness sheet."""
    links = links_to_check(year.catalogue, year.manifest(), year.oit)
    outcomes = check(links, settings)
    health = record(year.health(), year.slug, year.fiscal_year, links, outcomes, now or _now())
    write_json(year.health_path, health)
    write_readiness(year, health, renderer)
    return health


def notify_done(year: YearLinks, at: str | None = None) -> dict:
    health = mark_notified(year.health() or {}, at or _now())
    write_json(year.health_path, health)
    return health


# --- the notice ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Notice:
    subject: str
    html: str
    text: str


def notice(agency: Agency, fiscal_year: int, changes: list[dict], page_url: str = "") -> Notice:
    """The mail to the admin about these changes of state (``mail/links.*.j2``; Thai first, then English).

    ``text`` is the plain-text part of the mail and the LINE message."""
    from ita_monitor.intake.mailout import render
    from ita_monitor.model.thai import thai_digits

    def state(s: str | None) -> str:
        return f"{STATE_TH.get(s, '-')} ({s})" if s else "-"

    bad = sum(1 for c in changes if c["to"] in BROKEN)
    subject = (
        f"[ITA] ลิงก์ OIT {agency.short_name_th} ปี {thai_digits(fiscal_year)}:"
        f" เปลี่ยนสถานะ {thai_digits(len(changes))} รายการ (เสีย {thai_digits(bad)}) / OIT link health changed"
    )
    rows = [{**c, "from_label": state(c["from"]), "to_label": state(c["to"])} for c in changes]
    body = render(
        "links",
        title=subject,
        agency_th=agency.name_th,
        fiscal_year=fiscal_year,
        changes=rows,
        page_url=page_url,
    )
    return Notice(subject, body.html, body.text)


# --- the ITAS readiness sheet -------------------------------------------------------------------

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


def readiness_rows(
    catalogue: Catalogue, manifest: dict | None, health: dict | None, oit: OitLinks
) -> list[dict]:
    """Each OIT item of the year: published, reachable, matching (managed here) or the admin's URL."""
    docs = (manifest or {}).get("documents", {})
    checked = (health or {}).get("links", {})
    rows = []
    for item in catalogue.items:
        base = {"oit_item": item.code, "oit_name": item.name}
        if item.document is None:
            url = oit.urls.get(item.code, "")
            e = checked.get(f"other:{item.code}") if url else None
            rows.append(
                {
                    **base,
                    "managed": "no",
                    "document": "",
                    "url": url,
                    "published": "-",
                    "reachable": _yes(e["state"] in HEALTHY) if e and e["url"] == url else "-",
                    "matching": "-",
                    "state": e["state"] if e and e["url"] == url else "",
                    "detail": (e["detail"] if e and e["url"] == url else "")
                    or ("" if url else "ยังไม่ได้ระบุ URL / no URL entered"),
                    "checked_at": e["checked_at"] if e and e["url"] == url else "",
                    "last_ok": (e.get("last_ok") or "") if e and e["url"] == url else "",
                    "ready": "-",
                }
            )
            continue
        mine = sorted((d for d in docs.values() if d["document"] == item.document), key=lambda d: d["key"])
        if not mine:
            rows.append(
                {
                    **base,
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
            )
        for d in mine:
            e = checked.get(f"document:{d['key']}")
            if e is not None and e["url"] != d["url"]:
                e = None  # checked before a republish moved it: not known yet
            reachable = None if e is None else e["state"] in (*HEALTHY, "changed")
            matching = None if e is None or not reachable else e["state"] != "changed"
            rows.append(
                {
                    **base,
                    "managed": "yes",
                    "document": d["title_th"],
                    "url": d["url"],
                    "published": "yes",
                    "reachable": _yes(reachable),
                    "matching": _yes(matching),
                    "state": e["state"] if e else "",
                    "detail": e["detail"] if e else "ยังไม่ได้ตรวจ / not checked yet",
                    "checked_at": e["checked_at"] if e else "",
                    "last_ok": (e.get("last_ok") or "") if e else "",
                    "ready": _yes(bool(reachable and matching)),
                }
            )
    return rows


def readiness_csv(rows: list[dict]) -> bytes:
    """UTF-8 with BOM, so spreadsheet programs show Thai correctly."""
    out = io.StringIO()
    writer = csv.DictWriter(out, READINESS_COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def readiness_html(year: YearLinks, rows: list[dict], health: dict | None, renderer=None) -> bytes:
    if renderer is None:
        from ita_monitor.documents.render import Renderer

        renderer = Renderer()
    html = renderer.html(
        "itas_readiness.html.j2",
        agency=year.agency,
        fiscal_year=year.fiscal_year,
        rows=rows,
        checked_at=(health or {}).get("checked_at", ""),
        index_url=(year.manifest() or {}).get("index_url", ""),
        state_th=STATE_TH,
    )
    return html.encode("utf-8")


def write_readiness(year: YearLinks, health: dict | None = None, renderer=None) -> dict[str, str]:
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


# --- repair -------------------------------------------------------------------------------------


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


def repair(year: YearLinks, publisher, health: dict | None = None, now: str | None = None) -> RepairResult:
    """Put every broken document ita-monitor published back, then switch the index page over.

    Folder targets (static, SFTP): a missing or changed file is uploaded again to the same place (what
    was there by hand is kept under earlier/); a failing one is written afresh.  WordPress: the broken
    media item is set aside (renamed, kept in the library) and the approved bytes become a new media
    item, the year's page updated to it.  Links of items not managed here are only reported.
    """
    from ita_monitor.publish.record import publish_documents

    health = health if health is not None else year.health()
    manifest = year.manifest() or {}
    result = RepairResult(at=now or _now())
    docs = []
    for e in broken(health):
        if e["kind"] != "document":
            if e["kind"] == "other":
                result.not_repairable.append(
                    {
                        "id": e["id"],
                        "why": "ไม่ได้เผยแพร่โดย ita-monitor: แก้ที่เว็บไซต์ แล้วแก้ URL ใน oit/<ปี>.yaml"
                        " / not published by ita-monitor: fix it on the site or its URL in oit/<FY>.yaml",
                    }
                )
            continue
        entry = manifest.get("documents", {}).get(e["id"].removeprefix("document:"))
        if entry is None or entry["url"] != e["url"]:
            continue  # republished since that check
        try:
            doc = approved_document(year, entry)
        except InputError as exc:
            result.not_repairable.append({"id": e["id"], "why": str(exc)})
            continue
        publisher.refresh(year.fiscal_year, doc, entry, e["state"])
        docs.append(doc)
        result.republished.append(e["id"])
    index = next((e for e in broken(health) if e["kind"] == "index"), None)
    if docs or index is not None:
        out = publish_documents(year, publisher, docs)
        result.index_url = out["index_url"]
        if index is not None:
            result.republished.append("index")
        _update_statuses(year, out)
    if health is not None:
        health.setdefault("repairs", []).append(result.as_dict())
        health["repairs"] = health["repairs"][-HISTORY_KEPT:]
        write_json(year.health_path, health)
    return result
