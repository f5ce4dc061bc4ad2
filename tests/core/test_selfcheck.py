"""The self-check before approval, on real rendered PDFs: what passes, and each defect it must catch."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace

import pytest

from ita_monitor.documents import context as documents
from ita_monitor.documents import selfcheck
from ita_monitor.documents.render import Renderer
from ita_monitor.model.config import AgenciesDir
from ita_monitor.model.rounds import Round
from ita_monitor.model.thai import thai_digits
from tests.conftest import AGENCIES, ROOT
from tests.core.test_submissions import all_sample_rows

D = AgenciesDir(AGENCIES)
RND = Round(2565, 12)


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer()


@pytest.fixture(scope="module")
def htmls(renderer) -> dict[str, str]:
    agency, plan, cat = D.agency("mae-u-kho"), D.plan("mae-u-kho", 2565), D.catalogue(2565)
    on = RND.due_at(15).date()
    return {
        "measures": documents.measures_html(renderer, agency, plan, cat),
        "memo": documents.approval_memo_html(renderer, agency, plan),
        "round_memo": documents.round_memo_html(renderer, agency, plan, cat, RND, on),
        "report": renderer.round_report_html(agency, plan, cat, RND, all_sample_rows(), on),
    }


def _pages(pdf: bytes) -> int:
    info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, text=False, check=True).stdout
    return int(next(line for line in info.decode().splitlines() if line.startswith("Pages:")).split()[1])


@pytest.mark.parametrize("name", ["measures", "memo", "round_memo", "report"])
def test_every_sample_document_passes(renderer, htmls, name):
    pdf = renderer.pdf(htmls[name])
    result = selfcheck.check_pdf(pdf, htmls[name], name)
    assert result.ok, result.summary()
    assert result.findings == [] and result.pages == _pages(pdf)
    assert result.characters > 1000 and any("ITA-Thai" in f for f in result.fonts)
    assert result.as_dict()["ok"] is True and "ผ่าน" in result.summary()


def test_a_changed_character_is_named_with_page_expected_and_found(renderer, htmls):
    """Checked against text that differs by one tone mark on the last page: caught, page named."""
    html = htmls["report"]
    pdf = renderer.pdf(html)
    last = all_sample_rows()[-1].outcome
    assert "่" in last
    changed = html.replace(last, last.replace("่", "้", 1))
    result = selfcheck.check_pdf(pdf, changed, "report")
    assert not result.ok
    [finding] = result.findings
    assert finding.check == "text" and finding.page == result.pages
    assert finding.expected[6] == "้" and finding.found[6] == "่", finding
    assert finding.expected[:6] == finding.found[:6]


# WeasyPrint without ita_monitor.documents.weasyfix: ำ comes back as า (the defect the patch fixes).
UNPATCHED = """
import sys
from ita_monitor.documents import weasyfix
weasyfix.apply = lambda: None
from ita_monitor.documents.render import Renderer
html = open(sys.argv[1], encoding="utf-8").read()
open(sys.argv[2], "wb").write(Renderer().pdf(html))
"""


def test_sara_am_lost_by_unpatched_weasyprint_blocks(htmls, tmp_path):
    source, pdf = tmp_path / "memo.html", tmp_path / "memo.pdf"
    source.write_text(htmls["memo"], encoding="utf-8")
    subprocess.run(
        [sys.executable, "-c", UNPATCHED, str(source), str(pdf)],
        check=True,
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )
    result = selfcheck.check_pdf(pdf.read_bytes(), htmls["memo"], "memo")
    assert not result.ok
    [finding] = result.findings
    assert finding.check == "text" and finding.page == 1
    # the glyph's first text wins: า comes back as ำ (or ำ as า, whichever was drawn first)
    k = next(i for i, (a, b) in enumerate(zip(finding.expected, finding.found, strict=False)) if a != b)
    assert {finding.expected[k], finding.found[k]} == {"ำ", "า"}, finding
    assert "หน้า ๑ / page 1" in str(finding)


def _raw_pdf(html: str, **options) -> bytes:
    import weasyprint

    from ita_monitor.documents import weasyfix

    weasyfix.apply()
    return weasyprint.HTML(string=html).write_pdf(**options)


PAGE = '<!DOCTYPE html><html lang="th"><body><p>ประจำปีงบประมาณ พ.ศ. ๒๕๖๘ ข้อ O42</p></body></html>'


def test_a_font_not_embedded_is_caught(tmp_path):
    pdf = _raw_pdf(PAGE, pdf_variant="pdf/a-3b", uncompressed_pdf=True)
    assert b"/FontFile2" in pdf
    broken = pdf.replace(b"/FontFile2", b"/FontFileX")  # same length: the file stays readable
    assert selfcheck.check_pdf(pdf, PAGE).ok
    result = selfcheck.check_pdf(broken, PAGE)
    assert {f.check for f in result.findings} == {"font"}
    assert all(f.found == "not embedded" for f in result.findings)
    path = tmp_path / "broken.pdf"
    path.write_bytes(broken)
    listing = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    assert " no " in listing  # poppler agrees


def test_missing_pdfa_identification_is_caught():
    result = selfcheck.check_pdf(_raw_pdf(PAGE), PAGE)
    assert [f.check for f in result.findings] == ["pdfa"]


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://www.maeukho.go.th/2568/03/report.pdf", True),
        ("https://www.maeukho.go.th/ita/%E0%B8%81.pdf", True),
        ("mailto:palad@maeukho.go.th", True),
        ("https://www.maeukho.go.th/๒๕๖๘/๐๓/report.pdf", False),  # digits converted: a broken link
        ("https://www.maeukho.go.th/a%2.pdf", False),
        ("http:/www.maeukho.go.th", False),
        ("ftp://www.maeukho.go.th/x", False),
        ("https://maeukho/x", False),
    ],
)
def test_links_must_be_well_formed(renderer, url, ok):
    html = (
        f'<!DOCTYPE html><html lang="th"><body><p>หลักฐาน <a href="{url}">เอกสาร</a></p>'
        f"<p>ดูที่ {url}</p></body></html>"
    )
    result = selfcheck.check_pdf(renderer.pdf(html), html)
    assert result.links >= 1
    assert result.ok is ok, result.summary()
    if not ok:
        assert {f.check for f in result.findings} == {"link"}
        assert all(f.expected == url for f in result.findings)


def test_the_long_agency_report_passes_and_gives_back_its_10000_character_cells(renderer, tmp_path):
    """Long unit names, two units on one measure, a 10,000-character cell split over many pages."""
    from ita_monitor.flow.pipeline import RoundJob, check_round, collect, render_report
    from ita_monitor.model.storage import DataRoot, read_json
    from ita_monitor.model.thai import thai_digits_in_prose
    from tests.synthetic_agency import long_text, make_long_agency

    data = DataRoot(tmp_path / "data")
    slug = make_long_agency(tmp_path / "agencies", data.root)
    job = RoundJob.load(AgenciesDir(tmp_path / "agencies"), slug, RND, data)
    collect(job)
    check_round(job)
    assert ("finance", "M1") in check_round(job).due and ("palad", "M1") in check_round(job).due
    report = render_report(job, renderer)
    entry = read_json(data.status(slug, RND))["selfcheck"]
    assert entry["ok"], entry
    assert entry["documents"]["report"]["pages"] > 10
    text = selfcheck.squash(selfcheck.pdftotext(open(report["path"], "rb").read()))
    cell = selfcheck.squash(thai_digits_in_prose(long_text()))
    assert cell[:200] in text and cell[-200:] in text


def test_yearly_documents_record_their_check_and_a_failed_one_blocks_approval_and_publishing(
    renderer, tmp_path
):
    """The plan's status holds both documents' checks; the approver's summary shows them; a link typed
    with Thai digits in a measure fails the check, names it, and stops publishing."""
    from ita_monitor.documents.selfcheck import SelfCheckFailed, refusal
    from ita_monitor.flow.yearly import YearJob, publish_measures, render_approval_memo, render_measures
    from ita_monitor.model import status
    from ita_monitor.model.storage import DataRoot
    from ita_monitor.publish.static import StaticSitePublisher
    from ita_monitor.views.approval_text import plan_approval_summary
    from ita_monitor.views.pdf_files import plan_files

    data = DataRoot(tmp_path / "data")
    job = YearJob.load(D, "mae-u-kho", 2565, data)
    render_measures(job, renderer)
    render_approval_memo(job, renderer)
    entry = status.load_plan(data, "mae-u-kho", 2565).selfcheck
    assert entry.ok and set(entry.documents) == {"measures", "approval_memo"}
    summary = plan_approval_summary(job.agency, job.plan, plan_files(data, "mae-u-kho", 2565), "/f", entry)
    pages = entry.documents["measures"].pages  # the analysis carries the score chart (issue 15)
    assert "self-check: ผ่าน / passed ✔" in summary and f"measures {thai_digits(pages)} หน้า" in summary
    assert refusal(entry, "มาตรการ", "the measures") == ""

    bad = "ดูรายละเอียดที่ https://www.maeukho.go.th/๒๕๖๕/m1.pdf"
    m0 = job.plan.measures[0].model_copy(update={"guidelines": (*job.plan.measures[0].guidelines, bad)})
    job = replace(job, plan=job.plan.model_copy(update={"measures": (m0, *job.plan.measures[1:])}))
    render_measures(job, renderer)
    entry = status.load_plan(data, "mae-u-kho", 2565).selfcheck
    assert not entry.ok and entry.documents["approval_memo"].ok  # the memo's result is kept
    [finding] = entry.documents["measures"].findings
    assert (finding.check, finding.expected) == ("link", "https://www.maeukho.go.th/๒๕๖๕/m1.pdf")
    assert finding.page == 3  # the table of measures (the analysis and its score chart take pages 1-2)
    summary = plan_approval_summary(job.agency, job.plan, plan_files(data, "mae-u-kho", 2565), "/f", entry)
    assert "**ไม่ผ่าน / failed ✘**" in summary and "measures: หน้า ๓ / page 3" in summary
    publisher = StaticSitePublisher(data.root / "site", "", renderer)
    with pytest.raises(SelfCheckFailed, match="m1.pdf"):
        publish_measures(job, publisher)
    assert not (data.root / "site").exists()
    assert publish_measures(job, publisher, dry_run=True)["dry_run"]  # a dry run still says what it would do


def test_the_round_approval_summary_shows_the_self_check(renderer, tmp_path):
    """What Airflow's Required actions shows the approver of a round."""
    import shutil as sh

    from ita_monitor.flow.pipeline import RoundJob, check_round, collect, render_report
    from ita_monitor.model.storage import DataRoot
    from ita_monitor.views.approval_text import approval_summary
    from ita_monitor.views.round_detail import round_detail
    from tests.conftest import SAMPLES

    data = DataRoot(tmp_path / "data")
    sh.copytree(SAMPLES / "mae-u-kho" / "2565" / "round-12", data.inbox("mae-u-kho", RND))
    job = RoundJob.load(D, "mae-u-kho", RND, data)
    collect(job)
    check_round(job)
    render_report(job, renderer)
    text = approval_summary(round_detail(job.agency, job.plan, RND, data), "/ita/files/mae-u-kho")
    assert "- ตรวจเอกสารก่อนอนุมัติ / self-check: ผ่าน / passed ✔" in text
    from ita_monitor.views.pdf_files import pdf_pages

    pages = pdf_pages(data.report("mae-u-kho", RND).read_bytes())  # 12 months: ends with the year's chart
    assert f"  - report {thai_digits(pages)} หน้า" in text and "  - memo ๑ หน้า" in text


# --- long cells (issue 23): the whole text in reading order, whatever the pages do to it ----------

PHRASES = (
    "การจัดซื้อจัดจ้าง",
    "ประกาศผลการจัดซื้อ",
    "ช่องทางร้องเรียนการทุจริตและประพฤติมิชอบ",
    "เผยแพร่ข้อมูลข่าวสาร",
    "ประชุมคณะกรรมการ ครั้งที่ 3/2565",
    "รายงานผลการดำเนินงาน",
    "อบรมเจ้าหน้าที่ 45 คน",
    "แผนปฏิบัติการป้องกันการทุจริต",
    "https://www.maeukho.go.th/ita/2565",
    "ติดตามประเมินผล",
)


def long_cell(length: int, seed: int) -> str:
    """Thai of ``length`` characters made of the phrases a unit repeats, numbered so no stretch repeats."""
    import random

    pick, out, n = random.Random(seed), [], 0
    while sum(map(len, out)) < length:
        n += 1
        out.append(f"ขั้นที่ {seed * 100_000 + n} {pick.choice(PHRASES)}{pick.choice(['', ' '])}")
    return "".join(out)[:length]


@pytest.fixture(scope="module")
def long_report(renderer) -> tuple[str, bytes]:
    """10,000 characters in the wide column (รายละเอียด), 4,000 and 10,000 in the narrow ones (ผลผลิต,
    ผลลัพธ์) of two rows, 32,767 (the most a cell may hold) in another row's details."""
    rows = all_sample_rows()
    rows[0] = replace(rows[0], details=long_cell(10_000, 1), output=long_cell(4_000, 2))
    rows[1] = replace(rows[1], outcome=long_cell(10_000, 3))
    rows[2] = replace(rows[2], details=long_cell(32_767, 4))
    agency, plan, cat = D.agency("mae-u-kho"), D.plan("mae-u-kho", 2565), D.catalogue(2565)
    html = renderer.round_report_html(agency, plan, cat, RND, rows, RND.due_at(15).date())
    return html, renderer.pdf(html)


def test_long_cells_at_several_widths_pass_the_self_check(long_report):
    html, pdf = long_report
    result = selfcheck.check_pdf(pdf, html, "report")
    assert result.ok, result.summary()
    assert result.pages > 20 and result.characters > 50_000


def _page_of(pdf: bytes, context: str) -> int:
    from ita_monitor.documents import textmatch

    out = textmatch.extract(selfcheck.pdftotext(pdf))
    at = out.text.find(selfcheck.squash(context))
    assert at >= 0
    return out.page_of(at + len(selfcheck.squash(context)) - 1)


@pytest.mark.parametrize("change", ["dropped", "altered", "reordered"])
@pytest.mark.parametrize(("row", "field", "fraction"), [(1, "outcome", 0.7), (2, "details", 0.55)])
def test_a_changed_character_deep_in_a_long_cell_is_named_with_its_page(
    long_report, change, row, field, fraction
):
    """Checked against text with one character dropped, altered or two swapped far into a long cell:
    caught, on the page where that character is printed, with what was expected and what was found."""
    from ita_monitor.model.thai import thai_digits_in_prose

    html, pdf = long_report
    source = {(1, "outcome"): long_cell(10_000, 3), (2, "details"): long_cell(32_767, 4)}[(row, field)]
    cell = thai_digits_in_prose(source)  # as the report prints it
    i = int(len(cell) * fraction)
    while not (
        "\u0e01" <= cell[i] <= "\u0e2e" and "\u0e01" <= cell[i + 1] <= "\u0e2e" and cell[i] != cell[i + 1]
    ):
        i += 1  # two different Thai consonants: each change is visible
    changed = {
        "dropped": cell[:i] + cell[i + 1 :],
        "altered": cell[:i] + ("ข" if cell[i] != "ข" else "ค") + cell[i + 1 :],
        "reordered": cell[:i] + cell[i + 1] + cell[i] + cell[i + 2 :],
    }[change]
    escaped = __import__("html").escape
    assert html.count(escaped(cell)) == 1
    result = selfcheck.check_pdf(pdf, html.replace(escaped(cell), escaped(changed)), "report")
    assert not result.ok
    [finding] = result.findings
    page = _page_of(pdf, cell[i - 30 : i + 1])
    assert finding.check == "text" and finding.page == page, (finding, page)
    assert finding.expected[:6] == finding.found[:6] and finding.expected[6] != finding.found[6]
    assert f"หน้า {thai_digits(page)} / page {page}" in str(finding)


def test_a_pdf_whose_text_map_was_damaged_is_caught(long_report):
    """One letter's ToUnicode entry changed in the PDF itself (ก read back as ข): caught."""
    import io

    from pypdf import PdfReader, PdfWriter

    html, pdf = long_report
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    damaged = 0
    for page in writer.pages:
        for font in page["/Resources"]["/Font"].values():
            cmap = font.get_object().get("/ToUnicode")
            if cmap is not None and b"<0e01>\n" in cmap.get_object().get_data():
                cmap = cmap.get_object()
                cmap.set_data(cmap.get_data().replace(b"<0e01>\n", b"<0e02>\n"))
                damaged += 1
    assert damaged
    out = io.BytesIO()
    writer.write(out)
    result = selfcheck.check_pdf(out.getvalue(), html, "report")
    assert not result.ok and [f.check for f in result.findings] == ["text"]
    [finding] = result.findings
    k = next(i for i, (a, b) in enumerate(zip(finding.expected, finding.found, strict=False)) if a != b)
    assert (finding.expected[k], finding.found[k]) == ("ก", "ข"), finding


def test_a_pdf_that_cannot_be_read_is_a_finding_not_a_crash():
    pdf = _raw_pdf(PAGE, pdf_variant="pdf/a-3b")
    broken = pdf[: len(pdf) // 2] + b"\x00" * 100 + pdf[len(pdf) // 2 :]
    try:
        result = selfcheck.check_pdf(broken, PAGE)
    except subprocess.CalledProcessError:
        pytest.fail("pdftotext's failure must be a finding")
    assert not result.ok


def test_hyphenation_points_and_page_breaks_in_one_paragraph_pass_and_a_swap_is_caught(renderer):
    """English hyphenated in a narrow column over five pages: the line-end hyphens are not text."""
    words = "internationalization responsibilities accountability transparency incomprehensibility "
    html = (
        '<!DOCTYPE html><html lang="th"><body><p lang="en" style="hyphens: auto; width: 3cm">'
        + words * 40
        + "</p></body></html>"
    )
    pdf = renderer.pdf(html)
    assert "\u2010\n" in selfcheck.pdftotext(pdf)  # WeasyPrint did hyphenate
    result = selfcheck.check_pdf(pdf, html)
    assert result.ok and result.pages >= 4, result.summary()
    swapped = html.replace("bility international", "bility internatoinal", 1)
    [finding] = selfcheck.check_pdf(pdf, swapped).findings
    assert finding.check == "text" and "ternatoinal" in finding.expected
