"""What a received file's bytes are, checked before any parser sees them: size, type, macros, and a
workbook's zip directory (sheets, parts, the size when opened, compression ratios), read without
inflating anything.  The limits are named in ``model/limits.py``.
"""

from __future__ import annotations

import io
import re
import zipfile

from ita_monitor.intake.columns import SUFFIXES
from ita_monitor.model.errors import Problem
from ita_monitor.model.limits import (
    DEFAULT_MAX_SUBMISSION_BYTES,
    MAX_MEMBERS,
    MAX_OPENED_BYTES,
    MAX_RATIO,
    MAX_SHEETS,
    RATIO_FLOOR_BYTES,
    max_submission_bytes_default,
    size_text,
    too_large_th_en,
)

MAX_FILE_BYTES = DEFAULT_MAX_SUBMISSION_BYTES  # the default of [ita] max_submission_bytes
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, .doc, and password-protected .xlsx
_SHEET = re.compile(r"(?i)^xl/worksheets/[^/]+\.xml$")


def suffix_of(file: str) -> str:
    name = file.rsplit("/", 1)[-1]
    return name[name.rfind(".") :].lower() if "." in name else ""


def kind_of(data: bytes) -> str:
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
_SEND_FORM_TH = "ส่งแบบฟอร์ม .xlsx ที่ได้รับ หรือ"
_SEND_FORM_EN = "send the .xlsx form you were given, or "


def _what_to_do(suffix: str, kind: str) -> tuple[str, str]:
    """What the sender should do, fitting what they meant to send (the suffix) and what came."""
    if suffix == ".xlsx":
        th_do = "เปิดในโปรแกรมตารางคำนวณแล้วบันทึกเป็น .xlsx (Excel Workbook) ใหม่"
        en_do = "open it and save it again as .xlsx (Excel Workbook)"
        if kind == "ole":
            return th_do + " โดยไม่ตั้งรหัสผ่าน", en_do + " without a password"
        if kind == "text":
            return (
                "ถ้าเป็นตาราง CSV ให้เปลี่ยนนามสกุลเป็น .csv ถ้าไม่ใช่ ให้" + th_do,
                "if it is a CSV table, name it .csv; otherwise " + en_do,
            )
        return th_do, en_do
    if suffix == ".csv":
        th_do = _SEND_FORM_TH + "บันทึกตารางเป็น CSV (ไฟล์ข้อความ UTF-8 คั่นด้วยจุลภาค) แล้วส่งใหม่"
        en_do = _SEND_FORM_EN + "save the table as CSV (a UTF-8 text file, comma separated) and send again"
    else:
        th_do = _SEND_FORM_TH + "บันทึกเป็นไฟล์ข้อความ JSON (UTF-8) แล้วส่งใหม่"
        en_do = _SEND_FORM_EN + "save it as a JSON text file (UTF-8) and send again"
    if kind == "zip":
        th_do = "ถ้าเป็นแบบฟอร์ม Excel ให้เปลี่ยนนามสกุลเป็น .xlsx หรือ" + th_do.removeprefix(_SEND_FORM_TH)
        en_do = "if it is the Excel form, name it .xlsx; otherwise " + en_do.removeprefix(_SEND_FORM_EN)
    return th_do, en_do


def not_what_it_says(file: str, suffix: str, kind: str) -> Problem:
    """The bytes are not what the name says; the hint fits what the sender meant to send."""
    th_kind, en_kind = _KIND_TH[kind]
    th_do, en_do = _what_to_do(suffix, kind)
    return Problem(
        file,
        "",
        f"ไฟล์นี้ไม่ใช่ {suffix} ตามนามสกุล แต่เป็น{th_kind}: {th_do}",
        f"the file is not a {suffix} file as its name says but {en_kind}: {en_do}",
    )


def check_bytes(data: bytes, file: str, max_bytes: int | None = None) -> list[Problem]:
    """Checks made before any parser sees the file: size, type, macros, a workbook's zip directory."""
    suffix = suffix_of(file)
    limit = max_bytes or max_submission_bytes_default()
    if len(data) > limit:
        return [Problem(file, "", *too_large_th_en(limit, len(data), exact=True))]
    if suffix in (".xlsm", ".xltm", ".xlsb"):
        return [macro_problem(file)]
    if suffix not in SUFFIXES:
        shown = suffix[:20] or "(ไม่มีนามสกุล)"
        return [
            Problem(
                file,
                "",
                f"ไม่รับไฟล์ชนิด {shown}: ใช้ .xlsx .csv หรือ .json",
                f"unsupported file type {suffix[:20] or '(none)'}: send .xlsx, .csv or .json",
            )
        ]
    if not data:
        return [Problem(file, "", "ไฟล์ว่างเปล่า: ส่งไฟล์ใหม่", "the file is empty: send it again")]
    kind = kind_of(data)
    if suffix == ".xlsx":
        return [not_what_it_says(file, suffix, kind)] if kind != "zip" else check_workbook_zip(data, file)
    return [not_what_it_says(file, suffix, kind)] if kind != "text" else []


def macro_problem(file: str) -> Problem:
    return Problem(
        file,
        "",
        "ไม่รับไฟล์ที่มีมาโคร (.xlsm/VBA): บันทึกเป็น .xlsx (Excel Workbook) แล้วส่งใหม่",
        "macro-enabled workbooks (.xlsm/VBA) are not accepted: save as .xlsx (Excel Workbook) and send again",
    )


def _damaged(file: str) -> Problem:
    return Problem(
        file,
        "",
        "ไฟล์ .xlsx เสียหาย เปิดไม่ได้: บันทึกจากโปรแกรมตารางคำนวณใหม่แล้วส่งอีกครั้ง",
        "the .xlsx file is damaged and cannot be opened: save it again from a spreadsheet program and resend",
    )


def _too_many_sheets(file: str, sheets: int) -> Problem:
    return Problem(
        file,
        "",
        f"สมุดงานมีแผ่นงานมากเกินไป ({sheets:,} แผ่น; รับได้ไม่เกิน {MAX_SHEETS:,} แผ่น): ส่งเฉพาะแผ่นงานของแบบฟอร์ม",
        f"the workbook has too many sheets ({sheets:,}; the limit is {MAX_SHEETS:,}): send only the form's sheet",
    )


def _too_many_parts(file: str, parts: int) -> Problem:
    return Problem(
        file,
        "",
        f"ไฟล์ .xlsx มีส่วนประกอบมากเกินไป ({parts:,} ส่วน; รับได้ไม่เกิน {MAX_MEMBERS:,} ส่วน "
        "ไม่นับแผ่นงาน): บันทึกแบบฟอร์มใหม่โดยไม่มีรูปภาพหรือวัตถุฝัง แล้วส่งอีกครั้ง",
        f"the .xlsx file has too many parts ({parts:,}; the limit is {MAX_MEMBERS:,} besides the sheets): "
        "save the form again without pictures or embedded objects and resend",
    )


def _too_large_opened(file: str, total: int) -> Problem:
    mb = total / (1024 * 1024)
    return Problem(
        file,
        "",
        f"สมุดงานใหญ่เกินไปเมื่อเปิด ({mb:,.0f} MB; รับได้ไม่เกิน {size_text(MAX_OPENED_BYTES)}): "
        "ส่งเฉพาะตารางผลของแบบฟอร์ม ลบแถวและแผ่นงานที่ไม่เกี่ยวข้อง",
        f"the workbook is too large when opened ({mb:,.0f} MB; the limit is {size_text(MAX_OPENED_BYTES)}): "
        "send only the form's results table, without unrelated rows and sheets",
    )


def _bomb(file: str, name: str, ratio: int) -> Problem:
    return Problem(
        file,
        "",
        f"ไฟล์ถูกบีบอัดผิดปกติ (zip bomb: ส่วน {name[:60]} ขยายได้ {ratio:,} เท่า; ปกติไม่เกิน {MAX_RATIO:,} เท่า) "
        "จึงไม่เปิดอ่าน: บันทึกแบบฟอร์มใหม่จากโปรแกรมตารางคำนวณแล้วส่งอีกครั้ง",
        f"the file is compressed abnormally (a zip bomb: part {name[:60]} inflates {ratio:,} times; the limit "
        f"is {MAX_RATIO:,}) and was not opened: save the form again from a spreadsheet program and resend",
    )


def _zip_directory(data: bytes) -> list[zipfile.ZipInfo] | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return z.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return None


def _size_problem(file: str, infos: list[zipfile.ZipInfo]) -> Problem | None:
    """Sheets, parts, the size when opened and each part's ratio, in the order a person would fix them."""
    sheets = sum(1 for i in infos if _SHEET.match(i.filename))
    if sheets > MAX_SHEETS:
        return _too_many_sheets(file, sheets)
    if len(infos) - sheets > MAX_MEMBERS:
        return _too_many_parts(file, len(infos) - sheets)
    for info in infos:
        if info.file_size > RATIO_FLOOR_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            return _bomb(file, info.filename, info.file_size // max(info.compress_size, 1))
    total = sum(i.file_size for i in infos)
    return _too_large_opened(file, total) if total > MAX_OPENED_BYTES else None


def check_workbook_zip(data: bytes, file: str) -> list[Problem]:
    infos = _zip_directory(data)
    if infos is None:
        return [_damaged(file)]
    size = _size_problem(file, infos)
    if size is not None:
        return [size]
    names = {i.filename for i in infos}
    small = {i.filename for i in infos if i.file_size <= RATIO_FLOOR_BYTES}
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        return [macro_problem(file)]
    if not any(n.endswith("workbook.xml") for n in names):
        return [not_what_it_says(file, ".xlsx", "zip")]
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            types = z.read("[Content_Types].xml") if "[Content_Types].xml" in small else b""
    except Exception:  # a damaged member is reported when the workbook is opened
        types = b""
    return [macro_problem(file)] if b"macroEnabled" in types else []
