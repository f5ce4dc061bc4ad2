"""A table read from a CSV file or a workbook's sheets: where its header row is, which column is which
field (near misses named), and its rows with every cell's place (sheet, row, column from 1).

The readers (``csvfile.sheets``, ``workbook.sheets``) give ``Sheet``s whose rows are parsed lazily:
only as far as they are used (the header within the first ten rows, then at most ``MAX_ROWS``
filled rows).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from ita_monitor.intake.columns import (
    FIELD_TH,
    HEADER_TO_FIELD,
    REQUIRED_FIELDS,
    UNIT_LABEL,
    FileRows,
    RawRow,
    column_letter,
    near_alias,
    place,
    shown,
    text_of,
)
from ita_monitor.model.errors import Problem, first_few
from ita_monitor.model.limits import MAX_CELL_CHARS, MAX_LISTED, MAX_ROWS

Cells = list[object]
BadCells = list[tuple[int, str]]  # (column, "formula" | "#REF!" | "long:<characters>" ...)
Row = tuple[int, Cells, BadCells]


DELIMITER_NAME = {
    ",": ("จุลภาค (,)", "comma (,)"),
    ";": ("อัฒภาค (;)", "semicolon (;)"),
    "\t": ("แท็บ", "tab"),
    "|": ("ขีดตั้ง (|)", "vertical bar (|)"),
}


@dataclass
class Sheet:
    """One sheet (or the CSV), read lazily: rows are only parsed as far as they are used."""

    name: str  # "" for CSV
    rows: Iterator[Row]
    delimiter: str = ""  # CSV only
    problem: Problem | None = None  # the reader stopped here (a broken row): reported after the rows


@dataclass
class Header:
    mapping: dict[int, str]  # column -> field, exact names
    near: dict[int, tuple[str, str]]  # column -> (as written, the name it is close to)
    unknown: dict[int, str]  # column -> as written


def long_cells(cells: Iterable[object]) -> BadCells:
    """Cells longer than ``MAX_CELL_CHARS`` (Excel's own limit), as bad cells."""
    return [
        (col, f"long:{len(c)}")
        for col, c in enumerate(cells)
        if isinstance(c, str) and len(c) > MAX_CELL_CHARS
    ]


MAX_NEAR_LOOKUPS = 50  # unknown header texts compared with the column names per row (a form has 9)


def header_of(cells: Cells) -> Header:
    """The columns of a would-be header row: exact names, near misses (among the first unknown texts:
    a row of 10,000 extra columns is not compared 10,000 times), unknown ones."""
    head = Header({}, {}, {})
    lookups = 0
    for col, cell in enumerate(cells):
        text = text_of(cell) if not isinstance(cell, str) or len(cell) <= 200 else cell[:200]
        if not text:
            continue
        name = HEADER_TO_FIELD.get(text.casefold())
        if name and name not in head.mapping.values():
            head.mapping[col] = name
        elif not name:
            lookups += 1
            close = near_alias(text) if lookups <= MAX_NEAR_LOOKUPS else None
            if close:
                head.near[col] = (text, close)
            else:
                head.unknown[col] = text
        # a second column of the same field: the first one is read
    return head


def _fields(head: Header) -> set[str]:
    return set(head.mapping.values()) | {HEADER_TO_FIELD[alias] for _, alias in head.near.values()}


def find_header(rows: list[Row]) -> tuple[int, Header]:
    """The header row among ``rows`` (the first ten) counting near misses, and its columns; -1 if none."""
    for pos, (_, cells, _) in enumerate(rows[:10]):
        head = header_of(cells)
        fields = _fields(head)
        if {"details", "output"} <= fields and ({"code", "measure"} & fields):
            return pos, head
    return -1, Header({}, {}, {})


def _near_problems(file: str, sheet: Sheet, number: int, head: Header) -> list[Problem]:
    problems = []
    for col, (written, alias) in sorted(head.near.items()):
        if HEADER_TO_FIELD[alias] in head.mapping.values():
            head.unknown[col] = written
            continue
        problems.append(
            Problem(
                file,
                place(sheet.name, number, col),
                f"ไม่พบคอลัมน์ {alias} พบ {shown(written)} แทน: หมายถึง {alias} หรือไม่ แก้หัวคอลัมน์ให้ตรงกับแบบฟอร์ม",
                f"column {alias} not found — found {shown(written)}: did you mean {alias}? Correct the header "
                "to match the form",
            )
        )
    return problems


def _unknown_problem(file: str, sheet: Sheet, number: int, head: Header) -> Problem:
    """One warning for every unknown column: how many, the first few, then "and N more"."""
    listed = [f"{column_letter(c)} ({shown(t, 40)})" for c, t in sorted(head.unknown.items())]
    th_list, en_list = first_few(listed, MAX_LISTED)
    return Problem(
        file,
        place(sheet.name, number),
        f"ไม่รู้จักคอลัมน์ {th_list} จึงไม่ได้อ่าน: ใช้หัวคอลัมน์ {', '.join(FIELD_TH.values())}",
        f"unknown columns {en_list} were not read: the columns are {', '.join(FIELD_TH.values())}",
        severity="warning",
    )


def header_problems(file: str, sheet: Sheet, number: int, head: Header) -> tuple[list[Problem], set[str]]:
    """Near-miss columns (errors: their text would be lost), missing required ones, unknown ones."""
    problems = _near_problems(file, sheet, number, head)
    missing = {f for f in REQUIRED_FIELDS if f not in _fields(head)}
    for name in (f for f in REQUIRED_FIELDS if f in missing):
        problems.append(
            Problem(
                file,
                place(sheet.name, number),
                f"ไม่พบคอลัมน์ {FIELD_TH[name]} ในแถวหัวตาราง: เพิ่มคอลัมน์นี้ หรือคัดลอกหัวตารางจากแบบฟอร์ม",
                f"column {FIELD_TH[name]} ({name}) not found in the header row: add it, or copy the "
                "form's header row",
            )
        )
    if head.unknown:
        problems.append(_unknown_problem(file, sheet, number, head))
    near_fields = {HEADER_TO_FIELD[a] for _, a in head.near.values()} - set(head.mapping.values())
    return problems, missing | near_fields


def cell_problem(file: str, where: str, what: str) -> Problem:
    if what == "formula":
        return Problem(
            file,
            where,
            "ช่องนี้เป็นสูตร: คัดลอกแล้ววางแบบค่า (Paste Special > Values) หรือพิมพ์ข้อความแทน",
            "this cell holds a formula: copy it and paste as values only, or type the text",
        )
    if what.startswith("long:"):
        n = int(what[5:])
        return Problem(
            file,
            where,
            f"ข้อความในช่องนี้ยาว {n:,} ตัวอักษร เกินที่รับได้ {MAX_CELL_CHARS:,} ตัวอักษร (เท่ากับที่ Excel รับได้): "
            "ย่อให้สั้นลง ใส่รายละเอียดเป็นลิงก์หลักฐานแทน",
            f"this cell holds {n:,} characters, more than the limit of {MAX_CELL_CHARS:,} (Excel's own): "
            "shorten it and give the details as evidence links",
        )
    return Problem(
        file,
        where,
        f"ช่องนี้มีค่าผิดพลาด {shown(what, 20)}: แก้ให้เป็นข้อความ",
        f"this cell holds the error value {shown(what, 20)}: replace it with text",
    )


def too_many_rows(file: str, where: str) -> Problem:
    return Problem(
        file,
        where,
        f"ไฟล์มีแถวที่กรอกไว้เกิน {MAX_ROWS:,} แถว จึงหยุดอ่านที่แถวนี้: แบบฟอร์มมีหนึ่งแถวต่อหนึ่งมาตรการ "
        "ลบแถวที่ซ้ำหรือไม่เกี่ยวข้องแล้วส่งใหม่",
        f"the file has more than {MAX_ROWS:,} filled rows, so reading stopped here: a form has one row per "
        "measure; remove repeated or unrelated rows and send again",
    )


def _unit_cell(sheet: Sheet, rows: list[Row], header_number: int) -> tuple[str, str]:
    """The unit the form says it is for: the cell right of รหัสหน่วยงาน above the header."""
    unit, where = "", UNIT_LABEL
    for number, cells, _ in rows:
        if number >= header_number:
            break
        texts = [text_of(c)[:200] for c in cells[:50]]
        for i, t in enumerate(texts[:-1]):
            if t.casefold() in (UNIT_LABEL, "unit", "unit_code") and texts[i + 1]:
                unit, where = texts[i + 1], place(sheet.name, number, i + 1) + f" ({UNIT_LABEL})"
    return unit, where


def _body(
    file: str, sheet: Sheet, rows: Iterable[Row], mapping: dict[int, str]
) -> tuple[list[RawRow], list[Problem]]:
    out: list[RawRow] = []
    problems: list[Problem] = []
    columns = {name: place("", 0, col, name).removeprefix("row 0") for col, name in mapping.items()}
    for number, cells, bad in rows:
        values = {name: text_of(cells[col]) if col < len(cells) else "" for col, name in mapping.items()}
        flagged = set()
        for col, what in bad:
            problems.append(cell_problem(file, place(sheet.name, number, col, mapping.get(col, "")), what))
            if col in mapping:
                flagged.add(mapping[col])
                values[mapping[col]] = ""
        if any(values.values()) or flagged:
            if len(out) == MAX_ROWS:
                problems.append(too_many_rows(file, place(sheet.name, number)))
                break  # the rest is never read
            where = place(sheet.name, number)
            places = {name: where + column for name, column in columns.items()}
            out.append(RawRow(number, values, places, where, frozenset(flagged)))
    return out, problems


def _read_sheet(file: str, sheet: Sheet, first: list[Row], pos: int, head: Header) -> FileRows:
    header_number = first[pos][0]
    problems, missing = header_problems(file, sheet, header_number, head)
    unit, unit_where = _unit_cell(sheet, first, header_number)
    for number, _, bad in first[: pos + 1]:
        for col, what in bad:
            if col in head.mapping:
                problems.append(cell_problem(file, place(sheet.name, number, col, head.mapping[col]), what))
    out, more = _body(file, sheet, itertools.chain(first[pos + 1 :], sheet.rows), head.mapping)
    if sheet.problem is not None:
        more.append(sheet.problem)
    return FileRows(out, problems + more, unit, unit_where, frozenset(missing))


def table_rows(sheets: Iterable[Sheet], file: str) -> FileRows:
    """The rows of the first sheet with a header row (the rest of that sheet and others never read)."""
    delimiter = ""
    for sheet in sheets:
        delimiter = delimiter or sheet.delimiter
        first = list(itertools.islice(sheet.rows, 10))
        pos, head = find_header(first)
        if pos >= 0:
            return _read_sheet(file, sheet, first, pos, head)
        if sheet.problem is not None and not sheet.name:
            return FileRows([], [sheet.problem])
    return FileRows([], [no_header(file, delimiter)])


def no_header(file: str, delimiter: str) -> Problem:
    """No header row: where it was looked for (a CSV's first 10 rows with its delimiter, or a workbook's sheets)."""
    expected = ", ".join(FIELD_TH.values())
    if delimiter:
        th_name, en_name = DELIMITER_NAME[delimiter]
        th_where = f"ใน 10 แถวแรกของไฟล์ (อ่านแบบคั่นด้วย{th_name}; ลองแล้วทั้ง , ; แท็บ และ |)"
        en_where = f"in the first 10 rows of the file (read as {en_name} separated; comma, semicolon, tab and | were tried)"
    else:
        th_where = "ใน 10 แถวแรกของแผ่นงานใด"
        en_where = "in the first 10 rows of any sheet"
    return Problem(
        file,
        "header",
        f"ไม่พบแถวหัวตาราง{th_where} ต้องมีคอลัมน์: {expected}: ใช้แบบฟอร์มที่ส่งให้ หรือคัดลอกหัวตารางจากแบบฟอร์ม",
        f"no header row found {en_where}; expected columns: {expected}: use the form you were sent, or copy its "
        "header row",
    )
