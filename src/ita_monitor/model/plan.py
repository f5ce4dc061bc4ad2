"""A fiscal year's measure plan (``<agency>/plans/<FY>.yaml``): the measures and who reports on them
when, the analysis of last year's ITA result, the approval memo and the ITA scores of earlier years."""

from __future__ import annotations

import datetime as _dt
from datetime import date

from pydantic import Field, field_validator
from pydantic_core import PydanticCustomError

from ita_monitor.model.agency import Official
from ita_monitor.model.schema import Code, FileModel, Text

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


class Measure(FileModel):
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


class IndicatorScore(FileModel):
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


class YearScores(FileModel):
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


class Analysis(FileModel):
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


class Memo(FileModel):
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


class Plan(FileModel):
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
