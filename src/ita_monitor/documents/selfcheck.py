"""Self-check of a rendered document before anyone is asked to approve it.

The PDF is read back the way a reader's software reads it (poppler's ``pdftotext -raw``, what search
engines and copy-paste see) and compared with the text that went into it, the whole document in reading
order (``textmatch``: page breaks, hyphenation points, repeated table headers and split table rows
allowed for): every Thai letter, vowel, tone mark and digit of every piece of text in the HTML must
come back, in order.  Then, from the PDF's objects (pypdf): every font is embedded, the PDF/A
identification is there, and every link (link annotations, and web addresses written in the text) is
well formed.  A failed check names the page, what was expected and what was found; the approval step
refuses to ask for approval of a document that failed.

Pure: no Airflow; needs poppler-utils (``pdftotext``), like the tests.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import tempfile
import time
from dataclasses import asdict, dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

from ita_monitor.documents import textmatch
from ita_monitor.documents.textmatch import squash
from ita_monitor.model.thai import thai_digits

_URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)
_THAI_DIGIT = re.compile(r"[\u0e50-\u0e59]")
_HOST = re.compile(
    r"^(?:[\w-]+\.)+[\w-]{2,}(?::\d{1,5})?$|^localhost(?::\d{1,5})?$|^\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?$"
)
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


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


def _compare(pieces: list[str], out: textmatch.Extracted, result: SelfCheck) -> None:
    """The whole text in reading order (``textmatch``); the first difference is a finding."""
    result.characters, mismatch = textmatch.compare(pieces, out)
    if mismatch is not None:
        result.add(
            Finding(
                "text",
                mismatch.page,
                mismatch.expected,
                mismatch.found,
                "ข้อความที่อ่านกลับจาก PDF ไม่ตรงกับที่ใส่ลงไป",
                "text read back from the PDF differs from what went in",
            )
        )


# --- fonts, PDF/A, links ------------------------------------------------------------------------


@dataclass
class _Structure:
    """What the PDF's objects say (read with pypdf): fonts and whether embedded, PDF/A, link targets."""

    fonts: dict[str, bool] = field(default_factory=dict)  # font name -> embedded
    pdfa: bool = False
    uris: list[str] = field(default_factory=list)
    readable: bool = True


def _fonts_of(resources, found: dict[str, bool], seen: set[int]) -> None:
    """Fonts of a resource dictionary, its forms' (XObjects) and composite fonts' descendants."""
    if resources is None or id(resources) in seen:
        return
    seen.add(id(resources))
    resources = resources.get_object()
    for font in (resources.get("/Font") or {}).values():
        font = font.get_object()
        for f in [font, *(d.get_object() for d in font.get("/DescendantFonts") or [])]:
            descriptor = f.get("/FontDescriptor")
            if descriptor is None:
                continue
            descriptor = descriptor.get_object()
            name = str(descriptor.get("/FontName", "?")).lstrip("/")
            embedded = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
            found[name] = found.get(name, True) and embedded
    for xobject in (resources.get("/XObject") or {}).values():
        xobject = xobject.get_object()
        if xobject.get("/Subtype") == "/Form":
            _fonts_of(xobject.get("/Resources"), found, seen)


def _structure(pdf: bytes) -> _Structure:
    from pypdf import PdfReader

    out = _Structure()
    try:
        reader = PdfReader(io.BytesIO(pdf), strict=False)
        root = reader.trailer["/Root"].get_object()
        metadata = root.get("/Metadata")
        xmp = metadata.get_object().get_data() if metadata is not None else b""
        out.pdfa = b"pdfaid:part" in xmp and "/OutputIntents" in root
        seen: set[int] = set()
        for page in reader.pages:
            _fonts_of(page.get("/Resources"), out.fonts, seen)
            for annot in page.get("/Annots") or []:
                action = annot.get_object().get("/A")
                action = action.get_object() if action is not None else {}
                if "/URI" in action:
                    uri = action["/URI"]
                    out.uris.append(uri.decode("utf-8", "replace") if isinstance(uri, bytes) else str(uri))
    except Exception:  # pypdf's errors on a damaged file: the check says so, it never stops
        out.readable = False
    return out


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


def _unreadable(found: str) -> Finding:
    return Finding(
        "pdf",
        0,
        "a readable PDF",
        found,
        "อ่านไฟล์ PDF ไม่ได้ (ไฟล์เสียหาย)",
        "the PDF cannot be read (it is damaged)",
    )


def check_pdf(pdf: bytes | Reading, html: str, document: str = "") -> SelfCheck:
    """Every check on one rendered PDF (or its started ``Reading``) against the HTML it came from."""
    started = time.perf_counter()
    reading = pdf if isinstance(pdf, Reading) else Reading(pdf)
    pdf = reading.pdf
    result = SelfCheck(document)
    text = _parse(html)
    try:
        out = textmatch.extract(reading.text())
    except subprocess.CalledProcessError:  # a damaged file: said, never a crash of the round
        out = textmatch.extract("")
        result.add(_unreadable("poppler (pdftotext) cannot read the file"))
    else:
        _compare(text.pieces, out, result)
    result.pages = len(out.page_starts)

    structure = _structure(pdf)
    if not structure.readable:
        result.add(_unreadable("pypdf cannot read its structure"))
    result.fonts = list(structure.fonts)
    for font, embedded in structure.fonts.items():
        if not embedded:
            result.add(Finding("font", 0, font, "not embedded", "ฟอนต์ไม่ได้ฝังในไฟล์", "font is not embedded"))
    if structure.readable and not structure.fonts and out.text:
        result.add(Finding("font", 0, "embedded fonts", "none", "ไม่พบฟอนต์ที่ฝังไว้", "no embedded font"))
    if structure.readable and not structure.pdfa:
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

    uris = structure.uris
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
