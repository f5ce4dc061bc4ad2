"""Problems found in what people give us, said in Thai with English, with the place they are at."""

from __future__ import annotations

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
