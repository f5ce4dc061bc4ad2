"""The record of what an agency published in a fiscal year, and the one way documents get published.

``<root>/<agency>/<FY>/published.json`` holds one entry per document key (the year's measures, each
round's report) with its URL and hash, so republishing the same bytes changes nothing; both the
round's steps (``pipeline.py``) and the yearly plan's (``yearly.py``) publish through
``publish_documents``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from ita_monitor.model.agency_year import AgencyYear
from ita_monitor.model.storage import PathLike, read_json, write_json
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
    manifest = read_json(manifest_path, None) or {
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
    for doc in docs:
        manifest["documents"][doc.key] = publisher.put(
            job.fiscal_year, doc, manifest["documents"].get(doc.key), now
        )
    index_url = publisher.write_index(job.agency, job.catalogue, manifest)
    manifest["index_url"] = index_url
    if read_json(manifest_path, None) != manifest:
        write_json(manifest_path, manifest)
    link_sheet = write_link_sheet(
        manifest_path.parent, job.agency, job.catalogue, manifest, publisher.renderer
    )
    return {
        "target": publisher.name,
        "index_url": index_url,
        "link_sheet": link_sheet,
        "documents": [manifest["documents"][d.key] for d in docs],
    }
