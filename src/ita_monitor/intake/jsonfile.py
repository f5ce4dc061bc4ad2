"""A JSON submission: ``{"unit": ..., "rows": [{field: text, ...}, ...]}`` or the list of rows alone.

Its nesting is checked before it is parsed (``MAX_JSON_DEPTH``), so no file can exhaust the parser's
stack; syntax errors are told in Thai and English with line and column; every item is ``rows[N]``
counted from 1, every value ``rows[N].<field>``.
"""

from __future__ import annotations

import json
import re

from ita_monitor.intake.columns import FIELD_TH, HEADER_TO_FIELD, FileRows, RawRow, near_alias, shown, text_of
from ita_monitor.intake.tables import cell_problem, too_many_rows
from ita_monitor.model.errors import Problem
from ita_monitor.model.limits import MAX_CELL_CHARS, MAX_JSON_DEPTH, MAX_ROWS

# JSON's syntax messages, said in Thai and in our own English
_JSON_SAYS = {
    "Expecting ',' delimiter": ("ขาดเครื่องหมายจุลภาค (,) ระหว่างรายการ", "a comma (,) is missing between items"),
    "Expecting ':' delimiter": (
        "ขาดเครื่องหมายทวิภาค (:) หลังชื่อช่อง",
        "a colon (:) is missing after a field name",
    ),
    "Expecting property name enclosed in double quotes": (
        'ชื่อช่องต้องอยู่ในเครื่องหมายคำพูดคู่ (") หรือมีจุลภาคเกินก่อนปิดวงเล็บ',
        'a field name must be in double quotes ("), or there is a comma too many before a closing bracket',
    ),
    "Expecting value": (
        "ขาดค่า หรือมีจุลภาคเกิน หรือข้อความไม่อยู่ในเครื่องหมายคำพูดคู่",
        "a value is missing, or there is a comma too many, or text is not in double quotes",
    ),
    "Unterminated string starting at": ("ข้อความไม่มีเครื่องหมายคำพูดปิด", "a text has no closing quote"),
    "Extra data": ("มีข้อมูลเกินหลังจบ JSON", "there is more after the end of the JSON"),
    "Invalid control character at": (
        "มีอักขระควบคุม (เช่น ขึ้นบรรทัดใหม่) ในข้อความ: ใช้ \\n แทน",
        "a control character (such as a line break) inside a text: write \\n instead",
    ),
    "Invalid \\escape": ("เครื่องหมาย \\ ใช้ผิด", "a backslash (\\) is used wrongly"),
}
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]')


def _line_col(text: str, pos: int) -> tuple[int, int]:
    line = text.count("\n", 0, pos) + 1
    return line, pos - (text.rfind("\n", 0, pos) + 1) + 1


def _too_deep(text: str) -> int:
    """Where nesting passes ``MAX_JSON_DEPTH`` (an offset), or -1; strings are skipped."""
    depth = 0
    for m in _TOKENS.finditer(text):
        c = m.group()
        if c in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return m.start()
        elif c in "]}":
            depth -= 1
    return -1


def _nested(file: str, text: str, pos: int) -> Problem:
    line, col = _line_col(text, pos)
    return Problem(
        file,
        f"line {line}, column {col}",
        f"ไฟล์ JSON ซ้อนวงเล็บลึกเกิน {MAX_JSON_DEPTH} ชั้นที่บรรทัด {line:,} ตำแหน่งที่ {col:,}: "
        'แบบฟอร์ม JSON มีเพียง {"unit": ..., "rows": [{...}, ...]} ใช้แบบนั้นแล้วส่งใหม่',
        f"the JSON file nests brackets more than {MAX_JSON_DEPTH} deep at line {line:,}, column {col:,}: "
        'the JSON form is only {"unit": ..., "rows": [{...}, ...]}; use that and send again',
    )


def _syntax(file: str, text: str, exc: json.JSONDecodeError) -> Problem:
    th_what, en_what = _JSON_SAYS.get(exc.msg, ("รูปแบบไม่ถูกต้อง", "the form is wrong"))
    start = text.rfind("\n", 0, exc.pos) + 1
    near = text[max(start, exc.pos - 30) : exc.pos + 10].split("\n", 1)[0].strip()
    return Problem(
        file,
        f"line {exc.lineno}, column {exc.colno}",
        f"ไฟล์ JSON ผิดรูปแบบที่บรรทัด {exc.lineno:,} ตำแหน่งที่ {exc.colno:,}: {th_what} (ใกล้ {near!r}): "
        "แก้แล้วบันทึกเป็น UTF-8",
        f"invalid JSON at line {exc.lineno:,}, column {exc.colno:,}: {en_what} (near {near!r}): fix it and "
        "save as UTF-8",
    )


def _not_utf8(file: str, exc: UnicodeDecodeError) -> Problem:
    return Problem(
        file,
        f"byte {exc.start + 1}",
        f"ไฟล์ JSON ไม่ได้เข้ารหัส UTF-8 (ไบต์ที่ {exc.start + 1:,}): บันทึกใหม่เป็น UTF-8",
        f"the JSON file is not UTF-8 (byte {exc.start + 1:,}): save it again as UTF-8",
    )


def _parse(data: bytes, file: str) -> tuple[object, Problem | None]:
    """The document, or the one problem that stops reading it."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return None, _not_utf8(file, exc)
    deep = _too_deep(text)
    if deep >= 0:
        return None, _nested(file, text, deep)
    try:
        return json.loads(text), None
    except json.JSONDecodeError as exc:
        return None, _syntax(file, text, exc)
    except RecursionError:  # cannot happen below MAX_JSON_DEPTH; said the same way if it does
        return None, _nested(file, text, 0)


def _not_rows(file: str) -> Problem:
    return Problem(
        file,
        "",
        'JSON ต้องเป็นรายการ หรือมี "rows" เป็นรายการ',
        'JSON must be a list of rows or an object with a "rows" list',
    )


def _unknown_key(file: str, where: str, key: str) -> Problem:
    close = near_alias(key.strip())
    th_hint = f"หมายถึง {close} หรือไม่: " if close else ""
    en_hint = f"did you mean {close}? " if close else ""
    return Problem(
        file,
        where,
        f"ไม่รู้จักช่อง {shown(key)}: {th_hint}ใช้ชื่อช่อง {', '.join(FIELD_TH.values())}",
        f"unknown field {shown(key)}: {en_hint}use one of {', '.join(FIELD_TH)}",
    )


def _not_text(file: str, where: str, key: str, value: bool | int | float) -> Problem:
    value_text = json.dumps(value)
    what_th = "ค่าจริง/เท็จ" if isinstance(value, bool) else "ตัวเลข"
    what_en = "boolean" if isinstance(value, bool) else "number"
    return Problem(
        file,
        where,
        f"ช่อง {shown(key)} เป็น{what_th} {shown(value_text)} ไม่ใช่ข้อความ จึงอ่านเป็นข้อความ "
        f'"{shown(value_text)}": ใส่ในเครื่องหมายคำพูดคู่ถ้าตั้งใจให้เป็นข้อความนี้',
        f"field {shown(key)} is a JSON {what_en} {shown(value_text)}, not text; it was read as the text "
        f'"{shown(value_text)}": put it in double quotes if that is meant',
        severity="warning",
    )


def _value(file: str, where: str, key: str, value: object) -> tuple[str | None, list[Problem]]:
    """The text of one field's value (None when it cannot be used) and what is wrong with it."""
    if isinstance(value, dict | list):
        return None, [
            Problem(
                file,
                where,
                f"ช่อง {shown(key)} ต้องเป็นข้อความ",
                f"field {shown(key)} must be text, not a list or object",
            )
        ]
    problems = []
    if isinstance(value, bool | int | float):
        problems.append(_not_text(file, where, key, value))
        value = json.dumps(value)
    if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
        return None, [cell_problem(file, where, f"long:{len(value)}")]
    return text_of(value), problems


def _row(file: str, number: int, item: object) -> tuple[RawRow | None, list[Problem]]:
    where = f"rows[{number}]"
    if not isinstance(item, dict):
        return None, [
            Problem(
                file,
                where,
                'แต่ละแถวต้องเป็น object เช่น {"รหัสมาตรการ": "M1", ...}',
                'each row must be an object such as {"code": "M1", ...}',
            )
        ]
    values, places, problems, flagged = {}, {}, [], set()
    for key, value in item.items():
        name = HEADER_TO_FIELD.get(str(key).strip().casefold())
        at = f"{where}.{shown(key, 40)}"
        if name is None:
            problems.append(_unknown_key(file, at, str(key)))
            continue
        text, found = _value(file, at, str(key), value)
        problems += found
        places[name] = at
        if text is None:
            flagged.add(name)
        else:
            values[name] = text
    return RawRow(number, values, places, where, frozenset(flagged)), problems


def json_rows(data: bytes, file: str) -> FileRows:
    doc, problem = _parse(data, file)
    if problem is not None:
        return FileRows([], [problem])
    items = doc.get("rows") if isinstance(doc, dict) else doc
    unit = text_of(doc.get("unit", ""))[:200] if isinstance(doc, dict) else ""
    if not isinstance(items, list):
        return FileRows([], [_not_rows(file)])
    out, problems = [], []
    for number, item in enumerate(items, start=1):
        if len(out) == MAX_ROWS:
            problems.append(too_many_rows(file, f"rows[{number}]"))
            break
        row, found = _row(file, number, item)
        problems += found
        if row is not None:
            out.append(row)
    return FileRows(out, problems, unit)
