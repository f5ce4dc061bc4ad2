"""The official documents (measures, approval memo, covering memo, round report), read back with poppler.

Every-character extraction (ำ and every other Thai letter, vowel, tone mark and digit) and Thai line
breaks at word boundaries are proved in tests/core/test_weasyfix.py; here each real document gives
back exactly the Thai that went in, and the bad-input, layout and metadata rules of the documents.
"""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest
import yaml

from ita_monitor.documents import context as documents
from ita_monitor.documents.render import Renderer, thai_digits_text
from ita_monitor.flow.yearly import YearJob, render_approval_memo, render_measures
from ita_monitor.model.config import AgenciesDir
from ita_monitor.model.errors import InputError
from ita_monitor.model.parsing import document_problems, parse_agency, parse_plan
from ita_monitor.model.plan import Plan
from ita_monitor.model.rounds import Round
from ita_monitor.model.storage import DataRoot
from tests.conftest import AGENCIES, ROOT, pdftotext
from tests.core.test_submissions import all_sample_rows

D = AgenciesDir(AGENCIES)
SLUG = "mae-u-kho"
PLAN_FILE = AGENCIES / SLUG / "plans" / "2565.yaml"
RND = Round(2565, 12)


def squash(text: str) -> str:
    """Whitespace out (lines wrap and cells split differently from the source), digits as printed."""
    return "".join(thai_digits_text(text).split())


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer()


@pytest.fixture(scope="module")
def sample():
    return D.agency(SLUG), D.plan(SLUG, 2565), D.catalogue(2565)


@pytest.fixture(scope="module")
def pdfs(renderer, sample) -> dict[str, bytes]:
    agency, plan, cat = sample
    on = RND.due_at(15).date()
    return {
        "measures": renderer.pdf(documents.measures_html(renderer, agency, plan, cat)),
        "memo": renderer.pdf(documents.approval_memo_html(renderer, agency, plan)),
        "round_memo": renderer.pdf(documents.round_memo_html(renderer, agency, plan, cat, RND, on)),
        "report": renderer.pdf(renderer.round_report_html(agency, plan, cat, RND, all_sample_rows(), on)),
    }


def _plan_data() -> dict:
    return yaml.safe_load(PLAN_FILE.read_text(encoding="utf-8"))


def _write_plan(tmp_path: Path, data: dict) -> Path:
    path = tmp_path / "2565.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


# --- the sample plan --------------------------------------------------------------------------


def test_sample_plan_analysis_lists_the_seeds_points_to_improve(sample):
    _, plan, cat = sample
    assert [s.name_th for s in plan.analysis.below(cat.pass_level)] == [
        "การใช้อำนาจ",
        "ประสิทธิภาพการสื่อสาร",
        "การป้องกันการทุจริต",
    ]
    assert document_problems(plan, cat, str(PLAN_FILE)) == []  # every one addressed by a measure


def test_indicators_may_be_given_by_name(tmp_path, sample):
    data = _plan_data()
    data["analysis"]["scores"][2]["indicator"] = "การใช้อำนาจ"
    plan, problems = parse_plan(_write_plan(tmp_path, data), sample[0])
    assert problems == [] and plan.analysis.scores[2].indicator == 3


# --- bad input: a clear problem naming file and field, and nothing rendered -----------------------


@pytest.mark.parametrize(
    ("change", "where", "th"),
    [
        (
            lambda d: d["analysis"]["scores"][0].update(indicator="ความพึงพอใจ"),
            "analysis > scores #1 (indicator ความพึงพอใจ) > indicator",
            "ตัวชี้วัด",
        ),
        (
            lambda d: d["analysis"]["scores"][1].update(indicator=11),
            "analysis > scores #2 (indicator 11) > indicator",
            "ตัวชี้วัด",
        ),
        (
            lambda d: d["analysis"]["scores"][4].update(score=101),
            "analysis > scores #5 (indicator 5) > score",
            "๐ ถึง ๑๐๐",
        ),
        (
            lambda d: d["analysis"]["scores"][4].update(score=-3),
            "analysis > scores #5 (indicator 5) > score",
            "๐ ถึง ๑๐๐",
        ),
        (lambda d: d["analysis"]["scores"][5].update(indicator=1), "analysis > scores", "ซ้ำ"),
        (lambda d: d["analysis"].pop("summary"), "analysis > summary", "ขาด"),
        (lambda d: d["memo"].update(preparer={"position": "นักวิเคราะห์"}), "memo > preparer > name", "ขาด"),
        (
            lambda d: d["memo"].update(preparer={"name": " ", "position": "x"}),
            "memo > preparer > name",
            "ว่าง",
        ),
    ],
)
def test_bad_plan_input_names_file_and_field(tmp_path, sample, change, where, th):
    data = _plan_data()
    change(data)
    path = _write_plan(tmp_path, data)
    plan, problems = parse_plan(path, sample[0])
    assert plan is None
    hits = [p for p in problems if p.where == where]
    assert hits, [str(p) for p in problems]
    assert hits[0].file == str(path) and th in hits[0].th and hits[0].en


def test_a_signature_block_without_a_name_in_the_profile_is_refused(tmp_path):
    shutil.copytree(AGENCIES / SLUG, tmp_path / SLUG)
    path = tmp_path / SLUG / "agency.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    del data["officials"]["palad"]["name"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    agency, problems = parse_agency(path)
    assert agency is None
    assert [(p.file, p.where) for p in problems] == [(str(path), "officials > palad > name")]


@pytest.mark.parametrize("section", ["analysis", "memo"])
def test_a_plan_without_analysis_or_memo_serves_rounds_but_not_the_yearly_documents(tmp_path, section):
    agencies = tmp_path / "agencies"
    shutil.copytree(AGENCIES, agencies)
    path = agencies / SLUG / "plans" / "2565.yaml"
    data = _plan_data()
    del data[section]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    dirs = AgenciesDir(agencies)
    assert dirs.plan(SLUG, 2565).measures  # the rounds still read it
    data_root = DataRoot(tmp_path / "data")
    with pytest.raises(InputError) as exc:
        YearJob.load(dirs, SLUG, 2565, data_root)
    [problem] = exc.value.problems
    assert (problem.file, problem.where, problem.severity) == (str(path), section, "error")
    assert not (tmp_path / "data").exists()  # nothing rendered
    # `ita-monitor validate` says it too, as a warning (rounds can run)
    assert any(p.where == section and p.severity == "warning" for p in dirs.validate())


def test_a_point_to_improve_without_a_measure_is_a_warning(tmp_path, sample):
    agency, _, cat = sample
    data = _plan_data()
    for m in data["measures"]:
        m["indicators"] = [i for i in m.get("indicators", []) if i != 7]
    path = _write_plan(tmp_path, data)
    plan, problems = parse_plan(path, agency)
    assert problems == []
    [warning] = document_problems(plan, cat, str(path))
    assert warning.severity == "warning" and warning.where == "analysis > scores #7 (indicator 7)"
    assert "ประสิทธิภาพการสื่อสาร" in warning.th and warning.file == str(path)


def test_a_missing_emblem_file_is_refused_and_an_existing_one_is_drawn(tmp_path, renderer, sample):
    shutil.copytree(AGENCIES / SLUG, tmp_path / SLUG)
    path = tmp_path / SLUG / "agency.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text + "emblem: garuda.png\n", encoding="utf-8")
    agency, problems = parse_agency(path)
    assert [(p.file, p.where) for p in problems] == [(str(path), "emblem")]

    (tmp_path / SLUG / "garuda.png").write_bytes(_png(60, 60))
    agency, problems = parse_agency(path)
    assert problems == [] and Path(agency.emblem).is_absolute()
    pdf = tmp_path / "memo.pdf"
    pdf.write_bytes(renderer.pdf(documents.approval_memo_html(renderer, agency, sample[1])))
    images = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True)
    assert len(images.stdout.splitlines()) == 3  # header lines + the emblem
    words = _words(pdf.read_bytes(), page=1)
    title = next(w for w in words if w[4] == "บันทึกข้อความ")
    assert title[3] - title[1] < 1.5 / 2.54 * 72 + 1  # the title sits on the emblem's 1.5 cm line


def _png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x80\x60\x20" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


# --- searchable text: what went in comes back out ---------------------------------------------


def test_measures_document_gives_back_every_measure_guideline_and_step(pdfs, sample):
    agency, plan, _ = sample
    text = squash(pdftotext(pdfs["measures"]))
    expected = [plan.analysis.summary, *plan.analysis.urgent, *plan.analysis.improve, *plan.analysis.approach]
    for m in plan.measures:
        expected += [m.title, *m.guidelines, *m.steps, *(agency.unit(u).name_th for u in m.units)]
    for heading in ["มาตรการ", "แนวทางปฏิบัติ", "ขั้นตอน/วิธีการปฏิบัติ", "ผู้รับผิดชอบ", "การกำกับติดตาม"]:
        expected.append(heading)
    for s in expected:
        assert squash(s) in text, s
    # the scores, the points to improve and the rounds, all in Thai digits
    for s in ["การใช้อำนาจ๘๑.๓๖", "ประสิทธิภาพการสื่อสาร๗๙.๕๘", "การป้องกันการทุจริต๖๒.๕๐", "รอบ๑เดือน", "พ.ศ.๒๕๖๔"]:
        assert s in text, s
    assert "ตัวชี้วัดที่๑๐การป้องกันการทุจริตได้คะแนน๖๒.๕๐ต่ำกว่าเกณฑ์๘๕" in text


def test_approval_memo_gives_back_header_body_and_every_signer(pdfs, sample):
    agency, plan, _ = sample
    text = squash(pdftotext(pdfs["memo"]))
    o = agency.officials
    expected = [
        "บันทึกข้อความ",
        "ส่วนราชการ" + agency.office_th,
        "ที่" + agency.ref_prefix + "/",
        "วันที่๑๐มกราคม๒๕๖๕",
        "เรื่อง" + plan.memo.subject,
        "เรียนนายกองค์การบริหารส่วนตำบลแม่อูคอ",
        "เรื่องเดิม",
        "ข้อเท็จจริง",
        "ข้อเสนอแนะ",
        *plan.memo.background,
        *plan.memo.facts,
        *(f"{n}. {p}" for n, p in zip("๑๒", plan.memo.proposals, strict=True)),
        plan.memo.closing,
    ]
    for official in (o.preparer, o.head_of_office, o.palad, o.mayor):
        expected += [f"({official.name})", official.position, official.title_prefix]
    expected += ["ความเห็นของหัวหน้าสำนักปลัด", "ความเห็นของปลัดองค์การบริหารส่วนตำบลแม่อูคอ"]
    for s in expected:
        assert squash(s) in text, s


def test_covering_memo_gives_back_the_round_and_its_measures(pdfs, sample):
    agency, plan, _ = sample
    text = squash(pdftotext(pdfs["round_memo"]))
    for s in [
        "เรื่องรายงานผลการดำเนินการตามมาตรการส่งเสริมคุณธรรมและความโปร่งใสภายในหน่วยงานรอบ๑๒เดือน",
        "เมื่อวันที่๑๐มกราคม๒๕๖๕",
        "วันที่๑๖ตุลาคม๒๕๖๕",
        "ข้อO43",  # OIT codes as ITAS writes them, never O๔๓
        *(m.title for m in plan.due_in(12)),
        *(f"({o.name})" for o in (agency.officials.preparer, agency.officials.mayor)),
    ]:
        assert squash(s) in text, s


def test_round_report_gives_back_every_submitted_text(pdfs):
    text = squash(pdftotext(pdfs["report"]))
    for row in all_sample_rows():
        for value in (row.details, row.output, row.outcome):
            assert squash(value) in text, value


@pytest.mark.parametrize("name", ["measures", "memo", "round_memo", "report"])
def test_thai_digits_everywhere_including_page_numbers(pdfs, name):
    text = re.sub(r"\bO\d+\b", "", pdftotext(pdfs[name]))  # OIT codes are written O42, O43
    assert not re.search(r"[0-9]", text), re.findall(r".{10}[0-9].{10}", text)[:3]
    pages = text.count("\f")
    if pages > 1:
        assert "- ๒ -" in text  # the page number of page 2, in Thai digits


def test_user_text_with_html_and_jinja_is_printed_literally(renderer, sample):
    agency, plan, cat = sample
    tricky = "<b>หนา</b> {{ 7*7 }} {% raw %} & ok"
    m0 = plan.measures[0].model_copy(update={"title": tricky, "steps": (tricky,)})
    memo = plan.memo.model_copy(update={"subject": tricky})
    plan = plan.model_copy(update={"measures": (m0, *plan.measures[1:]), "memo": memo})
    literal = squash("<b>หนา</b> {{ 7*7 }} {% raw %} & ok")
    assert literal in squash(pdftotext(renderer.pdf(documents.measures_html(renderer, agency, plan, cat))))
    assert literal in squash(pdftotext(renderer.pdf(documents.approval_memo_html(renderer, agency, plan))))


# --- typography and layout --------------------------------------------------------------------


def _words(pdf: bytes, page: int | None = None) -> list[tuple[float, float, float, float, str]]:
    """(xMin, yMin, xMax, yMax, word) of every word poppler finds, in points."""
    args = ["pdftotext", "-bbox"] + (["-f", str(page), "-l", str(page)] if page else []) + ["-", "-"]
    html = subprocess.run(args, input=pdf, capture_output=True, check=True).stdout.decode()
    return [
        (float(a), float(b), float(c), float(d), w)
        for a, b, c, d, w in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', html
        )
    ]


def test_memo_margins_are_3_cm_left_and_2_cm_right(pdfs):
    cm = 72 / 2.54
    for name in ("memo", "round_memo"):
        words = _words(pdfs[name])
        assert abs(min(w[0] for w in words) - 3 * cm) < 1.5, name
        right = 595.28 - 2 * cm
        assert right - 25 < max(w[2] for w in words) <= right + 1, name  # left-aligned lines reach near it


@pytest.mark.parametrize("name", ["memo", "round_memo"])
def test_the_sample_memos_fit_on_one_a4_page(pdfs, name):
    assert pdftotext(pdfs[name]).count("\f") == 1


def test_a_long_memo_never_leaves_the_last_block_alone_on_a_page(renderer, sample):
    """The last two comment-and-signature blocks sit side by side and keep with the one before."""
    agency, plan, _ = sample
    o = agency.officials
    for extra in range(2, 13, 2):
        memo = plan.memo.model_copy(update={"facts": (*plan.memo.facts, *[plan.memo.facts[0]] * extra)})
        pdf = renderer.pdf(
            documents.approval_memo_html(renderer, agency, plan.model_copy(update={"memo": memo}))
        )
        pages = [squash(p) for p in pdftotext(pdf).split("\f") if p.strip()]
        assert len(pages) == 2, extra
        last = pages[-1]
        for s in (
            f"({o.mayor.name})",
            f"({o.palad.name})",
            "ความเห็นของหัวหน้าสำนักปลัด",
            f"({o.head_of_office.name})",
        ):
            assert squash(s) in last, (extra, s)


def test_no_template_justifies_thai():
    for template in (ROOT / "include" / "templates").glob("*.j2"):
        assert "justify" not in re.sub(r"/\*.*?\*/", "", template.read_text(encoding="utf-8"), flags=re.S)


def test_a_row_split_across_pages_keeps_its_text(renderer, sample):
    agency, plan, cat = sample
    steps = tuple(
        f"ขั้นตอนที่ {i} ผู้รับผิดชอบจัดทำรายงานผลการดำเนินงานตามมาตรการ เผยแพร่บนเว็บไซต์หลักของหน่วยงาน"
        f" และติดตามตรวจสอบสถานะของข้อมูลข่าวสารให้เป็นปัจจุบันทุกเดือน"
        for i in range(1, 31)
    )
    long = plan.measures[1].model_copy(update={"steps": steps})
    plan = plan.model_copy(update={"measures": (plan.measures[0], long, *plan.measures[2:])})
    pdf = renderer.pdf(documents.measures_html(renderer, agency, plan, cat))
    pages = [squash(p) for p in pdftotext(pdf).split("\f") if p.strip()]
    text = "".join(pages)
    for s in (long.title, *long.guidelines, *steps):
        assert squash(s) in text, s
    first = next(i for i, p in enumerate(pages) if squash(steps[0]) in p)
    last = next(i for i, p in enumerate(pages) if squash(steps[-1]) in p)
    assert last > first  # the row did split
    assert squash(long.title) in pages[first]  # and its first cell came with it
    for page in pages[first : last + 1]:
        assert "ขั้นตอน/วิธีการปฏิบัติ" in page  # the header repeats on each page


# --- archival PDF -----------------------------------------------------------------------------


def _catalog_lang(pdf: bytes) -> str:
    for m in re.finditer(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        try:
            data = zlib.decompress(m.group(1))
        except zlib.error:
            continue
        found = re.search(rb"/Type /Catalog.*?/Lang \((\w+)\)", data, re.S)
        if found:
            return found.group(1).decode()
    found = re.search(rb"/Lang \((\w+)\)", pdf)
    return found.group(1).decode() if found else ""


@pytest.mark.parametrize(
    ("name", "title", "subject"),
    [
        ("measures", "มาตรการส่งเสริมคุณธรรมและความโปร่งใสภายในหน่วยงาน ประจำปีงบประมาณ พ.ศ. ๒๕๖๕", "O42 "),
        ("memo", "ขออนุมัติใช้มาตรการส่งเสริมคุณธรรมและความโปร่งใส ประจำปีงบประมาณ พ.ศ. ๒๕๖๕", "บันทึกข้อความ"),
        ("round_memo", "รายงานผลการดำเนินการตามมาตรการ", "บันทึกข้อความ รายงานผล"),
    ],
)
def test_pdfa_3b_with_title_author_subject_and_thai_language(pdfs, tmp_path, name, title, subject):
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdfs[name])
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    assert f"Title:           {title}" in info
    assert "Author:          องค์การบริหารส่วนตำบลแม่อูคอ" in info
    assert f"Subject:         {subject}" in info
    xmp = subprocess.run(["pdfinfo", "-meta", str(path)], capture_output=True, text=True, check=True).stdout
    assert 'pdfaid:part="3"' in xmp and 'pdfaid:conformance="B"' in xmp
    assert _catalog_lang(pdfs[name]) == "th"


# --- the yearly steps over a data root --------------------------------------------------------


def test_yearly_render_is_atomic_and_idempotent(tmp_path, renderer):
    job = YearJob.load(D, SLUG, 2565, DataRoot(tmp_path))
    first = render_measures(job, renderer), render_approval_memo(job, renderer)
    files = {p: p.read_bytes() for p in tmp_path.rglob("*.pdf")}
    assert sorted(p.name for p in files) == ["ita-2565-approval-memo.pdf", "ita-2565-measures.pdf"]
    assert (render_measures(job, renderer), render_approval_memo(job, renderer)) == first
    assert {p: p.read_bytes() for p in tmp_path.rglob("*.pdf")} == files
    assert not list(tmp_path.rglob("*.tmp"))


def test_plan_model_keeps_rounds_working_without_the_new_sections():
    data = _plan_data()
    data.pop("analysis")
    data.pop("memo")
    assert Plan.model_validate(data).due_in(12)
