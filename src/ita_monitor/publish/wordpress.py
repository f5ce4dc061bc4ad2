"""Publish to a WordPress site through its REST API: PDFs into the media library, one page per year.

Documents are identified by checksum: each media item gets the slug
``ita-<agency>-<year>-<key>-<sha256[:16]>``, looked up before anything is uploaded, so the same bytes
are never uploaded twice (whatever the manifest says, e.g. after a crash between upload and record).
A corrected document is a new media item shown in the same place on the year's page; the one it
replaces stays in the media library and is listed under it as a dated earlier version.

The year's page (title and slug from the agency's ``publish`` settings) is looked up by slug and
updated in one request only when its content differs, after every document is up.  Requests go
through a ``requests.Session`` that carries the credentials (in Airflow: the HTTP provider's
``WordPressHook`` on the agency's connection, holding the user and an Application Password); REST routes
are called as ``?rest_route=`` so the site's permalink settings do not matter.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from ita_monitor.model.agency import Agency
from ita_monitor.model.catalogue import Catalogue
from ita_monitor.model.thai import thai_digits
from ita_monitor.publish.base import Document, PublishFailed, call_target, earlier_entry, index_items

TIMEOUT = (10, 120)  # connect, read (seconds)
STATUSES = "publish,future,draft,pending,private"


class HttpStatusError(Exception):
    def __init__(self, status: int, method: str, route: str, body: str):
        self.status = status
        super().__init__(f"HTTP {status} from {method} {route}: {body[:300]}")


def _classify(exc: BaseException) -> bool | None:
    import requests

    if isinstance(exc, HttpStatusError):
        return exc.status >= 500 or exc.status in (408, 409, 423, 425, 429)
    if isinstance(exc, requests.ConnectionError | requests.Timeout | ConnectionError | TimeoutError):
        return True
    if isinstance(exc, ValueError):  # not JSON: a proxy's or PHP's error page
        return True
    return None


def page_title(template: str, fiscal_year: int) -> str:
    return template.format(fiscal_year=fiscal_year, fiscal_year_th=thai_digits(str(fiscal_year)))


def page_slug(template: str, fiscal_year: int) -> str:
    return template.format(fiscal_year=fiscal_year, fiscal_year_th=fiscal_year)


def _compact(html: str) -> str:
    """One line per element, no blank lines: WordPress would otherwise add <p>/<br> between them."""
    return "\n".join(line.strip() for line in html.splitlines() if line.strip())


class WordPressPublisher:
    name = "wordpress"

    def __init__(
        self,
        session_factory: Callable[[], Any],
        base_url: str,
        agency_slug: str,
        title_template: str,
        slug_template: str,
        renderer,
    ):
        self._session_factory = session_factory
        self._session = None
        self.base_url = base_url.rstrip("/")
        self.agency_slug = agency_slug
        self.title_template = title_template
        self.slug_template = slug_template
        self.renderer = renderer

    @property
    def location(self) -> str:
        return self.base_url

    # -- REST -------------------------------------------------------------------------------
    @property
    def session(self):
        if self._session is None:
            self._session = self._session_factory()
        return self._session

    def close(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            session.close()

    def _send(self, method: str, route: str, params: dict | None = None, **kw: Any) -> Any:
        """One REST call (no retry): the decoded JSON, or HttpStatusError."""
        resp = self.session.request(
            method, f"{self.base_url}/", params={"rest_route": route, **(params or {})}, timeout=TIMEOUT, **kw
        )
        if resp.status_code >= 400:
            raise HttpStatusError(resp.status_code, method, route, resp.text)
        return resp.json()

    def _calling(self, action: str, fn: Callable[[], Any]) -> Any:
        return call_target(f"WordPress {self.base_url}", action, fn, _classify)

    def media_slug(self, fiscal_year: int, doc: Document) -> str:
        return self._slug_of(fiscal_year, doc.key, doc.sha256)

    def _slug_of(self, fiscal_year: int, key: str, sha256: str) -> str:
        # As WordPress would clean it (sanitize_title), so that a lookup finds it again.
        slug = f"ita-{self.agency_slug}-{fiscal_year}-{key}-{sha256[:16]}".lower()
        return re.sub(r"-{2,}", "-", re.sub(r"[^a-z0-9-]+", "-", slug)).strip("-")

    # -- Publisher ---------------------------------------------------------------------------
    def put(self, fiscal_year: int, doc: Document, previous: dict | None, now: str) -> dict:
        slug = self.media_slug(fiscal_year, doc)

        def find_or_upload() -> dict:
            # Looked up again on every attempt: an upload whose answer was lost is not repeated.
            found = self._send("GET", "/wp/v2/media", {"slug": slug, "context": "edit"})
            if found:
                return found[0]
            return self._send(
                "POST",
                "/wp/v2/media",
                files={"file": (doc.filename, doc.data, "application/pdf")},
                data={"slug": slug, "title": doc.title_th, "status": "publish"},
            )

        media = self._calling(f"uploading {doc.filename} to the media library", find_or_upload)
        if media.get("slug") != slug:  # WordPress changed it: later lookups would miss it, so undo
            self._send("DELETE", f"/wp/v2/media/{media['id']}", {"force": "true"})
            raise PublishFailed(
                f"WordPress {self.base_url}",
                f"uploading {doc.filename}",
                f"the media item got slug {media.get('slug')!r} instead of {slug!r}",
                transient=False,
            )
        same_as_before = previous is not None and previous["sha256"] == doc.sha256
        earlier = [e for e in (previous or {}).get("earlier", []) if e["sha256"] != doc.sha256]
        if (
            previous is not None
            and not same_as_before
            and previous["sha256"] not in {e["sha256"] for e in earlier}
        ):
            earlier.append(
                earlier_entry(
                    previous,
                    now,
                    filename=previous["filename"],
                    url=previous["url"],
                    media_id=previous.get("media_id"),
                )
            )
        return {
            "key": doc.key,
            "document": doc.document,
            "title_th": doc.title_th,
            "filename": doc.filename,
            "url": media["source_url"],
            "media_id": media["id"],
            "sha256": doc.sha256,
            "bytes": len(doc.data),
            "published_at": previous["published_at"] if same_as_before and previous else now,
            "earlier": earlier,
        }

    def refresh(self, fiscal_year: int, doc: Document, entry: dict, state: str) -> None:
        """Repair (linkhealth): set the broken media item aside (renamed, kept in the library) so the
        next ``put`` uploads the approved bytes as a new media item, which the page then links to."""
        media_id = entry.get("media_id")
        if not media_id:
            return
        slug = self.media_slug(fiscal_year, doc)
        stamp = re.sub(r"[^0-9]", "", datetime.now(UTC).isoformat(timespec="seconds"))[:14]

        def set_aside() -> None:
            try:
                self._send("POST", f"/wp/v2/media/{media_id}", json={"slug": f"{slug}-aside-{stamp}"})
            except HttpStatusError as exc:
                if exc.status != 404:  # deleted from the library already: nothing to set aside
                    raise

        self._calling(f"setting the broken media item {media_id} aside", set_aside)

    def page_content(self, agency: Agency, catalogue: Catalogue, manifest: dict) -> str:
        html = self.renderer.html(
            "oit_items.html.j2", items=index_items(catalogue, manifest), absolute_links=True
        )
        # A Custom HTML block: shown as it is, editable in the block editor.
        return f"<!-- wp:html -->\n{_compact(html)}\n<!-- /wp:html -->"

    def write_index(self, agency: Agency, catalogue: Catalogue, manifest: dict) -> str:
        year = catalogue.fiscal_year
        title = page_title(self.title_template, year)
        slug = page_slug(self.slug_template, year)
        content = self.page_content(agency, catalogue, manifest)

        def switch_over() -> dict:
            # Looked up again on every attempt, so a page whose creation answer was lost is not made twice.
            found = self._send("GET", "/wp/v2/pages", {"slug": slug, "status": STATUSES, "context": "edit"})
            if not found:
                return self._send(
                    "POST",
                    "/wp/v2/pages",
                    json={"slug": slug, "title": title, "content": content, "status": "publish"},
                )
            page = found[0]
            if (
                page["content"]["raw"].strip() == content
                and page["title"]["raw"] == title
                and page["status"] == "publish"
            ):
                return page  # unchanged: no update, no new revision
            # One request replaces the whole content: readers see the old page or the new one.
            return self._send(
                "POST",
                f"/wp/v2/pages/{page['id']}",
                json={"title": title, "content": content, "status": "publish"},
            )

        return self._calling(f"switching the page {slug} over", switch_over)["link"]

    def plan(self, agency: Agency, catalogue: Catalogue, actions: list[dict]) -> list[str]:
        year = catalogue.fiscal_year
        lines = []
        for a in actions:
            if a["action"] == "unchanged":
                continue
            lines.append(
                f"upload {a['filename']} ({a['bytes']} bytes) to the media library of {self.base_url} "
                f"as media slug {self._slug_of(year, a['key'], a['sha256'])}"
                + (" (the current version stays as an earlier version)" if a["action"] == "replace" else "")
            )
        changed = any(a["action"] != "unchanged" for a in actions)
        lines.append(
            f"{'create or update' if changed else 'leave unchanged'} the page "
            f"'{page_title(self.title_template, year)}' (slug {page_slug(self.slug_template, year)})"
        )
        return lines
