"""The static-folder publisher: idempotent by checksum, corrected versions kept, one index entry each."""

import json
import re
from pathlib import Path

import pytest

from ita_monitor.documents.render import Renderer
from ita_monitor.flow.pipeline import RoundJob
from ita_monitor.model.config import AgenciesDir
from ita_monitor.model.rounds import Round
from ita_monitor.model.storage import DataRoot
from ita_monitor.model.thai import thai_date_of
from ita_monitor.publish.base import Document
from ita_monitor.publish.record import publish_documents
from ita_monitor.publish.static import StaticSitePublisher
from tests.conftest import AGENCIES


@pytest.fixture
def job(tmp_path) -> RoundJob:
    return RoundJob.load(AgenciesDir(AGENCIES), "mae-u-kho", Round(2565, 12), DataRoot(tmp_path))


def _doc(data: bytes) -> Document:
    return Document("round-12", "round_report", "รายงาน รอบ ๑๒ เดือน", "ita-2565-round-12-report.pdf", data)


def _site(job) -> Path:
    return job.data.root / "site" / "mae-u-kho"


def _publish(job, data: bytes, **kw):
    publisher = StaticSitePublisher(_site(job), "", Renderer())
    return publish_documents(job, publisher, [_doc(data)], **kw)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_publish_writes_the_file_and_an_index_listing_it_under_its_oit_item(job):
    result = _publish(job, b"%PDF-1 first")
    site = _site(job)
    assert (site / "2565" / "ita-2565-round-12-report.pdf").read_bytes() == b"%PDF-1 first"
    index = (site / "2565" / "index.html").read_text(encoding="utf-8")
    assert "O43 การดำเนินการตามมาตรการส่งเสริมคุณธรรมและความโปร่งใสภายในหน่วยงาน" in index
    assert index.count('href="ita-2565-round-12-report.pdf"') == 1
    assert "O42" in index and "ยังไม่มีเอกสาร" in index  # the measures item, not yet published
    # the site uses Thai digits and Buddhist-era dates (published.json keeps the ISO time)
    published_at = json.loads((job.data.root / "mae-u-kho" / "2565" / "published.json").read_text())[
        "documents"
    ]["round-12"]["published_at"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT.*", published_at)
    assert f"เผยแพร่ {thai_date_of(published_at)})" in index and published_at[:10] not in index
    assert not re.search(r"\d{4}-\d\d-\d\d", index)
    assert result["index_url"] == "2565/index.html"
    assert 'href="2565/index.html"' in (site / "index.html").read_text(encoding="utf-8")


def test_republishing_the_same_bytes_changes_nothing(job):
    _publish(job, b"%PDF-1 first")
    before = _snapshot(job.data.root)
    _publish(job, b"%PDF-1 first")
    assert _snapshot(job.data.root) == before


def test_a_corrected_document_replaces_the_old_and_keeps_it_as_an_earlier_version(job):
    _publish(job, b"%PDF-1 first")
    _publish(job, b"%PDF-1 corrected")
    _publish(job, b"%PDF-1 corrected")
    year = _site(job) / "2565"
    assert (year / "ita-2565-round-12-report.pdf").read_bytes() == b"%PDF-1 corrected"
    earlier = list((year / "earlier").iterdir())
    assert [p.read_bytes() for p in earlier] == [b"%PDF-1 first"]
    index = (year / "index.html").read_text(encoding="utf-8")
    assert index.count('href="ita-2565-round-12-report.pdf"') == 1
    assert len(re.findall(r'href="earlier/[^"]+"', index)) == 1
    manifest = json.loads((job.data.root / "mae-u-kho" / "2565" / "published.json").read_text())
    assert len(manifest["documents"]) == 1 and len(manifest["documents"]["round-12"]["earlier"]) == 1


def test_dry_run_says_what_would_change_and_touches_nothing(job):
    plan = _publish(job, b"%PDF-1 first", dry_run=True)
    assert plan["plan"][0]["action"] == "upload"
    assert plan["changes"][0].startswith("copy ita-2565-round-12-report.pdf (12 bytes) to ")
    assert plan["changes"][-1].startswith("rewrite the index page ")
    assert not _site(job).exists()
    assert not (job.data.root / "mae-u-kho" / "2565" / "oit-links.csv").exists()
    _publish(job, b"%PDF-1 first")
    assert _publish(job, b"%PDF-1 first", dry_run=True)["plan"][0]["action"] == "unchanged"
    assert _publish(job, b"%PDF-1 new", dry_run=True)["plan"][0]["action"] == "replace"


def test_moving_to_another_site_starts_a_new_record_there(job):
    _publish(job, b"%PDF-1 first")
    _publish(job, b"%PDF-1 corrected")
    moved = StaticSitePublisher(job.data.root / "new-site", "https://new.example.go.th", Renderer())
    result = publish_documents(job, moved, [_doc(b"%PDF-1 corrected")])
    entry = result["documents"][0]
    assert entry["url"] == "https://new.example.go.th/2565/ita-2565-round-12-report.pdf"
    assert entry["earlier"] == []  # the old site's earlier versions are not on the new one
    manifest = json.loads((job.data.root / "mae-u-kho" / "2565" / "published.json").read_text())
    assert manifest["target"] == "static https://new.example.go.th" and manifest["moved_from"] == "static "


def _publish_one(root: str, key: str, item: str, barrier) -> None:
    data = DataRoot(Path(root))
    job = RoundJob.load(AgenciesDir(AGENCIES), "mae-u-kho", Round(2565, 12), data)
    doc = Document(key, item, f"เอกสาร {key}", f"ita-2565-{key}.pdf", f"%PDF-1 {key}".encode())
    barrier.wait()
    publish_documents(job, StaticSitePublisher(_site(job), "", Renderer()), [doc])


def test_the_rounds_and_the_plans_publishing_at_once_keep_both_in_the_record_and_the_index(tmp_path):
    """The round DAG and the yearly plan DAG of one agency may publish in the same moment."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    jobs = [("round-12", "round_report"), ("measures", "measures"), ("round-09", "round_report")]
    barrier = ctx.Manager().Barrier(len(jobs))
    with ctx.Pool(len(jobs)) as pool:
        pool.starmap(_publish_one, [(str(tmp_path), key, item, barrier) for key, item in jobs])
    record = json.loads((tmp_path / "mae-u-kho" / "2565" / "published.json").read_text(encoding="utf-8"))
    assert sorted(record["documents"]) == sorted(key for key, _ in jobs)
    index = (tmp_path / "site" / "mae-u-kho" / "2565" / "index.html").read_text(encoding="utf-8")
    for key, _ in jobs:
        assert f'href="ita-2565-{key}.pdf"' in index, key
