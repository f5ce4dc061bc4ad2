"""Publishing to a real WordPress (php -S + MariaDB), checked on the live site over HTTP.
The faults every remote target shares (site down, refused credentials) are in ``test_faults.py``."""

from __future__ import annotations

import json

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
from tests.integration.conftest import agencies_with_target, live_links

pytestmark = pytest.mark.wordpress


def _session(user: str, password: str) -> requests.Session:
    session = requests.Session()
    session.auth = (user, password)
    return session


@pytest.fixture
def site(wordpress, tmp_path, request):
    """A job of an agency of its own (own media slugs, own page slug) publishing to the test WordPress."""
    slug = "wp-" + request.node.name[5:40].replace("_", "-").strip("-")
    agencies = agencies_with_target(
        tmp_path, slug, target="wordpress", conn_id="ita_web", page_slug=f"oit-{{fiscal_year}}-{slug}"
    )
    job = RoundJob.load(AgenciesDir(agencies), slug, Round(2565, 12), DataRoot(tmp_path / "data"))
    password = wordpress.extra["password"]

    def publisher(password: str = password):
        remote = Remote(wordpress.url, lambda: _session(wordpress.extra["user"], password))
        return publisher_for(job.agency, job.data, Renderer(), remote)

    return job, publisher


def _docs(measures: bytes, report: bytes) -> list[Document]:
    return [
        Document("measures", "measures", "มาตรการ ปี ๒๕๖๕", "ita-2565-measures.pdf", measures),
        Document("round-12", "round_report", "รายงาน รอบ ๑๒ เดือน", "ita-2565-round-12-report.pdf", report),
    ]


def _pdf(tag: str) -> bytes:
    return f"%PDF-1.4\n% ita-monitor test {tag}\n%%EOF\n".encode()


def _admin(wordpress) -> requests.Session:
    return _session(wordpress.extra["user"], wordpress.extra["password"])


def _media_of(wordpress, agency_slug: str) -> list[dict]:
    found = _admin(wordpress).get(
        f"{wordpress.url}/", params={"rest_route": "/wp/v2/media", "per_page": 100, "orderby": "id"}
    )
    found.raise_for_status()
    return [m for m in found.json() if m["slug"].startswith(f"ita-{agency_slug}-")]


def _pages(wordpress, slug: str) -> list[dict]:
    found = _admin(wordpress).get(
        f"{wordpress.url}/",
        params={"rest_route": "/wp/v2/pages", "slug": slug, "status": "publish,draft", "context": "edit"},
    )
    found.raise_for_status()
    return found.json()


def _check_live(page_url: str, expected: dict[str, bytes]) -> list[str]:
    """The live page links each expected document exactly once and every link gives the exact bytes."""
    links = live_links(page_url)
    got = {url: requests.get(url, timeout=30).content for url in links}
    assert len(links) == len(set(links)), links
    for data in expected.values():
        assert list(got.values()).count(data) == 1, links
    return links


def test_publish_then_republish_unchanged_changes_nothing(site, wordpress):
    job, publisher = site
    docs = _docs(_pdf("measures"), _pdf("report"))
    result = publish_documents(job, publisher(), docs)
    page_url = result["index_url"]
    links = _check_live(page_url, {d.key: d.data for d in docs})
    assert len(links) == 2
    html = requests.get(page_url, timeout=30).text
    assert "O42 มาตรการส่งเสริมคุณธรรมและความโปร่งใสภายในหน่วยงาน" in html
    assert "การเปิดเผยข้อมูลสาธารณะ (OIT) ประจำปีงบประมาณ พ.ศ. ๒๕๖๕" in html  # the page title from config
    media = _media_of(wordpress, job.slug)
    page = _pages(wordpress, f"oit-2565-{job.slug}")
    assert len(media) == 2 and len(page) == 1
    manifest_path = job.data.root / job.slug / "2565" / "published.json"
    manifest = manifest_path.read_bytes()

    for _ in range(2):
        again = publish_documents(job, publisher(), docs)
        assert again["index_url"] == page_url
    assert _media_of(wordpress, job.slug) == media  # no new media item
    assert (
        _pages(wordpress, f"oit-2565-{job.slug}")[0]["modified_gmt"] == page[0]["modified_gmt"]
    )  # no update
    assert manifest_path.read_bytes() == manifest
    assert _check_live(page_url, {d.key: d.data for d in docs}) == links

    # the OIT link sheet lists each item with its URL, for ITAS
    sheet = (job.data.root / job.slug / "2565" / "oit-links.csv").read_text(encoding="utf-8-sig")
    rows = sheet.splitlines()
    assert rows[0].startswith("oit_item,oit_name,document,url")
    assert rows[1].startswith("O42,") and rows[2].startswith("O43,")
    assert links[0] in sheet and links[1] in sheet
    assert page_url in (job.data.root / job.slug / "2565" / "oit-links.html").read_text(encoding="utf-8")


def test_a_corrected_document_takes_the_old_ones_place_and_keeps_it_as_an_earlier_version(site, wordpress):
    job, publisher = site
    first = _docs(_pdf("measures"), _pdf("report v1"))
    publish_documents(job, publisher(), first)
    corrected = _docs(_pdf("measures"), _pdf("report v2"))
    for _ in range(3):
        result = publish_documents(job, publisher(), corrected)
    page_url = result["index_url"]
    _check_live(page_url, {"measures": _pdf("measures"), "v1": _pdf("report v1"), "v2": _pdf("report v2")})
    html = requests.get(page_url, timeout=30).text
    o43 = html[html.index('id="O43"') :]
    new_url = result["documents"][1]["url"]
    old_url = result["documents"][1]["earlier"][0]["url"]
    assert o43.index(new_url) < o43.index(old_url) < o43.index("ฉบับก่อนหน้า")  # old one listed under it
    assert len(_media_of(wordpress, job.slug)) == 3  # measures, v1, v2: nothing duplicated
    assert len(_pages(wordpress, f"oit-2565-{job.slug}")) == 1
    manifest = json.loads((job.data.root / job.slug / "2565" / "published.json").read_text())
    assert len(manifest["documents"]["round-12"]["earlier"]) == 1


def test_dry_run_plans_the_media_and_page_and_touches_nothing(site, wordpress):
    job, publisher = site
    docs = _docs(_pdf("measures"), _pdf("report"))
    plan = publish_documents(job, publisher(), docs, dry_run=True)
    assert [a["action"] for a in plan["plan"]] == ["upload", "upload"]
    assert any("upload ita-2565-measures.pdf" in line for line in plan["changes"])
    assert f"(slug oit-2565-{job.slug})" in plan["changes"][-1]
    assert _media_of(wordpress, job.slug) == [] and _pages(wordpress, f"oit-2565-{job.slug}") == []

    publish_documents(job, publisher(), docs)
    plan = publish_documents(job, publisher(), docs, dry_run=True)
    assert [a["action"] for a in plan["plan"]] == ["unchanged", "unchanged"]
    assert plan["changes"][-1].startswith("leave unchanged the page")


def test_a_site_answering_errors_fails_the_try_clearly_and_a_rerun_completes(site, wordpress):
    job, publisher = site
    docs = _docs(_pdf("measures"), _pdf("report"))
    fault = wordpress.args[0] / "fail"  # the test site answers 503 to everything while this exists
    fault.touch()
    try:
        with pytest.raises(PublishFailed) as failed:
            publish_documents(job, publisher(), docs)
    finally:
        fault.unlink()
    assert failed.value.transient and failed.value.attempts == 1  # one try; the task's retries try again
    assert "HTTP 503" in str(failed.value) and "what to do" in str(failed.value)
    assert not (job.data.root / job.slug / "2565" / "published.json").exists()

    result = publish_documents(job, publisher(), docs)
    _check_live(result["index_url"], {d.key: d.data for d in docs})
    assert len(_media_of(wordpress, job.slug)) == 2
