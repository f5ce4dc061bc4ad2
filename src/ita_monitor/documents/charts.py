"""The charts of the views and the documents: completion by round and unit, ITA scores over the years.

Each chart is an HTML fragment (``include/templates/charts/``) whose shapes are inline SVG and whose
labels and numbers are ordinary HTML text.  WeasyPrint lays SVG ``<text>`` out one character at a
time (weasyprint/svg/text.py), which tears Thai apart: vowels and tone marks lose their base letter
and come out of the PDF as separate characters.  Text in HTML is shaped by Pango/HarfBuzz like the
rest of the document and extracts exactly, so the words stay in HTML and only the bars and the pass
line are SVG.  The same fragment goes into the PDFs (Thai digits) and the ITA page (Arabic digits).
No matplotlib: it would draw Thai text as paths or with its own shaping, and it is a large dependency
for a few rectangles.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path

import jinja2
from markupsafe import Markup

from ita_monitor.model.thai import thai_digits
from ita_monitor.views.scores import ScoreHistory
from ita_monitor.views.yearview import Tally, YearView

# the chart fragments are templates/charts/ of the documents' templates (``[ita] templates_dir``; by
# default those shipped in the package ita_monitor.templates: include/templates in the source tree)
TEMPLATES = Path(str(files("ita_monitor.templates")))
YEAR_COLOURS = ("#9ecae1", "#6baed6", "#3182bd", "#08519c", "#08306b")


@cache
def _env(templates: str) -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(templates) / "charts"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def year_span(years, thai: bool = True) -> str:
    """``๒๕๖๖–๒๕๖๗``; one year alone is ``๒๕๖๗`` (never ``๒๕๖๗–๒๕๖๗``)."""
    first, last = number(years[0], thai), number(years[-1], thai)
    return first if first == last else f"{first}–{last}"


def number(value: float | int | None, thai: bool, decimals: int = 0) -> str:
    """A figure as printed on a chart: ``81.36`` -> ``๘๑.๓๖`` in documents; "–" for nothing."""
    if value is None:
        return "–"
    text = f"{value:.{decimals}f}" if decimals else f"{value:g}" if isinstance(value, float) else str(value)
    return thai_digits(text) if thai else text


def percent(value: float | None, thai: bool) -> str:
    """``100`` -> ``๑๐๐%``; ``66.7`` -> ``๖๖.๗%``."""
    if value is None:
        return "–"
    text = f"{value:.1f}".removesuffix(".0") + "%"
    return thai_digits(text) if thai else text


@dataclass(frozen=True)
class Bar:
    """One bar of the completion chart: the on-time and late shares of what was due, in per cent."""

    text: str  # the percentage as printed
    on_time: float
    late: float
    late_text: str  # e.g. "ช้า ๑" (empty when none was late)
    title: str


def _bar(t: Tally | None, thai: bool) -> Bar | None:
    if t is None or not t.due:
        return None
    late_text = f"ช้า {number(t.late, thai)}" if t.late else ""
    return Bar(
        percent(t.percent, thai),
        100 * t.on_time / t.due,
        100 * t.late / t.due,
        late_text,
        f"{t.complete}/{t.due}",
    )


def completion_chart(view: YearView, thai: bool = True, templates: Path | str = TEMPLATES) -> Markup:
    """Completion by round (columns) and unit (rows), and the whole agency per round."""
    rounds = view.rounds
    rows = [(name, [_bar(t, thai) for t in cells]) for _, name, cells in view.matrix()]
    total = [_bar(r.tally, thai) for r in rounds]
    heads = [thai_digits(f"{r.months} เดือน") if thai else f"{r.months} เดือน" for r in rounds]
    html = (
        _env(str(templates))
        .get_template("completion.html.j2")
        .render(
            heads=heads,
            rows=rows,
            total=total,
            thai=thai,
            caption=(
                f"ความครบถ้วนของการรายงานผล ปีงบประมาณ {number(view.fiscal_year, thai)}"
                " แยกตามรอบและหน่วยงาน (ร้อยละของรายการที่ครบกำหนด)"
            ),
        )
    )
    return Markup(html)


@dataclass(frozen=True)
class ScoreBar:
    year_text: str
    score: float
    text: str
    colour: str
    passed: bool


def scores_chart(history: ScoreHistory, thai: bool = True, templates: Path | str = TEMPLATES) -> Markup:
    """Every indicator across the years, the pass level drawn; repeat failures marked."""
    n = len(history.years)
    colours = {y: YEAR_COLOURS[max(0, len(YEAR_COLOURS) - n + i)] for i, y in enumerate(history.years)}
    rows = []
    for ind in history.indicators:
        bars = [
            ScoreBar(
                number(y, thai),
                ind.scores[y],
                number(ind.scores[y], thai, 2),
                colours[y],
                ind.scores[y] >= history.pass_level,
            )
            if y in ind.scores
            else None
            for y in history.years
        ]
        failed = number(len(ind.failed_years), thai)
        rows.append((number(ind.number, thai), ind.name_th, ind, bars, failed))
    fails_twice = [ind.name_th for ind in history.repeat_failures]
    html = (
        _env(str(templates))
        .get_template("scores.html.j2")
        .render(
            rows=rows,
            years=[(number(y, thai), colours[y]) for y in history.years],
            pass_level=history.pass_level,
            pass_text=number(history.pass_level, thai),
            fails_twice=fails_twice,
            caption=f"คะแนนรายตัวชี้วัด ปี {year_span(history.years, thai)}" if history.years else "",
            thai=thai,
        )
    )
    return Markup(html)
