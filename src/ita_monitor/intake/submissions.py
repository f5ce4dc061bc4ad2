"""Unit submissions: the rows of the results table, read from CSV, XLSX or JSON files.

A unit returns the form it was sent (``unit_forms.py``) or any file with the same columns, in
``inbox/<unit code>/`` of the round.  Every row names a measure by its code (``รหัสมาตรการ``) or its
exact title (``มาตรการ``) and carries the columns of the report's results table.  A file with any
error is rejected as a whole, with every problem listed (file, sheet, row, column, what to do), so
a half-read file never counts; other files are not affected.

Before a workbook is opened its bytes are checked: size, that it really is what its extension says,
no macros, and no zip bomb (declared uncompressed sizes and ratios, read from the zip directory
without inflating anything).
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import itertools
import json
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import date, datetime

from ita_monitor.model.agency import Agency
from ita_monitor.model.errors import Problem, bound_problems, errors_only
from ita_monitor.model.limits import (
    DEFAULT_MAX_SUBMISSION_BYTES,
    MAX_PROBLEMS,
    MAX_ROWS,
    max_submission_bytes_default,
    too_large_th_en,
)
from ita_monitor.model.plan import Plan
from ita_monitor.model.rounds import Round
from ita_monitor.model.thai import arabic_digits, be_year, thai_date

FIELDS = ("status", "details", "period", "output", "outcome", "note", "evidence")
REQUIRED_FIELDS = ("details", "period", "output", "outcome")
FIELD_TH = {
    "code": "รหัสมาตรการ",
    "measure": "มาตรการ",
    "status": "สถานะ",
    "details": "รายละเอียดการดำเนินงาน",
    "period": "ระยะเวลาการดำเนินงาน",
    "output": "ผลผลิต",
    "outcome": "ผลลัพธ์",
    "note": "หมายเหตุ",
    "evidence": "ลิงก์หลักฐาน",
}
STATUS_VALUES = ("ดำเนินการแล้ว", "อยู่ระหว่างดำเนินการ", "ยังไม่ดำเนินการ")
UNIT_LABEL = "รหัสหน่วยงาน"
_ALIASES = {
    "code": ("รหัสมาตรการ", "รหัส", "code", "measure_code"),
    "measure": ("มาตรการ", "measure", "title", "measure_title"),
    "status": ("สถานะ", "สถานะการดำเนินการ", "status"),
    "details": ("รายละเอียดการดำเนินงาน", "รายละเอียด", "details"),
    "period": ("ระยะเวลาการดำเนินงาน", "ระยะเวลา", "period"),
    "output": ("ผลผลิต", "ผลการดำเนินการ (ผลผลิต)", "output", "outputs"),
    "outcome": ("ผลลัพธ์", "ผลการดำเนินการ (ผลลัพธ์)", "outcome", "outcomes"),
    "note": ("หมายเหตุ", "note", "notes"),
    "evidence": ("ลิงก์หลักฐาน", "หลักฐาน", "evidence", "evidence_links", "links"),
}
HEADER_TO_FIELD = {alias.casefold(): name for name, aliases in _ALIASES.items() for alias in aliases}
SUFFIXES = (".csv", ".xlsx", ".json")

# Limits on what is read (limits.py: the one size limit, rows and problems per file).
MAX_FILE_BYTES = DEFAULT_MAX_SUBMISSION_BYTES  # the default of [ita] max_submission_bytes
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024  # all members of a workbook together, as declared
MAX_RATIO = 100  # uncompressed / compressed, for a member above 1 MB uncompressed
MAX_MEMBERS = 1000

_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, .doc, and password-protected .xlsx
_DATE_RE = re.compile(r"(?<![\d๐-๙])([\d๐-๙]{1,4})[/.-]([\d๐-๙]{1,2})[/.-]([\d๐-๙]{1,4})(?![\d๐-๙])")


@dataclass(frozen=True)
class ResultRow:
    """What one unit reports for one measure in one round."""

    unit: str
    measure_code: str
    details: str
    period: str
    output: str
    outcome: str
    note: str
    source: str  # file name it came from
    row: int  # row (or item) number in that file, 1-based as a person counts
    status: str = ""
    evidence: str = ""


@dataclass
class FileOutcome:
    """What happened to one received file."""

    unit: str
    file: str
    sha256: str
    accepted: bool
    rows: int = 0
    problems: list[Problem] = field(default_factory=list)
    version: int = 0  # the unit's version number (intake.py); 0 = not versioned
    received_at: str = ""
    stored_as: str = ""  # path of the kept copy under the round folder
    counts: int = 0  # rows of this version that are the latest valid ones (in use)

    def as_dict(self) -> dict:
        d = asdict(self)
        d["problems"] = [p.as_dict() for p in self.problems]
        return d


@dataclass
class RawRow:
    """One row of a file before it is checked against the plan: field -> text, and where each is."""

    number: int  # as a person counts: sheet/CSV row, or JSON item + 1
    values: dict[str, str]
    places: dict[str, str]  # field -> "sheet 'x', row 5, column C (มาตรการ)" or "rows[0].ผลผลิต"
    where: str  # the row itself
    flagged: frozenset[str] = frozenset()  # fields whose cell was already reported (formula, error value)

    def at(self, name: str) -> str:
        return self.places.get(name, f"{self.where}, {FIELD_TH[name]}")


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return thai_date(value.date())
    if isinstance(value, date):
        return thai_date(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _column_letter(index: int) -> str:
    """0 -> A, 26 -> AA (openpyxl counts from 1)."""
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _problem(file: str, where: str, th: str, en: str) -> Problem:
    return Problem(file, where, th, en)


# --- what the bytes are -------------------------------------------------------------------------


def _suffix(file: str) -> str:
    name = file.rsplit("/", 1)[-1]
    return name[name.rfind(".") :].lower() if "." in name else ""


def _kind(data: bytes) -> str:
    """What the bytes look like, whatever the name says."""
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        return "zip"
    if data.startswith(_OLE):
        return "ole"
    if data.startswith(b"%PDF"):
        return "pdf"
    if data[:1] in (b"{", b"[") or data.lstrip()[:1] in (b"{", b"["):
        return "text"
    if b"\x00" in data[:4096]:
        return "binary"
    return "text"


_KIND_TH = {
    "ole": ("ไฟล์ Excel รุ่นเก่า (.xls) หรือไฟล์ที่ตั้งรหัสผ่าน", "an old Excel .xls or a password-protected file"),
    "pdf": ("ไฟล์ PDF", "a PDF"),
    "zip": ("ไฟล์ zip (เช่น .xlsx หรือ .docx)", "a zip archive (such as .xlsx or .docx)"),
    "binary": ("ไฟล์ไบนารี", "a binary file"),
    "text": ("ไฟล์ข้อความ", "a text file"),
}


def _not_what_it_says(file: str, suffix: str, kind: str) -> Problem:
    """The bytes are not what the name says; the hint fits what the sender meant to send."""
    th_kind, en_kind = _KIND_TH[kind]
    if suffix == ".xlsx":
        th_do = "เปิดในโปรแกรมตารางคำนวณแล้วบันทึกเป็น .xlsx (Excel Workbook) ใหม่"
        en_do = "open it and save it again as .xlsx (Excel Workbook)"
        if kind == "ole":
            th_do += " โดยไม่ตั้งรหัสผ่าน"
            en_do += " without a password"
        elif kind == "text":
            th_do = "ถ้าเป็นตาราง CSV ให้เปลี่ยนนามสกุลเป็น .csv ถ้าไม่ใช่ ให้" + th_do
            en_do = "if it is a CSV table, name it .csv; otherwise " + en_do
    elif suffix == ".csv":
        th_do = "ส่งแบบฟอร์ม .xlsx ที่ได้รับ หรือบันทึกตารางเป็น CSV (ไฟล์ข้อความ UTF-8 คั่นด้วยจุลภาค) แล้วส่งใหม่"
        en_do = (
            "send the .xlsx form you were given, or save the table as CSV (a UTF-8 text file, comma "
            "separated) and send again"
        )
    else:
        th_do = "ส่งแบบฟอร์ม .xlsx ที่ได้รับ หรือบันทึกเป็นไฟล์ข้อความ JSON (UTF-8) แล้วส่งใหม่"
        en_do = "send the .xlsx form you were given, or save it as a JSON text file (UTF-8) and send again"
    if kind == "zip" and suffix != ".xlsx":
        th_do = "ถ้าเป็นแบบฟอร์ม Excel ให้เปลี่ยนนามสกุลเป็น .xlsx หรือ" + th_do.removeprefix(
            "ส่งแบบฟอร์ม .xlsx ที่ได้รับ หรือ"
        )
        en_do = "if it is the Excel form, name it .xlsx; otherwise " + en_do.removeprefix(
            "send the .xlsx form you were given, or "
        )
    return _problem(
        file,
        "",
        f"ไฟล์นี้ไม่ใช่ {suffix} ตามนามสกุล แต่เป็น{th_kind}: {th_do}",
        f"the file is not a {suffix} file as its name says but {en_kind}: {en_do}",
    )


def check_bytes(data: bytes, file: str, max_bytes: int | None = None) -> list[Problem]:
    """Checks made before any parser sees the file: size, type, macros, zip bomb."""
    suffix = _suffix(file)
    limit = max_bytes or max_submission_bytes_default()
    if len(data) > limit:
        return [_problem(file, "", *too_large_th_en(limit, len(data), exact=True))]
    if suffix in (".xlsm", ".xltm", ".xlsb"):
        return [_macro_problem(file)]
    if suffix not in SUFFIXES:
        return [
            _problem(
                file,
                "",
                f"ไม่รับไฟล์ชนิด {suffix or '(ไม่มีนามสกุล)'}: ใช้ .xlsx .csv หรือ .json",
                f"unsupported file type {suffix or '(none)'}: send .xlsx, .csv or .json",
            )
        ]
    if not data:
        return [_problem(file, "", "ไฟล์ว่างเปล่า: ส่งไฟล์ใหม่", "the file is empty: send it again")]
    kind = _kind(data)
    if suffix == ".xlsx":
        if kind != "zip":
            return [_not_what_it_says(file, suffix, kind)]
        return _check_workbook_zip(data, file)
    if kind != "text":
        return [_not_what_it_says(file, suffix, kind)]
    return []


def _macro_problem(file: str) -> Problem:
    return _problem(
        file,
        "",
        "ไม่รับไฟล์ที่มีมาโคร (.xlsm/VBA): บันทึกเป็น .xlsx (Excel Workbook) แล้วส่งใหม่",
        "macro-enabled workbooks (.xlsm/VBA) are not accepted: save as .xlsx (Excel Workbook) and send again",
    )


def _check_workbook_zip(data: bytes, file: str) -> list[Problem]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        return [
            _problem(
                file,
                "",
                "ไฟล์ .xlsx เสียหาย เปิดไม่ได้: บันทึกจากโปรแกรมตารางคำนวณใหม่แล้วส่งอีกครั้ง",
                f"the .xlsx file is damaged and cannot be opened ({exc}): save it again and resend",
            )
        ]
    names = {i.filename for i in infos}
    bomb = _problem(
        file,
        "",
        "ไฟล์ถูกบีบอัดผิดปกติ (zip bomb) จึงไม่เปิดอ่าน: บันทึกแบบฟอร์มใหม่จากโปรแกรมตารางคำนวณแล้วส่งอีกครั้ง",
        "the file is compressed abnormally (a zip bomb) and was not opened: save the form again from a "
        "spreadsheet program and resend",
    )
    if len(infos) > MAX_MEMBERS:
        return [bomb]
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > 1024 * 1024 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            return [bomb]
    if total > MAX_UNCOMPRESSED_BYTES:
        return [bomb]
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        return [_macro_problem(file)]
    if "xl/workbook.xml" not in names and not any(n.endswith("workbook.xml") for n in names):
        kind = "zip"
        return [_not_what_it_says(file, ".xlsx", kind)]
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            types = z.read("[Content_Types].xml") if "[Content_Types].xml" in names else b""
    except Exception:  # a damaged member is reported when the workbook is opened
        types = b""
    if b"macroEnabled" in types:
        return [_macro_problem(file)]
    return []


# --- reading the table --------------------------------------------------------------------------

Cells = list[object]
BadCells = list[tuple[int, str]]  # (column, "formula" | "#REF!" ...)


@dataclass
class _Sheet:
    """One sheet (or the CSV), read lazily: rows are only parsed as far as they are used."""

    name: str  # "" for CSV
    rows: Iterator[tuple[int, Cells, BadCells]]
    delimiter: str = ""  # CSV only


def _decode_csv(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Thai Windows Excel saves CSV in TIS-620/cp874 unless told otherwise.
        return data.decode("cp874")


DELIMITERS = (",", ";", "\t", "|")
_DELIMITER_NAME = {
    ",": ("จุลภาค (,)", "comma (,)"),
    ";": ("อัฒภาค (;)", "semicolon (;)"),
    "\t": ("แท็บ", "tab"),
    "|": ("ขีดตั้ง (|)", "vertical bar (|)"),
}


def _csv_rows(text: str, delimiter: str) -> Iterator[tuple[int, Cells, BadCells]]:
    for number, cells in enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1):
        bad = [(col, "formula") for col, cell in enumerate(cells) if cell.startswith("=") and len(cell) > 1]
        yield number, list(cells), bad


def _sheets_csv(data: bytes) -> list[_Sheet]:
    """The CSV read with its delimiter: the one whose first ten lines give a header row, else the
    one found most often in those lines (Excel saves ``;`` in many locales)."""
    text = _decode_csv(data)
    head = text.splitlines()[:10]
    best, best_score = ",", -1
    for delimiter in DELIMITERS:
        rows = [cells for _, cells, _ in itertools.islice(_csv_rows("\n".join(head), delimiter), 10)]
        found = _find_header([(i + 1, r, []) for i, r in enumerate(rows)])
        score = 1000 if found[0] >= 0 else max((len(r) for r in rows), default=0)
        if score > best_score:
            best, best_score = delimiter, score
    return [_Sheet("", _csv_rows(text, best), best)]


def _dimensions_before_data(self) -> None:
    """openpyxl's ``ReadOnlyWorksheet._get_size`` without reading the whole sheet.

    openpyxl looks for ``<dimension>`` with end events, so a sheet without one (scripts, some
    exports, an 80,000-row attack) is parsed to its end just to learn that; the element comes before
    ``<sheetData>`` by the schema, so looking at start events up to there gives the same answer.
    """
    from openpyxl.worksheet.dimensions import SheetDimension
    from openpyxl.xml.constants import SHEET_MAIN_NS
    from openpyxl.xml.functions import iterparse

    src = self._get_source()
    try:
        for _event, element in iterparse(src, events=("start",)):
            if element.tag == f"{{{SHEET_MAIN_NS}}}dimension":
                bounds = SheetDimension.from_tree(element).boundaries
                if bounds is not None:
                    self._min_column, self._min_row, self._max_column, self._max_row = bounds
                return
            if element.tag == f"{{{SHEET_MAIN_NS}}}sheetData":
                return
    finally:
        src.close()


def _sheets_xlsx(data: bytes) -> Iterator[_Sheet]:
    import openpyxl  # imported here: only XLSX files need it
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    ReadOnlyWorksheet._get_size = _dimensions_before_data  # the same dimensions, found without a full parse
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    try:
        for ws in book.worksheets:
            if getattr(ws, "sheet_state", "visible") != "visible":
                continue
            ws.reset_dimensions()  # some writers (Google Sheets, scripts) declare wrong dimensions
            yield _Sheet(ws.title, _xlsx_rows(ws))
    finally:
        book.close()


def _xlsx_rows(ws) -> Iterator[tuple[int, Cells, BadCells]]:
    for number, row in enumerate(ws.iter_rows(), start=1):
        values: Cells = []
        bad: BadCells = []
        for col, cell in enumerate(row):
            kind = getattr(cell, "data_type", None)
            value = getattr(cell, "value", None)
            if kind == "f":
                bad.append((col, "formula"))
                value = None
            elif kind == "e":
                bad.append((col, str(value)))
                value = None
            values.append(value)
        yield number, values, bad


_ALIAS_KEYS = sorted(HEADER_TO_FIELD)


@dataclass
class _Header:
    mapping: dict[int, str]  # column -> field, exact names
    near: dict[int, tuple[str, str]]  # column -> (as written, the name it is close to)
    unknown: dict[int, str]  # column -> as written


def _header_of(cells: Cells) -> _Header:
    head = _Header({}, {}, {})
    for col, cell in enumerate(cells):
        text = _text(cell)
        if not text:
            continue
        name = HEADER_TO_FIELD.get(text.casefold())
        if name and name not in head.mapping.values():
            head.mapping[col] = name
            continue
        if name:
            continue  # a second column of the same field: the first one is read
        close = difflib.get_close_matches(text.casefold(), _ALIAS_KEYS, n=1, cutoff=0.75)
        if close:
            head.near[col] = (text, close[0])
        else:
            head.unknown[col] = text
    return head


def _fields(head: _Header) -> set[str]:
    return set(head.mapping.values()) | {HEADER_TO_FIELD[alias] for _, alias in head.near.values()}


def _find_header(rows: list[tuple[int, Cells, BadCells]]) -> tuple[int, _Header]:
    """The header row among ``rows`` (the first ten) counting near misses, and its columns; -1 if none."""
    for pos, (_, cells, _) in enumerate(rows[:10]):
        head = _header_of(cells)
        fields = _fields(head)
        if {"details", "output"} <= fields and ({"code", "measure"} & fields):
            return pos, head
    return -1, _Header({}, {}, {})


def _place(sheet: str, number: int, col: int | None = None, name: str = "") -> str:
    out = f"sheet '{sheet}', row {number}" if sheet else f"row {number}"
    if col is not None:
        out += f", column {_column_letter(col)}"
        if name:
            out += f" ({FIELD_TH.get(name, name)})"
    return out


@dataclass
class FileRows:
    """The rows of one file as read, the unit the file says it is for, and reading problems."""

    rows: list[RawRow]
    problems: list[Problem]
    unit: str = ""  # from the form's unit cell or a JSON "unit"
    unit_where: str = UNIT_LABEL
    missing: frozenset[str] = frozenset()  # fields whose column is not there (already reported)


def _header_problems(file: str, sheet: _Sheet, number: int, head: _Header) -> tuple[list[Problem], set[str]]:
    """Near-miss columns (errors: their text would be lost), missing required ones, unknown ones."""
    problems: list[Problem] = []
    for col, (written, alias) in sorted(head.near.items()):
        field_name = HEADER_TO_FIELD[alias]
        if field_name in head.mapping.values():
            head.unknown[col] = written
            continue
        problems.append(
            _problem(
                file,
                _place(sheet.name, number, col),
                f"ไม่พบคอลัมน์ {alias} พบ {written} แทน: หมายถึง {alias} หรือไม่ แก้หัวคอลัมน์ให้ตรงกับแบบฟอร์ม",
                f"column {alias} not found — found {written}: did you mean {alias}? Correct the header "
                "to match the form",
            )
        )
    missing = {f for f in REQUIRED_FIELDS if f not in _fields(head)}
    for name in REQUIRED_FIELDS:
        if name in missing:
            problems.append(
                _problem(
                    file,
                    _place(sheet.name, number),
                    f"ไม่พบคอลัมน์ {FIELD_TH[name]} ในแถวหัวตาราง: เพิ่มคอลัมน์นี้ หรือคัดลอกหัวตารางจากแบบฟอร์ม",
                    f"column {FIELD_TH[name]} ({name}) not found in the header row: add it, or copy the "
                    "form's header row",
                )
            )
    if head.unknown:
        listed = ", ".join(f"{_column_letter(c)} ({t})" for c, t in sorted(head.unknown.items()))
        problems.append(
            Problem(
                file,
                _place(sheet.name, number),
                f"ไม่รู้จักคอลัมน์ {listed} จึงไม่ได้อ่าน: ใช้หัวคอลัมน์ {', '.join(FIELD_TH.values())}",
                f"unknown columns {listed} were not read: the columns are {', '.join(FIELD_TH.values())}",
                severity="warning",
            )
        )
    near_fields = {HEADER_TO_FIELD[a] for _, a in head.near.values()} - set(head.mapping.values())
    return problems, missing | near_fields


def _cell_problem(file: str, where: str, what: str) -> Problem:
    if what == "formula":
        return _problem(
            file,
            where,
            "ช่องนี้เป็นสูตร: คัดลอกแล้ววางแบบค่า (Paste Special > Values) หรือพิมพ์ข้อความแทน",
            "this cell holds a formula: copy it and paste as values only, or type the text",
        )
    return _problem(
        file,
        where,
        f"ช่องนี้มีค่าผิดพลาด {what}: แก้ให้เป็นข้อความ",
        f"this cell holds the error value {what}: replace it with text",
    )


def _table_rows(sheets: Iterable[_Sheet], file: str) -> FileRows:
    delimiter = ""
    for sheet in sheets:
        delimiter = delimiter or sheet.delimiter
        first = list(itertools.islice(sheet.rows, 10))
        pos, head = _find_header(first)
        if pos < 0:
            continue  # the rest of this sheet is never read
        mapping = head.mapping
        header_number = first[pos][0]
        problems, missing = _header_problems(file, sheet, header_number, head)
        unit, unit_where = "", UNIT_LABEL
        for number, cells, bad in first[: pos + 1]:
            texts = [_text(c) for c in cells]
            for i, t in enumerate(texts[:-1]):
                if (
                    number < header_number
                    and t.casefold() in (UNIT_LABEL, "unit", "unit_code")
                    and texts[i + 1]
                ):
                    unit = texts[i + 1]
                    unit_where = _place(sheet.name, number, i + 1) + f" ({UNIT_LABEL})"
            for col, what in bad:
                if col in mapping:
                    problems.append(_cell_problem(file, _place(sheet.name, number, col, mapping[col]), what))
        out: list[RawRow] = []
        for number, cells, bad in itertools.chain(first[pos + 1 :], sheet.rows):
            values = {name: _text(cells[col]) if col < len(cells) else "" for col, name in mapping.items()}
            flagged = set()
            for col, what in bad:
                problems.append(
                    _cell_problem(file, _place(sheet.name, number, col, mapping.get(col, "")), what)
                )
                if col in mapping:
                    flagged.add(mapping[col])
            if any(values.values()) or flagged:
                if len(out) == MAX_ROWS:
                    problems.append(_too_many_rows(file, _place(sheet.name, number)))
                    break  # the rest is never read
                places = {name: _place(sheet.name, number, col, name) for col, name in mapping.items()}
                out.append(RawRow(number, values, places, _place(sheet.name, number), frozenset(flagged)))
        return FileRows(out, problems, unit, unit_where, frozenset(missing))
    expected = ", ".join(FIELD_TH.values())
    th_sep = en_sep = ""
    if delimiter:
        th_name, en_name = _DELIMITER_NAME[delimiter]
        th_sep = f" (อ่านแบบคั่นด้วย{th_name}; ลองแล้วทั้ง , ; แท็บ และ |)"
        en_sep = f" (read as {en_name} separated; comma, semicolon, tab and | were tried)"
    return FileRows(
        [],
        [
            _problem(
                file,
                "header",
                f"ไม่พบแถวหัวตาราง{th_sep} ต้องมีคอลัมน์: {expected}: ใช้แบบฟอร์มที่ส่งให้ หรือคัดลอกหัวตารางจากแบบฟอร์ม",
                f"no header row found in the first 10 rows of any sheet{en_sep}; expected columns: {expected}: "
                "use the form you were sent, or copy its header row",
            )
        ],
    )


def _too_many_rows(file: str, where: str) -> Problem:
    return _problem(
        file,
        where,
        f"ไฟล์มีแถวที่กรอกไว้เกิน {MAX_ROWS:,} แถว จึงหยุดอ่านที่แถวนี้: แบบฟอร์มมีหนึ่งแถวต่อหนึ่งมาตรการ "
        "ลบแถวที่ซ้ำหรือไม่เกี่ยวข้องแล้วส่งใหม่",
        f"the file has more than {MAX_ROWS:,} filled rows, so reading stopped here: a form has one row per "
        "measure; remove repeated or unrelated rows and send again",
    )


# JSON's syntax messages, said in Thai
_JSON_TH = {
    "Expecting ',' delimiter": "ขาดเครื่องหมายจุลภาค (,) ระหว่างรายการ",
    "Expecting ':' delimiter": "ขาดเครื่องหมายทวิภาค (:) หลังชื่อช่อง",
    "Expecting property name enclosed in double quotes": 'ชื่อช่องต้องอยู่ในเครื่องหมายคำพูดคู่ (") หรือมีจุลภาคเกินก่อนปิดวงเล็บ',
    "Expecting value": "ขาดค่า หรือมีจุลภาคเกิน หรือข้อความไม่อยู่ในเครื่องหมายคำพูดคู่",
    "Unterminated string starting at": "ข้อความไม่มีเครื่องหมายคำพูดปิด",
    "Extra data": "มีข้อมูลเกินหลังจบ JSON",
    "Invalid control character at": "มีอักขระควบคุม (เช่น ขึ้นบรรทัดใหม่) ในข้อความ: ใช้ \\n แทน",
    "Invalid \\escape": "เครื่องหมาย \\ ใช้ผิด",
}


def _json_syntax(file: str, text: str, exc: json.JSONDecodeError) -> Problem:
    th_what = _JSON_TH.get(exc.msg, "รูปแบบไม่ถูกต้อง")
    line = text.splitlines()[exc.lineno - 1] if exc.lineno - 1 < len(text.splitlines()) else ""
    shown = line[max(0, exc.colno - 30) : exc.colno + 10].strip()
    return _problem(
        file,
        f"line {exc.lineno}, column {exc.colno}",
        f"ไฟล์ JSON ผิดรูปแบบที่บรรทัด {exc.lineno} ตำแหน่งที่ {exc.colno}: {th_what} (ใกล้ {shown!r}): "
        "แก้แล้วบันทึกเป็น UTF-8",
        f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg} (near {shown!r}): fix it and "
        "save as UTF-8",
    )


def _json_rows(data: bytes, file: str) -> FileRows:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return FileRows(
            [],
            [
                _problem(
                    file,
                    f"byte {exc.start}",
                    f"ไฟล์ JSON ไม่ได้เข้ารหัส UTF-8 (ไบต์ที่ {exc.start}): บันทึกใหม่เป็น UTF-8",
                    f"the JSON file is not UTF-8 (byte {exc.start}): save it again as UTF-8",
                )
            ],
        )
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        return FileRows([], [_json_syntax(file, text, exc)])
    items = doc.get("rows") if isinstance(doc, dict) else doc
    unit = str(doc.get("unit", "")).strip() if isinstance(doc, dict) else ""
    if not isinstance(items, list):
        return FileRows(
            [],
            [
                _problem(
                    file,
                    "",
                    'JSON ต้องเป็นรายการ หรือมี "rows" เป็นรายการ',
                    'JSON must be a list of rows or an object with a "rows" list',
                )
            ],
        )
    out, problems = [], []
    for i, item in enumerate(items):
        if len(out) == MAX_ROWS:
            problems.append(_too_many_rows(file, f"rows[{i}]"))
            break
        if not isinstance(item, dict):
            problems.append(
                _problem(
                    file,
                    f"rows[{i}]",
                    'แต่ละแถวต้องเป็น object เช่น {"รหัสมาตรการ": "M1", ...}',
                    'each row must be an object such as {"code": "M1", ...}',
                )
            )
            continue
        values, places = {}, {}
        for key, value in item.items():
            name = HEADER_TO_FIELD.get(str(key).strip().casefold())
            where = f"rows[{i}].{key}"
            if name is None:
                known = ", ".join(FIELD_TH.values())
                close = difflib.get_close_matches(str(key).strip().casefold(), _ALIAS_KEYS, n=1, cutoff=0.75)
                th_hint = f"หมายถึง {close[0]} หรือไม่: " if close else ""
                en_hint = f"did you mean {close[0]}? " if close else ""
                problems.append(
                    _problem(
                        file,
                        where,
                        f"ไม่รู้จักช่อง {key}: {th_hint}ใช้ชื่อช่อง {known}",
                        f"unknown field {key}: {en_hint}use one of {', '.join(FIELD_TH)}",
                    )
                )
            elif isinstance(value, dict | list):
                problems.append(
                    _problem(
                        file,
                        where,
                        f"ช่อง {key} ต้องเป็นข้อความ",
                        f"field {key} must be text, not a list or object",
                    )
                )
            else:
                if isinstance(value, bool | int | float):
                    shown = json.dumps(value)
                    problems.append(
                        Problem(
                            file,
                            where,
                            f"ช่อง {key} เป็น{'ค่าจริง/เท็จ' if isinstance(value, bool) else 'ตัวเลข'} {shown} "
                            f'ไม่ใช่ข้อความ จึงอ่านเป็นข้อความ "{shown}": ใส่ในเครื่องหมายคำพูดคู่ถ้าตั้งใจให้เป็นข้อความนี้',
                            f"field {key} is a JSON {'boolean' if isinstance(value, bool) else 'number'} {shown}, "
                            f'not text; it was read as the text "{shown}": put it in double quotes if that is meant',
                            severity="warning",
                        )
                    )
                    value = shown
                values[name] = _text(value)
                places[name] = where
        out.append(RawRow(i + 1, values, places, f"rows[{i}]"))
    return FileRows(out, problems, unit)


def read_file(data: bytes, file: str, max_bytes: int | None = None) -> FileRows:
    """The rows of a submission file, checked only for form (not against the plan)."""
    problems = check_bytes(data, file, max_bytes)
    if problems:
        return FileRows([], problems)
    suffix = _suffix(file)
    if suffix == ".json":
        return _json_rows(data, file)
    try:
        sheets = _sheets_csv(data) if suffix == ".csv" else _sheets_xlsx(data)
        try:
            return _table_rows(sheets, file)
        finally:
            getattr(sheets, "close", lambda: None)()  # closes the workbook though not read to the end
    except Exception as exc:  # any parser failure is the sender's file, reported, never a crash
        return FileRows(
            [],
            [
                _problem(
                    file,
                    "",
                    "เปิดไฟล์ไม่ได้ ไฟล์อาจเสียหรือไม่ใช่ชนิดตามนามสกุล: บันทึกจากโปรแกรมตารางคำนวณใหม่แล้วส่งอีกครั้ง",
                    f"cannot read the file; it may be damaged or not what its extension says ({exc}): "
                    "save it again and resend",
                )
            ],
        )


def read_rows(data: bytes, file: str) -> tuple[list[tuple[str, dict[str, str]]], list[Problem]]:
    """The raw rows of a submission file as (where, {field: text}), and any problem reading it."""
    found = read_file(data, file)
    return [(r.where, r.values) for r in found.rows], found.problems


# --- dates in the period column -----------------------------------------------------------------


def _bad_date(text: str) -> str | None:
    """The first date-like token in ``text`` that is not a real date (d/m/y, BE or CE; or ISO)."""
    for m in _DATE_RE.finditer(text):
        a, b, c = (int(arabic_digits(x)) for x in m.groups())
        if len(m.group(1)) == 4:  # ISO: y-m-d
            y, mo, d = a, b, c
        else:
            d, mo, y = a, b, c
        if y < 100:
            y += 2500 if y >= 40 else 2000  # 65 -> 2565, 22 -> 2022
        if y > 2400:
            y -= 543
        try:
            date(y, mo, d)
        except ValueError:
            return m.group(0)
    return None


# --- checking against the plan ------------------------------------------------------------------


def parse_submission(
    data: bytes, file: str, unit: str, plan: Plan, agency: Agency, rnd: Round, max_bytes: int | None = None
) -> tuple[list[ResultRow], list[Problem]]:
    """Validate one unit's file against the plan and the round; rows are only usable if no problems.

    At most ``MAX_PROBLEMS`` problems are returned, then one "and N more like this" per kind.
    """
    rows, problems = _parse_submission(data, file, unit, plan, agency, rnd, max_bytes)
    return rows, bound_problems(problems, MAX_PROBLEMS)


def _parse_submission(
    data: bytes, file: str, unit: str, plan: Plan, agency: Agency, rnd: Round, max_bytes: int | None
) -> tuple[list[ResultRow], list[Problem]]:
    found = read_file(data, file, max_bytes)
    problems = list(found.problems)
    if unit not in agency.unit_codes:
        known = ", ".join(sorted(agency.unit_codes))
        problems.append(
            _problem(
                file,
                "",
                f"ไม่รู้จักหน่วยงานย่อย {unit}: ตรวจชื่อโฟลเดอร์ใน inbox (ใช้ได้: {known})",
                f"unknown unit {unit}: check the inbox folder name (known units: {known})",
            )
        )
    elif found.unit and found.unit != unit:
        problems.append(
            _problem(
                file,
                found.unit_where,
                f"แบบฟอร์มนี้เป็นของหน่วยงาน {found.unit} แต่ส่งมาในโฟลเดอร์ของ {unit}: ใช้แบบฟอร์มของหน่วยงานตนเอง",
                f"this form is for unit {found.unit} but was put in the folder of {unit}: use your own unit's form",
            )
        )
    by_title = {m.title: m for m in plan.measures}
    by_code = {m.code: m for m in plan.measures}
    rows: list[ResultRow] = []
    seen: dict[str, str] = {}
    for raw in found.rows:
        values = raw.values
        code = values.get("code", "")
        measure = by_code.get(code) if code else by_title.get(values.get("measure", ""))
        key_field = "code" if code else "measure"
        if measure is None:
            shown = code or values.get("measure", "")
            problems.append(
                _problem(
                    file,
                    raw.at(key_field),
                    f"ไม่พบมาตรการ {shown!r} ในแผนปี {plan.fiscal_year}: ใช้รหัสมาตรการจากแบบฟอร์มหรือแผน",
                    f"measure {shown!r} is not in the {plan.fiscal_year} plan: use a measure code from "
                    "the form or the plan",
                )
            )
            continue
        if rnd.months not in measure.rounds:
            problems.append(
                _problem(
                    file,
                    raw.at(key_field),
                    f"มาตรการ {measure.code} ไม่ต้องรายงานใน{rnd.short_label_th}: ลบแถวนี้ออก",
                    f"measure {measure.code} does not report in the {rnd.months}-month round: remove this row",
                )
            )
            continue
        if unit in agency.unit_codes and unit not in measure.units:
            owners = ", ".join(measure.units)
            problems.append(
                _problem(
                    file,
                    raw.at(key_field),
                    f"หน่วยงาน {unit} ไม่ได้รับผิดชอบมาตรการ {measure.code}: ลบแถวนี้ ผู้รับผิดชอบคือ {owners}",
                    f"unit {unit} is not responsible for measure {measure.code}: remove this row; "
                    f"it is reported by {owners}",
                )
            )
            continue
        if measure.code in seen:
            problems.append(
                _problem(
                    file,
                    raw.where,
                    f"มาตรการ {measure.code} ซ้ำกับ {seen[measure.code]}: เหลือไว้แถวเดียว",
                    f"measure {measure.code} repeats {seen[measure.code]}: keep one row",
                )
            )
            continue
        seen[measure.code] = raw.where
        inputs = [f for f in FIELDS if values.get(f) or f in raw.flagged]
        if not inputs:
            continue  # a form row left as sent: not reported yet (completeness lists it)
        if inputs == ["status"] and values["status"] == STATUS_VALUES[2]:
            problems.append(
                Problem(
                    file,
                    raw.at("status"),
                    f"มาตรการ {measure.code} แจ้งว่ายังไม่ดำเนินการ จึงยังไม่นับว่าส่งผลรอบนี้",
                    f"measure {measure.code} is marked not started, so it still counts as not reported",
                    severity="warning",
                )
            )
            continue
        row_problems = []
        for name in REQUIRED_FIELDS:
            if not values.get(name) and name not in raw.flagged and name not in found.missing:
                row_problems.append(
                    _problem(
                        file,
                        raw.at(name),
                        f"ยังไม่กรอก{FIELD_TH[name]}ของมาตรการ {measure.code}: กรอกให้ครบ "
                        "หรือเว้นว่างทั้งแถวถ้ายังไม่รายงานรอบนี้",
                        f"{name} of measure {measure.code} is empty: fill it in, or leave the whole row "
                        "empty if you do not report it yet",
                    )
                )
        status = values.get("status", "")
        if status and status not in STATUS_VALUES:
            row_problems.append(
                _problem(
                    file,
                    raw.at("status"),
                    f"สถานะ {status!r} ไม่ถูกต้อง: เลือก {' / '.join(STATUS_VALUES)}",
                    f"status {status!r} is not one of the choices: pick {' / '.join(STATUS_VALUES)} "
                    "from the list",
                )
            )
        bad = _bad_date(values.get("period", ""))
        if bad:
            row_problems.append(
                _problem(
                    file,
                    raw.at("period"),
                    f"วันที่ {bad!r} อ่านไม่ได้หรือไม่มีอยู่จริง: เขียนเป็น วัน/เดือน/ปี พ.ศ. เช่น 15/04/{be_year(rnd.end.year)} "
                    "หรือเป็นข้อความ เช่น เดือนเมษายน",
                    f"the date {bad!r} cannot be read or does not exist: write day/month/year (BE), "
                    f"e.g. 15/04/{be_year(rnd.end.year)}, or text such as a month name",
                )
            )
        problems += row_problems
        if row_problems:
            continue
        rows.append(
            ResultRow(
                unit=unit,
                measure_code=measure.code,
                source=file,
                row=raw.number,
                **{f: values.get(f, "") for f in FIELDS},
            )
        )
    if not rows and not errors_only(problems) and not found.missing:
        problems.append(
            _problem(
                file,
                "",
                "ไม่มีแถวที่กรอกผลไว้: กรอกผลอย่างน้อยหนึ่งมาตรการแล้วส่งใหม่",
                "no row has results filled in: fill in at least one measure and send again",
            )
        )
    return rows, problems


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
