"""Thai digits and Buddhist Era dates, as every official document writes them."""

from __future__ import annotations

from datetime import date

from pythainlp.util import arabic_digit_to_thai_digit
from pythainlp.util.date import thai_full_months

BE_OFFSET = 543


def thai_digits(value: object) -> str:
    """Write every Arabic digit of ``value`` as a Thai digit (๐–๙); other text is kept."""
    return arabic_digit_to_thai_digit(str(value)) if value is not None else ""


def be_year(ce_year: int) -> int:
    """Buddhist Era year of a Common Era year."""
    return ce_year + BE_OFFSET


def ce_year(be: int) -> int:
    """Common Era year of a Buddhist Era year."""
    return be - BE_OFFSET


def month_name(month: int) -> str:
    """Full Thai month name, 1 = มกราคม."""
    return thai_full_months[month - 1]


def thai_date(d: date) -> str:
    """``๑๐ มกราคม ๒๕๖๕``: day, month name, BE year, in Thai digits."""
    return thai_digits(f"{d.day} {month_name(d.month)} {be_year(d.year)}")


def thai_month_year(d: date) -> str:
    """``มกราคม ๒๕๖๕``."""
    return thai_digits(f"{month_name(d.month)} {be_year(d.year)}")
