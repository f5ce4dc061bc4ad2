"""Thai digits and Buddhist Era dates, as every official document writes them, through pythainlp.

The one place Thai numerals and dates are written (documents, forms, mails, the ITA page) and read
back (``arabic_digits`` for units' text): build on ``thai_digits`` / ``arabic_digits`` /
``thai_date`` rather than translating digits by hand.
"""

from __future__ import annotations

from datetime import date, datetime, time

from pythainlp.util import arabic_digit_to_thai_digit, thai_digit_to_arabic_digit, thai_strftime
from pythainlp.util.date import thai_full_months

BE_OFFSET = 543


def thai_digits(value: object) -> str:
    """Write every Arabic digit of ``value`` as a Thai digit (๐–๙); other text is kept."""
    return arabic_digit_to_thai_digit(str(value)) if value is not None else ""


def arabic_digits(value: object) -> str:
    """Write every Thai digit (๐–๙) of ``value`` as an Arabic digit; other text is kept."""
    return thai_digit_to_arabic_digit(str(value)) if value is not None else ""


def be_year(ce_year: int) -> int:
    """Buddhist Era year of a Common Era year."""
    return ce_year + BE_OFFSET


def ce_year(be: int) -> int:
    """Common Era year of a Buddhist Era year."""
    return be - BE_OFFSET


def month_name(month: int) -> str:
    """Full Thai month name, 1 = มกราคม."""
    return thai_full_months[month - 1]


def _as_datetime(d: date) -> datetime:
    return d if isinstance(d, datetime) else datetime.combine(d, time())


def thai_date(d: date, thai_numerals: bool = True) -> str:
    """``๑๐ มกราคม ๒๕๖๕``: day, month name, BE year (``10 มกราคม 2565`` without Thai numerals)."""
    return thai_strftime(_as_datetime(d), "%-d %B %Y", thaidigit=thai_numerals)


def thai_time(d: datetime) -> str:
    """``10 มกราคม 2565 13:05 น.``, as the ITA page writes a moment (Arabic digits)."""
    return thai_strftime(d, "%-d %B %Y %H:%M น.")


def thai_month_year(d: date) -> str:
    """``มกราคม ๒๕๖๕``."""
    return thai_strftime(_as_datetime(d), "%B %Y", thaidigit=True)
