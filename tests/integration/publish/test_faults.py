"""The publishers' faults, one set for every remote target (SFTP into an nginx document root, WordPress):
a site that is down fails the try clearly (transient, one try: Airflow's retries try again) and leaves
what was published as it was, and a rerun completes, keeping the earlier version; refused credentials
fail at once (not transient) saying to check the Airflow connection, and nothing is published."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urljoin

import pytest
import requests

from ita_monitor.documents.render import Renderer
from ita_monitor.flow.pipeline import RoundJob
from ita_monitor.model.config import AgenciesDir
from ita_monitor.model.rounds import Round
from ita_monitor.model.storage import DataRoot
from ita_monitor.publish.base import Document, PublishFailed
from ita_monitor.publish.factory import Remote, publisher_for
from ita_monitor.publish.record import publish_documents
from tests.integration.conftest import Service, agencies_with_target, live_links


@dataclass
class Target:
    """One remote target as the fault tests use it."""

    job: RoundJob
    service: Service
    publisher: Callable[..., object]  # publisher(refused=False)
    label: str  # how the failure names the target
    refused_says: str  # what the target answers refused credentials with
    stored: Callable[[], int]  # how many documents the site holds (current and earlier versions)

    def published_urls(self, page_url: str) -> list[str]:
        return [urljoin(page_url, href) for href in live_links(page_url)]

    def live(self, page_url: str) -> list[bytes]:
        """The bytes of every document the live index page links to, sorted."""
        urls = self.published_urls(page_url)
        assert len(urls) == len(set(urls)), urls
        got = [requests.get(url, timeout=30) for url in urls]
        assert all(r.status_code == 200 for r in got), urls
        return sorted(r.content for r in got)


def _pdf(tag: str) -> bytes:
    return f"%PDF-1.4\n% ita-monitor test {tag}\n%%EOF\n".encode()


def _docs(report: bytes) -> list[Document]:
    return [
        Document("measures", "measures", "มาตรการ ปี ๒๕๖๕", "ita-2565-measures.pdf", _pdf("measures")),
        Document("round-12", "round_report", "รายงาน รอบ ๑๒ เดือน", "ita-2565-round-12-report.pdf", report),
    ]


def _sftp(request, tmp_path, slug: str) -> Target:
    from tests.integration.publish.test_sftp import _connect

    sftp_site = request.getfixturevalue("sftp_site")
    folder = sftp_site.extra["docroot"] / slug
    agencies = agencies_with_target(
        tmp_path,
        slug,
        target="sftp",
        conn_id="ita_web",
        path=str(folder),
        base_url=f"{sftp_site.extra['http']}/{slug}",
    )
    job = RoundJob.load(AgenciesDir(agencies), slug, Round(2565, 12), DataRoot(tmp_path / "data"))
    other = tmp_path / "other_key"

    def publisher(refused: bool = False):
        if refused and not other.exists():
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(other)], check=True)
        remote = Remote(sftp_site.url, _connect(sftp_site, str(other) if refused else None))
        return publisher_for(job.agency, job.data, Renderer(), remote)

    def stored() -> int:
        return len(list(folder.rglob("*.pdf"))) if folder.exists() else 0

    return Target(job, sftp_site, publisher, "SFTP sftp://ita-sftp@127.0.0.1:2222", "Authentication", stored)


def _wordpress(request, tmp_path, slug: str) -> Target:
    wordpress = request.getfixturevalue("wordpress")
    agencies = agencies_with_target(
        tmp_path, slug, target="wordpress", conn_id="ita_web", page_slug=f"oit-{{fiscal_year}}-{slug}"
    )
    job = RoundJob.load(AgenciesDir(agencies), slug, Round(2565, 12), DataRoot(tmp_path / "data"))

    def publisher(refused: bool = False):
        session = requests.Session()
        session.auth = (
            wordpress.extra["user"],
            "wrong wrong wrong" if refused else wordpress.extra["password"],
        )
        return publisher_for(job.agency, job.data, Renderer(), Remote(wordpress.url, lambda: session))

    def stored() -> int:
        from tests.integration.publish.test_wordpress import _media_of

        return len(_media_of(wordpress, slug))

    return Target(job, wordpress, publisher, "WordPress http://127.0.0.1:8091", "HTTP 401", stored)


@pytest.fixture(
    params=[
        pytest.param(_sftp, id="sftp", marks=pytest.mark.sftp),
        pytest.param(_wordpress, id="wordpress", marks=pytest.mark.wordpress),
    ]
)
def target(request, tmp_path) -> Target:
    slug = "fault-" + request.node.name[5:30].replace("_", "-").replace("[", "-").replace("]", "").strip("-")
    return request.param(request, tmp_path, slug)


def test_a_site_that_is_down_fails_clearly_leaves_what_was_published_and_a_rerun_completes(target):
    job = target.job
    first = _docs(_pdf("report v1"))
    page_url = publish_documents(job, target.publisher(), first)["index_url"]
    assert target.live(page_url) == sorted(d.data for d in first)
    corrected = _docs(_pdf("report v2"))
    target.service.stop()
    try:
        with pytest.raises(PublishFailed) as failed:
            publish_documents(job, target.publisher(), corrected)
    finally:
        target.service.start()
    message = str(failed.value)
    assert failed.value.transient and failed.value.attempts == 1  # one try; the task's retries try again
    assert target.label in message and "what to do" in message and "วิธีแก้" in message
    assert target.live(page_url) == sorted(d.data for d in first)  # the site as it was, complete

    publish_documents(job, target.publisher(), corrected)
    assert target.live(page_url) == sorted([_pdf("measures"), _pdf("report v1"), _pdf("report v2")])
    manifest = json.loads(job.manifest_path.read_text())
    assert [e["sha256"] for e in manifest["documents"]["round-12"]["earlier"]] == [first[1].sha256]
    assert target.stored() == 3  # measures, report v1 (earlier), report v2: nothing twice


def test_refused_credentials_fail_at_once_saying_to_check_the_connection(target):
    with pytest.raises(PublishFailed) as failed:
        publish_documents(target.job, target.publisher(refused=True), _docs(_pdf("r")))
    assert not failed.value.transient and failed.value.attempts == 1
    assert target.refused_says in str(failed.value) and "Airflow connection" in str(failed.value)
    assert not target.job.manifest_path.exists() and target.stored() == 0  # nothing was published
