"""Self-check of a rendered document before anyone is asked to approve it.

The PDF is read back the way a reader's software reads it (poppler's ``pdftotext -raw``, what search
engines and copy-paste see) and compared with the text that went into it: every Thai letter, vowel,
tone mark and digit of every piece of text in the HTML must come back, in order.  Then: every font
is embedded, the PDF/A identification is there, and every link (link annotations, and web addresses
written in the text) is well formed.  A failed check names the page, what was expected and what
was found; the approval step refuses to ask for approval of a document that failed.

Pure: no Airflow; needs poppler-utils (``pdftotext``), like the tests.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
import time
import zlib
from dataclasses import asdict, dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

from ita_monitor.model.thai import thai_digits

# Whitespace and invisible characters: lines wrap and cells split differently from the source.
_SPACE = re.compile(r"[\s\u00a0\u00ad\u200b-\u200d\u2060\ufeff]+")
_URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
_THAI_DIGIT = re.compile(r"[\u0e50-\u0e59]")
_HOST = re.compile(
    r"^(?:[\w-]+\.)+[\w-]{2,}(?::\d{1,5})?$|^localhost(?::\d{1,5})?$|^\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?$"
)
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
CONTEXT = 24  # characters of expected and found text shown in a finding


def squash(text: str) -> str:
    return _SPACE.sub("", text)


@dataclass(frozen=True)
class Finding:
    """One difference: which check, where (page, 1-based; 0 = the whole file), expected, found."""

    check: str  # text | font | pdfa | link
    page: int
    expected: str
    found: str
    th: str
    en: str

    def __str__(self) -> str:
        where = f"หน้า {thai_digits(self.page)} / page {self.page}: " if self.page else ""
        return f"{where}{self.th} / {self.en} — expected «{self.expected}», found «{self.found}»"


@dataclass
class SelfCheck:
    """The result for one PDF."""

    document: str
    ok: bool = True
    pages: int = 0
    characters: int = 0  # characters of text compared
    fonts: list[str] = field(default_factory=list)
    links: int = 0
    seconds: float = 0.0
    findings: list[Finding] = field(default_factory=list)
    # what a person decides before approving, without blocking it (an OIT code of an unverified catalogue)
    flags: list[Finding] = field(default_factory=list)

    def add(self, finding: Finding) -> None:
        self.findings.append(finding)
        self.ok = False

    def as_dict(self) -> dict:
        return asdict(self)

    def summary(self) -> str:
        """One line, Thai and English."""
        if self.ok:
            return (
                f"{self.document}: ผ่าน ({thai_digits(self.pages)} หน้า, ข้อความ {thai_digits(self.characters)}"
                f" ตัวอักษร, ฟอนต์ฝังครบ, PDF/A, ลิงก์ {thai_digits(self.links)}) / passed ({self.pages} pages, {self.characters} characters,"
                f" fonts embedded, PDF/A, {self.links} links)"
            )
        return f"{self.document}: ไม่ผ่าน / failed — " + "; ".join(str(f) for f in self.findings[:5])


# --- OIT codes of an unverified catalogue --------------------------------------------------------

UNVERIFIED_TH = "รหัส OIT จากบัญชีรายการที่ยังไม่ได้ตรวจสอบกับคู่มือของสำนักงาน ป.ป.ช."
UNVERIFIED_EN = "OIT code from an unverified catalogue"


def _code_patterns(code: str) -> list[str]:
    """How a document may print an item code: ``O26`` as typed, or ``ข้อ ๐๒๖`` / ``ข้อ 026``."""
    m = re.fullmatch(r"O(\d+)", code.strip())
    if not m:
        return [re.escape(code)]
    number = m.group(1).zfill(3)
    return [rf"(?<![A-Za-z0-9]){re.escape(code)}(?![0-9])", rf"ข้อ\s*(?:{number}|{thai_digits(number)})"]


def unverified_codes(html: str, catalogue) -> list[Finding]:
    """A flag for each item code of ``catalogue`` the document prints when that catalogue is not
    verified against the year's published list (``verified: false``): a person decides before publishing."""
    if catalogue is None or getattr(catalogue, "verified", True):
        return []
    text = " ".join(expected_text(html))
    out = []
    for item in catalogue.items:
        if any(re.search(p, text) for p in _code_patterns(item.code)):
            out.append(
                Finding(
                    "oit",
                    0,
                    f"oit-{catalogue.fiscal_year}.yaml verified: true",
                    f"{item.code} {item.name} (oit-{catalogue.fiscal_year}.yaml verified: false;"
                    f" source: {catalogue.source or '-'})",
                    UNVERIFIED_TH,
                    UNVERIFIED_EN,
                )
            )
    return out


def with_catalogue_flags(result: SelfCheck, html: str, catalogue) -> SelfCheck:
    """``result`` with a flag for each code of an unverified catalogue the document prints."""
    result.flags.extend(unverified_codes(html, catalogue))
    return result


# --- the text that went in ----------------------------------------------------------------------


class _Text(HTMLParser):
    """The body's text pieces in document order (not <head>, <style>, <script>)."""

    SKIP = {"head", "style", "script", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self.raw: list[str] = []  # the same pieces with their spaces (web addresses end at a space)
        self.skipping = 0
        self.in_body = False

    def handle_starttag(self, tag, attrs):
        if tag == "body":
            self.in_body = True
        elif tag in self.SKIP:
            self.skipping += 1

    def handle_endtag(self, tag):
        if tag in self.SKIP and self.skipping:
            self.skipping -= 1

    def handle_data(self, data):
        if self.in_body and not self.skipping:
            text = squash(data)
            if text:
                self.pieces.append(text)
                self.raw.append(data)


def _parse(html: str) -> _Text:
    parser = _Text()
    parser.feed(html)
    parser.close()
    return parser


def expected_text(html: str) -> list[str]:
    """The text pieces of the HTML's body, whitespace removed, in order."""
    return _parse(html).pieces


# --- the text that came out ---------------------------------------------------------------------


@dataclass
class _Extracted:
    text: str  # all pages, whitespace removed
    line_ends: set[int]  # offsets in text where a line (or page) ends
    page_starts: list[int]  # offset of each page's first character

    def page_of(self, offset: int) -> int:
        page = 0
        for i, start in enumerate(self.page_starts):
            if start <= offset:
                page = i + 1
        return page


_ICC = re.compile(rb"<<([^<>]*/N 3[^<>]*)>>\s*stream\r?\n")


def _without_colour_profile(pdf: bytes) -> bytes:
    """The PDF with its PDF/A output intent's ICC profile blanked (same length, so every offset holds).

    poppler sets up colour management for that profile (about 15 ms of every ``pdftotext`` run,
    most of the self-check of a memo); extracted text never depends on colours.  Only the copy given to
    pdftotext is changed: the PDF/A check reads the PDF as rendered.
    """
    m = _ICC.search(pdf)
    length = re.search(rb"/Length (\d+)", m.group(1)) if m else None
    if not length:
        return pdf
    start, end = m.end(), m.end() + int(length.group(1))
    return pdf[:start] + b"\0" * (end - start) + pdf[end:]


class Reading:
    """``pdftotext -raw`` of a PDF, running in the background (read from a temporary file: faster
    than a pipe).  Start it as soon as a PDF is rendered; ``text()`` waits for it."""

    def __init__(self, pdf: bytes):
        self.pdf = pdf
        folder = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
        self._file = tempfile.NamedTemporaryFile(suffix=".pdf", dir=folder)  # closed in text()
        self._file.write(_without_colour_profile(pdf))
        self._file.flush()
        self._process = subprocess.Popen(
            ["pdftotext", "-raw", "-enc", "UTF-8", self._file.name, "-"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )

    def text(self) -> str:
        try:
            out, err = self._process.communicate()
        finally:
            self._file.close()
        if self._process.returncode:
            raise subprocess.CalledProcessError(self._process.returncode, "pdftotext", out, err)
        return out.decode("utf-8")


def pdftotext(pdf: bytes) -> str:
    """``pdftotext -raw`` of the PDF, as a reader's software extracts it."""
    return Reading(pdf).text()


def _extract(raw: str) -> _Extracted:
    pages = raw.split("\f")
    if pages and not pages[-1].strip():
        pages.pop()
    text, ends, starts = [], set(), []
    offset = 0
    for page in pages:
        starts.append(offset)
        for line in page.split("\n"):
            line = squash(line)
            if line:
                text.append(line)
                offset += len(line)
                ends.add(offset)
    return _Extracted("".join(text), ends, starts)


def _common(x: str, pos: int, rest: str) -> int:
    """Length of the common prefix of ``x[pos:]`` and ``rest``."""
    lo, hi = 0, min(len(rest), len(x) - pos)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if x[pos : pos + mid] == rest[:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


SEED = 12  # characters that start a looked-for part
CANDIDATES = 40  # places tried for each part (repeated text has many)
BUDGET = 400  # places tried for one piece in all


def _match(piece: str, out: _Extracted, start: int) -> tuple[int, int, Finding | None]:
    """Find ``piece`` at or after ``start``: whole, or in parts each ending at a line end (a table row
    split across pages puts other cells, the repeated header and the page number between its parts).

    A part is looked for where its first characters occur; with repeated text (the same sentence in
    several cells) each place is tried, the one matching longest first.
    Returns (end of the first part, characters matched, the difference when it does not match).
    """
    x = out.text
    found = x.find(piece, start)
    if found >= 0:
        return found + len(piece), len(piece), None
    budget = [BUDGET]
    best: list = [(-1, 0, 0)]  # (matched, where the difference is, its length in rest)

    def parts(rest: str, cursor: int, matched: int) -> int | None:
        """End of the first part when ``rest`` matches from ``cursor`` on; None when it does not."""
        seed = rest[:SEED]
        places, pos = [], x.find(seed, cursor)
        while pos >= 0 and len(places) < CANDIDATES:
            places.append((_common(x, pos, rest), pos))
            pos = x.find(seed, pos + 1)
        places.sort(key=lambda p: -p[0])
        for k, pos in places:
            if budget[0] <= 0:
                return None
            budget[0] -= 1
            if k == len(rest):
                return pos + k
            if pos + k in out.line_ends:
                if parts(rest[k:], pos + k, matched + k) is not None:
                    return pos + k
            elif matched + k > best[0][0]:
                best[0] = (matched + k, pos + k, k)
        if not places:  # not even the first characters: where does the longest beginning occur?
            lo, hi, at = 0, len(seed), cursor
            while lo < hi:
                mid = (lo + hi + 1) // 2
                pos = x.find(rest[:mid], cursor)
                if pos >= 0:
                    lo, at = mid, pos
                else:
                    hi = mid - 1
            if matched + lo > best[0][0]:
                best[0] = (matched + lo, at + lo, lo)
        return None

    end = parts(piece, start, 0)
    if end is not None:
        return end, len(piece), None
    matched, where, k = best[0]
    matched = max(matched, 0)
    before = min(6, matched)
    return (
        -1,
        matched,
        Finding(
            "text",
            out.page_of(where),
            piece[matched - before : matched + CONTEXT],
            x[where - before : where + CONTEXT] if k else x[where : where + CONTEXT],
            "ข้อความที่อ่านกลับจาก PDF ไม่ตรงกับที่ใส่ลงไป",
            "text read back from the PDF differs from what went in",
        ),
    )


def _compare(pieces: list[str], out: _Extracted, result: SelfCheck) -> None:
    """Each piece of text must come back.  In order where the page draws in order; a piece drawn out
    of order (positioned boxes are painted after the flow) is looked for from the start."""
    anchor = 0
    for piece in pieces:
        result.characters += len(piece)
        end, matched, finding = _match(piece, out, anchor)
        if finding is None:
            anchor = end
            continue
        end2, matched2, finding2 = _match(piece, out, 0)
        if finding2 is None:
            continue  # out of order: keep the place in the text
        result.add(
            finding if (matched, bool(finding.found)) >= (matched2, bool(finding2.found)) else finding2
        )
        return  # one text difference blocks; the rest would mostly repeat it


# --- fonts, PDF/A, links ------------------------------------------------------------------------


def _objects(pdf: bytes) -> bytes:
    """The file with every Flate stream decompressed after it (object streams hold dictionaries)."""
    out = [pdf]
    for m in re.finditer(rb"stream\r?\n", pdf):
        start = m.end()
        try:
            data = zlib.decompressobj().decompress(pdf[start : start + 4_000_000])
        except zlib.error:
            continue
        if data:
            out.append(data)
    return b"\n".join(out)


def _pdf_string(value: bytes) -> str:
    if value.startswith(b"<"):
        data = bytes.fromhex(value[1:-1].decode("ascii", "replace"))
    else:
        data = re.sub(rb"\\([()\\])", rb"\1", value[1:-1])
    if data.startswith(b"\xfe\xff"):
        return data[2:].decode("utf-16-be", "replace")
    return data.decode("utf-8", "replace")


def link_problem(url: str) -> str:
    """Why ``url`` is not a well-formed link ("" when it is)."""
    if any(c.isspace() for c in url):
        return "มีช่องว่างในลิงก์ / a space inside the link"
    if _THAI_DIGIT.search(url):
        return "มีเลขไทยในลิงก์ (ลิงก์ถูกแปลงตัวเลข) / Thai digits inside the link (its digits were converted)"
    if _BAD_ESCAPE.search(url):
        return "รหัส % ไม่ถูกต้อง / a broken %-escape"
    parts = urlsplit(url)
    if parts.scheme == "mailto":
        return (
            ""
            if re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", parts.path)
            else "ที่อยู่อีเมลไม่ถูกต้อง / bad e-mail address"
        )
    if parts.scheme not in ("http", "https"):
        return f"ใช้ {parts.scheme or 'ไม่มี'} แทน http/https / scheme {parts.scheme or 'missing'}, not http(s)"
    if not _HOST.match(parts.netloc.rsplit("@", 1)[-1]):
        return f"ชื่อโดเมนไม่ถูกต้อง / bad host {parts.netloc!r}"
    return ""


def start(pdf: bytes) -> Reading:
    """Begin the check of a rendered PDF (its read-back runs while the caller renders the next one)."""
    return Reading(pdf)


def check_pdf(pdf: bytes | Reading, html: str, document: str = "") -> SelfCheck:
    """Every check on one rendered PDF (or its started ``Reading``) against the HTML it came from."""
    started = time.perf_counter()
    reading = pdf if isinstance(pdf, Reading) else Reading(pdf)
    pdf = reading.pdf
    result = SelfCheck(document)
    out = _extract(reading.text())
    result.pages = len(out.page_starts)
    text = _parse(html)
    _compare(text.pieces, out, result)

    objects = _objects(pdf)
    descriptors = re.findall(rb"/Type\s*/FontDescriptor(.*?)>>", objects, re.S)
    for d in descriptors:
        name = re.search(rb"/FontName\s*/([^\s/<>\[\]()]+)", d)
        font = name.group(1).decode("latin-1") if name else "?"
        result.fonts.append(font)
        if not re.search(rb"/FontFile[23]?\s", d):
            result.add(Finding("font", 0, font, "not embedded", "ฟอนต์ไม่ได้ฝังในไฟล์", "font is not embedded"))
    if not descriptors and out.text:
        result.add(Finding("font", 0, "embedded fonts", "none", "ไม่พบฟอนต์ที่ฝังไว้", "no embedded font"))
    if not (re.search(rb"pdfaid:part", objects) and re.search(rb"/OutputIntents", objects)):
        result.add(
            Finding(
                "pdfa",
                0,
                "pdfaid:part, /OutputIntents",
                "missing",
                "ไม่มีข้อมูลระบุ PDF/A (metadata)",
                "PDF/A identification or output intent missing",
            )
        )

    uris = [
        _pdf_string(m.group(1))
        for m in re.finditer(rb"/URI\s*(\((?:\\.|[^\\)])*\)|<[0-9A-Fa-f\s]*>)", objects)
    ]
    written = [m.group(0).rstrip(".,;:)]") for piece in text.raw for m in _URL.finditer(piece)]
    result.links = len(uris) + len(written)
    for url in [*uris, *written]:
        problem = link_problem(url)
        if problem:
            at = out.text.find(squash(url))
            result.add(
                Finding(
                    "link", out.page_of(at) if at >= 0 else 0, url, problem, "ลิงก์ไม่ถูกต้อง", "malformed link"
                )
            )
    result.seconds = round(time.perf_counter() - started, 4)
    return result


# --- what a failed check stops ------------------------------------------------------------------


class SelfCheckFailed(Exception):
    """A rendered document failed its self-check: nobody is asked to approve it, nothing is published."""


def refusal(entry, what_th: str, what_en: str) -> str:
    """The message that stops approval (and publishing) of ``entry`` (a ``status.SelfCheckRecord``,
    or None for documents rendered before the self-check existed); "" when nothing stops it."""
    if entry is None or entry.ok:
        return ""
    lines = [
        f"เอกสาร{what_th}ไม่ผ่านการตรวจก่อนอนุมัติ จึงยังไม่ขออนุมัติและไม่เผยแพร่: แก้ข้อมูลแล้วสั่งรันใหม่ /"
        f" {what_en} failed the self-check before approval, so approval is not asked and nothing is"
        " published: fix the input and rerun.",
        *(f"- {line}" for line in entry.blocking()),
    ]
    return "\n".join(lines)
