"""Unit submissions: one received file read into the rows of the results table, or rejected.

A unit returns the form it was sent (``unit_forms.py``) or any file with the same columns, in
``inbox/<unit code>/`` of the round.  Every row names a measure by its code (``รหัสมาตรการ``) or its
exact title (``มาตรการ``) and carries the columns of the report's results table.  A file with any
error is rejected as a whole, with every problem listed (file, sheet, row, column, what to do), so
a half-read file never counts; other files are not affected.

The steps, each its own module: the bytes (``sniff``: size, type, macros, a workbook's zip
directory) → the reader of its kind (``csvfile`` / ``workbook`` through ``tables``, ``jsonfile``) →
the plan's rules (``rules``).  Whatever a file holds, the answer is a bounded list of problems
(``MAX_PROBLEMS``, then "and N more like this"), never an exception.
"""

from __future__ import annotations

import hashlib

from ita_monitor.intake import csvfile, workbook
from ita_monitor.intake.columns import FileRows, ResultRow
from ita_monitor.intake.jsonfile import json_rows
from ita_monitor.intake.rules import Context, check_rows
from ita_monitor.intake.sniff import check_bytes, suffix_of
from ita_monitor.intake.tables import table_rows
from ita_monitor.model.agency import Agency
from ita_monitor.model.errors import Problem, bound_problems
from ita_monitor.model.limits import MAX_PROBLEMS
from ita_monitor.model.plan import Plan
from ita_monitor.model.rounds import Round


def _unreadable(file: str) -> Problem:
    return Problem(
        file,
        "",
        "เปิดไฟล์ไม่ได้ ไฟล์อาจเสียหรือไม่ใช่ชนิดตามนามสกุล: บันทึกจากโปรแกรมตารางคำนวณใหม่แล้วส่งอีกครั้ง",
        "cannot read the file; it may be damaged or not what its extension says: save it again from a "
        "spreadsheet program and resend",
    )


def read_file(data: bytes, file: str, max_bytes: int | None = None) -> FileRows:
    """The rows of a submission file, checked only for form (not against the plan)."""
    problems = check_bytes(data, file, max_bytes)
    if problems:
        return FileRows([], problems)
    suffix = suffix_of(file)
    if suffix == ".json":
        return json_rows(data, file)
    try:
        sheets = csvfile.sheets(data, file) if suffix == ".csv" else workbook.sheets(data)
        try:
            return table_rows(sheets, file)
        finally:
            getattr(sheets, "close", lambda: None)()  # closes the workbook though not read to the end
    except Exception:  # any parser failure is the sender's file, reported, never a crash
        return FileRows([], [_unreadable(file)])


def read_rows(data: bytes, file: str) -> tuple[list[tuple[str, dict[str, str]]], list[Problem]]:
    """The raw rows of a submission file as (where, {field: text}), and any problem reading it."""
    found = read_file(data, file)
    return [(r.where, r.values) for r in found.rows], found.problems


def parse_submission(
    data: bytes, file: str, unit: str, plan: Plan, agency: Agency, rnd: Round, max_bytes: int | None = None
) -> tuple[list[ResultRow], list[Problem]]:
    """Validate one unit's file against the plan and the round; rows are only usable if no problems.

    At most ``MAX_PROBLEMS`` problems are returned, then one "and N more like this" per kind.
    """
    ctx = Context(file, unit, plan, agency, rnd, read_file(data, file, max_bytes))
    rows, problems = check_rows(ctx)
    return rows, bound_problems(problems, MAX_PROBLEMS)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
