"""Link-health tests on real sites: the publish tests' WordPress, sshd + nginx (reused fixtures), a
static site served by a small faulty web server of the test's own, and the real SMTP server."""

from __future__ import annotations

from pathlib import Path

import yaml

from ita_monitor.links.year import YearLinks
from ita_monitor.model.config import AgenciesDir
from ita_monitor.model.storage import DataRoot
from ita_monitor.publish.base import Document
from ita_monitor.publish.record import publish_documents
from tests.integration.conftest import agencies_with_target  # noqa: F401  (used by the link tests)

FY = 2565
ROUNDS = (3, 6, 9, 12)


def pdf(tag: str) -> bytes:
    return f"%PDF-1.4\n% ita-monitor link test {tag}\n%%EOF\n".encode()


def documents(slug: str) -> list[Document]:
    """The year's measures and four round reports (bytes made for the test, named as the pipeline names them)."""
    docs = [
        Document("measures", "measures", "มาตรการ ปี ๒๕๖๕", f"ita-{FY}-measures.pdf", pdf(f"{slug} measures"))
    ]
    for months in ROUNDS:
        key = f"round-{months:02d}"
        docs.append(
            Document(
                key,
                "round_report",
                f"รายงาน รอบ {months} เดือน",
                f"ita-{FY}-{key}-report.pdf",
                pdf(f"{slug} {key}"),
            )
        )
    return docs


def year_of(agencies: Path, slug: str, data: Path, other_urls: dict | None = None) -> YearLinks:
    """The agency-year; ``other_urls`` written as the admin's oit/<FY>.yaml."""
    if other_urls is not None:
        (agencies / slug / "oit").mkdir(exist_ok=True)
        (agencies / slug / "oit" / f"{FY}.yaml").write_text(
            yaml.safe_dump({"urls": other_urls}, allow_unicode=True), encoding="utf-8"
        )
    return YearLinks.load(AgenciesDir(agencies), slug, FY, DataRoot(data))


def publish_approved(year: YearLinks, publisher) -> dict:
    """What the rounds and the yearly plan leave behind: the approved PDFs in the data root, published."""
    docs = documents(year.slug)
    for doc in docs:
        if doc.key == "measures":
            path = year.data.plan_dir(year.slug, FY) / doc.filename
        else:
            path = year.folder / doc.key / "report" / doc.filename
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(doc.data)
    return publish_documents(year, publisher, docs)
