"""The round report PDF, read back with poppler."""

import subprocess

import pytest

from ita_monitor.documents.render import Renderer, thai_digits_text
from ita_monitor.model.config import AgenciesDir
from ita_monitor.model.rounds import Round
from tests.conftest import AGENCIES, pdftotext
from tests.core.test_submissions import all_sample_rows

D = AgenciesDir(AGENCIES)


@pytest.fixture(scope="module")
def renderer():
    return Renderer()


def _report(renderer, rows=None):
    agency, plan = D.agency("mae-u-kho"), D.plan("mae-u-kho", 2565)
    rnd = Round(2565, 12)
    html = renderer.round_report_html(
        agency, plan, D.catalogue(2565), rnd, rows or all_sample_rows(), rnd.due_at(15).date()
    )
    return renderer.pdf(html)


def _squash(text: str) -> str:
    return "".join(text.split())


def test_report_carries_title_agency_measures_thai_digits_and_be_year(renderer, tmp_path):
    pdf = _report(renderer)
    text = _squash(pdftotext(pdf))
    for expected in [
        "รายงานผลการดำเนินการตามมาตรการส่งเสริมคุณธรรมและความโปร่งใสภายในหน่วยงาน",
        "ประจำปีงบประมาณพ.ศ.๒๕๖๕",
        "รอบ๑๒เดือน(ตุลาคม๒๕๖๔–กันยายน๒๕๖๕)",
        "องค์การบริหารส่วนตำบลแม่อูคอ",
        "อำเภอขุนยวมจังหวัดแม่ฮ่องสอน",
        "ตุลาคม๒๕๖๕",
        *[_squash(m.title) for m in D.plan("mae-u-kho", 2565).measures],
        "ผลผลิต",
        "ผลลัพธ์",
        "หมายเหตุ",
    ]:
        assert expected in text, expected
    assert "2565" not in text  # every number in Thai digits


def test_report_embeds_every_font(renderer, tmp_path):
    path = tmp_path / "r.pdf"
    path.write_bytes(_report(renderer))
    lines = subprocess.run(
        ["pdffonts", str(path)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    assert lines, "no fonts listed"
    for line in lines:
        name, emb = line.split()[0], line.split()[-5]
        assert emb == "yes", line
        assert "ITA-Thai" in name, line  # the configured Thai font, not a fallback


def test_report_metadata_is_pdfa_with_title_and_author(renderer, tmp_path):
    path = tmp_path / "r.pdf"
    path.write_bytes(_report(renderer))
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert "Author:          องค์การบริหารส่วนตำบลแม่อูคอ" in info
    assert "Title:           รายงานผลการดำเนินการ" in info
    xmp = subprocess.run(["pdfinfo", "-meta", str(path)], capture_output=True, text=True, check=True).stdout
    assert "pdfaid:part" in xmp and "3" in xmp.split("pdfaid:part")[1][:5]


def test_rendering_is_deterministic(renderer):
    assert _report(renderer) == _report(renderer)


def test_user_text_with_html_and_jinja_is_printed_literally(renderer):
    rows = all_sample_rows()
    rows[0] = rows[0].__class__(**{**rows[0].__dict__, "note": "<b>หนา</b> {{ 7*7 }} & ok"})
    text = pdftotext(_report(renderer, rows))
    assert _squash("<b>หนา</b> {{ 7*7 }} & ok") in _squash(text)


def test_thai_digits_leave_web_addresses_working():
    assert thai_digits_text("ดู https://x.go.th/a1 ข้อ 9") == "ดู https://x.go.th/a1 ข้อ ๙"
