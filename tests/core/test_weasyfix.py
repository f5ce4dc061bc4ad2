"""Thai survives WeasyPrint 70.0 with ita_monitor.documents.weasyfix: extracted text, line breaks, pixels.

Real PDFs are rendered and read back with poppler's ``pdftotext -raw``, as a reader copying
text out of a published report would.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import unicodedata
from functools import cache
from pathlib import Path

import pytest
import weasyprint

from ita_monitor.documents import weasyfix
from tests.conftest import skip_or_fail

TLWG = Path("/usr/share/fonts/truetype/tlwg")
# Laksaman is the project's font (TLWG's TH Sarabun New); Garuda is a second, sans-serif design
# that positions marks with GPOS offsets instead of precomposed glyphs.
FONTS = {"Laksaman": ("Laksaman.ttf", "Laksaman-Bold.ttf"), "Garuda": ("Garuda.ttf", "Garuda-Bold.ttf")}
SRC = Path(__file__).resolve().parents[2] / "src"


@pytest.fixture(autouse=True)
def _poppler():
    """Every test here reads PDFs back with poppler (skipped without it, failed under CI=true)."""
    if not (shutil.which("pdftotext") and shutil.which("pdftoppm")):
        skip_or_fail("poppler-utils (pdftotext, pdftoppm) is not installed")


# Every consonant ก–ฮ, in the alphabet rhyme taught in schools.
CONSONANTS = (
    "ก ไก่ ข ไข่ ฃ ขวด ค ควาย ฅ คน ฆ ระฆัง ง งู จ จาน ฉ ฉิ่ง ช ช้าง ซ โซ่ ฌ เฌอ ญ หญิง ฎ ชฎา "
    "ฏ ปฏัก ฐ ฐาน ฑ มณโฑ ฒ ผู้เฒ่า ณ เณร ด เด็ก ต เต่า ถ ถุง ท ทหาร ธ ธง น หนู บ ใบไม้ ป ปลา "
    "ผ ผึ้ง ฝ ฝา พ พาน ฟ ฟัน ภ สำเภา ม ม้า ย ยักษ์ ร เรือ ล ลิง ว แหวน ศ ศาลา ษ ฤๅษี ส เสือ "
    "ห หีบ ฬ จุฬา อ อ่าง ฮ นกฮูก"
)
# Every vowel and sign (ะ ั า ำ ิ ี ึ ื ุ ู ฺ เ แ โ ใ ไ ๅ ็ ์ ํ ฯ ๆ ฿), tone mark and digit.
SIGNS = (
    "จะ กัน ตา กำ ค่ำ น้ำ ผู้ ดี กิน ถึง มือ ทุก ดู เก็บ แม่ โต ใจ ไป ฤดู ฤๅ ฦๅ การันต์ "
    "กรุงเทพฯ ต่างๆ นานๆ ค่าธรรมเนียม ฿๑๒๕ บทสวด อรหํ สมฺมาสมฺพุทฺโธ ภควา "
    "ก่อน ก้าว โต๊ะ จ๋า เก๋ ก๊ก ตั๋ว เดี๋ยว ผู้ใหญ่ ผู ผู้ ปู่ ป้า ป๊า ป๋า "
    "พ.ศ. ๒๕๖๘ เลขที่ ๐๑๒๓๔๕๖๗๘๙ โทร. ๐ ๕๓๖๘ ๑๒๓๔"
)
# SARA AM is drawn as NIKHAHIT + SARA AA: these glyphs (and tone marks drawn with them) are shared.
SARA_AM = (
    "ประจำปี สำนักงาน ดำเนินการ เจตจำนง จำนวน กำหนด ตำบล อำเภอ ทำ นำ ต่ำ ซ้ำ ย้ำ ค้ำ ร่ำ ล้ำ "
    "กล้ำ ช้ำ ขำ ดำ รำ งำ ลำ ปลำ อำนาจ คำสั่ง สำรวจ กำกับ ติดตาม ประจำเดือน คำรับรอง"
)
# The same glyphs as า (and as plain tone marks) in ordinary syllables.
SARA_AA = "กา ตา นา น้า ค่า ข้า ปา ซ้า งาน ราคา สาธารณะ ข้าราชการ การ ลา ดา ขา ทา ย่า ร่า ล้า"
CORPUS = "\n".join([CONSONANTS, SIGNS, SARA_AM, SARA_AA])
DOCUMENTS = {
    "corpus": CORPUS,
    "aa-first": f"{SARA_AA}\n{SARA_AM}",  # the glyph's first text is า, then ำ
    "am-first": f"{SARA_AM}\n{SARA_AA}",  # and the other way round
}

PARAGRAPHS = [
    "องค์การบริหารส่วนตำบลได้จัดทำมาตรการส่งเสริมคุณธรรมและความโปร่งใสภายในหน่วยงาน "
    "เพื่อให้การปฏิบัติราชการเป็นไปด้วยความซื่อสัตย์สุจริต โปร่งใส และตรวจสอบได้ "
    "ตามแนวทางการประเมินคุณธรรมและความโปร่งใสในการดำเนินงานของหน่วยงานภาครัฐ ประจำปีงบประมาณ พ.ศ. ๒๕๖๘",
    "การจัดซื้อจัดจ้างของหน่วยงานต้องดำเนินการตามพระราชบัญญัติการจัดซื้อจัดจ้างและการบริหารพัสดุภาครัฐ "
    "พ.ศ. ๒๕๖๐ โดยเปิดเผยแผนการจัดซื้อจัดจ้างประจำปี ผลการจัดซื้อจัดจ้างรายเดือน "
    "และรายงานผลการจัดซื้อจัดจ้างประจำปีต่อสาธารณชนผ่านเว็บไซต์ของหน่วยงาน",
    "การเปิดเผยข้อมูลสาธารณะเป็นหัวใจสำคัญของการบริหารราชการแผ่นดินที่ดี หน่วยงานจึงต้องเผยแพร่ข้อมูลพื้นฐาน "
    "ข้อมูลการบริหารงาน การบริหารงบประมาณ และการบริหารและพัฒนาทรัพยากรบุคคล "
    "ให้ประชาชนสามารถเข้าถึงได้โดยสะดวกและรวดเร็ว",
    "ผู้บริหารท้องถิ่นได้ประกาศเจตจำนงสุจริตในการบริหารงาน "
    "และมอบหมายให้สำนักงานปลัดดำเนินการจัดทำแผนปฏิบัติการป้องกันการทุจริต "
    "รวมถึงการประเมินความเสี่ยงการทุจริตและประพฤติมิชอบ เพื่อป้องกันผลประโยชน์ทับซ้อนของเจ้าหน้าที่",
    "หน่วยงานได้กำหนดช่องทางการรับเรื่องร้องเรียนการทุจริตและประพฤติมิชอบของเจ้าหน้าที่ ทั้งทางโทรศัพท์ "
    "ไปรษณีย์ และระบบรับเรื่องร้องเรียนออนไลน์ โดยคุ้มครองข้อมูลของผู้ร้องเรียนเป็นความลับ "
    "และรายงานผลการดำเนินการเรื่องร้องเรียนให้ผู้บริหารทราบทุกไตรมาส",
    "ในปีงบประมาณที่ผ่านมา "
    "สำนักงานปลัดได้จัดอบรมเสริมสร้างความรู้ความเข้าใจเกี่ยวกับการป้องกันผลประโยชน์ทับซ้อน"
    "ให้แก่พนักงานส่วนตำบลและพนักงานจ้างทุกคน "
    "พร้อมทั้งเผยแพร่คู่มือการปฏิบัติงานและประมวลจริยธรรมของเจ้าหน้าที่ผ่านเว็บไซต์ขององค์การบริหารส่วนตำบล",
    "กองคลังได้รายงานผลการใช้จ่ายงบประมาณประจำปีและผลการจัดซื้อจัดจ้างหรือการจัดหาพัสดุ "
    "โดยระบุชื่อผู้ประกอบการ วงเงินที่จัดซื้อจัดจ้าง และเหตุผลที่คัดเลือก "
    "เพื่อให้ประชาชนสามารถตรวจสอบการใช้จ่ายเงินของแผ่นดินได้อย่างโปร่งใส",
]
WIDTHS_CM = [3 + 12 * i / 19 for i in range(20)]


def html(body: str, family: str = "Laksaman", size: float = 16) -> str:
    regular, bold = (TLWG / name for name in FONTS[family])
    if not (regular.exists() and bold.exists()):
        skip_or_fail(f"font {family} (Debian fonts-thai-tlwg) is not installed")
    return f"""<!doctype html><html lang="th"><head><meta charset="utf-8"><style>
@font-face {{ font-family: ITASarabun; src: url({regular.as_uri()}); }}
@font-face {{ font-family: ITASarabun; font-weight: bold; src: url({bold.as_uri()}); }}
@page {{ size: A4; margin: 1.5cm }}
body {{ font-family: ITASarabun; font-size: {size}pt }}
</style></head><body>{body}</body></html>"""


def paragraphs(text: str, weight: str = "normal") -> str:
    return "".join(f'<p style="font-weight: {weight}">{line}</p>' for line in text.splitlines())


def test_corpus_covers_every_consonant_vowel_sign_tone_mark_and_digit():
    consonants = {chr(c) for c in range(0x0E01, 0x0E2F)}  # ก–ฮ, with ฤ and ฦ
    signs = set("ะัาำิีึืฺุูเแโใไๅ็์ํฯๆ฿่้๊๋")
    digits = {chr(c) for c in range(0x0E50, 0x0E5A)}
    assert (consonants | signs | digits) - set(CORPUS) == set()


def render(source: str, pdf: Path, **options) -> Path:
    weasyfix.apply()
    weasyprint.HTML(string=source).write_pdf(pdf, **options)
    return pdf


def pdftotext(pdf: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-raw", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True
    ).stdout.decode()


def assert_same_text(expected: str, extracted: str) -> None:
    """Compare character by character, ignoring the whitespace and line ends pdftotext adds."""
    want, got = re.sub(r"\s+", "", expected), re.sub(r"\s+", "", extracted)
    if want == got:
        return
    i = next((i for i, (a, b) in enumerate(zip(want, got, strict=False)) if a != b), min(len(want), len(got)))

    def name(text: str) -> str:
        return f"{text!r} ({unicodedata.name(text, '?')})" if text else "end of text"

    pytest.fail(
        f"extracted text differs at character {i}: expected {name(want[i : i + 1])}, got {name(got[i : i + 1])}\n"
        f"  expected …{want[max(0, i - 15) : i + 15]}…\n"
        f"  got      …{got[max(0, i - 15) : i + 15]}…"
    )


@pytest.mark.parametrize("document", DOCUMENTS)
@pytest.mark.parametrize("weight", ["normal", "bold"])
@pytest.mark.parametrize("family", FONTS)
def test_thai_text_extracts_exactly(tmp_path, family, weight, document):
    text = DOCUMENTS[document]
    pdf = render(html(paragraphs(text, weight), family), tmp_path / "out.pdf")
    assert_same_text(text, pdftotext(pdf))


@pytest.mark.parametrize(
    "options", [{"pdf_variant": "pdf/a-3b"}, {"pdf_variant": "pdf/a-1b"}, {"full_fonts": True}], ids=str
)
def test_thai_text_extracts_exactly_with_render_options(tmp_path, options):
    """PDF/A as the reports are published, PDF 1.4 (CIDSet) and unsubsetted fonts (other code path)."""
    body = paragraphs(DOCUMENTS["aa-first"]) + paragraphs(DOCUMENTS["am-first"], "bold")
    pdf = render(html(body), tmp_path / "out.pdf", **options)
    assert_same_text(DOCUMENTS["aa-first"] + DOCUMENTS["am-first"], pdftotext(pdf))


def test_apply_is_idempotent():
    from weasyprint import pdf
    from weasyprint.draw import text
    from weasyprint.layout import inline, preferred
    from weasyprint.pdf import fonts
    from weasyprint.text import line_break

    def installed():
        return [
            text.draw_first_line,
            fonts.Font.get_unused_glyph_id,
            fonts.build_fonts_dictionary,
            fonts._build_vector_font_dictionary,
            line_break.split_first_line,
        ]

    weasyfix.apply()
    first = installed()
    weasyfix.apply()
    weasyfix.apply()
    assert installed() == first
    assert all(getattr(function, "__weasyfix__", False) for function in first)
    # Names copied by "from … import …" were updated too.
    assert inline.split_first_line is preferred.split_first_line is line_break.split_first_line
    assert pdf.build_fonts_dictionary is fonts.build_fonts_dictionary


def test_guard_refuses_another_weasyprint(monkeypatch):
    monkeypatch.setattr(weasyprint, "__version__", "71.0")
    with pytest.raises(RuntimeError, match="pinned to WeasyPrint 70.0"):
        weasyfix.apply()


def test_guard_refuses_changed_code():
    from weasyprint.text import line_break

    with pytest.raises(RuntimeError, match="not the code this patch was written for"):
        weasyfix._patch(line_break, "get_last_word_end", [("ratio = 4", "ratio = 8")])


# Same page rendered in subprocesses, with and without the patch.
SCRIPT = """
import sys
import weasyprint
if sys.argv[1] == "patched":
    from ita_monitor.documents import weasyfix
    weasyfix.apply()
source = open(sys.argv[2], encoding="utf-8").read()
weasyprint.HTML(string=source).write_pdf(sys.argv[3])
weasyprint.HTML(string=source).write_pdf(sys.argv[4], full_fonts=True)
"""
PAGE_TEXT = f"{SARA_AA}\n{SARA_AM}\n{SIGNS}"
MISSING = "漢 กำ 字 กา 龍"  # glyphs in no installed font: .notdef, WeasyPrint's other extra codes


@pytest.fixture(scope="module")
def both_renderings(tmp_path_factory) -> dict[str, tuple[Path, Path]]:
    """``{"patched"|"unpatched": (pdf, pdf with full fonts)}`` of a page: table, bold, Garuda, .notdef."""
    folder = tmp_path_factory.mktemp("weasyfix")
    body = (
        paragraphs(PAGE_TEXT)
        + f'<table style="border-collapse: collapse"><tr><td style="width: 5cm; border: 1px solid">{PARAGRAPHS[1]}'
        f'</td><td style="border: 1px solid"><b>{SARA_AM}</b> <span style="font-family: Garuda">{SIGNS}</span>'
        f"</td></tr></table><p>{MISSING}</p>"
    )
    source = folder / "page.html"
    source.write_text(html(body, size=12), encoding="utf-8")
    result = {}
    for mode in ("patched", "unpatched"):
        pdfs = folder / f"{mode}.pdf", folder / f"{mode}-full.pdf"
        subprocess.run(
            [sys.executable, "-c", SCRIPT, mode, str(source), *map(str, pdfs)],
            check=True,
            capture_output=True,
            env={**os.environ, "PYTHONPATH": str(SRC)},
        )
        result[mode] = pdfs
    return result


def test_unpatched_weasyprint_loses_sara_am(both_renderings):
    """Without apply() the defect is there: the test above proves the fix, not a lucky setup."""
    unpatched = re.sub(r"\s+", "", pdftotext(both_renderings["unpatched"][0]))
    assert unpatched.startswith(re.sub(r"\s+", "", SARA_AA))  # า drawn first extracts fine…
    assert re.sub(r"\s+", "", SARA_AM) not in unpatched  # …but then ำ comes back as า
    assert "ประจาปี" in unpatched and "สานักงาน" in unpatched


def test_patched_page_extracts_exactly(both_renderings):
    for pdf in both_renderings["patched"]:
        assert_same_text(f"{PAGE_TEXT}{PARAGRAPHS[1]}{SARA_AM}{SIGNS}{MISSING}", pdftotext(pdf))


def test_rendering_is_pixel_identical(both_renderings, tmp_path):
    from PIL import Image, ImageChops

    for index in range(2):  # subsetted fonts, full fonts
        images = []
        for mode in ("patched", "unpatched"):
            prefix = tmp_path / f"{mode}-{index}"
            subprocess.run(
                ["pdftoppm", "-r", "50", "-png", str(both_renderings[mode][index]), str(prefix)], check=True
            )
            (png,) = tmp_path.glob(f"{mode}-{index}*.png")
            images.append(Image.open(png).convert("RGB"))
        assert images[0].size == images[1].size
        assert ImageChops.difference(*images).getbbox() is None, "the patch changed the rendering"
        assert images[0].getextrema() != ((255, 255),) * 3, "blank page: nothing was compared"


# Line breaks: boundaries must fall between words.


@cache
def _dictionary() -> frozenset[str]:
    from pythainlp.corpus import thai_words

    return frozenset(thai_words())


@cache
def _is_words(text: str) -> bool:
    """Whether ``text`` splits entirely into dictionary words."""
    words = _dictionary()
    return text in words or any(text[:k] in words and _is_words(text[k:]) for k in range(1, len(text)))


def word_boundaries(paragraph: str) -> set[int]:
    """Allowed line-break offsets in ``paragraph`` with its whitespace removed.

    Offsets of spaces and newmm token boundaries; inside a newmm token only between parts that
    are all dictionary words, as newmm's dictionary has compounds (หน่วยงาน,
    องค์การบริหารส่วนตำบล) that libthai, rightly, breaks between their words.
    """
    from pythainlp.tokenize import word_tokenize

    allowed, position = set(), 0
    for token in word_tokenize(paragraph, engine="newmm", keep_whitespace=True):
        token = re.sub(r"\s+", "", token)
        allowed.update(
            position + k for k in range(1, len(token)) if _is_words(token[:k]) and _is_words(token[k:])
        )
        position += len(token)
        allowed.add(position)
    return allowed


def extracted_lines(pdf: Path) -> list[str]:
    lines: list[str] = []
    for line in re.split(r"[\n\f]", pdftotext(pdf)):
        line = re.sub(r"\s+", "", line)
        # pdftotext starts a new line at a mark raised with a text rise (Garuda's ป้): rejoin it,
        # a line can never start with a combining mark.
        if lines and line and unicodedata.category(line[0]) == "Mn":
            lines[-1] += line
        elif line:
            lines.append(line)
    return lines


def bad_breaks(pdf: Path) -> list[str]:
    """Line breaks inside words, as ``"…before|after… (width)"``."""
    lines, bad = iter(extracted_lines(pdf)), []
    for width in WIDTHS_CM:
        for paragraph in PARAGRAPHS:
            target, allowed, done = re.sub(r"\s+", "", paragraph), word_boundaries(paragraph), ""
            while done != target:
                line = next(lines)
                if done and len(done) not in allowed:
                    bad.append(f"…{done[-10:]}|{line[:10]}… ({width:.2f} cm)")
                done += line
                assert target.startswith(done), f"lines out of step at {width:.2f} cm: {done[-20:]!r}"
    return bad


def line_break_document(family: str, size: float) -> str:
    tables = "".join(
        f'<table><tr><td style="width: {width:.2f}cm">{paragraph}</td></tr></table>'
        for width in WIDTHS_CM
        for paragraph in PARAGRAPHS
    )
    return html(tables, family, size)


# 18 pt reproduces WeasyPrint's bad break (ในกา|ร at 3 cm); 10.65 pt is the reports' body size.
@pytest.mark.parametrize(("family", "size"), [("Laksaman", 18), ("Laksaman", 10.65), ("Garuda", 18)])
def test_thai_never_breaks_inside_a_word(tmp_path, family, size):
    pdf = render(line_break_document(family, size), tmp_path / "out.pdf")
    assert bad_breaks(pdf) == []


def test_line_break_check_catches_the_unpatched_ratio(tmp_path):
    """With WeasyPrint's own ratio (text extraction still fixed) the check above does fail."""
    script = (
        "import sys, weasyprint\n"
        "from weasyprint.layout import inline, preferred\n"
        "from weasyprint.text import line_break\n"
        "original = line_break.split_first_line\n"
        "from ita_monitor.documents import weasyfix\n"
        "weasyfix.apply()\n"
        "line_break.split_first_line = inline.split_first_line = preferred.split_first_line = original\n"
        "weasyprint.HTML(string=sys.stdin.read()).write_pdf(sys.argv[1])\n"
    )
    pdf = tmp_path / "out.pdf"
    subprocess.run(
        [sys.executable, "-c", script, str(pdf)],
        input=line_break_document("Laksaman", 18).encode(),
        check=True,
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(SRC)},
    )
    assert bad_breaks(pdf), "the unpatched line breaking no longer reproduces: is the patch still needed?"
