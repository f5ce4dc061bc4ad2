"""A CSV submission: decoded (UTF-8, else the Thai Windows code page), its delimiter found, its rows
read lazily with formulas and over-long cells flagged; a row the csv module cannot read is a problem
with its row number, never the module's own text."""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterator

from ita_monitor.intake.tables import Row, Sheet, find_header, long_cells
from ita_monitor.model.errors import Problem

DELIMITERS = (",", ";", "\t", "|")


def decode(data: bytes) -> str | None:
    """The text: UTF-8, else the Thai Windows code page (Thai Excel saves CSV in TIS-620/cp874 unless
    told otherwise); None when it is neither."""
    for encoding in ("utf-8-sig", "cp874"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _not_text(file: str) -> Problem:
    return Problem(
        file,
        "",
        "ไฟล์ CSV นี้ไม่ใช่ข้อความ UTF-8 หรือภาษาไทยของ Windows (TIS-620): บันทึกใหม่เป็น CSV UTF-8",
        "this CSV file is neither UTF-8 nor Thai Windows text (TIS-620): save it again as CSV UTF-8",
    )


def _rows(text: str, delimiter: str, broken: list[int]) -> Iterator[Row]:
    """The rows; when the csv module stops (a broken quote, for example) the row is put in ``broken``."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    number = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error:
            broken.append(number + 1)
            return
        number += 1
        bad = [(col, "formula") for col, cell in enumerate(cells) if cell.startswith("=") and len(cell) > 1]
        yield number, list(cells), bad + long_cells(cells)


def _delimiter(text: str) -> str:
    """The one whose first ten lines give a header row, else the one found most often in those lines
    (Excel saves ``;`` in many locales)."""
    head = "\n".join(text.splitlines()[:10])
    best, best_score = ",", -1
    for delimiter in DELIMITERS:
        rows = [cells for _, cells, _ in itertools.islice(_rows(head, delimiter, []), 10)]
        found = find_header([(i + 1, r, []) for i, r in enumerate(rows)])
        score = 1000 if found[0] >= 0 else max((len(r) for r in rows), default=0)
        if score > best_score:
            best, best_score = delimiter, score
    return best


class _CsvSheet(Sheet):
    """The CSV as one sheet; a row the csv module cannot read becomes ``problem`` when reached."""

    def __init__(self, file: str, text: str, delimiter: str):
        self._broken: list[int] = []
        super().__init__("", self._watch(file, _rows(text, delimiter, self._broken)), delimiter)

    def _watch(self, file: str, rows: Iterator[Row]) -> Iterator[Row]:
        yield from rows
        if self._broken:
            self.problem = broken_row(file, self._broken[0])


def broken_row(file: str, number: int) -> Problem:
    return Problem(
        file,
        f"row {number}",
        f"อ่านแถวที่ {number:,} ไม่ได้ (เครื่องหมายคำพูดไม่ครบคู่ หรือมีอักขระที่ใช้ไม่ได้): "
        "เปิดในโปรแกรมตารางคำนวณแล้วบันทึกเป็น CSV UTF-8 ใหม่",
        f"row {number:,} cannot be read (an unclosed quote or a character that cannot be used): open the file "
        "in a spreadsheet program and save it again as CSV UTF-8",
    )


def sheets(data: bytes, file: str) -> list[Sheet]:
    """The CSV read with its delimiter, as one sheet."""
    text = decode(data)
    if text is None:
        return [Sheet("", iter(()), ",", _not_text(file))]
    # a field may be as long as the file (the limit of a cell is checked per cell, with its place)
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    return [_CsvSheet(file, text, _delimiter(text))]
