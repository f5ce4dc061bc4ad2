"""Problems found in what people give us, said in Thai with English, with the place they are at."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
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


MAX_KINDS = 10  # "and N more like this" lines after the first problems; the rest in one last line
MAX_MESSAGE = 2000  # characters of one half (Thai or English) of a problem; longer ones are cut


def first_few(items: Sequence[str], limit: int = 5) -> tuple[str, str]:
    """``items`` named in a message: the first ``limit``, then "and N more" (Thai, English)."""
    head = ", ".join(items[:limit])
    more = len(items) - limit
    if more <= 0:
        return head, head
    return f"{head} และอีก {more:,} รายการ", f"{head} and {more:,} more"


def bound_problems(problems: list[Problem], limit: int) -> list[Problem]:
    """The first ``limit`` problems, then one line per kind left out: "and N more like this".

    A kind is the problem's English text up to its first digit or quote (the same message about
    other rows); the line says how many of that kind were left out and where the first of them is.
    At most ``MAX_KINDS`` such lines, then one line counting all the others; every message is cut
    at ``MAX_MESSAGE`` characters, so whatever a file holds the answer stays small.
    """
    problems = [_clipped(p) for p in problems]
    if len(problems) <= limit:
        return problems
    kept, rest = problems[:limit], problems[limit:]
    kinds: dict[str, list[Problem]] = {}
    for p in rest:
        kinds.setdefault(_kind(p.en), []).append(p)
    groups = list(kinds.values())
    if len(groups) > MAX_KINDS:
        others = [p for g in groups[MAX_KINDS - 1 :] for p in g]
        groups = [*groups[: MAX_KINDS - 1], others]
    for group in groups:
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


def _clipped(p: Problem) -> Problem:
    if len(p.th) <= MAX_MESSAGE and len(p.en) <= MAX_MESSAGE and len(p.where) <= 200:
        return p
    cut = lambda text, n: text if len(text) <= n else text[: n - 1] + "…"  # noqa: E731
    return Problem(p.file, cut(p.where, 200), cut(p.th, MAX_MESSAGE), cut(p.en, MAX_MESSAGE), p.severity)


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
