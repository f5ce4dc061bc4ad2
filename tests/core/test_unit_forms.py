"""The prefilled form each unit gets, and that what units send back in it is read."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from xml.sax.saxutils import escape

import openpyxl
import pytest

from ita_monitor.flow.pipeline import RoundJob, collect, collected_rows
from ita_monitor.intake.columns import STATUS_VALUES
from ita_monitor.intake.notify import open_round
from ita_monitor.intake.submissions import parse_submission
from ita_monitor.intake.unit_forms import build_workbook, form_for, responsible_units
from ita_monitor.model.config import AgenciesDir
from ita_monitor.model.rounds import Round
from ita_monitor.model.storage import DataRoot
from tests.conftest import AGENCIES, skip_or_fail
from tests.core.bad_files import AGENCY, PLAN, R12

FILL = {
    "C": "ดำเนินการแล้ว",
    "D": "- จัดทำมาตรการ\n- ประกาศให้ทราบ",
    "E": "1/04/2565 – 30/04/2565",
    "F": "ประกาศมาตรการ",
    "G": "รายงานผลรอบ ๑๒ เดือน",
    "H": "",
    "I": "https://www.maeukho.go.th/news/1",
}


def fill(data: bytes, values: dict[str, str] = FILL) -> bytes:
    """What a unit does: type into the input cells of every measure row, save."""
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb.active
    for row in ws.iter_rows(min_row=6):
        if row[0].value:
            for letter, text in values.items():
                ws[f"{letter}{row[0].row}"] = text or None
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def libreoffice_round_trip(tmp_path, *files: tuple[str, bytes]) -> dict[str, bytes]:
    """Open and save each file in LibreOffice (headless), as a unit using LibreOffice would."""
    soffice = shutil.which("soffice")
    if soffice is None:
        skip_or_fail("LibreOffice (Debian libreoffice-calc-nogui) is not installed")
    src, out = tmp_path / "lo-in", tmp_path / "lo-out"
    src.mkdir()
    for name, data in files:
        (src / name).write_bytes(data)
    cmd = [
        soffice,
        f"-env:UserInstallation={(tmp_path / 'lo-profile').as_uri()}",
        "--headless",
        "--convert-to",
        "xlsx:Calc MS Excel 2007 XML",
        "--outdir",
        str(out),
        *(str(src / name) for name, _ in files),
    ]
    subprocess.run(cmd, check=True, capture_output=True, timeout=180)
    return {name: (out / name).read_bytes() for name, _ in files}


def google_like_export(rows: list[list[str]]) -> bytes:
    """A workbook as web spreadsheets export it: inline strings, no styles, a wrong dimension."""

    def col(i: int) -> str:
        return chr(65 + i)

    sheet_rows = "".join(
        f'<row r="{r}">'
        + "".join(
            f'<c r="{col(c)}{r}" t="inlineStr"><is><t>{escape(v)}</t></is></c>'
            for c, v in enumerate(vals)
            if v
        )
        + "</row>"
        for r, vals in enumerate(rows, start=1)
    )
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    members = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/'
            '2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
            'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override '
            'PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType='
            '"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
        ),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            f'package/2006/relationships"><Relationship Id="rId1" Type="{rel}/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook {ns} xmlns:r="{rel}"><sheets><sheet '
            'name="แบบรายงาน" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            f'package/2006/relationships"><Relationship Id="rId1" Type="{rel}/worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>'
        ),
        "xl/worksheets/sheet1.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><worksheet {ns}><dimension ref="A1"/>'
            f"<sheetData>{sheet_rows}</sheetData></worksheet>"
        ),
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in members.items():
            z.writestr(name, text.encode("utf-8"))
    return buf.getvalue()


def test_each_responsible_unit_gets_a_locked_prefilled_form_with_a_status_dropdown():
    assert responsible_units(AGENCY, PLAN, R12) == ["palad", "finance", "pr"]
    form = form_for(AGENCY, PLAN, R12, "palad", 15)
    assert form.filename == "ita-2565-round-12-palad.xlsx"
    wb = openpyxl.load_workbook(io.BytesIO(build_workbook(form)))
    ws = wb.active
    assert ws.title == "แบบรายงาน"
    assert [c.value for c in ws[5]] == [
        "รหัสมาตรการ",
        "มาตรการ",
        "สถานะ",
        "รายละเอียดการดำเนินงาน",
        "ระยะเวลาการดำเนินงาน",
        "ผลผลิต",
        "ผลลัพธ์",
        "หมายเหตุ",
        "ลิงก์หลักฐาน",
    ]
    assert [(ws.cell(r, 1).value, ws.cell(r, 2).value) for r in (6, 7)] == [
        ("M1", "มาตรการตรวจสอบการใช้ดุลพินิจ"),
        ("M3", "ประกาศเจตจำนงการบริหารงานด้วยความซื่อสัตย์สุจริตอย่างมีคุณธรรมและโปร่งใส"),
    ]
    assert ws.cell(8, 1).value is None
    assert (ws["A2"].value, ws["B2"].value, ws["C2"].value) == ("รหัสหน่วยงาน", "palad", "สำนักปลัด")
    assert ws["B3"].value == "๑๕ ตุลาคม ๒๕๖๕"  # the last day: round end (30 Sep) + 15 days
    assert ws.protection.sheet
    assert ws["A6"].protection.locked and ws["B6"].protection.locked and ws["B2"].protection.locked
    assert all(not ws.cell(r, c).protection.locked for r in (6, 7) for c in range(3, 10))
    (dv,) = ws.data_validations.dataValidation
    assert dv.type == "list" and dv.formula1 == '"' + ",".join(STATUS_VALUES) + '"'
    assert str(dv.sqref) == "C6:C7"
    assert ws.column_dimensions["D"].width >= 40 and ws.column_dimensions["A"].width <= 12
    assert ws["D6"].alignment.wrap_text
    assert "รอบ ๑๒ เดือน" in ws["A1"].value
    assert "ประจำปีงบประมาณ พ.ศ. ๒๕๖๕" in ws["A1"].value and not re.search(r"[0-9]", ws["A1"].value)


def test_the_form_filled_by_a_script_is_accepted_and_the_blank_form_is_not():
    form = build_workbook(form_for(AGENCY, PLAN, R12, "palad", 15))
    rows, problems = parse_submission(fill(form), "f.xlsx", "palad", PLAN, AGENCY, R12)
    assert problems == []
    assert [(r.measure_code, r.row, r.status, r.evidence) for r in rows] == [
        ("M1", 6, "ดำเนินการแล้ว", FILL["I"]),
        ("M3", 7, "ดำเนินการแล้ว", FILL["I"]),
    ]
    _, problems = parse_submission(form, "f.xlsx", "palad", PLAN, AGENCY, R12)
    assert [p.en for p in problems] == [
        "no row has results filled in: fill in at least one measure and send again"
    ]


@pytest.mark.libreoffice
def test_forms_written_when_a_round_opens_round_trip_through_libreoffice(tmp_path):
    """The forms the round writes, filled in by openpyxl and re-saved by LibreOffice, are accepted."""
    job = RoundJob.load(AgenciesDir(AGENCIES), "mae-u-kho", R12, DataRoot(tmp_path))
    mails = open_round(job)
    outbox = tmp_path / "mae-u-kho" / "2565" / "round-12" / "outbox"
    written = {p.parent.name: p.read_bytes() for p in outbox.glob("*/*.xlsx")}
    assert sorted(written) == ["finance", "palad", "pr"]
    assert sorted(m.unit for m in mails) == ["finance", "palad", "pr"]
    before = {p: p.stat().st_mtime_ns for p in outbox.rglob("*") if p.is_file()}
    open_round(job)  # reopening rewrites nothing
    assert {p: p.stat().st_mtime_ns for p in outbox.rglob("*") if p.is_file()} == before

    # palad fills in, then saves in LibreOffice; finance opens the blank form in LibreOffice, then fills it
    saved = libreoffice_round_trip(
        tmp_path, ("palad.xlsx", fill(written["palad"])), ("finance.xlsx", written["finance"])
    )
    inbox = tmp_path / "mae-u-kho" / "2565" / "round-12" / "inbox"
    for unit, data in (("palad", saved["palad.xlsx"]), ("finance", fill(saved["finance.xlsx"]))):
        (inbox / unit).mkdir(parents=True)
        (inbox / unit / f"{unit}.xlsx").write_bytes(data)
    summary = collect(job)
    assert (summary["accepted"], summary["rejected"]) == (2, 0), summary
    rows = {(r.unit, r.measure_code): r for r in collected_rows(job)}
    assert sorted(rows) == [("finance", "M4"), ("palad", "M1"), ("palad", "M3")]
    assert rows[("palad", "M1")].details == FILL["D"] and rows[("finance", "M4")].period == FILL["E"]

    # LibreOffice keeps the protection and the dropdown
    ws = openpyxl.load_workbook(io.BytesIO(saved["finance.xlsx"])).active
    assert ws.protection.sheet and not ws["C6"].protection.locked and ws["A6"].protection.locked
    assert ws.data_validations.dataValidation[0].formula1 == '"' + ",".join(STATUS_VALUES) + '"'


def test_a_web_spreadsheet_export_with_inline_strings_and_a_wrong_dimension_is_read():
    rows = [
        ["แบบรายงาน"],
        ["รหัสหน่วยงาน", "palad"],
        [],
        ["รหัสมาตรการ", "มาตรการ", "สถานะ", "รายละเอียดการดำเนินงาน", "ระยะเวลาการดำเนินงาน", "ผลผลิต", "ผลลัพธ์"],
        ["M1", "มาตรการตรวจสอบการใช้ดุลพินิจ", "อยู่ระหว่างดำเนินการ", "ทำแล้ว", "เมษายน ๒๕๖๕", "ประกาศ", "รายงาน"],
    ]
    found, problems = parse_submission(google_like_export(rows), "g.xlsx", "palad", PLAN, AGENCY, R12)
    assert problems == [] and [(r.measure_code, r.row, r.status) for r in found] == [
        ("M1", 5, "อยู่ระหว่างดำเนินการ")
    ]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp874"])
def test_csv_saved_from_the_form_in_any_thai_encoding_is_read(encoding):
    text = (
        "รหัสมาตรการ,มาตรการ,สถานะ,รายละเอียดการดำเนินงาน,ระยะเวลาการดำเนินงาน,ผลผลิต,ผลลัพธ์,หมายเหตุ,ลิงก์หลักฐาน\r\n"
        "M4,,ดำเนินการแล้ว,จัดทำแผน,เมษายน ๒๕๖๕,ประกาศ,รายงาน,,https://x.example/a\r\n"
    )
    rows, problems = parse_submission(
        text.encode(encoding), "f.csv", "finance", PLAN, AGENCY, Round(2565, 12)
    )
    assert problems == [] and rows[0].evidence == "https://x.example/a" and rows[0].status == "ดำเนินการแล้ว"


def test_a_measure_marked_not_started_stays_missing_without_rejecting_the_file():
    form = build_workbook(form_for(AGENCY, PLAN, R12, "palad", 15))
    wb = openpyxl.load_workbook(io.BytesIO(fill(form)))
    ws = wb.active
    for letter in "DEFGI":
        ws[f"{letter}7"] = None  # M3: only the status "not started"
    ws["C7"] = "ยังไม่ดำเนินการ"
    buf = io.BytesIO()
    wb.save(buf)
    rows, problems = parse_submission(buf.getvalue(), "f.xlsx", "palad", PLAN, AGENCY, R12)
    assert [r.measure_code for r in rows] == ["M1"]
    assert [(p.where, p.severity) for p in problems] == [
        ("sheet 'แบบรายงาน', row 7, column C (สถานะ)", "warning")
    ]
