"""A corpus of bad unit files, generated here (no committed binaries), for the exact-message tests."""

from __future__ import annotations

import io
import json
import zipfile

import openpyxl

from ita_monitor.intake.sniff import MAX_FILE_BYTES
from ita_monitor.intake.unit_forms import build_workbook, form_for
from ita_monitor.model.config import AgenciesDir
from ita_monitor.model.limits import MAX_ROWS
from ita_monitor.model.rounds import Round
from tests.conftest import AGENCIES

D = AgenciesDir(AGENCIES)
AGENCY = D.agency("mae-u-kho")
PLAN = D.plan("mae-u-kho", 2565)
R12 = Round(2565, 12)
HEADER = ["รหัสมาตรการ", "มาตรการ", "รายละเอียดการดำเนินงาน", "ระยะเวลาการดำเนินงาน", "ผลผลิต", "ผลลัพธ์", "หมายเหตุ"]
GOOD = ["M1", "", "จัดทำมาตรการ", "เดือนเมษายน ๒๕๖๕", "ประกาศมาตรการ", "รายงานผล", ""]
# a real unit's file name: 84 characters, 236 bytes in UTF-8 (a valid name on disk)
LONG_THAI_NAME = "รายงานผลการดำเนินการตามมาตรการส่งเสริมคุณธรรมและความโปร่งใส กองคลัง รอบ ๑๒ เดือน.csv"


def xlsx(*rows: list, header: list | None = None, edit=None) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(header or HEADER)
    for r in rows:
        ws.append(r)
    if edit:
        edit(ws)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def csv_text(*rows: list, header: list | None = None, delimiter: str = ",") -> str:
    import csv

    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter)
    w.writerow(header or HEADER)
    for r in rows:
        w.writerow(r)
    return buf.getvalue()


def rezip(data: bytes, add: dict[str, bytes] | None = None, replace: dict[str, bytes] | None = None) -> bytes:
    """The workbook ``data`` with members added or replaced."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = (replace or {}).get(info.filename, src.read(info.filename))
            dst.writestr(info.filename, body)
        for name, body in (add or {}).items():
            dst.writestr(name, body)
    return out.getvalue()


def lying_sizes(data: bytes, member: str = "xl/worksheets/sheet1.xml", pad: int = 30 << 20) -> bytes:
    """``member`` padded to ``pad`` bytes of XML comment, with its declared size patched down to 4000."""
    import struct

    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == member:
                body = body.replace(b"</worksheet>", b"<!--" + b" " * pad + b"--></worksheet>")
            z.writestr(info.filename, body)
    b = bytearray(out.getvalue())
    info = zipfile.ZipFile(io.BytesIO(bytes(b))).getinfo(member)
    struct.pack_into("<I", b, info.header_offset + 22, 4000)  # local header: uncompressed size
    cd = b.find(b"PK\x01\x02")
    while cd != -1:  # central directory entries
        name_len = struct.unpack_from("<H", b, cd + 28)[0]
        if bytes(b[cd + 46 : cd + 46 + name_len]) == member.encode():
            struct.pack_into("<I", b, cd + 24, 4000)
        cd = b.find(b"PK\x01\x02", cd + 4)
    return bytes(b)


def zip_of(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in members.items():
            z.writestr(name, body)
    return out.getvalue()


def filled_form(unit: str, rnd: Round = R12, fill: dict[str, dict[str, str]] | None = None) -> bytes:
    """The form a round sends ``unit``, with cells filled in by code: {code: {column letter: text}}."""
    data = build_workbook(form_for(AGENCY, PLAN, rnd, unit, 15))
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb.active
    for row in ws.iter_rows(min_row=6):
        code = row[0].value
        for letter, text in (fill or {}).get(code, {}).items():
            ws[f"{letter}{row[0].row}"] = text
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def done(details: str = "จัดทำมาตรการ", period: str = "เดือนเมษายน ๒๕๖๕") -> dict[str, str]:
    return {"C": "ดำเนินการแล้ว", "D": details, "E": period, "F": "ประกาศมาตรการ", "G": "รายงานผล"}


# name, file name, unit, round, bytes
def corpus() -> list[tuple[str, str, str, Round, bytes]]:
    m3 = ["M3", "", "ประกาศเจตจำนง", "ตุลาคม ๒๕๖๔", "ประกาศ", "เผยแพร่แล้ว", ""]
    return [
        ("unknown_code", "a.xlsx", "palad", R12, xlsx(["M9", "", "x", "y", "z", "w", ""])),
        (
            "unknown_title",
            "a.csv",
            "palad",
            R12,
            csv_text(["", "มาตรการที่ไม่มี", "x", "y", "z", "w", ""]).encode(),
        ),
        ("not_due", "a.xlsx", "palad", Round(2565, 3), xlsx(GOOD)),
        ("not_responsible", "a.xlsx", "palad", R12, xlsx(["M2", "", "x", "y", "z", "w", ""])),
        ("duplicate_rows", "a.xlsx", "palad", R12, xlsx(GOOD, m3, GOOD)),
        ("missing_required", "a.xlsx", "palad", R12, xlsx(["M1", "", "ทำแล้ว", "", "", "รายงาน", ""])),
        ("unreadable_date", "a.xlsx", "palad", R12, xlsx(["M1", "", "x", "31/02/2565", "z", "w", ""])),
        (
            "unreadable_iso_date",
            "a.json",
            "palad",
            R12,
            json.dumps(
                [{"code": "M1", "details": "x", "period": "2022-13-01", "output": "z", "outcome": "w"}]
            ).encode(),
        ),
        ("formula_cell", "a.xlsx", "palad", R12, xlsx(GOOD, edit=lambda ws: ws.__setitem__("E2", "=1+1"))),
        (
            "formula_in_csv",
            "a.csv",
            "palad",
            R12,
            csv_text(["M1", "", "x", "y", "=SUM(1,2)", "w", ""]).encode(),
        ),
        ("error_value_cell", "a.xlsx", "palad", R12, xlsx(["M1", "", "x", "y", "#REF!", "w", ""])),
        ("too_big", "a.csv", "palad", R12, b"x" * (MAX_FILE_BYTES + 1)),
        ("pdf_named_xlsx", "a.xlsx", "palad", R12, b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"),
        ("csv_named_xlsx", "a.xlsx", "palad", R12, csv_text(GOOD).encode()),
        ("old_xls_named_xlsx", "a.xlsx", "palad", R12, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512),
        ("xlsx_named_csv", "a.csv", "palad", R12, xlsx(GOOD)),
        ("zip_named_json", "a.json", "palad", R12, zip_of({"a.txt": b"hello"})),
        ("docx_named_xlsx", "a.xlsx", "palad", R12, zip_of({"word/document.xml": b"<w/>"})),
        ("damaged_zip", "a.xlsx", "palad", R12, b"PK\x03\x04" + b"\x01" * 300),
        ("xlsm_extension", "a.xlsm", "palad", R12, xlsx(GOOD)),
        (
            "vba_project_inside",
            "a.xlsx",
            "palad",
            R12,
            rezip(xlsx(GOOD), add={"xl/vbaProject.bin": b"\0" * 64}),
        ),
        (
            "macro_content_type",
            "a.xlsx",
            "palad",
            R12,
            rezip(
                xlsx(GOOD),
                replace={
                    "[Content_Types].xml": b'<Types><Override ContentType="application/'
                    b'vnd.ms-excel.sheet.macroEnabled.main+xml" PartName="/xl/workbook.xml"/></Types>'
                },
            ),
        ),
        (
            "zip_bomb_ratio",
            "a.xlsx",
            "palad",
            R12,
            rezip(xlsx(GOOD), add={"xl/media/pad.bin": b"\0" * (4 << 20)}),
        ),
        (
            "zip_bomb_members",
            "a.xlsx",
            "palad",
            R12,
            rezip(xlsx(GOOD), add={f"xl/x/{i}.xml": b"<a/>" for i in range(1001)}),
        ),
        ("zip_bomb_lying_sizes", "a.xlsx", "palad", R12, lying_sizes(xlsx(GOOD))),
        ("no_header", "a.xlsx", "palad", R12, xlsx(["M1", "x"], header=["ชื่อ", "ค่า"])),
        ("unsupported_type", "a.docx", "palad", R12, zip_of({"word/document.xml": b"<w/>"})),
        ("empty_file", "a.csv", "palad", R12, b""),
        ("binary_named_csv", "a.csv", "palad", R12, b"\x00\x01\x02garbage\x00" * 10),
        ("unreadable_json", "a.json", "palad", R12, b'[{"code": "M1",]'),
        ("json_not_rows", "a.json", "palad", R12, b'{"unit": "palad", "data": 1}'),
        (
            "json_unknown_field",
            "a.json",
            "palad",
            R12,
            json.dumps(
                [
                    {
                        "code": "M1",
                        "details": "x",
                        "period": "y",
                        "output": "z",
                        "outcome": "w",
                        "colour": "red",
                    }
                ]
            ).encode(),
        ),
        ("unknown_unit_folder", "a.xlsx", "nobody", R12, xlsx(GOOD)),
        ("form_of_another_unit", "a.xlsx", "palad", R12, filled_form("finance", fill={"M4": done()})),
        ("bad_status", "a.xlsx", "palad", R12, filled_form("palad", fill={"M1": {**done(), "C": "เสร็จ"}})),
        ("blank_form_returned", "a.xlsx", "palad", R12, filled_form("palad")),
        # issue 12: exact messages
        (
            "semicolon_csv_wrong_header",
            "a.csv",
            "palad",
            R12,
            csv_text(GOOD, header=["ชื่อ", "ค่า", "อื่น"], delimiter=";").encode(),
        ),
        (
            "misspelt_required_header",
            "a.xlsx",
            "palad",
            R12,
            xlsx(GOOD, header=[*HEADER[:5], "ผลลัพท์", HEADER[6]]),
        ),
        (
            "misspelt_optional_header",
            "a.csv",
            "palad",
            R12,
            csv_text(GOOD, header=[*HEADER[:6], "หมายเหต"]).encode(),
        ),
        (
            "missing_required_column",
            "a.xlsx",
            "palad",
            R12,
            xlsx(GOOD[:5] + GOOD[6:], header=HEADER[:5] + HEADER[6:]),
        ),
        (
            "json_syntax_line_column",
            "a.json",
            "palad",
            R12,
            b'[\n  {"code": "M1",\n   "details": "x"\n   "period": "y"}\n]',
        ),
        (
            "json_misspelt_field",
            "a.json",
            "palad",
            R12,
            json.dumps([{"code": "M1", "detials": "x"}]).encode(),
        ),
        ("pdf_named_csv", "a.csv", "palad", R12, b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"),
        ("pdf_named_json", "a.json", "palad", R12, b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"),
        ("too_many_rows", "a.csv", "palad", R12, csv_text(*[GOOD] * (MAX_ROWS + 5)).encode()),
        (
            "many_problems",
            "a.csv",
            "palad",
            R12,
            csv_text(*[[f"X{i}", "", "x", "y", "z", "w", ""] for i in range(80)]).encode(),
        ),
        ("dots_only_name", "..csv", "palad", R12, csv_text(["M9", "", "x", "y", "z", "w", ""]).encode()),
    ]


# name, file name, unit, round, bytes: files that are read and accepted, with warnings that say so
def accepted_with_warnings() -> list[tuple[str, str, str, Round, bytes]]:
    return [
        ("semicolon_csv", "a.csv", "palad", R12, csv_text(GOOD, delimiter=";").encode()),
        ("tab_csv", "a.csv", "palad", R12, csv_text(GOOD, delimiter="\t").encode()),
        ("unknown_column", "a.xlsx", "palad", R12, xlsx([*GOOD, "x"], header=[*HEADER, "ผู้รายงาน"])),
        (
            "json_numbers_and_booleans",
            "a.json",
            "palad",
            R12,
            json.dumps(
                [{"code": "M1", "details": "x", "period": 2565, "output": True, "outcome": 12.5}]
            ).encode(),
        ),
        ("long_thai_name", LONG_THAI_NAME, "palad", R12, csv_text(GOOD).encode()),
    ]
