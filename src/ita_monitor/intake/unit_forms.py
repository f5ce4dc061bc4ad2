"""The Excel form each unit gets when a round opens, prefilled with the measures it reports on.

One sheet, Thai headers, one row per measure due from the unit in the round.  The measure code and
title are filled in and locked (sheet protection without a password: it prevents accidents, it is
not security); only the input cells are unlocked.  The status column has a dropdown.  The unit code
is written beside the label ``รหัสหน่วยงาน`` so a returned form says whose it is, and the form's
reference (``ita:<agency>/<BE year>/round-MM/<unit>``, locked) beside ``รหัสแบบฟอร์ม`` so a form sent
back by mail finds its agency, year, round and unit (``mailin.py``).  ``submissions.py`` reads the
form back.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from datetime import date

from ita_monitor.intake.columns import FIELD_TH, STATUS_VALUES, UNIT_LABEL
from ita_monitor.model.agency import Agency
from ita_monitor.model.plan import Plan
from ita_monitor.model.rounds import Round
from ita_monitor.model.thai import thai_date, thai_digits

FORM_VERSION = 2  # bump when the layout changes, so units get the new form
SHEET = "แบบรายงาน"
FORM_REF_LABEL = "รหัสแบบฟอร์ม"
HEADER_ROW = 5
# (field, width in characters); the first two are filled in and locked, the rest are input
COLUMNS: tuple[tuple[str, int], ...] = (
    ("code", 11),
    ("measure", 40),
    ("status", 22),
    ("details", 50),
    ("period", 22),
    ("output", 34),
    ("outcome", 34),
    ("note", 20),
    ("evidence", 34),
)
INPUT_FIELDS = tuple(name for name, _ in COLUMNS[2:])


@dataclass(frozen=True)
class UnitForm:
    """The form of one unit for one round: what goes in it, its file name, and a key of its content."""

    unit: str
    unit_th: str
    filename: str
    measures: tuple[tuple[str, str], ...]  # (code, title), in plan order
    title: str
    due_th: str
    ref: str = ""  # ita:<agency>/<BE year>/round-MM/<unit>: where a returned form belongs

    @property
    def key(self) -> str:
        """Changes exactly when what the form says changes (not when it is merely written again)."""
        doc = [
            FORM_VERSION,
            self.unit,
            self.unit_th,
            self.filename,
            self.measures,
            self.title,
            self.due_th,
            self.ref,
        ]
        return hashlib.sha256(json.dumps(doc, ensure_ascii=False).encode()).hexdigest()


def responsible_units(agency: Agency, plan: Plan, rnd: Round) -> list[str]:
    """Units with at least one measure due in the round, in the profile's order."""
    due = {u for m in plan.due_in(rnd.months) for u in m.units}
    return [u.code for u in agency.units if u.code in due]


def form_for(
    agency: Agency, plan: Plan, rnd: Round, unit: str, grace_days: int, last_day: date | None = None
) -> UnitForm:
    """The unit's form; ``last_day``: the round's last day to submit when it is not the schedule's
    (a caught-up past round)."""
    measures = tuple((m.code, m.title) for m in plan.due_in(rnd.months) if unit in m.units)
    due = last_day or rnd.last_day_to_submit(grace_days)
    return UnitForm(
        unit=unit,
        unit_th=agency.unit(unit).name_th,
        filename=f"ita-{rnd.fiscal_year}-{rnd.slug}-{unit}.xlsx",
        measures=measures,
        title=(
            "แบบรายงานผลการดำเนินการตามมาตรการส่งเสริมคุณธรรมและความโปร่งใสภายในหน่วยงาน "
            f"{agency.name_th} ประจำปีงบประมาณ พ.ศ. {thai_digits(rnd.fiscal_year)} {rnd.label_th}"
        ),
        due_th=thai_date(due),
        ref=form_ref(agency.slug, rnd, unit),
    )


def form_ref(slug: str, rnd: Round, unit: str) -> str:
    """The reference a form carries: ``ita:mae-u-kho/2565/round-12/palad``."""
    return f"ita:{slug}/{rnd.fiscal_year}/{rnd.slug}/{unit}"


class _Styles:
    """The form's fonts, fills and borders (openpyxl is imported here: DAG files import this package)."""

    def __init__(self) -> None:
        from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

        self.font = Font(name="Tahoma", size=10)
        self.bold = Font(name="Tahoma", size=10, bold=True)
        self.title = Font(name="Tahoma", size=12, bold=True)
        self.small_grey = Font(name="Tahoma", size=8, color="808080")
        self.note = Font(name="Tahoma", size=9, italic=True)
        self.wrap = Alignment(wrap_text=True, vertical="top")
        self.middle = Alignment(wrap_text=True, vertical="center")
        self.centred = Alignment(wrap_text=True, vertical="center", horizontal="center")
        thin = Side(style="thin", color="999999")
        self.box = Border(left=thin, right=thin, top=thin, bottom=thin)
        self.header_fill = PatternFill("solid", fgColor="D9E1F2")
        self.input_fill = PatternFill("solid", fgColor="FFF2CC")


def _head(ws, form: UnitForm, st: _Styles, last_col: str) -> None:
    """Rows 1-4: the title, the unit, the due date, the form's reference and how to fill it in."""
    ws["A1"] = form.title
    ws["A1"].font, ws["A1"].alignment = st.title, st.middle
    ws.merge_cells(f"A1:{last_col}1")
    ws.row_dimensions[1].height = 36
    ws["A2"], ws["B2"], ws["C2"] = UNIT_LABEL, form.unit, form.unit_th
    ws["A3"], ws["B3"] = "ส่งภายใน", form.due_th
    if form.ref:
        ws["H2"], ws["I2"] = FORM_REF_LABEL, form.ref
        ws["H2"].font, ws["I2"].font = st.bold, st.small_grey
    ws["A4"] = (
        "กรอกเฉพาะช่องสีเหลือง: เลือกสถานะจากรายการ กรอกรายละเอียด ระยะเวลา ผลผลิต ผลลัพธ์ "
        "(ช่องอื่นล็อกไว้) แล้วบันทึกเป็น .xlsx และส่งกลับ; มาตรการที่ยังไม่รายงานให้เว้นว่างทั้งแถว"
    )
    ws.merge_cells(f"A4:{last_col}4")
    ws.row_dimensions[4].height = 30
    for ref in ("A2", "A3"):
        ws[ref].font = st.bold
    for ref in ("B2", "C2", "B3"):
        ws[ref].font = st.font
    ws["A4"].font, ws["A4"].alignment = st.note, st.wrap


def _header_row(ws, st: _Styles) -> None:
    from openpyxl.utils import get_column_letter

    for col, (name, width) in enumerate(COLUMNS, start=1):
        cell = ws.cell(HEADER_ROW, col, FIELD_TH[name])
        cell.font, cell.fill, cell.border, cell.alignment = st.bold, st.header_fill, st.box, st.centred
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.row_dimensions[HEADER_ROW].height = 30


def _measure_rows(ws, form: UnitForm, st: _Styles) -> tuple[int, int]:
    """One row per measure, code and title locked, the input cells unlocked; (first, last) row."""
    from openpyxl.styles import Protection

    first = HEADER_ROW + 1
    for r, (code, title) in enumerate(form.measures, start=first):
        ws.cell(r, 1, code)
        ws.cell(r, 2, title)
        for col, (name, _) in enumerate(COLUMNS, start=1):
            cell = ws.cell(r, col)
            cell.font, cell.alignment, cell.border = st.font, st.wrap, st.box
            if name in INPUT_FIELDS:
                cell.protection = Protection(locked=False)
                cell.fill = st.input_fill
                cell.number_format = "@"  # text: dates typed stay as written
        ws.row_dimensions[r].height = 60
    return first, first + max(len(form.measures), 1) - 1


def _status_dropdown(ws, first: int, last: int) -> None:
    from openpyxl.worksheet.datavalidation import DataValidation

    status = DataValidation(
        type="list",
        formula1='"' + ",".join(STATUS_VALUES) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="สถานะ",
        error="เลือกจากรายการ: " + " / ".join(STATUS_VALUES),
        promptTitle="สถานะ",
        prompt="เลือกสถานะการดำเนินการ",
    )
    ws.add_data_validation(status)
    status.add(f"C{first}:C{last}")


def _protect_and_print(ws, first: int) -> None:
    """Locked without a password (against accidents); rows and columns resizable; A4 landscape."""
    ws.freeze_panes = ws.cell(first, 3)
    ws.protection.sheet = True
    ws.protection.formatRows = False  # units may make rows taller and columns wider
    ws.protection.formatColumns = False
    ws.protection.formatCells = False
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"


def build_workbook(form: UnitForm) -> bytes:
    """The .xlsx bytes of ``form``."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    st = _Styles()
    _head(ws, form, st, get_column_letter(len(COLUMNS)))
    _header_row(ws, st)
    first, last = _measure_rows(ws, form, st)
    _status_dropdown(ws, first, last)
    _protect_and_print(ws, first)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
