"""The OIT link sheet: each OIT item of the year's catalogue with its published URL(s), CSV and HTML."""

import csv
import io
import re

import pytest

from ita_monitor.documents.render import Renderer
from ita_monitor.flow.pipeline import RoundJob
from ita_monitor.model.config import AgenciesDir
from ita_monitor.model.rounds import Round
from ita_monitor.model.storage import DataRoot
from ita_monitor.publish.base import Document
from ita_monitor.publish.record import publish_documents
from ita_monitor.publish.static import StaticSitePublisher
from tests.conftest import AGENCIES


@pytest.fixture
def job(tmp_path) -> RoundJob:
    return RoundJob.load(AgenciesDir(AGENCIES), "mae-u-kho", Round(2565, 12), DataRoot(tmp_path))


def _publish(job, docs):
    publisher = StaticSitePublisher(job.data.root / "site", "https://www.example.go.th/ita", Renderer())
    return publish_documents(job, publisher, docs)


def _rows(job) -> list[dict]:
    data = (job.data.root / "mae-u-kho" / "2565" / "oit-links.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")  # BOM: spreadsheet programs read Thai right
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def test_every_item_of_the_catalogue_is_listed_with_its_urls_and_updated_on_every_publish(job):
    report = Document(
        "round-12", "round_report", "รายงาน รอบ ๑๒ เดือน", "ita-2565-round-12-report.pdf", b"%PDF r"
    )
    result = _publish(job, [report])
    assert result["link_sheet"]["oit-links.csv"].endswith("mae-u-kho/2565/oit-links.csv")
    rows = _rows(job)
    assert [(r["oit_item"], r["url"]) for r in rows] == [
        ("O42", ""),  # not published yet: listed, without a URL
        ("O43", "https://www.example.go.th/ita/2565/ita-2565-round-12-report.pdf"),
    ]
    assert rows[1]["oit_name"] == "การดำเนินการตามมาตรการส่งเสริมคุณธรรมและความโปร่งใสภายในหน่วยงาน"
    assert rows[1]["index_url"] == "https://www.example.go.th/ita/2565/index.html"

    measures = Document("measures", "measures", "มาตรการ ปี ๒๕๖๕", "ita-2565-measures.pdf", b"%PDF m")
    _publish(job, [measures])
    rows = _rows(job)
    assert [(r["oit_item"], r["url"]) for r in rows] == [
        ("O42", "https://www.example.go.th/ita/2565/ita-2565-measures.pdf"),
        ("O43", "https://www.example.go.th/ita/2565/ita-2565-round-12-report.pdf"),
    ]
    html = (job.data.root / "mae-u-kho" / "2565" / "oit-links.html").read_text(encoding="utf-8")
    assert "ITAS" in html and "ปีงบประมาณ พ.ศ. ๒๕๖๕" in html
    assert "<td>O42</td>" in html and "<td>O43</td>" in html  # as ITAS writes them, never O๔๒
    assert re.search(r"<td>[๐-๙]{1,2} [ก-๛]+ ๒๕[๐-๙]{2}</td>", html)  # the date in Thai digits, BE
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT.*", rows[0]["published_at"])  # the CSV keeps ISO time
    assert html.count('href="https://www.example.go.th/ita/2565/ita-2565-measures.pdf"') == 1
    assert "O42" in html and "มาตรการส่งเสริมคุณธรรมและความโปร่งใสภายในหน่วยงาน" in html
