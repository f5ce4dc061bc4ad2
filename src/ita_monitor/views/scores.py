"""An agency's ITA scores over the years: every indicator, each year, against the pass level.

Pure core.  The plan files carry the results: each plan's ``analysis`` holds the year before it, its
``ita_results`` the years before that (``Plan.results()``).  Across several plan files the newest plan
speaks for a year it repeats (a corrected figure is corrected there).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ita_monitor.model.plan import ITA_INDICATORS, Plan


@dataclass(frozen=True)
class IndicatorYears:
    """One indicator across the years: year -> score (years without a score are absent)."""

    number: int
    name_th: str
    scores: dict[int, float]
    failed_years: tuple[int, ...]  # years it scored below the pass level

    @property
    def failed_more_than_once(self) -> bool:
        return len(self.failed_years) > 1


@dataclass(frozen=True)
class ScoreHistory:
    years: tuple[int, ...]  # BE years with a result, oldest first
    overall: dict[int, float]  # year -> total score, where given
    indicators: tuple[IndicatorYears, ...]  # 1-10, those with a score in some year
    pass_level: float

    @property
    def repeat_failures(self) -> tuple[IndicatorYears, ...]:
        """Indicators that scored below the pass level in more than one year."""
        return tuple(i for i in self.indicators if i.failed_more_than_once)

    def __bool__(self) -> bool:
        return bool(self.years)


def score_history(plans: Iterable[Plan], pass_level: float = 85) -> ScoreHistory:
    """Every year's result the plans carry (older plans first; a newer plan wins a repeated year)."""
    by_year = {}
    for plan in sorted(plans, key=lambda p: p.fiscal_year):
        for result in plan.results():
            by_year[result.year] = result
    years = tuple(sorted(by_year))
    indicators = []
    for number, name in ITA_INDICATORS.items():
        scores = {y: s.score for y in years for s in by_year[y].scores if s.indicator == number}
        if not scores:
            continue
        failed = tuple(y for y, v in sorted(scores.items()) if v < pass_level)
        indicators.append(IndicatorYears(number, name, scores, failed))
    overall = {y: r.overall for y, r in by_year.items() if r.overall is not None}
    return ScoreHistory(years, overall, tuple(indicators), pass_level)
