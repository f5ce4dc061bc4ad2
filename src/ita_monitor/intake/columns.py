"""The columns of a unit's results table and the records read from a file.

Every reader (``csvfile``, ``workbook``, ``jsonfile``) maps what it finds onto these fields, and the
plan's rules (``rules``) turn the rows into ``ResultRow``s.  Places in messages are counted from 1 as
a person counts: sheet rows, CSV rows, columns by letter, JSON items ``rows[1]``.
"""

from __future__ import annotations

import difflib
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from functools import lru_cache

from ita_monitor.model.errors import Problem
from ita_monitor.model.thai import thai_date

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
ALIAS_KEYS = sorted(HEADER_TO_FIELD)
SUFFIXES = (".csv", ".xlsx", ".json")


@lru_cache(maxsize=4096)
def near_alias(text: str) -> str | None:
    """The column name ``text`` is close to (a misspelt header or JSON field), or None; remembered, as the
    same cells are looked at with each delimiter tried."""
    if len(text) >= 60:
        return None
    close = difflib.get_close_matches(text.casefold(), ALIAS_KEYS, n=1, cutoff=0.75)
    return close[0] if close else None


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
    version: int = 0  # the unit's version number (versions.py); 0 = not versioned
    received_at: str = ""
    stored_as: str = ""  # path of the kept copy under the round folder
    counts: int = 0  # rows of this version that are the latest valid ones (in use)
    withdrawn: dict | None = None  # the admin's withdrawal in force (by, at, reason): it does not count

    def as_dict(self) -> dict:
        d = asdict(self)
        d["problems"] = [p.as_dict() for p in self.problems]
        return d


@dataclass
class RawRow:
    """One row of a file before it is checked against the plan: field -> text, and where each is."""

    number: int  # as a person counts: sheet/CSV row, or JSON item counted from 1
    values: dict[str, str]
    places: dict[str, str]  # field -> "sheet 'x', row 5, column C (มาตรการ)" or "rows[1].ผลผลิต"
    where: str  # the row itself
    flagged: frozenset[str] = frozenset()  # fields whose cell was already reported (formula, error value)

    def at(self, name: str) -> str:
        return self.places.get(name, f"{self.where}, {FIELD_TH[name]}")


@dataclass
class FileRows:
    """The rows of one file as read, the unit the file says it is for, and reading problems."""

    rows: list[RawRow]
    problems: list[Problem]
    unit: str = ""  # from the form's unit cell or a JSON "unit"
    unit_where: str = UNIT_LABEL
    missing: frozenset[str] = frozenset()  # fields whose column is not there (already reported)


def text_of(value: object) -> str:
    """A cell's value as the text that is reported (dates as Thai dates, 3.0 as 3)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return thai_date(value.date())
    if isinstance(value, date):
        return thai_date(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def column_letter(index: int) -> str:
    """0 -> A, 26 -> AA (openpyxl counts from 1)."""
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def place(sheet: str, number: int, col: int | None = None, name: str = "") -> str:
    """Where a cell is: "sheet 'x', row 5, column C (มาตรการ)"; a CSV has no sheet."""
    out = f"sheet '{shown(sheet, 40)}', row {number}" if sheet else f"row {number}"
    if col is not None:
        out += f", column {column_letter(col)}"
        if name:
            out += f" ({FIELD_TH.get(name, name)})"
    return out


def shown(value: object, limit: int = 60) -> str:
    """What a sender wrote, as a message quotes it: at most ``limit`` characters, then "…"."""
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
