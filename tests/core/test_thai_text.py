"""Units' text as written, Thai digits where a clerk writes them, numbers that stay with their words.

Every rule is checked on the rendered PDF read back with poppler, as a clerk or an assessor reads it.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import replace

import pytest
import yaml

from ita_monitor.documents import render
from ita_monitor.documents.render import Renderer
from ita_monitor.model.config import AgenciesDir
from ita_monitor.model.rounds import Round
from ita_monitor.model.thai import number_phrases, thai_digits_in_prose
from tests.conftest import AGENCIES, pdftotext
from tests.core.test_submissions import all_sample_rows
from tests.core.test_weasyfix import WIDTHS_CM, extracted_lines, word_boundaries

D = AgenciesDir(AGENCIES)
RND = Round(2565, 12)

# (what a unit typed, what the report prints by default)
CASES = [
    ("ประกาศ 6 ฉบับ", "ประกาศ ๖ ฉบับ"),
    ("alert(1)", "alert(1)"),
    ("{{ 7*7 }}", "{{ 7*7 }}"),
    ("{{ 7 }}", "{{ 7 }}"),
    ("ได้รับการรับรอง ISO 9001 แล้ว 2 ระบบ", "ได้รับการรับรอง ISO 9001 แล้ว ๒ ระบบ"),
    ("ตามข้อ O42 และ O43", "ตามข้อ O42 และ O43"),
    (
        "หลักฐาน https://www.maeukho.go.th/2568/03/report.pdf หน้า 3",
        "หลักฐาน https://www.maeukho.go.th/2568/03/report.pdf หน้า ๓",
    ),
    ("ส่งที่ kong2568@maeukho.go.th ภายใน 15 วัน", "ส่งที่ kong2568@maeukho.go.th ภายใน ๑๕ วัน"),
    ("โทร. 053-681-234 หรือ 08 1234 5678", "โทร. 053-681-234 หรือ 08 1234 5678"),
    ("ร้อยละ 100 ของ 1,234.50 บาท", "ร้อยละ ๑๐๐ ของ ๑,๒๓๔.๕๐ บาท"),
    ("ที่ มส 74701.5/123 ลงวันที่ 10 มกราคม 2565", "ที่ มส ๗๔๗๐๑.๕/๑๒๓ ลงวันที่ ๑๐ มกราคม ๒๕๖๕"),
]


@pytest.mark.parametrize(("typed", "printed"), CASES)
def test_thai_digits_in_prose_only(typed, printed):
    assert thai_digits_in_prose(typed) == printed


def squash(text: str) -> str:
    return "".join(text.split())


@pytest.fixture(scope="module")
def renderer() -> Renderer:
    return Renderer()


def _report_with(renderer, agency, texts: list[str]) -> str:
    """The round-12 report of one unit row holding ``texts`` (spread over its cells), read back."""
    fields = ("details", "period", "output", "outcome", "note")
    rows = [
        replace(all_sample_rows()[0], **{f: "\n".join(texts[i :: len(fields)]) for i, f in enumerate(fields)})
    ]
    plan = D.plan("mae-u-kho", 2565)
    html = renderer.round_report_html(agency, plan, D.catalogue(2565), RND, rows, RND.due_at(15).date())
    return squash(pdftotext(renderer.pdf(html)))


def test_report_prints_units_text_with_thai_digits_in_prose_only(renderer):
    text = _report_with(renderer, D.agency("mae-u-kho"), [typed for typed, _ in CASES])
    for _, printed in CASES:
        assert squash(printed) in text, printed
    assert squash("https://www.maeukho.go.th/2568/03/report.pdf") in text  # the link still works


def test_agency_setting_prints_units_text_exactly_as_written(renderer, tmp_path):
    shutil.copytree(AGENCIES, tmp_path / "agencies")
    path = tmp_path / "agencies" / "mae-u-kho" / "agency.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["units_text"] = "as_written"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    agency = AgenciesDir(tmp_path / "agencies").agency("mae-u-kho")
    assert agency.units_text == "as_written"
    text = _report_with(renderer, agency, [typed for typed, _ in CASES])
    for typed, _ in CASES:
        assert squash(typed) in text, typed
    assert squash("ประกาศ ๖ ฉบับ") not in text
    # the agency's own words (title, round, dates) still in Thai digits
    assert "รอบ๑๒เดือน" in text and "ประจำปีงบประมาณพ.ศ.๒๕๖๕" in text


def test_an_unknown_units_text_setting_is_refused(tmp_path):
    from ita_monitor.model.parsing import parse_agency

    shutil.copytree(AGENCIES / "mae-u-kho", tmp_path / "mae-u-kho")
    path = tmp_path / "mae-u-kho" / "agency.yaml"
    path.write_text(path.read_text(encoding="utf-8") + "units_text: arabic\n", encoding="utf-8")
    agency, problems = parse_agency(path)
    assert agency is None and [p.where for p in problems] == ["units_text"]


# --- numbers that stay with their words, at many widths ------------------------------------------

KEPT = ["พ.ศ. ๒๕๖๘", "รอบ ๖ เดือน", "ข้อ ๑", "ร้อยละ ๑๐๐", "๑๕ วัน", "วันที่ ๑๐ มกราคม ๒๕๖๕"]
PARAGRAPH = (
    "ตามประกาศขององค์การบริหารส่วนตำบล พ.ศ. ๒๕๖๘ หน่วยงานผู้รับผิดชอบรายงานผลการดำเนินการ รอบ ๖ เดือน "
    "ตามข้อ ๑ ของมาตรการส่งเสริมคุณธรรม ซึ่งดำเนินการแล้วเสร็จร้อยละ ๑๐๐ ภายใน ๑๕ วัน "
    "นับแต่วันที่ ๑๐ มกราคม ๒๕๖๕ และเผยแพร่บนเว็บไซต์หลักของหน่วยงานเรียบร้อยแล้ว"
)


def test_the_phrases_are_found():
    assert [PARAGRAPH[a:b] for a, b in number_phrases(PARAGRAPH)] == KEPT


def _cells_document() -> str:
    cells = "".join(
        f'<table><tr><td style="width: {w:.2f}cm; padding: 0">{PARAGRAPH}</td></tr></table>'
        for w in WIDTHS_CM
    )
    return f'<!DOCTYPE html><html lang="th"><head><meta charset="utf-8"></head><body>{cells}</body></html>'


def _split_phrases(pdf: bytes, path) -> list[str]:
    """Each phrase that a line break cut, as ``before|after``."""
    path.write_bytes(pdf)
    lines = [line for line in extracted_lines(path) if not re.fullmatch(r"-[๐-๙]+-", line)]  # page numbers
    whole = "".join(lines)
    assert whole.count(squash(PARAGRAPH)) == len(WIDTHS_CM), "a paragraph did not come back whole"
    split = []
    for phrase in map(squash, KEPT):
        on_one_line = sum(line.count(phrase) for line in lines)
        if on_one_line != whole.count(phrase):
            split += [
                f"{a[-len(phrase) :]}|{b[: len(phrase)]}"
                for a, b in zip(lines, lines[1:], strict=False)
                if phrase not in a and phrase not in b and phrase in a[-len(phrase) :] + b[: len(phrase)]
            ] or [phrase]
    return split


def test_no_line_break_inside_a_number_and_its_word_at_any_width(renderer, tmp_path):
    assert _split_phrases(renderer.pdf(_cells_document()), tmp_path / "kept.pdf") == []


def test_the_check_catches_breaks_without_the_nowrap_spans(renderer, tmp_path, monkeypatch):
    """The same cells rendered without keeping: lines do break inside some phrases."""
    monkeypatch.setattr(render, "keep_numbers_together", lambda html: html)
    assert _split_phrases(renderer.pdf(_cells_document()), tmp_path / "plain.pdf")


def test_nowrap_spans_only_touch_body_text():
    html = (
        "<html><head><title>พ.ศ. ๒๕๖๘</title><style>p { margin: 0 }</style></head>"
        '<body><p title="ข้อ ๑">ข้อ ๑ &amp; ๑๕ วัน</p></body></html>'
    )
    out = render.keep_numbers_together(html)
    assert out.startswith("<html><head><title>พ.ศ. ๒๕๖๘</title>")
    assert '<p title="ข้อ ๑">' in out
    assert re.findall(r'<span style="white-space: nowrap">([^<]*)</span>', out) == ["ข้อ ๑", "๑๕ วัน"]


def test_the_nowrap_spans_never_make_a_line_break_inside_a_word(renderer, tmp_path):
    """Keeping numbers with their words moves breaks, but only to other word boundaries."""
    path = tmp_path / "kept.pdf"
    path.write_bytes(renderer.pdf(_cells_document()))
    lines = [line for line in extracted_lines(path) if not re.fullmatch(r"-[๐-๙]+-", line)]
    target, allowed, bad = squash(PARAGRAPH), word_boundaries(PARAGRAPH), []
    lines_iter = iter(lines)
    for width in WIDTHS_CM:
        done = ""
        while done != target:
            line = next(lines_iter)
            if done and len(done) not in allowed:
                bad.append(f"…{done[-10:]}|{line[:10]}… ({width:.2f} cm)")
            done += line
            assert target.startswith(done), f"lines out of step at {width:.2f} cm"
    assert bad == []
