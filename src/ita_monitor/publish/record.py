"""The record of what an agency published in a fiscal year, and the one way documents get published.

``<root>/<agency>/<FY>/published.json`` holds one entry per document key (the year's measures, each
round's report) with its URL and hash, so republishing the same bytes changes nothing; both the
round's steps (``pipeline.py``) and the yearly plan's (``yearly.py``) publish through
``publish_documents``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from ita_monitor.model.agency_year import AgencyYear
from ita_monitor.model.revisions import read_json_current, update_json
from ita_monitor.model.storage import PathLike
from ita_monitor.publish.base import Document, Publisher
from ita_monitor.publish.linksheet import write_link_sheet

PublishJob = AgencyYear  # what publishing needs of a round's, a year's or the link check's job


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def published_manifest_path(job: PublishJob) -> PathLike:
    """``<root>/<agency>/<FY>/published.json``."""
    return job.manifest_path


def publish_documents(
    job: PublishJob, publisher: Publisher, docs: list[Document], dry_run: bool = False
) -> dict:
    """Put each document up, then switch the year's index page over; record it all in published.json.

    With ``dry_run`` nothing is sent: the result says what would be uploaded and changed.
    """
    manifest_path = published_manifest_path(job)
    manifest = read_json_current(manifest_path, None) or {
        "agency": job.slug,
        "fiscal_year": job.fiscal_year,
        "documents": {},
    }
    target = f"{publisher.name} {publisher.location}"
    if manifest.setdefault("target", target) != target:
        # The agency moved to another site: what the old one holds is no record of the new one.
        manifest = {**manifest, "target": target, "documents": {}, "moved_from": manifest["target"]}
    if dry_run:
        plan = []
        for doc in docs:
            prev = manifest["documents"].get(doc.key)
            action = (
                "unchanged" if prev and prev["sha256"] == doc.sha256 else ("replace" if prev else "upload")
            )
            plan.append(
                {
                    "key": doc.key,
                    "filename": doc.filename,
                    "sha256": doc.sha256,
                    "bytes": len(doc.data),
                    "action": action,
                }
            )
        changes = publisher.plan(job.agency, job.catalogue, plan)
        return {"target": publisher.name, "dry_run": True, "plan": plan, "changes": changes}
    now = _now()
    put = {
        doc.key: publisher.put(job.fiscal_year, doc, manifest["documents"].get(doc.key), now) for doc in docs
    }
    manifest = _record(job, publisher, manifest_path, target, put)
    link_sheet = write_link_sheet(
        manifest_path.parent, job.agency, job.catalogue, manifest, publisher.renderer
    )
    return {
        "target": publisher.name,
        "index_url": manifest["index_url"],
        "link_sheet": link_sheet,
        "documents": [manifest["documents"][d.key] for d in docs],
    }


def _record(job: PublishJob, publisher: Publisher, path: PathLike, target: str, put: dict[str, dict]) -> dict:
    """Add the documents just put to published.json and switch the index page over to the whole
    year.  The round's and the plan's publishing may run at the same moment: the record is merged
    through ``revisions.update_json`` (neither loses the other's documents), and the index page is
    written again from the record while another publishing changed it meanwhile.  Publishing the
    same documents again changes nothing in the record."""

    def add(current: dict | None) -> dict | None:
        doc = current or {"agency": job.slug, "fiscal_year": job.fiscal_year, "documents": {}}
        if doc.setdefault("target", target) != target:
            doc = {**doc, "target": target, "documents": {}, "moved_from": doc["target"]}
        merged = {**doc, "documents": {**doc.get("documents", {}), **put}}
        return None if merged == current else merged

    manifest = update_json(path, add)
    while True:
        index_url = publisher.write_index(job.agency, job.catalogue, manifest)
        if manifest.get("index_url") != index_url:
            before = int(manifest.get("revision") or 0)
            manifest = update_json(path, lambda doc, url=index_url: {**(doc or {}), "index_url": url})
            if int(manifest.get("revision") or 0) == before + 1:  # nothing else came between
                return manifest
            continue
        latest = read_json_current(path, None) or {}
        if latest.get("revision") == manifest.get("revision"):
            return manifest
        manifest = latest  # another publishing changed the record meanwhile: the index from it
