"""The check: every link fetched with httpx (async), following redirects, with a timeout, at most
``per_host`` connections and ``rate_per_host`` starts a second to any one host, and its ``Outcome``:

- ``ok`` – answered 2xx with the approved bytes (index: linking to every document);
- ``slow`` – as ok, but took longer than ``slow`` seconds;
- ``changed`` – answered, with other bytes (index: no longer linking to a document);
- ``missing`` – 404 or 410;
- ``failing`` – 5xx or another error status, a timeout, a redirect loop, no connection;
- ``unchecked`` – not a web address (a relative link: set ``publish.base_url``).

The per-host gate is a semaphore (connections at once) and evenly spaced starts (the rate, no burst):
fifteen lines that ``aiolimiter``/``limits`` would replace only in part (neither caps connections),
so it is kept.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from ita_monitor.links.targets import Link

INDEX_BODY_LIMIT = 5 * 1024 * 1024


@dataclass(frozen=True)
class CheckSettings:
    """How politely and how long to check (``[ita] link_*`` in Airflow; the benchmark sets its own)."""

    timeout: float = 20.0  # seconds for one whole answer (connect, redirects, body)
    slow: float = 5.0  # seconds: an answer slower than this is "slow"
    per_host: int = 2  # connections open at once to one host
    rate_per_host: float = 2.0  # requests started per second to one host; 0 = no limit
    max_redirects: int = 10  # more is a redirect loop
    user_agent: str = "ita-monitor-linkcheck/1 (+OIT link health)"


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
