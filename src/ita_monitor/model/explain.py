"""Pydantic's errors said in the admin's terms, in Thai and English: the field as written in the YAML
(items counted from 1, with their code or name), the values a field allows, and a suggestion for a
near miss (an unknown field, a value not among the choices).  One small function per kind of error.
"""

from __future__ import annotations

import difflib
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from ita_monitor.model.errors import Problem

TH_BY_TYPE = {
    "missing": "ขาดข้อมูลที่ต้องมี",
    "extra_forbidden": "มีช่องที่ไม่รู้จัก (สะกดผิดหรือไม่ใช้แล้ว)",
    "string_too_short": "ต้องไม่เว้นว่าง",
    "too_short": "ต้องมีอย่างน้อยหนึ่งรายการ",
    "string_pattern_mismatch": "รูปแบบไม่ถูกต้อง",
    "int_parsing": "ต้องเป็นตัวเลขจำนวนเต็ม",
    "int_type": "ต้องเป็นตัวเลขจำนวนเต็ม",
    "float_parsing": "ต้องเป็นตัวเลข",
    "greater_than_equal": "ค่าน้อยเกินไป",
    "less_than_equal": "ค่ามากเกินไป",
    "literal_error": "ต้องเป็นค่าหนึ่งในค่าที่กำหนด",
    "date_from_datetime_parsing": "วันที่ไม่ถูกต้อง (ใช้รูปแบบ YYYY-MM-DD ค.ศ.)",
    "date_parsing": "วันที่ไม่ถูกต้อง (ใช้รูปแบบ YYYY-MM-DD ค.ศ.)",
    "string_type": "ต้องเป็นข้อความ",
    "tuple_type": "ต้องเป็นรายการ (list)",
    "model_type": "ต้องเป็นกลุ่มข้อมูล (mapping)",
    "value_error": "ค่าไม่ถูกต้อง",
    "publish_conn_id": "ปลายทาง wordpress/sftp ต้องระบุ conn_id: ชื่อ Airflow connection ที่เก็บที่อยู่และรหัสผ่าน",
    "publish_sftp_path": "ปลายทาง sftp ต้องระบุ path เป็นโฟลเดอร์เต็มบนเซิร์ฟเวอร์ เช่น /var/www/html",
    "ita_indicator": "ไม่ใช่ตัวชี้วัด ITA ข้อใดใน ๑๐ ตัวชี้วัด: ใช้เลข ๑–๑๐ หรือชื่อตัวชี้วัด",
    "ita_indicator_twice": "ตัวชี้วัดเดียวกันมีคะแนนซ้ำ",
    "ita_score": "คะแนนต้องอยู่ระหว่าง ๐ ถึง ๑๐๐",
    "float_type": "ต้องเป็นตัวเลข",
    "ita_year_twice": "ผลการประเมิน ITA ของปีเดียวกันซ้ำ",
}


def field_path(loc: tuple[Any, ...], data: Any = None) -> str:
    """A field as the admin sees it in the YAML: items counted from 1, with their code or name.

    ``("measures", 3, "units", 1)`` -> ``measures #4 (M4) > units #2``.
    """
    parts: list[str] = []
    node = data
    for part in loc:
        if isinstance(part, int):
            label = f"#{part + 1}"
            item = node[part] if isinstance(node, list | tuple) and 0 <= part < len(node) else None
            if isinstance(item, dict):
                tag = item.get("code") or item.get("name")
                if tag in (None, "") and item.get("indicator") not in (None, ""):
                    tag = f"indicator {item['indicator']}"
                if tag not in (None, ""):
                    label += f" ({tag})"
            if parts:
                parts[-1] += " " + label
            else:
                parts.append(label)
            node = item
        else:
            parts.append(str(part))
            node = node.get(part) if isinstance(node, dict) else None
    return " > ".join(parts)


def _value_at(data: Any, loc: tuple[Any, ...]) -> Any:
    node = data
    for part in loc:
        if isinstance(part, int) and isinstance(node, list | tuple) and 0 <= part < len(node):
            node = node[part]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return None
    return node


def _model_at(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model whose field ``loc`` ends in (for the names of the fields it allows)."""
    current: Any = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = getattr(current, "model_fields", {}).get(part)
        if field is None:
            return None
        current = _inner_model(field.annotation)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _inner_model(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def suggest(value: Any, choices: list[str]) -> str:
    """``ENG`` for ``eng``; the closest choice for a near miss; '' when nothing is close."""
    if not isinstance(value, str) or not choices:
        return ""
    for c in choices:
        if c.casefold() == value.strip().casefold():
            return c
    close = difflib.get_close_matches(value, choices, n=1, cutoff=0.6)
    return close[0] if close else ""


_ALLOWED = {  # what a field takes, for the fields whose pydantic message says nothing useful
    "indicators": ("เลขตัวชี้วัด ITA ๑–๑๐", "an ITA indicator number 1-10"),
    "indicator": ("เลขตัวชี้วัด ITA ๑–๑๐ หรือชื่อตัวชี้วัด", "an ITA indicator number 1-10 or its Thai name"),
    "rounds": ("เดือนของรอบติดตาม ๑–๑๒ เช่น 6 หรือ 12", "a round in months 1-12, such as 6 or 12"),
    "email": ("อีเมล เช่น saraban@example.go.th", "an e-mail address such as saraban@example.go.th"),
    "code": (
        "รหัสอักษรอังกฤษหรือตัวเลข ขึ้นต้นด้วยอักษรหรือตัวเลข ใช้ _ . - ได้ ยาวไม่เกิน ๔๐ ตัว เช่น M1, palad",
        "a code of letters A-Z, digits, _ . - (up to 40, starting with a letter or digit), such as M1 or palad",
    ),
    "units": (
        "รหัสหน่วยงานย่อยตาม agency.yaml",
        "a unit code from agency.yaml",
    ),
    "fiscal_year": ("ปีงบประมาณ พ.ศ. เช่น 2565", "a BE fiscal year such as 2565"),
    "score": ("คะแนน ๐–๑๐๐", "a score 0-100"),
    "grace_days": ("จำนวนวัน ๐–๑๒๐", "a number of days 0-120"),
    "reminder_days": ("จำนวนวัน ๐–๑๒๐", "a number of days 0-120"),
}


def _field_name(loc: tuple[Any, ...]) -> str:
    names = [p for p in loc if isinstance(p, str)]
    return names[-1] if names else ""


@dataclass(frozen=True)
class _Said:
    """One pydantic error as the explaining functions need it."""

    kind: str
    loc: tuple[Any, ...]
    ctx: dict
    msg: str
    model: type[BaseModel]
    value: Any

    @property
    def name(self) -> str:
        return _field_name(self.loc)

    @property
    def shown(self) -> str:
        """`` ('x')`` after a field's value when there is one to show."""
        value = self.value
        return f" ({value!r})" if value is not None and not isinstance(value, dict | list) else ""

    @property
    def allowed(self) -> tuple[str, str]:
        return _ALLOWED.get(self.name, ("", ""))


def _unknown_field(e: _Said) -> tuple[str, str]:
    owner = _model_at(e.model, e.loc)
    fields = [f for f in (getattr(owner, "model_fields", {}) if owner else {}) if f != "slug"]
    hint = suggest(e.loc[-1], fields)
    th = f"ไม่รู้จักช่อง {e.loc[-1]}" + (f": หมายถึง {hint} หรือไม่" if hint else "")
    en = f"unknown field {e.loc[-1]}" + (f": did you mean {hint}?" if hint else "")
    if fields:
        th += f" (ช่องที่ใช้ได้: {', '.join(fields)})"
        en += f" (the fields here: {', '.join(fields)})"
    return th, en


def _missing(e: _Said) -> tuple[str, str]:
    return f"ขาดช่อง {e.name} ที่ต้องมี", f"{e.name} is required: add it"


def _not_a_choice(e: _Said) -> tuple[str, str]:
    expected = [
        x.strip().strip("'\"") for x in str(e.ctx.get("expected", "")).replace(" or ", ",").split(",")
    ]
    expected = [x for x in expected if x]
    hint = suggest(e.value, expected)
    th = f"ค่า{e.shown} ไม่ใช่ค่าที่ใช้ได้: เลือก {' / '.join(expected)}" + (f" (หมายถึง {hint} หรือไม่)" if hint else "")
    en = f"{e.value!r} is not allowed: use {' / '.join(expected)}" + (
        f" (did you mean {hint}?)" if hint else ""
    )
    return th, en


_BOUND_WORDS = {
    "greater_than_equal": ("ไม่น้อยกว่า", "at least"),
    "less_than_equal": ("ไม่เกิน", "at most"),
}


def _out_of_range(e: _Said) -> tuple[str, str]:
    bound = next(iter(e.ctx.values()), "")
    word_th, word_en = _BOUND_WORDS.get(e.kind, ("", e.kind))
    allowed_th, allowed_en = e.allowed
    th = f"ค่า{e.shown} ต้อง{word_th} {bound}" + (f": ใช้{allowed_th}" if allowed_th else "")
    en = f"{e.value!r} must be {word_en} {bound}" + (f": use {allowed_en}" if allowed_en else "")
    return th, en


def _too_few(e: _Said) -> tuple[str, str]:
    least = e.ctx.get("min_length", 1)
    allowed_th, allowed_en = e.allowed
    return (
        f"{e.name} ต้องมีอย่างน้อย {least} รายการ" + (f" ({allowed_th})" if allowed_th else ""),
        f"{e.name} needs at least {least} item(s)" + (f" ({allowed_en})" if allowed_en else ""),
    )


def _empty(e: _Said) -> tuple[str, str]:
    return f"{e.name} ต้องไม่เว้นว่าง", f"{e.name} must not be empty"


# our validators' messages (English) said in Thai, for fields without an entry in _ALLOWED
_VALUE_TH = (
    ("rounds must be months 1-12", "เดือนของรอบติดตาม ๑–๑๒"),
    ("at least one round is needed", "รายการรอบติดตามอย่างน้อยหนึ่งรอบ"),
    ("ITA indicators are numbered 1-10", "หมายเลขตัวชี้วัด ITA ๑–๑๐"),
    ("end ", "วันสิ้นสุดที่ไม่ก่อนวันเริ่ม"),
)


def _refused_by_validator(e: _Said) -> tuple[str, str]:
    """Our validators' English as the English half; the Thai half says the value and what is allowed."""
    said = e.msg.removeprefix("Value error, ")
    value = e.value
    given = (
        f" ({value!r})" if value is not None and not isinstance(value, dict) and len(repr(value)) < 80 else ""
    )
    why = e.allowed[0] or next((th for en, th in _VALUE_TH if said.startswith(en)), "")
    return (f"ค่า{given} ไม่ถูกต้อง: ต้องเป็น{why}" if why else f"ค่า{given} ไม่ถูกต้อง"), said


_EXPLAINERS: dict[str, Callable[[_Said], tuple[str, str]]] = {
    "extra_forbidden": _unknown_field,
    "missing": _missing,
    "literal_error": _not_a_choice,
    "greater_than_equal": _out_of_range,
    "less_than_equal": _out_of_range,
    "greater_than": _out_of_range,
    "less_than": _out_of_range,
    "too_short": _too_few,
    "string_too_short": _empty,
    "value_error": _refused_by_validator,
}
# kinds whose pydantic message says nothing useful when the field's allowed values are known
_WRONG_FORM = {
    "int_parsing",
    "int_type",
    "int_from_float",
    "string_pattern_mismatch",
    "float_parsing",
    "float_type",
}


def _in_general(e: _Said) -> tuple[str, str]:
    allowed_th, allowed_en = e.allowed
    if allowed_th and e.kind in _WRONG_FORM:
        return f"ค่า{e.shown} ใช้ไม่ได้: ต้องเป็น{allowed_th}", f"{e.value!r} cannot be used: give {allowed_en}"
    th = TH_BY_TYPE.get(e.kind, "ค่าไม่ถูกต้อง")
    if e.kind == "string_pattern_mismatch":
        return f"{th}{e.shown}", f"{e.value!r} is not in the expected form"
    return f"{th}{e.shown}", e.msg


def explain(e: dict, model: type[BaseModel], data: Any) -> tuple[str, str]:
    """Thai and English for one pydantic error: the allowed values and a suggestion where it helps."""
    loc = tuple(e["loc"])
    said = _Said(e["type"], loc, e.get("ctx") or {}, str(e["msg"]), model, _value_at(data, loc))
    return _EXPLAINERS.get(said.kind, _in_general)(said)


def _refused_items(errors: list) -> set[tuple[Any, ...]]:
    """The lists some of whose items were refused (their "too short" says nothing more)."""
    locs = {tuple(e["loc"][:-1]) for e in errors if e["loc"] and isinstance(e["loc"][-1], int)}
    return locs | {tuple(e["loc"][:i]) for e in errors for i, p in enumerate(e["loc"]) if isinstance(p, int)}


def problems_from(
    error: ValidationError, file: str, model: type[BaseModel] | None = None, data: Any = None
) -> list[Problem]:
    """Every error of ``error``, said as the admin wrote the file; a list that is too short only
    because its items were refused is not reported again."""
    errors = error.errors()
    item_locs = _refused_items(errors)
    problems = []
    for e in errors:
        loc = tuple(e["loc"])
        if e["type"] == "too_short" and loc in item_locs:
            continue  # "at least 1 item after validation, not 0": the items' own errors say why
        th, en = explain(e, model, data) if model else (TH_BY_TYPE.get(e["type"], "ค่าไม่ถูกต้อง"), e["msg"])
        problems.append(Problem(file, field_path(loc, data), th, en))
    return problems
