"""The agencies directory: each agency's profile, its measure plan per fiscal year, the OIT catalogue.

Layout (all YAML, Thai text as is)::

    <agencies_dir>/
      catalogue/oit-<BE year>.yaml     the year's OIT items (numbers and names change every year)
      <agency slug>/agency.yaml        profile: names, units, officials, schedule, where to publish
      <agency slug>/plans/<BE year>.yaml   the measures of that fiscal year

Loading validates everything and collects every problem with its file and field path, so an admin
fixes a file in one pass.  Nothing here knows about Airflow.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import re
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from ita_monitor.model.errors import InputError, Problem
from ita_monitor.model.rounds import DEFAULT_ROUNDS
from ita_monitor.model.thai import thai_digits

ITA_INDICATORS: dict[int, str] = {
    1: "การปฏิบัติหน้าที่",
    2: "การใช้งบประมาณ",
    3: "การใช้อำนาจ",
    4: "การใช้ทรัพย์สินของราชการ",
    5: "การแก้ไขปัญหาการทุจริต",
    6: "คุณภาพการดำเนินงาน",
    7: "ประสิทธิภาพการสื่อสาร",
    8: "การปรับปรุงระบบการทำงาน",
    9: "การเปิดเผยข้อมูล",
    10: "การป้องกันการทุจริต",
}

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Code = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")]
Email = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[^@\s]+@[^@\s]+$")]
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Unit(_Model):
    """A unit (สำนัก/กอง/งาน) that carries out measures and submits results."""

    code: Code
    name_th: Text
    email: Email | None = None
    # other addresses whose mail counts as this unit's (mail-in); email is always one of them
    senders: tuple[Email, ...] = ()
    line_group: str | None = (
        None  # the unit's LINE group id (forms, reminders, outcomes), if the agency uses LINE
    )

    @property
    def addresses(self) -> frozenset[str]:
        """Every address whose mail is this unit's, lower-cased."""
        return frozenset(a.lower() for a in (self.email, *self.senders) if a)


class Official(_Model):
    """Someone who signs: name as printed in brackets, and the position lines under it."""

    name: Text
    position: Text
    title_prefix: str = ""  # e.g. ว่าที่ร้อยตรีหญิง, printed above the bracketed name
    office: str = ""  # the office in memo headings "ความเห็นของ...", when it differs from position


class Officials(_Model):
    preparer: Official
    head_of_office: Official
    palad: Official
    mayor: Official


class Schedule(_Model):
    rounds: tuple[int, ...] = DEFAULT_ROUNDS
    grace_days: int = Field(default=15, ge=0, le=120)  # the submission window after a round ends
    reminder_days: int = Field(default=3, ge=0, le=120)  # remind units this many days before due; 0 = never

    @field_validator("rounds")
    @classmethod
    def _rounds_in_year(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        bad = [r for r in value if not 1 <= r <= 12]
        if bad:
            raise ValueError(f"rounds must be months 1-12, got {bad}")
        if not value:
            raise ValueError("at least one round is needed")
        return tuple(sorted(set(value)))


class PublishTarget(_Model):
    """Where documents go.  Credentials never live here: only an Airflow connection id."""

    target: Literal["static", "wordpress", "sftp"] = "static"
    path: str = "site"  # static: folder under the data root (or absolute); sftp: remote folder
    base_url: str = ""  # public URL of that folder, used in links; empty = relative links
    conn_id: str = ""  # wordpress/sftp: the Airflow connection holding host and credentials
    dry_run: bool = False  # render and plan the publish (logged), touch nothing on the site
    # wordpress: the one page per fiscal year; {fiscal_year} = 2565, {fiscal_year_th} = ๒๕๖๕
    page_title: str = "การเปิดเผยข้อมูลสาธารณะ (OIT) ประจำปีงบประมาณ พ.ศ. {fiscal_year_th}"
    page_slug: str = "ita-oit-{fiscal_year}"

    @model_validator(mode="after")
    def _remote_needs_a_connection(self) -> PublishTarget:
        if self.target in ("wordpress", "sftp") and not self.conn_id:
            raise PydanticCustomError(
                "publish_conn_id",
                "target {target} needs conn_id: the Airflow connection holding its address and credentials",
                {"target": self.target},
            )
        if self.target == "sftp" and not self.path.startswith("/"):
            raise PydanticCustomError(
                "publish_sftp_path",
                "target sftp needs path: the absolute folder on the server, e.g. /var/www/html",
            )
        return self


class MailIn(_Model):
    """The agency's ITA mailbox: units reply to the form mail with the filled form (mail-in).

    Only the Airflow IMAP connection's id lives here (host, login, password in the connection).
    """

    conn_id: Code  # Airflow IMAP connection of the mailbox
    address: Email  # the mailbox's address: the Reply-To of the form mails
    folder: str = "INBOX"


class Line(_Model):
    """Push forms, reminders and outcomes to each unit's LINE group (``units[].line_group``)."""

    conn_id: Code  # Airflow HTTP connection: host = the Messaging API, password = the channel access token
    admin_group: str | None = None  # the IT admin's LINE group: link-health changes (ita_links__<agency>)


class Agency(_Model):
    """One agency's profile (agency.yaml)."""

    slug: str
    name_th: Text  # องค์การบริหารส่วนตำบลแม่อูคอ
    short_name_th: Text  # อบต.แม่อูคอ
    district: Text  # อำเภอ, without the word อำเภอ
    province: Text  # จังหวัด, without the word จังหวัด
    office_th: Text  # ส่วนราชการ on memos, e.g. สำนักงานปลัด
    ref_prefix: Text  # ที่ on memos, e.g. มส ๗๔๗๐๑.๕
    website: str = ""
    emblem: str = ""  # path of the Garuda emblem image, relative to the agency folder
    units: tuple[Unit, ...] = Field(min_length=1)
    officials: Officials
    schedule: Schedule = Schedule()
    publish: PublishTarget = PublishTarget()
    mail_in: MailIn | None = None  # units may send their files by mail to this mailbox
    line: Line | None = None  # push notices to the units' LINE groups
    approval: bool = True  # a person approves each round report in the Airflow UI before it is published
    # units' text in the round report: thai_digits = Thai digits in Thai prose only (web addresses,
    # e-mails, phone numbers, codes like ISO 9001 or alert(1) as typed); as_written = exactly as typed
    units_text: Literal["thai_digits", "as_written"] = "thai_digits"

    @field_validator("district", "province", mode="before")
    @classmethod
    def _without_prefix(cls, value: object, info: ValidationInfo) -> object:
        """``อำเภอสันทราย`` -> ``สันทราย``, ``จ.เชียงใหม่`` -> ``เชียงใหม่``: the documents add the word."""
        if isinstance(value, str):
            text = value.strip()
            for prefix in ("อำเภอ", "อ.") if info.field_name == "district" else ("จังหวัด", "จ."):
                if text.startswith(prefix) and len(text) > len(prefix):
                    return text[len(prefix) :].strip()
        return value

    def unit(self, code: str) -> Unit:
        for u in self.units:
            if u.code == code:
                return u
        raise KeyError(code)

    @property
    def unit_codes(self) -> frozenset[str]:
        return frozenset(u.code for u in self.units)

    def units_of_sender(self, address: str) -> list[str]:
        """Codes of the units that list ``address`` (email or senders), in profile order."""
        address = address.strip().lower()
        return [u.code for u in self.units if address in u.addresses]


class Measure(_Model):
    """One measure of the year's plan and who reports on it when."""

    code: Code
    title: Text
    guidelines: tuple[Text, ...] = ()  # แนวทางปฏิบัติ
    steps: tuple[Text, ...] = ()  # ขั้นตอน/วิธีการปฏิบัติ, in order
    units: tuple[Code, ...] = Field(min_length=1)  # ผู้รับผิดชอบ
    rounds: tuple[int, ...] = Field(min_length=1)  # การกำกับติดตาม: months of the rounds it reports in
    indicators: tuple[int, ...] = ()  # ITA indicators 1-10 it addresses

    @field_validator("rounds")
    @classmethod
    def _rounds_in_year(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        bad = [r for r in value if not 1 <= r <= 12]
        if bad:
            raise ValueError(f"rounds must be months 1-12, got {bad}")
        return tuple(sorted(set(value)))

    @field_validator("indicators")
    @classmethod
    def _known_indicators(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        bad = [i for i in value if i not in ITA_INDICATORS]
        if bad:
            raise ValueError(f"ITA indicators are numbered 1-10, got {bad}")
        return value


def indicator_number(value: object) -> int:
    """The number (1-10) of an ITA indicator given by number or by its Thai name."""
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            value = int(text)
        else:
            for number, name in ITA_INDICATORS.items():
                if text == name:
                    return number
    if isinstance(value, int) and not isinstance(value, bool) and value in ITA_INDICATORS:
        return value
    raise PydanticCustomError(
        "ita_indicator",
        "{value!r} is not one of the 10 ITA indicators: use a number 1-10 or its name ({names})",
        {"value": value, "names": ", ".join(ITA_INDICATORS.values())},
    )


class IndicatorScore(_Model):
    """Last year's score of one ITA indicator."""

    indicator: int  # 1-10; the Thai name is accepted too
    score: float

    @field_validator("indicator", mode="before")
    @classmethod
    def _indicator(cls, value: object) -> int:
        return indicator_number(value)

    @field_validator("score")
    @classmethod
    def _score(cls, value: float) -> float:
        if not 0 <= value <= 100:
            raise PydanticCustomError("ita_score", "score {value} is outside 0-100", {"value": value})
        return value

    @property
    def name_th(self) -> str:
        return ITA_INDICATORS[self.indicator]


def _scores_once_each(value: tuple[IndicatorScore, ...]) -> tuple[IndicatorScore, ...]:
    seen = [s.indicator for s in value]
    twice = sorted({i for i in seen if seen.count(i) > 1})
    if twice:
        raise PydanticCustomError("ita_indicator_twice", "indicators given twice: {twice}", {"twice": twice})
    return value


class YearScores(_Model):
    """One earlier year's ITA result as published: the total and the score of each indicator.

    A plan's ``ita_results`` carries the years before the one its analysis is about, so the ITA page
    and the measures document can show every indicator across the years."""

    year: int = Field(ge=2560, le=2700)  # BE year assessed
    overall: float | None = Field(default=None, ge=0, le=100)
    scores: tuple[IndicatorScore, ...] = Field(min_length=1)

    @field_validator("scores")
    @classmethod
    def _once_each(cls, value: tuple[IndicatorScore, ...]) -> tuple[IndicatorScore, ...]:
        return _scores_once_each(value)


class Analysis(_Model):
    """The analysis of last year's ITA result: part one of the measures document (O42-type)."""

    year: int | None = Field(default=None, ge=2560, le=2700)  # BE year assessed; default plan year - 1
    overall: float | None = Field(default=None, ge=0, le=100)  # the total ITA score, if given
    scores: tuple[IndicatorScore, ...] = Field(min_length=1)
    summary: Text  # the agency's own analysis, as it wants it printed
    urgent: tuple[Text, ...] = ()  # ข้อบกพร่องหรือจุดอ่อนที่ต้องแก้ไขโดยเร่งด่วน
    improve: tuple[Text, ...] = ()  # ประเด็นที่ต้องพัฒนาให้ดีขึ้น, beyond the indicators below the pass level
    approach: tuple[Text, ...] = ()  # แนวทางการนำผลการวิเคราะห์ไปสู่การปฏิบัติ
    recommendations: tuple[Text, ...] = ()  # ข้อเสนอแนะในการจัดทำมาตรการ

    @field_validator("scores")
    @classmethod
    def _once_each(cls, value: tuple[IndicatorScore, ...]) -> tuple[IndicatorScore, ...]:
        return _scores_once_each(value)

    def below(self, pass_level: float) -> tuple[IndicatorScore, ...]:
        """Indicators scored below ``pass_level``: the points to improve, in indicator order."""
        return tuple(sorted((s for s in self.scores if s.score < pass_level), key=lambda s: s.indicator))


class Memo(_Model):
    """The approval memo (บันทึกข้อความ) asking the executive to approve the year's measures."""

    date: _dt.date | None = None  # default: the plan's approved_on
    number: str = ""  # after "<ref_prefix>/"; empty leaves it for the registry to fill in by hand
    subject: Text
    to: str = ""  # เรียน ...; empty = the mayor's office
    background: tuple[Text, ...] = Field(min_length=1)  # เรื่องเดิม, paragraphs
    facts: tuple[Text, ...] = Field(min_length=1)  # ข้อเท็จจริง, paragraphs
    proposals: tuple[Text, ...] = Field(min_length=1)  # ข้อเสนอแนะ, numbered
    closing: Text = "จึงเรียนมาเพื่อโปรดทราบและพิจารณา"
    preparer: Official | None = None  # default: officials.preparer of the profile


class Plan(_Model):
    """The measures of one fiscal year (plans/<BE year>.yaml)."""

    fiscal_year: int = Field(ge=2560, le=2700)
    measures: tuple[Measure, ...] = Field(min_length=1)
    approved_on: date | None = None
    analysis: Analysis | None = None  # needed by the yearly documents, not by the rounds
    memo: Memo | None = None  # needed by the yearly documents, not by the rounds
    # earlier years' ITA results (the analysis holds last year's); optional, for the score views
    ita_results: tuple[YearScores, ...] = ()

    @field_validator("ita_results")
    @classmethod
    def _each_year_once(cls, value: tuple[YearScores, ...]) -> tuple[YearScores, ...]:
        years = [r.year for r in value]
        twice = sorted({y for y in years if years.count(y) > 1})
        if twice:
            raise PydanticCustomError(
                "ita_year_twice", "ITA results given twice for years {twice}", {"twice": twice}
            )
        return tuple(sorted(value, key=lambda r: r.year))

    @property
    def analysis_year(self) -> int | None:
        """The BE year the analysis is about (default: the year before the plan's)."""
        if self.analysis is None:
            return None
        return self.analysis.year or self.fiscal_year - 1

    def results(self) -> tuple[YearScores, ...]:
        """Every year's ITA result this plan carries, oldest first: ``ita_results`` and the analysis."""
        out = {r.year: r for r in self.ita_results}
        if self.analysis is not None and self.analysis_year is not None:
            out[self.analysis_year] = YearScores(
                year=self.analysis_year, overall=self.analysis.overall, scores=self.analysis.scores
            )
        return tuple(out[y] for y in sorted(out))

    def measure(self, code: str) -> Measure:
        for m in self.measures:
            if m.code == code:
                return m
        raise KeyError(code)

    def due_in(self, months: int) -> tuple[Measure, ...]:
        """Measures that report in the round of ``months`` months, in plan order."""
        return tuple(m for m in self.measures if months in m.rounds)


class OitItem(_Model):
    code: Text  # O42
    name: Text
    # What ita-monitor publishes for it; None: an item the agency publishes itself (not managed here),
    # listed on the ITAS readiness sheet with the URL the admin entered (``<agency>/oit/<FY>.yaml``).
    document: Literal["measures", "round_report"] | None = None


class Period(_Model):
    """A span of days, both included (e.g. the ITA assessment period, when assessors open the links)."""

    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.end < self.start:
            raise ValueError(f"end {self.end} is before start {self.start}")
        return self

    def __contains__(self, day: date) -> bool:
        return self.start <= day <= self.end


class Catalogue(_Model):
    """The OIT items of one fiscal year; those with a ``document`` are published by ita-monitor."""

    fiscal_year: int
    items: tuple[OitItem, ...] = Field(min_length=1)
    pass_level: float = Field(default=85, ge=0, le=100)
    # false: the codes were not checked against the NACC's list of that year (validate warns)
    verified: bool = True
    source: str = ""  # where the codes and names come from
    assessment: Period | None = None  # when the assessors read the links: link checks run weekly then

    def item_for(self, document: str) -> OitItem | None:
        return next((i for i in self.items if i.document == document), None)

    @property
    def managed(self) -> tuple[OitItem, ...]:
        """The items ita-monitor publishes documents for."""
        return tuple(i for i in self.items if i.document is not None)


class OitLinks(_Model):
    """``<agency>/oit/<FY>.yaml``, edited by the admin: the URLs typed into ITAS for the OIT items that
    ita-monitor does not publish (checked with the rest), and the agency's own assessment period."""

    urls: dict[Text, Text] = {}  # OIT item code -> URL
    assessment: Period | None = None  # overrides the catalogue's


# --- loading ------------------------------------------------------------------------------------

_TH_BY_TYPE = {
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


def _path(loc: tuple[Any, ...], data: Any = None) -> str:
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
    import typing

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def _suggest(value: Any, choices: list[str]) -> str:
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


def _explain(e: dict, model: type[BaseModel], data: Any) -> tuple[str, str]:
    """Thai and English for one pydantic error: the allowed values and a suggestion where it helps."""
    kind, loc, ctx = e["type"], tuple(e["loc"]), e.get("ctx") or {}
    name = _field_name(loc)
    value = _value_at(data, loc)
    shown = f" ({value!r})" if value is not None and not isinstance(value, dict | list) else ""
    allowed_th, allowed_en = _ALLOWED.get(name, ("", ""))
    if kind == "extra_forbidden":
        owner = _model_at(model, loc)
        fields = list(getattr(owner, "model_fields", {})) if owner else []
        fields = [f for f in fields if f != "slug"]
        hint = _suggest(loc[-1], fields)
        th = f"ไม่รู้จักช่อง {loc[-1]}" + (f": หมายถึง {hint} หรือไม่" if hint else "")
        en = f"unknown field {loc[-1]}" + (f": did you mean {hint}?" if hint else "")
        if fields:
            th += f" (ช่องที่ใช้ได้: {', '.join(fields)})"
            en += f" (the fields here: {', '.join(fields)})"
        return th, en
    if kind == "missing":
        return f"ขาดช่อง {name} ที่ต้องมี", f"{name} is required: add it"
    if kind == "literal_error":
        expected = [
            x.strip().strip("'\"") for x in str(ctx.get("expected", "")).replace(" or ", ",").split(",")
        ]
        expected = [x for x in expected if x]
        hint = _suggest(value, expected)
        th = f"ค่า{shown} ไม่ใช่ค่าที่ใช้ได้: เลือก {' / '.join(expected)}" + (
            f" (หมายถึง {hint} หรือไม่)" if hint else ""
        )
        en = f"{value!r} is not allowed: use {' / '.join(expected)}" + (
            f" (did you mean {hint}?)" if hint else ""
        )
        return th, en
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        bound = next(iter(ctx.values()), "")
        word_th = {"greater_than_equal": "ไม่น้อยกว่า", "less_than_equal": "ไม่เกิน"}.get(kind, "")
        word_en = {"greater_than_equal": "at least", "less_than_equal": "at most"}.get(kind, kind)
        th = f"ค่า{shown} ต้อง{word_th} {bound}" + (f": ใช้{allowed_th}" if allowed_th else "")
        en = f"{value!r} must be {word_en} {bound}" + (f": use {allowed_en}" if allowed_en else "")
        return th, en
    if kind == "too_short":
        return (
            f"{name} ต้องมีอย่างน้อย {ctx.get('min_length', 1)} รายการ"
            + (f" ({allowed_th})" if allowed_th else ""),
            f"{name} needs at least {ctx.get('min_length', 1)} item(s)"
            + (f" ({allowed_en})" if allowed_en else ""),
        )
    if kind in ("string_too_short",):
        return f"{name} ต้องไม่เว้นว่าง", f"{name} must not be empty"
    if kind == "value_error":
        said = str(e["msg"]).removeprefix("Value error, ")
        return (f"ค่าไม่ถูกต้อง: ต้องเป็น{allowed_th}" if allowed_th else "ค่าไม่ถูกต้อง") + f" ({said})", said
    if allowed_th and kind in (
        "int_parsing",
        "int_type",
        "int_from_float",
        "string_pattern_mismatch",
        "value_error",
        "float_parsing",
        "float_type",
    ):
        return f"ค่า{shown} ใช้ไม่ได้: ต้องเป็น{allowed_th}", f"{value!r} cannot be used: give {allowed_en}"
    th = _TH_BY_TYPE.get(kind, "ค่าไม่ถูกต้อง")
    if kind == "string_pattern_mismatch":
        return f"{th}{shown}", f"{value!r} is not in the expected form"
    return f"{th}{shown}", e["msg"]


def _problems_from(
    error: ValidationError, file: str, model: type[BaseModel] | None = None, data: Any = None
) -> list[Problem]:
    """Every error of ``error``, said as the admin wrote the file; a list that is too short only
    because its items were refused is not reported again."""
    errors = error.errors()
    item_locs = {tuple(e["loc"][:-1]) for e in errors if e["loc"] and isinstance(e["loc"][-1], int)}
    item_locs |= {tuple(e["loc"][:i]) for e in errors for i, p in enumerate(e["loc"]) if isinstance(p, int)}
    problems = []
    for e in errors:
        loc = tuple(e["loc"])
        if e["type"] == "too_short" and loc in item_locs:
            continue  # "at least 1 item after validation, not 0": the items' own errors say why
        th, en = (
            _explain(e, model or BaseModel, data)
            if model
            else (_TH_BY_TYPE.get(e["type"], "ค่าไม่ถูกต้อง"), e["msg"])
        )
        problems.append(Problem(file, _path(loc, data), th, en))
    return problems


def _read_yaml(path: Path) -> tuple[Any, list[Problem]]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, [Problem(str(path), "", "ไม่พบไฟล์", "file not found")]
    except UnicodeDecodeError as exc:
        return None, [Problem(str(path), f"byte {exc.start}", "ไฟล์ต้องเข้ารหัส UTF-8", "file must be UTF-8")]
    try:
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        return None, [Problem(str(path), where, "รูปแบบ YAML ไม่ถูกต้อง", f"invalid YAML: {exc}")]
    if not isinstance(data, dict):
        return None, [Problem(str(path), "", "ไฟล์ต้องเป็น YAML แบบ mapping", "top level must be a mapping")]
    return data, []


def parse_agency(path: Path) -> tuple[Agency | None, list[Problem]]:
    """Read agency.yaml; the slug is the folder name."""
    data, problems = _read_yaml(path)
    if data is None:
        return None, problems
    slug = path.parent.name
    if not SLUG_RE.match(slug):
        problems.append(
            Problem(
                str(path.parent),
                "",
                "ชื่อโฟลเดอร์หน่วยงานต้องเป็นอักษรอังกฤษตัวเล็ก ตัวเลข และ -",
                f"agency folder name {slug!r} must be lowercase letters, digits and '-'",
            )
        )
    try:
        agency = Agency.model_validate({**data, "slug": slug})
    except ValidationError as exc:
        return None, problems + _problems_from(exc, str(path), Agency, data)
    for key, word in (("district", "อำเภอ"), ("province", "จังหวัด")):
        written = str(data.get(key, "")).strip()
        if written != getattr(agency, key):
            problems.append(
                Problem(
                    str(path),
                    key,
                    f"{key} เขียนโดยไม่ต้องมีคำว่า{word}: อ่านเป็น {getattr(agency, key)!r} (เอกสารพิมพ์ '{word}' ให้เอง)",
                    f"{key} is written without the word {word}: read as {getattr(agency, key)!r} (the documents "
                    f"print '{word}' themselves)",
                    severity="warning",
                )
            )
    if agency.emblem:
        # Documents need the image wherever they are rendered: keep its absolute path.
        emblem = (path.parent / agency.emblem).resolve()
        if emblem.is_file():
            agency = agency.model_copy(update={"emblem": str(emblem)})
        else:
            problems.append(
                Problem(
                    str(path),
                    "emblem",
                    f"ไม่พบไฟล์ตราครุฑ {agency.emblem} (ระบุตำแหน่งเทียบกับโฟลเดอร์หน่วยงาน หรือเว้นว่าง)",
                    f"emblem image {agency.emblem} not found (a path relative to the agency folder, or empty)",
                )
            )
    seen: set[str] = set()
    for i, unit in enumerate(agency.units):
        if unit.code in seen:
            problems.append(
                Problem(
                    str(path),
                    _path(("units", i, "code"), data),
                    f"รหัสหน่วยงานย่อย {unit.code} ซ้ำ",
                    f"duplicate unit code {unit.code}",
                )
            )
        seen.add(unit.code)
    return agency, problems


class _Loose:
    """What plans are checked against when agency.yaml itself has errors: its units and rounds as
    written (so the plan's own errors are reported too, not hidden behind the profile's)."""

    def __init__(self, data: dict):
        units = data.get("units") if isinstance(data.get("units"), list) else []
        self.unit_codes = frozenset(str(u["code"]) for u in units if isinstance(u, dict) and u.get("code"))
        rounds = (
            (data.get("schedule") or {}).get("rounds") if isinstance(data.get("schedule"), dict) else None
        )
        try:
            self.schedule = Schedule(rounds=tuple(rounds)) if rounds else Schedule()
        except (ValidationError, TypeError):
            self.schedule = Schedule()


def loose_agency(path: Path) -> _Loose | None:
    data, _ = _read_yaml(path)
    return _Loose(data) if isinstance(data, dict) and data.get("units") else None


def _unit_problems(file: str, data: dict, agency: Agency | _Loose | None) -> list[Problem]:
    """Unit codes of the plan's measures (as written) that the agency does not have."""
    if agency is None or not isinstance(data.get("measures"), list):
        return []
    codes = sorted(agency.unit_codes)
    problems = []
    for i, m in enumerate(data["measures"]):
        units = m.get("units") if isinstance(m, dict) else None
        for j, u in enumerate(units if isinstance(units, list) else []):
            if isinstance(u, str) and u.strip() and u not in agency.unit_codes:
                problems.append(_unknown_unit(file, _path(("measures", i, "units", j), data), u, codes))
    return problems


def _unknown_unit(file: str, where: str, u: str, codes: list[str]) -> Problem:
    hint = _suggest(u, codes)
    return Problem(
        file,
        where,
        f"ไม่รู้จักหน่วยงานย่อย {u}"
        + (f": หมายถึง {hint} หรือไม่" if hint else "")
        + f" (รหัสใน agency.yaml: {', '.join(codes)}): แก้รหัส หรือเพิ่มใน agency.yaml",
        f"unknown unit {u}"
        + (f": did you mean {hint}?" if hint else "")
        + f" (the codes in agency.yaml: {', '.join(codes)}): fix the code or add it to agency.yaml units",
    )


def parse_plan(path: Path, agency: Agency | _Loose | None) -> tuple[Plan | None, list[Problem]]:
    """Read a plan and check it against the agency (units) and its file name (fiscal year)."""
    data, problems = _read_yaml(path)
    if data is None:
        return None, problems
    try:
        plan = Plan.model_validate(data)
    except ValidationError as exc:
        found = _problems_from(exc, str(path), Plan, data)
        # the units are checked too, as written, so that no error waits for another to be fixed
        refused = {p.where for p in found}
        return None, problems + found + [
            p for p in _unit_problems(str(path), data, agency) if p.where not in refused
        ]
    file = str(path)
    if path.stem != str(plan.fiscal_year):
        problems.append(
            Problem(
                file,
                "fiscal_year",
                f"ปีงบประมาณ {plan.fiscal_year} ไม่ตรงกับชื่อไฟล์ {path.name}",
                f"fiscal_year {plan.fiscal_year} does not match the file name {path.name}",
            )
        )
    seen: dict[str, int] = {}
    for i, m in enumerate(plan.measures):
        if m.code in seen:
            problems.append(
                Problem(
                    file,
                    _path(("measures", i, "code"), data),
                    f"รหัสมาตรการ {m.code} ซ้ำกับมาตรการลำดับที่ {seen[m.code] + 1}",
                    f"duplicate measure code {m.code} (also measures #{seen[m.code] + 1})",
                )
            )
        seen.setdefault(m.code, i)
        if agency is not None:
            codes = sorted(agency.unit_codes)
            for j, u in enumerate(m.units):
                if u not in agency.unit_codes:
                    problems.append(_unknown_unit(file, _path(("measures", i, "units", j), data), u, codes))
            off = [r for r in m.rounds if r not in agency.schedule.rounds]
            if off:
                problems.append(
                    Problem(
                        file,
                        _path(("measures", i, "rounds"), data),
                        f"รอบ {off} ไม่อยู่ในรอบติดตามของหน่วยงาน {list(agency.schedule.rounds)}",
                        f"rounds {off} are not among the agency's scheduled rounds {list(agency.schedule.rounds)}",
                        severity="warning",
                    )
                )
    analysis_year = plan.analysis_year
    for i, result in enumerate(plan.ita_results):
        if analysis_year is not None and result.year >= analysis_year:
            problems.append(
                Problem(
                    file,
                    f"ita_results[{i}].year",
                    f"ita_results เก็บผลของปีก่อนหน้าปี {analysis_year} ที่ analysis วิเคราะห์:"
                    f" ย้ายคะแนนปี {result.year} ไปไว้ใน analysis หรือแก้ปี",
                    f"ita_results holds the years before {analysis_year} (the analysis' year):"
                    f" move the scores of {result.year} into analysis or fix the year",
                )
            )
    return plan, problems


def document_problems(plan: Plan, catalogue: Catalogue | None, file: str) -> list[Problem]:
    """What the yearly documents need beyond what the rounds use: the analysis of last year's ITA
    result and the approval memo; and a warning for each point to improve that no measure addresses.
    """
    problems: list[Problem] = []
    if plan.analysis is None:
        problems.append(
            Problem(
                file,
                "analysis",
                "ขาดการวิเคราะห์ผลการประเมิน ITA ของปีที่ผ่านมา (คะแนนรายตัวชี้วัดและบทวิเคราะห์)",
                "missing the analysis of last year's ITA result (scores per indicator and the analysis text)",
            )
        )
    if plan.memo is None:
        problems.append(
            Problem(
                file,
                "memo",
                "ขาดข้อมูลบันทึกข้อความขออนุมัติมาตรการ (เรื่อง เรื่องเดิม ข้อเท็จจริง ข้อเสนอแนะ)",
                "missing the approval memo (subject, background, facts, proposals)",
            )
        )
    elif plan.memo.date is None and plan.approved_on is None:
        problems.append(
            Problem(
                file,
                "memo.date",
                "ขาดวันที่ของบันทึกข้อความ: ระบุ memo.date หรือ approved_on (YYYY-MM-DD ค.ศ.)",
                "the memo has no date: give memo.date or approved_on (YYYY-MM-DD)",
            )
        )
    if plan.analysis is None:
        return problems
    given = {s.indicator for s in plan.analysis.scores}
    missing = [i for i in ITA_INDICATORS if i not in given]
    if missing:
        problems.append(
            Problem(
                file,
                "analysis.scores",
                f"ไม่มีคะแนนของตัวชี้วัด {missing}",
                f"no score for indicators {missing}",
                severity="warning",
            )
        )
    if catalogue is not None:
        addressed = {i for m in plan.measures for i in m.indicators}
        for i, s in enumerate(plan.analysis.scores):
            if s.score < catalogue.pass_level and s.indicator not in addressed:
                problems.append(
                    Problem(
                        file,
                        f"analysis.scores[{i}]",
                        f"ตัวชี้วัดที่ {s.indicator} {s.name_th} ได้ {s.score:g} คะแนน ต่ำกว่าเกณฑ์"
                        f" {catalogue.pass_level:g} แต่ไม่มีมาตรการใดระบุ indicators: [{s.indicator}]",
                        f"indicator {s.indicator} scored {s.score:g}, below the pass level"
                        f" {catalogue.pass_level:g}, and no measure addresses it (indicators: [{s.indicator}])",
                        severity="warning",
                    )
                )
    return problems


def parse_catalogue(path: Path) -> tuple[Catalogue | None, list[Problem]]:
    data, problems = _read_yaml(path)
    if data is None:
        return None, problems
    try:
        return Catalogue.model_validate(data), problems
    except ValidationError as exc:
        return None, problems + _problems_from(exc, str(path), Catalogue, data)


def _oit_links_problems(path: Path, catalogues: dict[int, Catalogue]) -> list[Problem]:
    """``<agency>/oit/<FY>.yaml``: valid, named by a year with a catalogue, codes of that catalogue."""
    data, problems = _read_yaml(path)
    if data is None:
        return problems
    try:
        links = OitLinks.model_validate(data)
    except ValidationError as exc:
        return problems + _problems_from(exc, str(path), OitLinks, data)
    cat = catalogues.get(int(path.stem)) if path.stem.isdigit() else None
    if cat is None:
        return problems + [
            Problem(
                str(path),
                "",
                f"ไม่มีรายการ OIT ของปี {path.stem}: ตั้งชื่อไฟล์เป็นปี พ.ศ. ที่มี catalogue/oit-<ปี>.yaml",
                f"no OIT catalogue for {path.stem}: name the file by a BE year that has catalogue/oit-<year>.yaml",
            )
        ]
    codes = {i.code for i in cat.items}
    for code in links.urls:
        if code not in codes:
            problems.append(
                Problem(
                    str(path),
                    f"urls.{code}",
                    f"ไม่มีข้อ {code} ในรายการ OIT ปี {cat.fiscal_year}: แก้รหัสให้ตรงกับ catalogue",
                    f"{code} is not an OIT item of {cat.fiscal_year}: use a code of the catalogue",
                )
            )
    for code, url in links.urls.items():
        if not re.match(r"^https?://", url):
            problems.append(
                Problem(
                    str(path),
                    f"urls.{code}",
                    "ต้องเป็นที่อยู่เว็บเต็ม ขึ้นต้นด้วย http:// หรือ https://",
                    "must be a full web address starting with http:// or https://",
                )
            )
    return problems


class AgenciesDir:
    """Read access to an agencies directory; everything loaded is validated."""

    def __init__(self, root: Path | str):
        self.root = Path(root)

    def slugs(self) -> list[str]:
        """Agency folders (those holding an agency.yaml), sorted."""
        if not self.root.is_dir():
            return []
        return sorted(p.parent.name for p in self.root.glob("*/agency.yaml"))

    def agency(self, slug: str) -> Agency:
        agency, problems = parse_agency(self.root / slug / "agency.yaml")
        if agency is None or any(p.severity == "error" for p in problems):
            raise InputError(problems)
        return agency

    def plan_years(self, slug: str) -> list[int]:
        return sorted(int(p.stem) for p in (self.root / slug / "plans").glob("*.yaml") if p.stem.isdigit())

    def plan(self, slug: str, fiscal_year: int) -> Plan:
        path = self.root / slug / "plans" / f"{fiscal_year}.yaml"
        if not path.exists():
            raise InputError(
                [
                    Problem(
                        str(path),
                        "",
                        f"ไม่มีแผนมาตรการของปีงบประมาณ {fiscal_year}",
                        f"no measure plan for fiscal year {fiscal_year}: create {path.name}",
                    )
                ]
            )
        plan, problems = parse_plan(path, self.agency(slug))
        if plan is None or any(p.severity == "error" for p in problems):
            raise InputError(problems)
        return plan

    def oit_links(self, slug: str, fiscal_year: int) -> OitLinks:
        """The admin's ``<agency>/oit/<FY>.yaml`` (none: no URLs, the catalogue's assessment period)."""
        path = self.root / slug / "oit" / f"{fiscal_year}.yaml"
        if not path.exists():
            return OitLinks()
        data, problems = _read_yaml(path)
        if data is None:
            raise InputError(problems)
        try:
            return OitLinks.model_validate(data)
        except ValidationError as exc:
            raise InputError(_problems_from(exc, str(path), OitLinks, data)) from exc

    def catalogue(self, fiscal_year: int) -> Catalogue:
        path = self.root / "catalogue" / f"oit-{fiscal_year}.yaml"
        if not path.exists():
            raise InputError([missing_catalogue(self.root, fiscal_year, str(path))])
        cat, problems = parse_catalogue(path)
        if cat is None:
            raise InputError(problems)
        return cat

    def validate(self) -> list[Problem]:
        """Every problem in the whole directory (errors and warnings)."""
        problems: list[Problem] = []
        if not self.root.is_dir():
            return [Problem(str(self.root), "", "ไม่พบโฟลเดอร์หน่วยงาน", "agencies directory not found")]
        slugs = self.slugs()
        if not slugs:
            problems.append(
                Problem(
                    str(self.root),
                    "",
                    "ไม่มีหน่วยงาน (โฟลเดอร์ที่มี agency.yaml)",
                    "no agency folders (folders holding agency.yaml)",
                )
            )
        catalogues: dict[int, Catalogue] = {}
        for path in sorted((self.root / "catalogue").glob("oit-*.yaml")):
            cat, found = parse_catalogue(path)
            problems += found
            if cat is not None:
                catalogues[cat.fiscal_year] = cat
        catalogue_years = set(catalogues)
        for slug in slugs:
            agency, found = parse_agency(self.root / slug / "agency.yaml")
            problems += found
            for path in sorted((self.root / slug / "oit").glob("*.yaml")):
                problems += _oit_links_problems(path, catalogues)
            against = agency if agency is not None else loose_agency(self.root / slug / "agency.yaml")
            for year in self.plan_years(slug):
                path = self.root / slug / "plans" / f"{year}.yaml"
                plan, found = parse_plan(path, against)
                problems += found
                if plan is not None:
                    # The rounds run without the analysis and memo; the yearly documents will not.
                    problems += [
                        replace(p, severity="warning")
                        for p in document_problems(plan, catalogues.get(year), str(path))
                    ]
                if year not in catalogue_years:
                    problems.append(missing_catalogue(self.root, year, str(path)))
                elif not catalogues[year].verified:
                    cat_file = str(self.root / "catalogue" / f"oit-{year}.yaml")
                    problems.append(
                        Problem(
                            cat_file,
                            "verified",
                            f"รายการ OIT ปีงบประมาณ {thai_digits(year)} ยังไม่ได้ตรวจกับคู่มือการประเมิน ITA"
                            " ของสำนักงาน ป.ป.ช.: ตรวจรหัสข้อและชื่อรายการ แก้ให้ตรง แล้วตั้ง verified: true",
                            f"the OIT catalogue of {year} is not verified against the NACC's ITA manual:"
                            " check item codes and names, fix them, then set verified: true",
                            severity="warning",
                        )
                    )
        return problems


def shipped_catalogue(fiscal_year: int) -> Path | None:
    """The OIT catalogue of ``fiscal_year`` that ships with ita-monitor (``include/agencies/catalogue/``
    in the source tree and the image), if there is one."""
    for base in (Path(__file__).resolve().parents[3], Path("/opt/ita")):
        path = base / "include" / "agencies" / "catalogue" / f"oit-{fiscal_year}.yaml"
        if path.is_file():
            return path
    return None


def missing_catalogue(root: Path, fiscal_year: int, file: str) -> Problem:
    """The problem of a fiscal year without a catalogue: which year, and the file to add (the one
    ita-monitor ships for that year, to copy, or the admin's nearest year to start from)."""
    path = Path(root) / "catalogue" / f"oit-{fiscal_year}.yaml"
    shipped = shipped_catalogue(fiscal_year)
    if shipped is not None and shipped.resolve() != path.resolve():
        return Problem(
            file,
            "",
            f"ไม่มีรายการ OIT ของปีงบประมาณ {thai_digits(fiscal_year)}: ita-monitor มีให้แล้ว คัดลอก {shipped} "
            f"ไปเป็น {path} (cp {shipped} {path}) แล้วตรวจกับรายการของสำนักงาน ป.ป.ช. ปีนั้น",
            f"no OIT catalogue for fiscal year {fiscal_year}: ita-monitor ships one: copy {shipped} to {path} "
            f"(cp {shipped} {path}), then check it against that year's NACC items",
        )
    years = sorted(int(p.stem[4:]) for p in path.parent.glob("oit-*.yaml") if p.stem[4:].isdigit())
    nearest = min(years, key=lambda y: (abs(y - fiscal_year), -y)) if years else None
    start_th = f" (คัดลอก oit-{nearest}.yaml มาแก้)" if nearest else ""
    start_en = f" (copy oit-{nearest}.yaml and edit it)" if nearest else ""
    return Problem(
        file,
        "",
        f"ไม่มีรายการ OIT ของปีงบประมาณ {thai_digits(fiscal_year)}: เพิ่มไฟล์ {path}{start_th}"
        " ตามรายการของสำนักงาน ป.ป.ช. ปีนั้น",
        f"no OIT catalogue for fiscal year {fiscal_year}: add {path}{start_en} with that year's NACC items",
    )
