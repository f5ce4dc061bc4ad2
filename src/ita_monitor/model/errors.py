"""Problems found in what people give us, said in Thai with English, with the place they are at."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Problem:
    """One problem in one place: a file, and where in it (field path, or sheet/row/column)."""

    file: str
    where: str
    th: str
    en: str
    severity: str = "error"  # "error" stops the work; "warning" is reported and allowed

    def __str__(self) -> str:
        where = f" [{self.where}]" if self.where else ""
        tag = "" if self.severity == "error" else f"({self.severity}) "
        return f"{self.file}{where}: {tag}{self.th} / {self.en}"

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


class InputError(Exception):
    """Input that cannot be used; carries every problem found, not just the first."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def errors_only(problems: Iterable[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity == "error"]


def bound_problems(problems: list[Problem], limit: int) -> list[Problem]:
    """The first ``limit`` problems, then one line per kind left out: "and N more like this".

    A kind is the problem's English text up to its first digit or quote (the same message about
    other rows); the line says how many of that kind were left out and where the first of them is.
    """
    if len(problems) <= limit:
        return problems
    kept, rest = problems[:limit], problems[limit:]
    kinds: dict[str, list[Problem]] = {}
    for p in rest:
        kinds.setdefault(_kind(p.en), []).append(p)
    for group in kinds.values():
        first = group[0]
        n = len(group)
        severity = "error" if any(p.severity == "error" for p in group) else "warning"
        kept.append(
            Problem(
                first.file,
                first.where,
                f"และอีก {n:,} รายการในลักษณะนี้ (แสดงเฉพาะ {limit} รายการแรกของไฟล์) เช่น: {first.th}",
                f"and {n:,} more like this (only the first {limit} problems of a file are listed), "
                f"e.g.: {first.en}",
                severity,
            )
        )
    return kept


def _kind(text: str) -> str:
    """The message without what differs from row to row (quoted values, numbers, codes)."""
    return re.sub(r"'[^']*'|\"[^\"]*\"|\b\w*\d\w*\b", "#", text)


_MORE = re.compile(r"^and ([\d,]+) more like this")


def count(problems: Iterable[Problem]) -> int:
    """How many problems ``problems`` stands for, counting the ones "and N more like this" summarises."""
    total = 0
    for p in problems:
        m = _MORE.match(p.en)
        total += int(m.group(1).replace(",", "")) if m else 1
    return total
