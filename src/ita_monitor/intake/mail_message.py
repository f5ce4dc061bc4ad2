"""One message as mail-in reads it: its sender, its attachments (a signature's logo or a calendar
invite left out) and the form reference a returned form carries (``รหัสแบบฟอร์ม``
``ita:<agency>/<year>/round-MM/<unit>``, written by ``unit_forms``)."""

from __future__ import annotations

import email
import email.policy
import io
import re
from dataclasses import dataclass
from email.utils import parseaddr

REF_RE = re.compile(
    r"^ita:([a-z0-9][a-z0-9-]{1,62})/(\d{4})/round-(\d{2})/([A-Za-z0-9][A-Za-z0-9_.-]{0,39})$"
)
# what a mail client attaches besides the unit's file: signatures' logos, calendar invites
_SKIP_TYPES = ("image/", "text/calendar", "application/pgp-signature", "application/pkcs7-signature")


@dataclass(frozen=True)
class Attachment:
    name: str
    payload: bytes


def parse(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[return-value]


def sender_of(msg) -> str:
    """The From address, lower-cased ('' when there is none)."""
    return parseaddr(str(msg.get("From", "")))[1].strip().lower()


def attachments(msg) -> list[Attachment]:
    """Files attached to the message (inline logos and signatures left out), in order."""
    out = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        name = part.get_filename()
        if not name or part.get_content_type().startswith(_SKIP_TYPES):
            continue
        payload = part.get_payload(decode=True) or b""
        out.append(Attachment(name.replace("/", "_").replace("\\", "_"), payload))
    return out


@dataclass(frozen=True)
class FormRef:
    slug: str
    fiscal_year: int
    months: int
    unit: str


def parse_ref(text: str) -> FormRef | None:
    m = REF_RE.match(text.strip())
    if not m:
        return None
    return FormRef(m.group(1), int(m.group(2)), int(m.group(3)), m.group(4))


def find_ref(name: str, payload: bytes) -> FormRef | None:
    """The form reference a returned form carries (``รหัสแบบฟอร์ม``), if any."""
    if payload[:2] == b"PK":  # xlsx: the top rows of each sheet
        try:
            from openpyxl import load_workbook

            wb = load_workbook(io.BytesIO(payload), read_only=True, data_only=True)
            try:
                for ws in wb.worksheets:
                    for row in ws.iter_rows(min_row=1, max_row=4, values_only=True):
                        for value in row:
                            if isinstance(value, str) and (ref := parse_ref(value)):
                                return ref
            finally:
                wb.close()
        except Exception:  # not a workbook we can open: the intake will say why
            return None
        return None
    head = payload[:4096].decode("utf-8", errors="ignore")
    for token in re.findall(r"ita:[^\s,;\"']+", head):
        if ref := parse_ref(token):
            return ref
    return None
