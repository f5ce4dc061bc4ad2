"""Excel workbooks and CSV files of the views, built with pandas (openpyxl writes the .xlsx).

* the agency's year (``year_workbook``): the plan; every round's rows per measure x unit with the
  version, the received time and whether it was late; each round's completeness; who was late; the
  year's completion per measure;
* many agencies (``overview_workbook``): agency x round with state, completion, days late, link.

Excel is for people: Thai headers, a frozen header row, column widths from the contents, dates as
real dates shown in Thai (Buddhist year, Thai month), numbers as numbers.  CSV is for machines:
English column names, ISO dates, UTF-8, one file per table.

pandas is imported inside the functions: the module is imported by the ITA page and the CLI, never at
DAG-file parse time, and pandas costs a noticeable part of a second to import.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ita_monitor.model.agency import Agency
from ita_monitor.model.config import AgenciesDir
from ita_monitor.model.plan import ITA_INDICATORS, Plan
from ita_monitor.model.rounds import BANGKOK
from ita_monitor.model.storage import DataRoot
from ita_monitor.views.agencies_overview import Overview
from ita_monitor.views.yearview import YearView

if TYPE_CHECKING:
    import pandas as pd

# Thai month, Buddhist year (LCID 041E, calendar 07), Arabic digits: "16 ต.ค. 2565 09:30"
DATETIME_FORMAT = "[$-7041E]d mmm yyyy hh:mm"
DATE_FORMAT = "[$-7041E]d mmm yyyy"
PERCENT_FORMAT = "0.0"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Column:
    key: str  # CSV header (machines)
    th: str  # Excel header (people)
    kind: str = "text"  # text, int, percent, datetime, date


def _missing(value: Any) -> bool:
    import pandas as pd

    return value is None or bool(pd.isna(value))


def _local(moment: Any) -> datetime | None:
    """A naive Bangkok time for Excel (which has no time zones)."""
    if _missing(moment):
        return None
    return (
        moment.astimezone(BANGKOK).replace(tzinfo=None).to_pydatetime()
        if hasattr(moment, "to_pydatetime")
        else moment.astimezone(BANGKOK).replace(tzinfo=None)
    )


# --- the agency's year ----------------------------------------------------------------------------

PLAN_COLUMNS = [
    Column("measure_code", "รหัสมาตรการ"),
    Column("measure", "มาตรการ"),
    Column("units", "ผู้รับผิดชอบ"),
    Column("rounds", "รอบที่รายงาน (เดือน)"),
    Column("indicators", "ตัวชี้วัด ITA"),
]
ITEM_COLUMNS = [
    Column("round", "รอบ (เดือน)", "int"),
    Column("measure_code", "รหัสมาตรการ"),
    Column("measure", "มาตรการ"),
    Column("unit", "รหัสหน่วยงาน"),
    Column("unit_name", "หน่วยงาน"),
    Column("status", "สถานะ"),
    Column("version", "ฉบับที่", "int"),
    Column("received_at", "เวลาที่ได้รับ", "datetime"),
    Column("last_day", "วันสุดท้ายที่ส่งได้", "date"),
    Column("late", "ส่งช้า"),
    Column("days_late", "จำนวนวันที่ช้า", "int"),
    Column("file", "ไฟล์"),
]
ROUND_COLUMNS = [
    Column("round", "รอบ (เดือน)", "int"),
    Column("round_name", "รอบ"),
    Column("state", "สถานะของรอบ"),
    Column("last_day", "วันสุดท้ายที่ส่งได้", "date"),
    Column("due", "รายการที่ครบกำหนด", "int"),
    Column("complete", "ครบแล้ว", "int"),
    Column("on_time", "ส่งตรงเวลา", "int"),
    Column("late", "ส่งช้า", "int"),
    Column("missing", "ยังไม่ส่งหรือกรอกไม่ครบ", "int"),
    Column("percent", "ร้อยละความครบถ้วน", "percent"),
    Column("days_late", "วันที่ช้าสูงสุด", "int"),
    Column("published_url", "ลิงก์ที่เผยแพร่"),
]
LATE_COLUMNS = [
    Column("unit", "รหัสหน่วยงาน"),
    Column("unit_name", "หน่วยงาน"),
    Column("rounds_behind", "จำนวนรอบที่ส่งช้าหรือขาด", "int"),
    Column("rounds", "รอบ (เดือน)"),
    Column("late", "รายการที่ส่งช้า", "int"),
    Column("missing", "รายการที่ยังไม่ส่งหรือกรอกไม่ครบ", "int"),
    Column("days_late_total", "รวมวันที่ช้า", "int"),
]
MEASURE_COLUMNS = [
    Column("measure_code", "รหัสมาตรการ"),
    Column("measure", "มาตรการ"),
    Column("due", "รายการที่ครบกำหนด", "int"),
    Column("complete", "ครบแล้ว", "int"),
    Column("late", "ส่งช้า", "int"),
    Column("missing", "ยังไม่ส่งหรือกรอกไม่ครบ", "int"),
    Column("percent", "ร้อยละความครบถ้วน", "percent"),
]
OVERVIEW_COLUMNS = [
    Column("agency", "รหัสหน่วยงาน"),
    Column("agency_name", "หน่วยงาน"),
    Column("district", "อำเภอ"),
    Column("province", "จังหวัด"),
    Column("fiscal_year", "ปีงบประมาณ", "int"),
    Column("round", "รอบ (เดือน)", "int"),
    Column("state", "สถานะ"),
    Column("last_day", "วันสุดท้ายที่ส่งได้", "date"),
    Column("due", "รายการที่ครบกำหนด", "int"),
    Column("complete", "ครบแล้ว", "int"),
    Column("percent", "ร้อยละความครบถ้วน", "percent"),
    Column("late", "ส่งช้า", "int"),
    Column("missing", "ยังไม่ส่งหรือกรอกไม่ครบ", "int"),
    Column("days_late", "วันที่ช้าสูงสุด", "int"),
    Column("published_url", "ลิงก์ที่เผยแพร่"),
]


def _frame(columns: Sequence[Column], records: list[dict[str, Any]]) -> pd.DataFrame:
    import pandas as pd

    frame = pd.DataFrame.from_records(records, columns=[c.key for c in columns])
    for c in columns:
        if c.kind == "int":
            frame[c.key] = pd.array(frame[c.key], dtype="Int64")  # numbers, empty where there is none
        elif c.kind == "percent":
            frame[c.key] = pd.array(frame[c.key], dtype="Float64")
    frame.attrs["columns"] = list(columns)
    return frame


def _plan_rows(plan: Plan | None, units: dict[str, str]) -> list[dict]:
    return [
        {
            "measure_code": m.code,
            "measure": m.title,
            "units": ", ".join(units.get(u, u) for u in m.units),
            "rounds": ", ".join(str(r) for r in m.rounds),
            "indicators": ", ".join(f"{i} {ITA_INDICATORS[i]}" for i in m.indicators),
        }
        for m in (plan.measures if plan else ())
    ]


def _item_rows(view: YearView, units: dict[str, str], measures: dict[str, str]) -> list[dict]:
    """Every (round, measure, unit): its state, version, receipt time, lateness and file."""
    return [
        {
            "round": i.months,
            "measure_code": i.measure_code,
            "measure": measures.get(i.measure_code, ""),
            "unit": i.unit,
            "unit_name": units.get(i.unit, i.unit),
            "status": i.kind_th,
            "version": i.version,
            "received_at": i.received_at,
            "last_day": r.last_day,
            "late": {"late": "ช้า", "on_time": "ไม่ช้า"}.get(i.kind, ""),
            "days_late": i.days_late if i.kind != "not_due" else None,
            "file": i.file,
        }
        for r in view.rounds
        for i in r.items
    ]


def _round_rows(view: YearView) -> list[dict]:
    return [
        {
            "round": r.months,
            "round_name": r.label_th,
            "state": r.state_th,
            "last_day": r.last_day,
            "due": r.tally.due,
            "complete": r.tally.complete,
            "on_time": r.tally.on_time,
            "late": r.tally.late,
            "missing": r.tally.missing + r.tally.incomplete,
            "percent": r.tally.percent,
            "days_late": r.tally.days_late,
            "published_url": r.published_url,
        }
        for r in view.rounds
    ]


def _late_rows(view: YearView) -> list[dict]:
    return [
        {
            "unit": u.code,
            "unit_name": u.name_th,
            "rounds_behind": len(u.late_rounds),
            "rounds": ", ".join(str(m) for m in u.late_rounds),
            "late": u.tally.late,
            "missing": u.tally.missing + u.tally.incomplete,
            "days_late_total": u.days_late_total,
        }
        for u in view.late_units
    ]


def _measure_rows(view: YearView) -> list[dict]:
    return [
        {
            "measure_code": m.code,
            "measure": m.title,
            "due": m.tally.due,
            "complete": m.tally.complete,
            "late": m.tally.late,
            "missing": m.tally.missing + m.tally.incomplete,
            "percent": m.tally.percent,
        }
        for m in view.measures
    ]


def year_frames(view: YearView, agency: Agency, plan: Plan | None) -> dict[str, pd.DataFrame]:
    """The tables of the agency's year, by sheet name."""
    units = {u.code: u.name_th for u in agency.units}
    measures = {m.code: m.title for m in plan.measures} if plan else {}
    return {
        "แผนมาตรการ": _frame(PLAN_COLUMNS, _plan_rows(plan, units)),
        "รายการส่งทุกรอบ": _frame(ITEM_COLUMNS, _item_rows(view, units, measures)),
        "ความครบถ้วนรายรอบ": _frame(ROUND_COLUMNS, _round_rows(view)),
        "หน่วยงานที่ส่งช้า": _frame(LATE_COLUMNS, _late_rows(view)),
        "ความครบถ้วนรายมาตรการ": _frame(MEASURE_COLUMNS, _measure_rows(view)),
    }


CSV_NAMES = {
    "แผนมาตรการ": "plan",
    "รายการส่งทุกรอบ": "items",
    "ความครบถ้วนรายรอบ": "rounds",
    "หน่วยงานที่ส่งช้า": "late_units",
    "ความครบถ้วนรายมาตรการ": "measures",
    "ภาพรวมหลายหน่วยงาน": "overview",
}


def overview_frame(ov: Overview) -> pd.DataFrame:
    return _frame(
        OVERVIEW_COLUMNS,
        [
            {
                "agency": r.slug,
                "agency_name": r.name_th,
                "district": r.district,
                "province": r.province,
                "fiscal_year": r.fiscal_year,
                "round": r.months,
                "state": r.state_th,
                "last_day": r.last_day,
                "due": r.due,
                "complete": r.complete,
                "percent": r.percent,
                "late": r.late,
                "missing": r.missing,
                "days_late": r.days_late,
                "published_url": r.published_url,
            }
            for r in ov.rows
        ],
    )


# --- writing ----------------------------------------------------------------------------------------


def _width(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime):
        return 18
    if isinstance(value, date):
        return 13
    text = str(value)
    # Thai vowels above/below and tone marks take no width of their own
    return sum(
        1 for ch in text if not ("\u0e31" == ch or "\u0e34" <= ch <= "\u0e3a" or "\u0e47" <= ch <= "\u0e4e")
    )


def xlsx(frames: dict[str, pd.DataFrame]) -> bytes:
    """One sheet per frame: Thai headers, frozen header row, widths, Thai dates, numbers as numbers."""
    import pandas as pd

    out = io.BytesIO()
    with pd.ExcelWriter(out, engine="openpyxl") as writer:
        for sheet, frame in frames.items():
            columns: list[Column] = frame.attrs["columns"]
            shown = frame.copy()
            for c in columns:
                if c.kind == "datetime":
                    shown[c.key] = pd.Series([_local(v) for v in shown[c.key]], dtype=object)
            shown.columns = [c.th for c in columns]
            shown.to_excel(writer, sheet_name=sheet[:31], index=False, freeze_panes=(1, 0))
            ws = writer.sheets[sheet[:31]]
            for n, c in enumerate(columns, start=1):
                letter = ws.cell(row=1, column=n).column_letter
                values = [c.th, *frame[c.key].tolist()]
                ws.column_dimensions[letter].width = min(60, max(8, max(_width(v) for v in values) + 2))
                fmt = {"datetime": DATETIME_FORMAT, "date": DATE_FORMAT, "percent": PERCENT_FORMAT}.get(
                    c.kind
                )
                if fmt:
                    for (cell,) in ws.iter_rows(min_row=2, min_col=n, max_col=n):
                        cell.number_format = fmt
            ws.auto_filter.ref = ws.dimensions
    return out.getvalue()


def csv(frame: pd.DataFrame) -> bytes:
    """The table for machines: English headers, ISO times with their offset, UTF-8."""
    shown = frame.copy()
    columns: list[Column] = frame.attrs["columns"]
    for c in columns:
        if c.kind in ("datetime", "date"):
            shown[c.key] = ["" if _missing(v) else v.isoformat() for v in shown[c.key]]
    return shown.to_csv(index=False, lineterminator="\n").encode("utf-8")


def year_workbook(view: YearView, agency: Agency, plan: Plan | None) -> bytes:
    return xlsx(year_frames(view, agency, plan))


def overview_workbook(ov: Overview) -> bytes:
    return xlsx({"ภาพรวมหลายหน่วยงาน": overview_frame(ov)})


def year_filename(view: YearView, suffix: str = "xlsx") -> str:
    return f"ita-{view.slug}-{view.fiscal_year}-year.{suffix}"


def overview_filename(ov: Overview, suffix: str = "xlsx") -> str:
    return f"ita-agencies-{ov.fiscal_year}-overview.{suffix}"


def year_export(agencies: AgenciesDir, data: DataRoot, slug: str, fiscal_year: int) -> tuple[dict, str]:
    """The tables of an agency's year and the workbook's file name (``ita-monitor export year``)."""
    from ita_monitor.views.yearview import year_view

    agency = agencies.agency(slug)
    plan = agencies.plan(slug, fiscal_year, agency)
    view = year_view(agency, plan, fiscal_year, data)
    return year_frames(view, agency, plan), year_filename(view)


def overview_export(
    agencies: AgenciesDir, data: DataRoot, fiscal_year: int, district: str, state: str, months: int | None
) -> tuple[dict, str]:
    """The many-agency overview's table and file name (``ita-monitor export overview``)."""
    from ita_monitor.views.agencies_overview import overview

    pairs = []
    for slug in agencies.slugs():
        agency = agencies.agency(slug)
        plan = agencies.plan(slug, fiscal_year, agency) if fiscal_year in agencies.plan_years(slug) else None
        pairs.append((agency, plan))
    ov = overview(pairs, fiscal_year, data, district=district, state=state, months=months)
    return {"ภาพรวมหลายหน่วยงาน": overview_frame(ov)}, overview_filename(ov)


def write(frames: dict, name: str, out: str | None = None, csv_dir: str | None = None) -> list[Path]:
    """The workbook at ``out`` (default ``name``), or one CSV file per table in ``csv_dir``; their paths."""
    if not csv_dir:
        path = Path(out or name)
        path.write_bytes(xlsx(frames))
        return [path]
    folder = Path(csv_dir)
    folder.mkdir(parents=True, exist_ok=True)
    stem = name.rsplit(".", 1)[0]
    written = []
    for sheet, frame in frames.items():
        path = folder / f"{stem}-{CSV_NAMES[sheet]}.csv"
        path.write_bytes(csv(frame))
        written.append(path)
    return written
