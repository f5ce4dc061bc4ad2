"""Is a round complete?  Every measure due in the round needs a row from each responsible unit,
with every required field filled."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field

from ita_monitor.intake.columns import FIELD_TH, REQUIRED_FIELDS, ResultRow
from ita_monitor.model.agency import Agency
from ita_monitor.model.plan import Plan
from ita_monitor.model.rounds import Round
from ita_monitor.model.thai import thai_digits


@dataclass(frozen=True)
class Gap:
    """One (unit, measure) that is not ready, and why."""

    unit: str
    unit_th: str
    measure_code: str
    measure_th: str
    missing_fields: tuple[str, ...] = ()  # empty = no row at all
    where: str = ""  # file and row of an incomplete row

    def __str__(self) -> str:
        if not self.missing_fields:
            return (
                f"{self.unit_th} ยังไม่ส่งผลของ {self.measure_code} {self.measure_th} / "
                f"unit {self.unit} has not submitted measure {self.measure_code}"
            )
        th = ", ".join(FIELD_TH[f] for f in self.missing_fields)
        return (
            f"{self.unit_th} ส่ง {self.measure_code} แล้วแต่ยังไม่กรอก {th} ({self.where}) / "
            f"unit {self.unit}, measure {self.measure_code}: empty {', '.join(self.missing_fields)} ({self.where})"
        )


@dataclass
class Completeness:
    fiscal_year: int
    round_months: int
    due: list[tuple[str, str]] = field(default_factory=list)  # (unit, measure code)
    gaps: list[Gap] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.gaps

    def message(self) -> str:
        """The whole report, one gap a line, in Thai with English."""
        if self.complete:
            return (
                f"ครบทุกรายการ ({thai_digits(len(self.due))}) / complete: all {len(self.due)} submissions in"
            )
        th = f"รอบ {self.round_months} เดือน ปีงบประมาณ {self.fiscal_year}: ยังขาด {len(self.gaps)} จาก {len(self.due)} รายการ"
        head = (
            f"{thai_digits(th)} / "
            f"round {self.round_months}, FY {self.fiscal_year}: {len(self.gaps)} of {len(self.due)} missing"
        )
        return "\n".join([head, *(f"- {g}" for g in self.gaps)])

    def as_dict(self) -> dict:
        return {
            "fiscal_year": self.fiscal_year,
            "round": self.round_months,
            "complete": self.complete,
            "due": [list(d) for d in self.due],
            "gaps": [asdict(g) for g in self.gaps],
        }


def check(plan: Plan, agency: Agency, rnd: Round, rows: Iterable[ResultRow]) -> Completeness:
    """Compare the accepted rows with what the plan says is due in this round."""
    have = {(r.unit, r.measure_code): r for r in rows}
    result = Completeness(plan.fiscal_year, rnd.months)
    for measure in plan.due_in(rnd.months):
        for unit in measure.units:
            result.due.append((unit, measure.code))
            unit_th = agency.unit(unit).name_th if unit in agency.unit_codes else unit
            row = have.get((unit, measure.code))
            if row is None:
                result.gaps.append(Gap(unit, unit_th, measure.code, measure.title))
                continue
            empty = tuple(f for f in REQUIRED_FIELDS if not getattr(row, f).strip())
            if empty:
                result.gaps.append(
                    Gap(unit, unit_th, measure.code, measure.title, empty, f"{row.source} row {row.row}")
                )
    return result
