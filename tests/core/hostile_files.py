"""Hostile and extreme submissions, built as described in issue 23 (tests and bench/bench_intake_limits.py).

Imports nothing of the tests' conftest, so the bench can use it in a plain process.
"""

from __future__ import annotations

import csv
import io

HEADER = ["รหัสมาตรการ", "มาตรการ", "รายละเอียดการดำเนินงาน", "ระยะเวลาการดำเนินงาน", "ผลผลิต", "ผลลัพธ์", "หมายเหตุ"]
ROW = ["M1", "", "จัดทำมาตรการและประกาศให้เจ้าหน้าที่ทราบ", "เดือนเมษายน ๒๕๖๕", "ประกาศมาตรการ", "รายงานผล", ""]


def nested_json(depth: int = 100_000) -> bytes:
    """``{"unit":"AUDIT","rows":`` + ``depth`` ``[`` + ``depth`` ``]`` + ``}``."""
    return b'{"unit":"AUDIT","rows":' + b"[" * depth + b"]" * depth + b"}"


def table_csv(rows: list[list[str]], header: list[str] | None = None) -> bytes:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header or HEADER)
    writer.writerows(rows)
    return buf.getvalue().encode("utf-8")


def wide_csv(extra: int = 10_000) -> bytes:
    """The form's header with ``extra`` more columns (``คอลัมน์ 1`` ...), and one good row."""
    header = HEADER + [f"คอลัมน์เพิ่ม {i}" for i in range(1, extra + 1)]
    return table_csv([ROW + [""] * extra], header)


def big_cell_csv(size: int = 4 * 1024 * 1024) -> bytes:
    """One good row whose รายละเอียดการดำเนินงาน (column C) is ``size`` bytes of Thai."""
    text = ("ก" * (size // 3))[: size // 3]
    return table_csv([[*ROW[:2], text, *ROW[3:]]])


def many_sheets(sheets: int = 1000) -> bytes:
    """A workbook of ``sheets`` small sheets (the form's table on the first), written by openpyxl."""
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    for i in range(sheets):
        ws = book.create_sheet(f"แผ่น{i + 1}")
        ws.append(HEADER)
        if i == 0:
            ws.append(ROW)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def openpyxl_rows(rows: int = 80_000) -> bytes:
    """An ordinary workbook of ``rows`` filled rows written by openpyxl (about 2.4 MB, ~95 MB opened)."""
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    ws = book.create_sheet("ผล")
    ws.append(HEADER)
    for n in range(rows):
        ws.append([f"M{n % 9 + 1}", "", f"{ROW[2]} ครั้งที่ {n + 1}", ROW[3], ROW[4], ROW[5], f"แถว {n + 1}"])
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()
