"""The plan's rules for one unit's file: each a small check, run in order by ``check_rows``.

File-level rules first (the unit exists, the form is the unit's own), then per row: the measure is in
the plan, reports in this round, is the unit's, appears once; a filled row has its required fields,
a status from the list and real dates.  A row with any problem is not counted; the whole file is
rejected when any error is found (``submissions.parse_submission``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from pythainlp.util import convert_years

from ita_monitor.intake.columns import (
    FIELD_TH,
    FIELDS,
    REQUIRED_FIELDS,
    STATUS_VALUES,
    FileRows,
    RawRow,
    ResultRow,
    shown,
)
from ita_monitor.model.agency import Agency
from ita_monitor.model.errors import Problem, errors_only, first_few
from ita_monitor.model.plan import Measure, Plan
from ita_monitor.model.rounds import Round
from ita_monitor.model.thai import arabic_digits, be_year

_DATE_RE = re.compile(r"(?<![\d๐-๙])([\d๐-๙]{1,4})[/.-]([\d๐-๙]{1,2})[/.-]([\d๐-๙]{1,4})(?![\d๐-๙])")


@dataclass
class Context:
    """What every rule of one file sees."""

    file: str
    unit: str
    plan: Plan
    agency: Agency
    rnd: Round
    found: FileRows
    seen: dict[str, str] = field(default_factory=dict)  # measure code -> where it was first

    def problem(self, where: str, th: str, en: str, severity: str = "error") -> Problem:
        return Problem(self.file, where, th, en, severity)


# --- the file -----------------------------------------------------------------------------------


def unit_known(ctx: Context) -> list[Problem]:
    if ctx.unit in ctx.agency.unit_codes:
        return []
    th_known, en_known = first_few(sorted(ctx.agency.unit_codes), 10)
    return [
        ctx.problem(
            "",
            f"ไม่รู้จักหน่วยงานย่อย {shown(ctx.unit)}: ตรวจชื่อโฟลเดอร์ใน inbox (ใช้ได้: {th_known})",
            f"unknown unit {shown(ctx.unit)}: check the inbox folder name (known units: {en_known})",
        )
    ]


def form_of_unit(ctx: Context) -> list[Problem]:
    said = ctx.found.unit
    if ctx.unit not in ctx.agency.unit_codes or not said or said == ctx.unit:
        return []
    return [
        ctx.problem(
            ctx.found.unit_where,
            f"แบบฟอร์มนี้เป็นของหน่วยงาน {shown(said)} แต่ส่งมาในโฟลเดอร์ของ {ctx.unit}: ใช้แบบฟอร์มของหน่วยงานตนเอง",
            f"this form is for unit {shown(said)} but was put in the folder of {ctx.unit}: use your own unit's form",
        )
    ]


FILE_RULES: tuple[Callable[[Context], list[Problem]], ...] = (unit_known, form_of_unit)


# --- a row: which measure -----------------------------------------------------------------------


def _key_field(raw: RawRow) -> str:
    return "code" if raw.values.get("code") else "measure"


def measure_of(ctx: Context, raw: RawRow) -> tuple[Measure | None, list[Problem]]:
    """The plan's measure the row names (by code, else by exact title)."""
    code = raw.values.get("code", "")
    if code:
        measure = next((m for m in ctx.plan.measures if m.code == code), None)
    else:
        measure = next((m for m in ctx.plan.measures if m.title == raw.values.get("measure", "")), None)
    if measure is not None:
        return measure, []
    written = shown(code or raw.values.get("measure", ""))
    fy = ctx.plan.fiscal_year
    return None, [
        ctx.problem(
            raw.at(_key_field(raw)),
            f"ไม่พบมาตรการ {written!r} ในแผนปี {fy}: ใช้รหัสมาตรการจากแบบฟอร์มหรือแผน",
            f"measure {written!r} is not in the {fy} plan: use a measure code from the form or the plan",
        )
    ]


def reports_this_round(ctx: Context, raw: RawRow, measure: Measure) -> list[Problem]:
    if ctx.rnd.months in measure.rounds:
        return []
    return [
        ctx.problem(
            raw.at(_key_field(raw)),
            f"มาตรการ {measure.code} ไม่ต้องรายงานใน{ctx.rnd.short_label_th}: ลบแถวนี้ออก",
            f"measure {measure.code} does not report in the {ctx.rnd.months}-month round: remove this row",
        )
    ]


def units_measure(ctx: Context, raw: RawRow, measure: Measure) -> list[Problem]:
    if ctx.unit not in ctx.agency.unit_codes or ctx.unit in measure.units:
        return []
    owners = ", ".join(measure.units)
    return [
        ctx.problem(
            raw.at(_key_field(raw)),
            f"หน่วยงาน {ctx.unit} ไม่ได้รับผิดชอบมาตรการ {measure.code}: ลบแถวนี้ ผู้รับผิดชอบคือ {owners}",
            f"unit {ctx.unit} is not responsible for measure {measure.code}: remove this row; it is reported by {owners}",
        )
    ]


def once(ctx: Context, raw: RawRow, measure: Measure) -> list[Problem]:
    first = ctx.seen.setdefault(measure.code, raw.where)
    if first == raw.where:
        return []
    return [
        ctx.problem(
            raw.where,
            f"มาตรการ {measure.code} ซ้ำกับ {first}: เหลือไว้แถวเดียว",
            f"measure {measure.code} repeats {first}: keep one row",
        )
    ]


MEASURE_RULES = (reports_this_round, units_measure, once)


# --- a row: what it reports ---------------------------------------------------------------------


def required(ctx: Context, raw: RawRow, measure: Measure) -> list[Problem]:
    return [
        ctx.problem(
            raw.at(name),
            f"ยังไม่กรอก{FIELD_TH[name]}ของมาตรการ {measure.code}: กรอกให้ครบ หรือเว้นว่างทั้งแถวถ้ายังไม่รายงานรอบนี้",
            f"{name} of measure {measure.code} is empty: fill it in, or leave the whole row empty if you do not "
            "report it yet",
        )
        for name in REQUIRED_FIELDS
        if not raw.values.get(name) and name not in raw.flagged and name not in ctx.found.missing
    ]


def status_listed(ctx: Context, raw: RawRow, measure: Measure) -> list[Problem]:
    status = raw.values.get("status", "")
    if not status or status in STATUS_VALUES:
        return []
    choices = " / ".join(STATUS_VALUES)
    return [
        ctx.problem(
            raw.at("status"),
            f"สถานะ {shown(status)!r} ไม่ถูกต้อง: เลือก {choices}",
            f"status {shown(status)!r} is not one of the choices: pick {choices} from the list",
        )
    ]


def ce_year(year: int) -> int:
    """A year as written in a date (BE or CE, two or four digits) as a CE year: 65 -> 2022, 2565 -> 2022."""
    if year < 100:
        year += 2500 if year >= 40 else 2000  # 65 -> 2565, 22 -> 2022
    return int(convert_years(str(year), src="be", target="ad")) if year > 2400 else year


def bad_date(text: str) -> str | None:
    """The first date-like token in ``text`` that is not a real date (d/m/y, BE or CE; or ISO)."""
    for m in _DATE_RE.finditer(text):
        a, b, c = (int(arabic_digits(x)) for x in m.groups())
        d, mo, y = (c, b, a) if len(m.group(1)) == 4 else (a, b, c)  # ISO: y-m-d
        try:
            date(ce_year(y), mo, d)
        except ValueError:
            return m.group(0)
    return None


def real_dates(ctx: Context, raw: RawRow, measure: Measure) -> list[Problem]:
    bad = bad_date(raw.values.get("period", ""))
    if not bad:
        return []
    example = f"15/04/{be_year(ctx.rnd.end.year)}"
    return [
        ctx.problem(
            raw.at("period"),
            f"วันที่ {bad!r} อ่านไม่ได้หรือไม่มีอยู่จริง: เขียนเป็น วัน/เดือน/ปี พ.ศ. เช่น {example} "
            "หรือเป็นข้อความ เช่น เดือนเมษายน",
            f"the date {bad!r} cannot be read or does not exist: write day/month/year (BE), e.g. {example}, "
            "or text such as a month name",
        )
    ]


FILLED_RULES = (required, status_listed, real_dates)


def _not_started(ctx: Context, raw: RawRow, measure: Measure) -> Problem:
    return ctx.problem(
        raw.at("status"),
        f"มาตรการ {measure.code} แจ้งว่ายังไม่ดำเนินการ จึงยังไม่นับว่าส่งผลรอบนี้",
        f"measure {measure.code} is marked not started, so it still counts as not reported",
        severity="warning",
    )


def check_row(ctx: Context, raw: RawRow) -> tuple[ResultRow | None, list[Problem]]:
    """One row: its measure's rules, then (if it reports anything) its fields' rules."""
    measure, problems = measure_of(ctx, raw)
    for rule in MEASURE_RULES if measure is not None else ():
        problems = rule(ctx, raw, measure)
        if problems:
            return None, problems
    if measure is None:
        return None, problems
    inputs = [f for f in FIELDS if raw.values.get(f) or f in raw.flagged]
    if not inputs:
        return None, []  # a form row left as sent: not reported yet (completeness lists it)
    if inputs == ["status"] and raw.values["status"] == STATUS_VALUES[2]:
        return None, [_not_started(ctx, raw, measure)]
    problems = [p for rule in FILLED_RULES for p in rule(ctx, raw, measure)]
    if problems:
        return None, problems
    values = {f: raw.values.get(f, "") for f in FIELDS}
    return ResultRow(unit=ctx.unit, measure_code=measure.code, source=ctx.file, row=raw.number, **values), []


def _nothing_filled(ctx: Context) -> Problem:
    return ctx.problem(
        "",
        "ไม่มีแถวที่กรอกผลไว้: กรอกผลอย่างน้อยหนึ่งมาตรการแล้วส่งใหม่",
        "no row has results filled in: fill in at least one measure and send again",
    )


def check_rows(ctx: Context) -> tuple[list[ResultRow], list[Problem]]:
    """Every rule over the file read in ``ctx.found``, in order."""
    problems = list(ctx.found.problems)
    for rule in FILE_RULES:
        problems += rule(ctx)
    rows = []
    for raw in ctx.found.rows:
        row, found = check_row(ctx, raw)
        problems += found
        if row is not None:
            rows.append(row)
    if not rows and not errors_only(problems) and not ctx.found.missing:
        problems.append(_nothing_filled(ctx))
    return rows, problems
