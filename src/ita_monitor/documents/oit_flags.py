"""OIT codes of a catalogue not verified against the year's published list (``verified: false``):
each code a document prints is flagged for the approver (``SelfCheck.flags``), never blocking."""

from __future__ import annotations

import re

from ita_monitor.documents.selfcheck import Finding, SelfCheck, expected_text
from ita_monitor.model.thai import thai_digits

UNVERIFIED_TH = "รหัส OIT จากบัญชีรายการที่ยังไม่ได้ตรวจสอบกับคู่มือของสำนักงาน ป.ป.ช."
UNVERIFIED_EN = "OIT code from an unverified catalogue"


def _code_patterns(code: str) -> list[str]:
    """How a document may print an item code: ``O26`` as typed, or ``ข้อ ๐๒๖`` / ``ข้อ 026``."""
    m = re.fullmatch(r"O(\d+)", code.strip())
    if not m:
        return [re.escape(code)]
    number = m.group(1).zfill(3)
    return [rf"(?<![A-Za-z0-9]){re.escape(code)}(?![0-9])", rf"ข้อ\s*(?:{number}|{thai_digits(number)})"]


def unverified_codes(html: str, catalogue) -> list[Finding]:
    """A flag for each item code of ``catalogue`` the document prints when that catalogue is not
    verified against the year's published list (``verified: false``): a person decides before publishing."""
    if catalogue is None or getattr(catalogue, "verified", True):
        return []
    text = " ".join(expected_text(html))
    out = []
    for item in catalogue.items:
        if any(re.search(p, text) for p in _code_patterns(item.code)):
            out.append(
                Finding(
                    "oit",
                    0,
                    f"oit-{catalogue.fiscal_year}.yaml verified: true",
                    f"{item.code} {item.name} (oit-{catalogue.fiscal_year}.yaml verified: false;"
                    f" source: {catalogue.source or '-'})",
                    UNVERIFIED_TH,
                    UNVERIFIED_EN,
                )
            )
    return out


def with_catalogue_flags(result: SelfCheck, html: str, catalogue) -> SelfCheck:
    """``result`` with a flag for each code of an unverified catalogue the document prints."""
    result.flags.extend(unverified_codes(html, catalogue))
    return result
