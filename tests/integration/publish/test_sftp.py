"""Publishing over SFTP to a real sshd into a document root that nginx serves, checked over HTTP.
The faults every remote target shares (site down, refused credentials) are in ``test_faults.py``."""

from __future__ import annotations

import json
from urllib.parse import urljoin

import paramiko
import pytest
import requests

from ita_monitor.documents.render import Renderer
from ita_monitor.flow.pipeline import RoundJob
from ita_monitor.model.config import AgenciesDir
from ita_monitor.model.rounds import Round
from ita_monitor.model.storage import DataRoot
from ita_monitor.publish.base import Document
from ita_monitor.publish.factory import Remote, publisher_for
from ita_monitor.publish.record import publish_documents
from tests.integration.conftest import agencies_with_target, live_links

pytestmark = pytest.mark.sftp


def _connect(sftp_site, key_file: str | None = None):
    def connect():
        client = paramiko.SSHClient()
        client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
        client.connect(
            "127.0.0.1",
            2222,
            username=sftp_site.extra["user"],
            key_filename=key_file or sftp_site.extra["key_file"],
            allow_agent=False,
            look_for_keys=False,
            timeout=5,
        )
        return client.open_sftp()

    return connect


@pytest.fixture
def site(sftp_site, tmp_path, request):
    """A job of an agency of its own, publishing into its own folder of the served document root."""
    slug = "sftp-" + request.node.name[5:40].replace("_", "-").strip("-")
    folder = sftp_site.extra["docroot"] / slug
    base_url = f"{sftp_site.extra['http']}/{slug}"
    agencies = agencies_with_target(
        tmp_path, slug, target="sftp", conn_id="ita_web", path=str(folder), base_url=base_url
    )
    job = RoundJob.load(AgenciesDir(agencies), slug, Round(2565, 12), DataRoot(tmp_path / "data"))

    def publisher(key_file: str | None = None):
        remote = Remote(sftp_site.url, _connect(sftp_site, key_file))
        return publisher_for(job.agency, job.data, Renderer(), remote)

    return job, publisher, folder, f"{base_url}/2565/index.html"


def _docs(measures: bytes, report: bytes) -> list[Document]:
    return [
        Document("measures", "measures", "มาตรการ ปี ๒๕๖๕", "ita-2565-measures.pdf", measures),
        Document("round-12", "round_report", "รายงาน รอบ ๑๒ เดือน", "ita-2565-round-12-report.pdf", report),
    ]


def _pdf(tag: str) -> bytes:
    return f"%PDF-1.4\n% ita-monitor test {tag}\n%%EOF\n".encode()


def _files(folder) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _check_live(page_url: str, expected: list[bytes]) -> list[str]:
    """The live page links each expected document exactly once and every link gives the exact bytes."""
    links = [urljoin(page_url, href) for href in live_links(page_url)]
    got = [requests.get(url, timeout=30) for url in links]
    assert all(r.status_code == 200 for r in got), links
    assert len(links) == len(set(links)), links
    assert sorted(r.content for r in got) == sorted(expected)
    return links


def test_publish_then_republish_unchanged_changes_nothing(site):
    job, publisher, folder, page_url = site
    docs = _docs(_pdf("measures"), _pdf("report"))
    result = publish_documents(job, publisher(), docs)
    assert result["index_url"] == page_url
    _check_live(page_url, [d.data for d in docs])
    html = requests.get(page_url, timeout=30).content.decode("utf-8")
    assert "O43 การดำเนินการตามมาตรการส่งเสริมคุณธรรมและความโปร่งใสภายในหน่วยงาน" in html
    years = requests.get(f"{page_url.rsplit('/', 2)[0]}/", timeout=30).text
    assert 'href="2565/index.html"' in years
    before = {name: (folder / name).stat().st_mtime_ns for name in _files(folder)}
    assert not [n for n in before if n.endswith(".part")]
    for _ in range(2):
        publish_documents(job, publisher(), docs)
    assert {
        name: (folder / name).stat().st_mtime_ns for name in _files(folder)
    } == before  # nothing rewritten
    sheet = (job.data.root / job.slug / "2565" / "oit-links.csv").read_text(encoding="utf-8-sig")
    assert f"{page_url.rsplit('/', 1)[0]}/ita-2565-round-12-report.pdf" in sheet


def test_a_corrected_document_replaces_the_old_at_the_same_url_and_keeps_it_as_an_earlier_version(site):
    job, publisher, folder, page_url = site
    publish_documents(job, publisher(), _docs(_pdf("measures"), _pdf("report v1")))
    links_v1 = _check_live(page_url, [_pdf("measures"), _pdf("report v1")])
    for _ in range(3):
        publish_documents(job, publisher(), _docs(_pdf("measures"), _pdf("report v2")))
    links = _check_live(page_url, [_pdf("measures"), _pdf("report v1"), _pdf("report v2")])
    assert set(links_v1) < set(links)  # the current version is at the same URL as before
    report_url = next(u for u in links_v1 if u.endswith("round-12-report.pdf"))
    assert requests.get(report_url, timeout=30).content == _pdf("report v2")
    assert len(list((folder / "2565" / "earlier").iterdir())) == 1
    manifest = json.loads((job.data.root / job.slug / "2565" / "published.json").read_text())
    assert len(manifest["documents"]["round-12"]["earlier"]) == 1


def test_a_rerun_after_a_failure_between_upload_and_index_switch_completes_without_duplicates(site):
    job, publisher, folder, page_url = site
    publish_documents(job, publisher(), _docs(_pdf("measures"), _pdf("report v1")))
    corrected = _docs(_pdf("measures"), _pdf("report v2"))
    # The documents go up, then the connection is lost before the index page is switched over.
    broken = publisher()
    broken.put(2565, corrected[1], json.loads((job.data.root / job.slug / "2565" / "published.json").read_text())["documents"]["round-12"], "2026-01-01T00:00:00+00:00")  # fmt: skip
    _check_live(page_url, [_pdf("measures"), _pdf("report v2")])  # index still lists the old set
    publish_documents(job, publisher(), corrected)
    _check_live(page_url, [_pdf("measures"), _pdf("report v1"), _pdf("report v2")])
    assert len(list((folder / "2565" / "earlier").iterdir())) == 1
