"""Thai digits and Buddhist Era dates, as every official document writes them, through pythainlp.

The one place Thai numerals and dates are written (documents, forms, mails, the ITA page) and read
back (``arabic_digits`` for units' text): build on ``thai_digits`` / ``arabic_digits`` /
``thai_date`` rather than translating digits by hand.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

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


def thai_date_of(moment: str | datetime | date | None) -> str:
    """An ISO time as stored in machine files (``2026-11-30T03:00:00+00:00``) as a Thai date of
    its day in Bangkok: ``๓๐ พฤศจิกายน ๒๕๖๙``; "" for nothing, the text itself when not a time."""
    if not moment:
        return ""
    if isinstance(moment, str):
        try:
            moment = datetime.fromisoformat(moment)
        except ValueError:
            return moment
    if isinstance(moment, datetime):
        if moment.tzinfo is not None:
            moment = moment.astimezone(ZoneInfo("Asia/Bangkok"))
        moment = moment.date()
    return thai_date(moment)


def thai_month_year(d: date) -> str:
    """``มกราคม ๒๕๖๕``."""
    return thai_strftime(_as_datetime(d), "%B %Y", thaidigit=True)


# --- digits in running text ---------------------------------------------------------------------
#
# A clerk writes Thai digits in Thai prose ("ประกาศ ๖ ฉบับ") but never touches what must stay as
# typed: a web address or e-mail (a changed one is a broken link), a phone number, and any token
# with Latin letters or code characters ("alert(1)", "{{ 7*7 }}", "ISO 9001", "O42").

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Thai phone numbers: 0 or +66, then 8-9 more digits, grouped by spaces or dashes.
_PHONE = re.compile(r"(?<![\w.,/])(?:\+66|0)(?:[ -]?\d){8,9}(?![\w])")
_TOKEN = re.compile(r"\S+")
_LATIN = re.compile(r"[A-Za-z]")
_THAI_LETTER = re.compile(r"[\u0e01-\u0e4f]")
# Characters of code and markup, rare in Thai prose; ( ) . , : / - % are prose punctuation.
_CODE = re.compile(r"[{}\[\]<>*=;\\|_@#$^~`&]")
_NUMBER = re.compile(r"^[\d.,:/%()\-–]+$")


def _kept(token: str) -> bool:
    """A token whose digits stay as typed: Latin letters or code characters in it."""
    return bool(_LATIN.search(token) or _CODE.search(token))


def _foreign(token: str) -> bool:
    """A Latin or code token without Thai: the number next to it belongs to it (ISO 9001, {{ 7 }})."""
    return _kept(token) and not _THAI_LETTER.search(token)


def _prose_digits(text: str) -> str:
    tokens = list(_TOKEN.finditer(text))
    out, last = [], 0
    for i, m in enumerate(tokens):
        token = m.group(0)
        keep = _kept(token)
        if not keep and _NUMBER.match(token):
            before = tokens[i - 1].group(0) if i else ""
            after = tokens[i + 1].group(0) if i + 1 < len(tokens) else ""
            keep = _foreign(before) or _foreign(after)
        out += [text[last : m.start()], token if keep else thai_digits(token)]
        last = m.end()
    out.append(text[last:])
    return "".join(out)


def thai_digits_in_prose(value: object) -> str:
    """Thai digits where a clerk writes them; addresses, e-mails, phones and code as typed.

    ``"ประกาศ 6 ฉบับ"`` -> ``"ประกาศ ๖ ฉบับ"``; ``"alert(1)"``, ``"{{ 7*7 }}"``, ``"ISO 9001"``, ``"O42"``,
    ``"https://x.go.th/2568/03/a.pdf"``, ``"kong@x.go.th"``, ``"053-681-234"`` are kept.
    """
    text = "" if value is None else str(value)
    if not any(c.isdigit() and c.isascii() for c in text):
        return text
    kept = re.compile("|".join(f"(?:{p.pattern})" for p in (_URL, _EMAIL, _PHONE)), re.IGNORECASE)
    out, last = [], 0
    for m in kept.finditer(text):
        out += [_prose_digits(text[last : m.start()]), m.group(0)]
        last = m.end()
    out.append(_prose_digits(text[last:]))
    return "".join(out)


# --- numbers that stay with their words ---------------------------------------------------------
#
# A line never breaks between a number and the word it counts or names: พ.ศ. ๒๕๖๘, รอบ ๖ เดือน,
# ข้อ ๑, ร้อยละ ๑๐๐, ๑๕ วัน, วันที่ ๑๐ มกราคม ๒๕๖๕.  A no-break space does not do it: Pango lets
# libthai place the breaks in Thai text, and libthai breaks at a no-break space too.  The renderer
# puts each such phrase in a ``white-space: nowrap`` span instead (``render.keep_numbers_together``).

_DIGIT = r"[0-9\u0e50-\u0e59]"
_DIGITS = rf"{_DIGIT}(?:[.,:/]?{_DIGIT})*"
# Words that name the number after them (พ.ศ. ๒๕๖๘, ข้อ ๑, วันที่ ๑๐, มกราคม ๒๕๖๕) and words that
# the number before them counts (๑๕ วัน, ๖ เดือน, ๑๐ มกราคม).  Lists, not "any word": gluing every
# word to every number would chain whole phrases into runs too long for a narrow table cell.
_NAMING = "|".join(
    [
        r"พ\.ศ\.",
        r"ค\.ศ\.",
        *"วันที่ เลขที่ ครั้งที่ ฉบับที่ ลำดับที่ หมู่ที่ ตัวชี้วัดที่ ข้อที่ ที่".split(),
        *"ข้อ รอบ ร้อยละ จำนวน ปีงบประมาณ ปี เดือน หน้า มาตรา ระดับ หมู่ เวลา อายุ ประมาณ".split(),
        *"ครั้ง ฉบับ ตัวชี้วัด ไตรมาส ชั้น".split(),
        *thai_full_months,
    ]
)
_COUNTED = "|".join(
    [
        *"วัน เดือน ปี ฉบับ คน ราย ครั้ง บาท คะแนน มาตรการ รายการ หน้า แห่ง เรื่อง ชั่วโมง นาที ข้อ".split(),
        *"โครงการ กิจกรรม ชุด เล่ม ล้าน พัน หมื่น แสน กิโลเมตร เมตร ตัวชี้วัด ไตรมาส".split(),
        *"สัปดาห์ ครัวเรือน หมู่บ้าน ชิ้น เครื่อง ไร่ ท่าน".split(),
        r"น\.",
        *thai_full_months,
    ]
)
_NAMED = re.compile(rf"(?:{_NAMING}) +{_DIGITS}")
_COUNT = re.compile(rf"{_DIGITS} +(?:{_COUNTED})")


def number_phrases(text: str) -> list[tuple[int, int]]:
    """(start, end) of each number with its words, joined where they share a number, in order."""
    if not re.search(_DIGIT, text):
        return []
    spans = sorted(m.span() for pattern in (_NAMED, _COUNT) for m in pattern.finditer(text))
    merged: list[list[int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(a, b) for a, b in merged]
