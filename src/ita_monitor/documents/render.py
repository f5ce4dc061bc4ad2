"""Render documents: Jinja2 templates (``ita_monitor.templates``: include/templates in the source tree,
shipped in the package) to PDF with WeasyPrint.

User text is data: Jinja's autoescape is on for every HTML template, and text from plans and
submissions is never marked safe.  CSS lives in its own template rendered without autoescape from
config values only (autoescape would silently destroy an inline @font-face).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from importlib.resources import files
from pathlib import Path
from typing import Any

import jinja2

from ita_monitor.intake.columns import ResultRow
from ita_monitor.model.agency import Agency
from ita_monitor.model.catalogue import Catalogue
from ita_monitor.model.plan import Plan
from ita_monitor.model.rounds import Round
from ita_monitor.model.thai import (
    number_phrases,
    thai_date_of,
    thai_digits,
    thai_digits_in_prose,
    thai_month_year,
)

# The templates shipped in the package (include/templates in the source tree, mapped in pyproject.toml):
# a folder on disk in an editable install and in an installed wheel alike.
DEFAULT_TEMPLATES = Path(str(files("ita_monitor.templates")))
DEFAULT_FONT_REGULAR = "/usr/share/fonts/truetype/tlwg/Laksaman.ttf"
DEFAULT_FONT_BOLD = "/usr/share/fonts/truetype/tlwg/Laksaman-Bold.ttf"
# Laksaman (TLWG's rescale of TH Sarabun New) is about 1.5 times larger per point than TH Sarabun:
# official 16 pt is 10.65 pt of Laksaman.
DEFAULT_FONT_SCALE = 0.6656


def thai_digits_text(value: object) -> str:
    """Thai digits in Thai prose; web addresses, e-mails, phones and code as typed (``thai.py``)."""
    return thai_digits_in_prose(value)


_TAG = re.compile(r"(<[^>]*>)")
_NOWRAP = '<span style="white-space: nowrap">'


def keep_numbers_together(html: str) -> str:
    """Wrap each number and its words in the body's text in a nowrap span: no line break inside
    พ.ศ. ๒๕๖๘, รอบ ๖ เดือน, ข้อ ๑, ร้อยละ ๑๐๐, ๑๕ วัน, วันที่ ๑๐ มกราคม ๒๕๖๕ (``thai.number_phrases``).

    Only text between tags is touched, never tags, attributes, ``<style>`` or ``<title>``.
    """
    body = html.find("<body")
    if body < 0:
        return html
    parts = _TAG.split(html[body:])
    skip = False
    for i, part in enumerate(parts):
        if i % 2:  # a tag
            name = part[1:].split(None, 1)[0].rstrip(">").lower() if len(part) > 2 else ""
            if name in ("style", "script", "title"):
                skip = True
            elif name in ("/style", "/script", "/title"):
                skip = False
            continue
        if skip or not part:
            continue
        phrases = number_phrases(part)
        if phrases:
            out, last = [], 0
            for a, b in phrases:
                out += [part[last:a], _NOWRAP, part[a:b], "</span>"]
                last = b
            out.append(part[last:])
            parts[i] = "".join(out)
    return html[:body] + "".join(parts)


@dataclass(frozen=True)
class Font:
    regular: str = DEFAULT_FONT_REGULAR
    bold: str = DEFAULT_FONT_BOLD
    scale: float = DEFAULT_FONT_SCALE

    @property
    def regular_url(self) -> str:
        return Path(self.regular).resolve().as_uri()

    @property
    def bold_url(self) -> str:
        return Path(self.bold).resolve().as_uri()

    def pt(self, official: float) -> str:
        """The size in this font that prints like ``official`` pt of TH Sarabun."""
        return f"{official * self.scale:.2f}"


@dataclass(frozen=True)
class ReportLine:
    measure: Any
    unit_th: str
    row: ResultRow


class Renderer:
    """Renders the ita-monitor documents.  Create once per process: WeasyPrint warms up on first use."""

    def __init__(self, templates_dir: Path | str = DEFAULT_TEMPLATES, font: Font | None = None):
        self.templates_dir = Path(templates_dir)
        self.font = font or Font()

    @cached_property
    def env(self) -> jinja2.Environment:
        env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(self.templates_dir),
            autoescape=jinja2.select_autoescape(enabled_extensions=("html", "html.j2"), default=True),
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.filters["thai"] = thai_digits_text
        env.filters["thai_date"] = thai_date_of
        return env

    @cached_property
    def _css_env(self) -> jinja2.Environment:
        return jinja2.Environment(
            loader=jinja2.FileSystemLoader(self.templates_dir),
            autoescape=False,
            undefined=jinja2.StrictUndefined,
        )

    def html(self, template: str, **context: Any) -> str:
        return self.env.get_template(template).render(font=self.font, **context)

    def pdf(self, html: str) -> bytes:
        """HTML to PDF bytes: PDF/A-3b, fonts embedded, Thai text extractable."""
        import weasyprint  # heavy: imported only when something is rendered
        from weasyprint.text.fonts import FontConfiguration

        from ita_monitor.documents import weasyfix

        weasyfix.apply()
        css = self._css_env.get_template("base.css.j2").render(font=self.font)
        fonts = FontConfiguration()  # @font-face only applies through a FontConfiguration
        doc = weasyprint.HTML(string=keep_numbers_together(html), base_url=str(self.templates_dir))
        return doc.write_pdf(
            stylesheets=[weasyprint.CSS(string=css, font_config=fonts)],
            font_config=fonts,
            pdf_variant="pdf/a-3b",
        )

    def round_report_html(
        self,
        agency: Agency,
        plan: Plan,
        catalogue: Catalogue,
        rnd: Round,
        rows: list[ResultRow],
        report_month,
        year_chart: str = "",
    ) -> str:
        by_key = {(r.unit, r.measure_code): r for r in rows}
        lines = [
            ReportLine(m, agency.unit(u).name_th, _units_text(by_key[(u, m.code)], agency.units_text))
            for m in plan.due_in(rnd.months)
            for u in m.units
            if (u, m.code) in by_key
        ]
        item = catalogue.item_for("round_report")
        title_lines = (
            "รายงานผลการดำเนินการตามมาตรการส่งเสริมคุณธรรมและความโปร่งใสภายในหน่วยงาน",
            thai_digits(f"ประจำปีงบประมาณ พ.ศ. {rnd.fiscal_year}"),
        )
        return self.html(
            "round_report.html.j2",
            agency=agency,
            round=rnd,
            lines=lines,
            title=" ".join(title_lines),
            title_lines=title_lines,
            subject=f"{item.code} {item.name}" if item else "",
            oit_code=item.code if item else "",
            fy_th=thai_digits(rnd.fiscal_year),
            report_month_th=thai_month_year(report_month),
            year_chart=year_chart,  # the 12-month report: the year's completion (charts.py)
        )


def _units_text(row: ResultRow, mode: str = "thai_digits") -> ResultRow:
    """What a unit wrote, as the agency prints it: ``thai_digits`` (Thai digits in Thai prose only)
    or ``as_written`` (every character as typed)."""
    from dataclasses import replace

    if mode == "as_written":
        return row
    return replace(
        row,
        **{f: thai_digits_text(getattr(row, f)) for f in ("details", "period", "output", "outcome", "note")},
    )
