"""Unit submissions: the rows of the results table, read from CSV, XLSX or JSON files.

A unit drops its file(s) in ``inbox/<unit code>/`` of the round (see ``storage.py``).  Every row
names a measure by its code (``รหัสมาตรการ``) or its exact title (``มาตรการ``) and carries the
columns of the report's results table.  A file with any error is rejected as a whole, with every
problem listed, so a half-read file never counts; other files are not affected.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime

from ita_monitor.config import Agency, Plan
from ita_monitor.errors import Problem
from ita_monitor.rounds import Round
from ita_monitor.thai import thai_date

FIELDS = ("details", "period", "output", "outcome", "note")
REQUIRED_FIELDS = ("details", "period", "output", "outcome")
FIELD_TH = {
    "code": "รหัสมาตรการ",
    "measure": "มาตรการ",
    "details": "รายละเอียดการดำเนินงาน",
    "period": "ระยะเวลาการดำเนินงาน",
    "output": "ผลผลิต",
    "outcome": "ผลลัพธ์",
    "note": "หมายเหตุ",
}
_ALIASES = {
    "code": ("รหัสมาตรการ", "รหัส", "code", "measure_code"),
    "measure": ("มาตรการ", "measure", "title", "measure_title"),
    "details": ("รายละเอียดการดำเนินงาน", "รายละเอียด", "details"),
    "period": ("ระยะเวลาการดำเนินงาน", "ระยะเวลา", "period"),
    "output": ("ผลผลิต", "ผลการดำเนินการ (ผลผลิต)", "output", "outputs"),
    "outcome": ("ผลลัพธ์", "ผลการดำเนินการ (ผลลัพธ์)", "outcome", "outcomes"),
    "note": ("หมายเหตุ", "note", "notes"),
}
HEADER_TO_FIELD = {alias.casefold(): name for name, aliases in _ALIASES.items() for alias in aliases}
SUFFIXES = (".csv", ".xlsx", ".json")


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


@dataclass
class FileOutcome:
    """What happened to one received file."""

    unit: str
    file: str
    sha256: str
    accepted: bool
    rows: int = 0
    problems: list[Problem] = field(default_factory=list)

    def as_dict(self) -> dict:
        d = asdict(self)
        d["problems"] = [p.as_dict() for p in self.problems]
        return d


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


def _decode_csv(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Thai Windows Excel saves CSV in TIS-620/cp874 unless told otherwise.
        return data.decode("cp874")


def _records_csv(data: bytes) -> Iterable[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(_decode_csv(data)))
    yield from enumerate(reader, start=1)


def _records_xlsx(data: bytes) -> Iterable[tuple[int, list[object]]]:
    import openpyxl  # imported here: only XLSX files need it

    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        sheet = book.worksheets[0]
        for i, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield i, list(row)
    finally:
        book.close()


def _header_index(records: list[tuple[int, list]], file: str) -> tuple[int, dict[int, str], list[Problem]]:
    """Find the header row (one of the first ten) and map column index -> field."""
    for pos, (_, cells) in enumerate(records[:10]):
        mapping = {}
        for col, cell in enumerate(cells):
            name = HEADER_TO_FIELD.get(_text(cell).casefold())
            if name and name not in mapping.values():
                mapping[col] = name
        if {"details", "output"} <= set(mapping.values()) and ({"code", "measure"} & set(mapping.values())):
            return pos, mapping, []
    expected = ", ".join(FIELD_TH.values())
    return (
        -1,
        {},
        [
            Problem(
                file,
                "header",
                f"ไม่พบแถวหัวตาราง ต้องมีคอลัมน์: {expected}",
                f"no header row found in the first 10 rows; expected columns: {expected}",
            )
        ],
    )


def _table_rows(
    records: list[tuple[int, list]], file: str
) -> tuple[list[tuple[str, dict[str, str]]], list[Problem]]:
    pos, mapping, problems = _header_index(records, file)
    if problems:
        return [], problems
    out = []
    for number, cells in records[pos + 1 :]:
        values = {name: _text(cells[col]) if col < len(cells) else "" for col, name in mapping.items()}
        if any(values.values()):
            out.append((f"row {number}", values))
    return out, []


def _json_rows(data: bytes, file: str) -> tuple[list[tuple[str, dict[str, str]]], list[Problem]]:
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return [], [Problem(file, "", "ไฟล์ JSON อ่านไม่ได้", f"unreadable JSON: {exc}")]
    items = doc.get("rows") if isinstance(doc, dict) else doc
    if not isinstance(items, list):
        return [], [
            Problem(
                file,
                "",
                'JSON ต้องเป็นรายการ หรือมี "rows" เป็นรายการ',
                'JSON must be a list of rows or an object with a "rows" list',
            )
        ]
    out, problems = [], []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            problems.append(Problem(file, f"rows[{i}]", "แต่ละแถวต้องเป็น object", "each row must be an object"))
            continue
        values = {}
        for key, value in item.items():
            name = HEADER_TO_FIELD.get(str(key).strip().casefold())
            if name is None:
                problems.append(Problem(file, f"rows[{i}].{key}", f"ไม่รู้จักช่อง {key}", f"unknown field {key}"))
            else:
                values[name] = _text(value)
        out.append((f"rows[{i}]", values))
    return out, problems


def read_rows(data: bytes, file: str) -> tuple[list[tuple[str, dict[str, str]]], list[Problem]]:
    """The raw rows of a submission file as (where, {field: text}), and any problem reading it."""
    suffix = file[file.rfind(".") :].lower() if "." in file else ""
    if suffix == ".json":
        return _json_rows(data, file)
    try:
        if suffix == ".csv":
            records = list(_records_csv(data))
        elif suffix == ".xlsx":
            records = list(_records_xlsx(data))
        else:
            return [], [
                Problem(
                    file,
                    "",
                    f"ไม่รับไฟล์ชนิด {suffix or '(ไม่มีนามสกุล)'}: ใช้ .xlsx .csv หรือ .json",
                    f"unsupported file type {suffix or '(none)'}: send .xlsx, .csv or .json",
                )
            ]
    except Exception as exc:  # any parser failure is the sender's file, reported, never a crash
        return [], [
            Problem(
                file,
                "",
                "เปิดไฟล์ไม่ได้ ไฟล์อาจเสียหรือไม่ใช่ชนิดตามนามสกุล",
                f"cannot read the file; it may be damaged or not what its extension says ({exc})",
            )
        ]
    return _table_rows(records, file)


def parse_submission(
    data: bytes, file: str, unit: str, plan: Plan, agency: Agency, rnd: Round
) -> tuple[list[ResultRow], list[Problem]]:
    """Validate one unit's file against the plan and the round; rows are only usable if no problems."""
    raw, problems = read_rows(data, file)
    if unit not in agency.unit_codes:
        problems.append(
            Problem(
                file,
                "",
                f"ไม่รู้จักหน่วยงานย่อย {unit}: ตรวจชื่อโฟลเดอร์ใน inbox",
                f"unknown unit {unit}: check the inbox folder name",
            )
        )
    by_title = {m.title: m for m in plan.measures}
    by_code = {m.code: m for m in plan.measures}
    rows: list[ResultRow] = []
    seen: dict[str, str] = {}
    for where, values in raw:
        code = values.get("code", "")
        measure = by_code.get(code) if code else by_title.get(values.get("measure", ""))
        if measure is None:
            shown = code or values.get("measure", "")
            problems.append(
                Problem(
                    file,
                    f"{where}, {FIELD_TH['code']}",
                    f"ไม่พบมาตรการ {shown!r} ในแผนปี {plan.fiscal_year}: ใช้รหัสมาตรการจากแผน",
                    f"measure {shown!r} is not in the {plan.fiscal_year} plan: use a measure code from the plan",
                )
            )
            continue
        if rnd.months not in measure.rounds:
            problems.append(
                Problem(
                    file,
                    f"{where}, {FIELD_TH['code']}",
                    f"มาตรการ {measure.code} ไม่ต้องรายงานใน{rnd.short_label_th}",
                    f"measure {measure.code} does not report in the {rnd.months}-month round",
                )
            )
            continue
        if unit in agency.unit_codes and unit not in measure.units:
            problems.append(
                Problem(
                    file,
                    f"{where}, {FIELD_TH['code']}",
                    f"หน่วยงาน {unit} ไม่ได้รับผิดชอบมาตรการ {measure.code}",
                    f"unit {unit} is not responsible for measure {measure.code}",
                )
            )
            continue
        if measure.code in seen:
            problems.append(
                Problem(
                    file,
                    where,
                    f"มาตรการ {measure.code} ซ้ำกับ {seen[measure.code]}: เหลือไว้แถวเดียว",
                    f"measure {measure.code} repeats {seen[measure.code]}: keep one row",
                )
            )
            continue
        seen[measure.code] = where
        number = int("".join(ch for ch in where if ch.isdigit()) or 0) + (
            1 if where.startswith("rows[") else 0
        )
        rows.append(
            ResultRow(
                unit=unit,
                measure_code=measure.code,
                source=file,
                row=number,
                **{f: values.get(f, "") for f in FIELDS},
            )
        )
    return rows, problems


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
