"""The official documents beside the round report: what goes into each.

* the measures of the year (O42-type evidence): the analysis of last year's ITA result, then the
  table มาตรการ | แนวทางปฏิบัติ | ขั้นตอน/วิธีการปฏิบัติ | ผู้รับผิดชอบ | การกำกับติดตาม;
* the approval memo (บันทึกข้อความ) asking the executive to approve them;
* the covering memo sent up with each round report.

Each function builds its template's context from the agency profile and the plan (nothing about an
agency is written in the templates) and returns the HTML; ``Renderer.pdf`` makes the PDF/A.  All text
is data: the templates escape it, and it gets Thai digits through the ``thai`` filter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ita_monitor.model.agency import Agency, Official
from ita_monitor.model.catalogue import Catalogue
from ita_monitor.model.errors import InputError
from ita_monitor.model.plan import ITA_INDICATORS, Plan
from ita_monitor.model.rounds import Round
from ita_monitor.model.thai import thai_date, thai_digits

MEASURES_TITLE = "มาตรการส่งเสริมคุณธรรมและความโปร่งใสภายในหน่วยงาน"
REPORT_TITLE = "รายงานผลการดำเนินการตามมาตรการส่งเสริมคุณธรรมและความโปร่งใสภายในหน่วยงาน"


def score_th(score: float) -> str:
    """``81.36`` -> ``๘๑.๓๖`` (scores are printed with two decimals, as the ITA results give them)."""
    return thai_digits(f"{score:.2f}")


def indicator_th(number: int) -> str:
    """``ตัวชี้วัดที่ ๓ การใช้อำนาจ``."""
    return thai_digits(f"ตัวชี้วัดที่ {number} ") + ITA_INDICATORS[number]


@dataclass(frozen=True)
class Signer:
    """A signature block: rank/title line, bracketed name, position; ``office`` heads its comment."""

    name: str
    position: str
    title_prefix: str
    office: str

    @classmethod
    def of(cls, official: Official) -> Signer:
        return cls(
            official.name, official.position, official.title_prefix, official.office or official.position
        )


@dataclass(frozen=True)
class MemoHeader:
    """The fixed fields of a บันทึกข้อความ."""

    office: str  # ส่วนราชการ
    ref: str  # ที่
    date_th: str  # วันที่
    subject: str  # เรื่อง
    to: str  # เรียน


def emblem_url(agency: Agency) -> str:
    """The emblem image as a file URL, or "" for an empty 1.5 cm slot."""
    return Path(agency.emblem).as_uri() if agency.emblem else ""


def _memo_header(agency: Agency, number: str, on: date, subject: str, to: str) -> MemoHeader:
    return MemoHeader(
        office=agency.office_th,
        ref=f"{agency.ref_prefix}/{number}",
        date_th=thai_date(on),
        subject=subject,
        to=to or agency.officials.mayor.office or agency.officials.mayor.position,
    )


def _reviewers(agency: Agency) -> list[Signer]:
    o = agency.officials
    return [Signer.of(o.head_of_office), Signer.of(o.palad), Signer.of(o.mayor)]


def _require(plan: Plan, file: str) -> None:
    """The analysis and memo are optional for rounds, required for the yearly documents."""
    from ita_monitor.model.parsing import document_problems

    errors = [p for p in document_problems(plan, None, file) if p.severity == "error"]
    if errors:
        raise InputError(errors)


# --- the measures (O42-type) --------------------------------------------------------------------


@dataclass(frozen=True)
class MeasureRow:
    title: str
    indicators: tuple[str, ...]
    guidelines: tuple[str, ...]
    steps: tuple[str, ...]
    units: tuple[str, ...]
    rounds: tuple[str, ...]


@dataclass(frozen=True)
class ScoreRow:
    number_th: str
    name: str
    score_th: str
    passed: bool


def measures_context(
    agency: Agency, plan: Plan, catalogue: Catalogue, file: str = "plan", templates: Path | None = None
) -> dict:
    _require(plan, file)
    analysis = plan.analysis
    assert analysis is not None
    year = analysis.year or plan.fiscal_year - 1
    below = analysis.below(catalogue.pass_level)
    improve = [
        f"{indicator_th(s.indicator)} ได้คะแนน {score_th(s.score)} ต่ำกว่าเกณฑ์ {thai_digits(f'{catalogue.pass_level:g}')}"
        for s in below
    ] + list(analysis.improve)
    points = [
        (heading, items)
        for heading, items in [
            ("ประเด็นข้อบกพร่องหรือจุดอ่อนที่ต้องแก้ไขโดยเร่งด่วน", list(analysis.urgent)),
            ("ประเด็นที่ต้องพัฒนาให้ดีขึ้น", improve),
            ("แนวทางการนำผลการวิเคราะห์ไปสู่การปฏิบัติของหน่วยงาน", list(analysis.approach)),
            ("ข้อเสนอแนะในการจัดทำมาตรการ", list(analysis.recommendations)),
        ]
        if items
    ]
    rows = [
        MeasureRow(
            title=m.title,
            indicators=tuple(indicator_th(i) for i in m.indicators),
            guidelines=m.guidelines,
            steps=m.steps,
            units=tuple(agency.unit(u).name_th for u in m.units),
            rounds=tuple(thai_digits(f"รอบ {r} เดือน") for r in m.rounds),
        )
        for m in plan.measures
    ]
    item = catalogue.item_for("measures")
    fy_th = thai_digits(plan.fiscal_year)
    return {
        "agency": agency,
        "title": f"{MEASURES_TITLE} ประจำปีงบประมาณ พ.ศ. {fy_th}",
        "title_lines": (MEASURES_TITLE, f"ประจำปีงบประมาณ พ.ศ. {fy_th}"),
        "subject": f"{item.code} {item.name}" if item else MEASURES_TITLE,
        "keywords": f"ITA, {item.code if item else ''}, {fy_th}",
        "analysis_title": (
            "การวิเคราะห์ผลการประเมินคุณธรรมและความโปร่งใสในการดำเนินงานของหน่วยงานภาครัฐ"
            f" ประจำปี พ.ศ. {thai_digits(year)}"
        ),
        "summary": analysis.summary,
        "scores": [
            ScoreRow(thai_digits(s.indicator), s.name_th, score_th(s.score), s.score >= catalogue.pass_level)
            for s in sorted(analysis.scores, key=lambda s: s.indicator)
        ],
        "overall_th": score_th(analysis.overall) if analysis.overall is not None else "",
        "pass_level_th": thai_digits(f"{catalogue.pass_level:g}"),
        "below": [s.name_th for s in below],
        # every indicator across the years the plan carries (analysis + ita_results), as a chart
        "scores_chart": _scores_chart(plan, catalogue, templates),
        "points": points,
        "rows": rows,
    }


def _scores_chart(plan: Plan, catalogue: Catalogue, templates: Path | None):
    from ita_monitor.documents.charts import TEMPLATES, scores_chart
    from ita_monitor.views.scores import score_history

    return scores_chart(
        score_history([plan], catalogue.pass_level), thai=True, templates=templates or TEMPLATES
    )


def measures_html(renderer, agency: Agency, plan: Plan, catalogue: Catalogue, file: str = "plan") -> str:
    """The measures document (analysis, then the table of measures) as HTML."""
    context = measures_context(agency, plan, catalogue, file, getattr(renderer, "templates_dir", None))
    return renderer.html("measures.html.j2", **context)


# --- the approval memo --------------------------------------------------------------------------


def approval_memo_context(agency: Agency, plan: Plan, file: str = "plan") -> dict:
    _require(plan, file)
    memo = plan.memo
    assert memo is not None
    on = memo.date or plan.approved_on
    assert on is not None
    return {
        "agency": agency,
        "emblem_url": emblem_url(agency),
        "header": _memo_header(agency, memo.number, on, memo.subject, memo.to),
        "description": f"บันทึกข้อความ {memo.subject}",
        "sections": [
            ("เรื่องเดิม", memo.background, False),
            ("ข้อเท็จจริง", memo.facts, False),
            ("ข้อเสนอแนะ", memo.proposals, True),
        ],
        "closing": memo.closing,
        "preparer": Signer.of(memo.preparer or agency.officials.preparer),
        "reviewers": _reviewers(agency),
    }


def approval_memo_html(renderer, agency: Agency, plan: Plan, file: str = "plan") -> str:
    """The บันทึกข้อความ asking the executive to approve the year's measures, as HTML."""
    return renderer.html("approval_memo.html.j2", **approval_memo_context(agency, plan, file))


# --- the covering memo of a round report --------------------------------------------------------


def round_memo_context(agency: Agency, plan: Plan, catalogue: Catalogue, rnd: Round, on: date) -> dict:
    fy_th = thai_digits(rnd.fiscal_year)
    subject = f"{REPORT_TITLE} {rnd.short_label_th} ประจำปีงบประมาณ พ.ศ. {fy_th}"
    item = catalogue.item_for("round_report")
    return {
        "agency": agency,
        "emblem_url": emblem_url(agency),
        "header": _memo_header(agency, "", on, subject, ""),
        "description": f"บันทึกข้อความ {subject}",
        "round": rnd,
        "fy_th": fy_th,
        "approved_on_th": thai_date(plan.approved_on) if plan.approved_on else "",
        "oit": f"{item.code} {item.name}" if item else "",
        "measures": [m.title for m in plan.due_in(rnd.months)],
        "closing": "จึงเรียนมาเพื่อโปรดทราบและพิจารณา",
        "preparer": Signer.of(agency.officials.preparer),
        "reviewers": _reviewers(agency),
    }


def round_memo_html(renderer, agency: Agency, plan: Plan, catalogue: Catalogue, rnd: Round, on: date) -> str:
    """The บันทึกข้อความ that sends the round report up for acknowledgement, as HTML."""
    return renderer.html("round_memo.html.j2", **round_memo_context(agency, plan, catalogue, rnd, on))
