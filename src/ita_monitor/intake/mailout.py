"""Outgoing mail as mail servers expect it (forms, reminders, mail-in replies, link-health notices).

Every body comes from a pair of Jinja templates in ``templates/mail/`` (``<name>.html.j2``,
autoescaped like the pages, and ``<name>.txt.j2``, the plain-text part), rendered with the same
``thai`` filter as the documents: Thai digits in Thai prose, web addresses, e-mails and codes as
typed (``model/thai.py``).  ``message`` builds the whole MIME message: ``Message-ID`` on the agency's
domain, ``Date``, ``multipart/alternative`` (text/plain beside text/html), attachments with their
real content type (the form as ``application/vnd.openxmlformats-officedocument.spreadsheetml.sheet``)
and, for a reply, ``In-Reply-To`` / ``References`` on the unit's message.  Pure: the Airflow layer
(``airflow_layer/mail.py``) only hands the message to the SMTP provider's connection.
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from datetime import UTC, datetime
from email.encoders import encode_base64
from email.header import Header
from email.message import Message
from email.mime.application import MIMEApplication
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, make_msgid, parseaddr
from functools import cache
from importlib.resources import files
from pathlib import Path

import jinja2

from ita_monitor.model.thai import thai_date_of, thai_digits_in_prose

MAIL_TEMPLATES = Path(str(files("ita_monitor.templates"))) / "mail"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_TYPES = {".xlsx": XLSX, ".pdf": "application/pdf"}


@dataclass(frozen=True)
class Body:
    html: str
    text: str


@cache
def environment() -> jinja2.Environment:
    """The mails' Jinja environment: autoescape for ``*.html.j2``, none for ``*.txt.j2``."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(MAIL_TEMPLATES)),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["thai"] = thai_digits_in_prose
    env.filters["thai_date"] = thai_date_of
    return env


def render(name: str, **context) -> Body:
    """The HTML and plain-text bodies of mail ``name`` (``mail/<name>.html.j2`` and ``.txt.j2``)."""
    env = environment()
    html = env.get_template(f"{name}.html.j2").render(**context)
    text = env.get_template(f"{name}.txt.j2").render(**context)
    return Body(html, _tidy(text))


def _tidy(text: str) -> str:
    """At most one empty line in a row, no trailing spaces: templates stay readable."""
    lines = [line.rstrip() for line in text.splitlines()]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip() + "\n"


def domain_of(address: str) -> str:
    """The domain of an e-mail address ('' when there is none)."""
    addr = parseaddr(address or "")[1]
    return addr.rpartition("@")[2].strip().lower() if "@" in addr else ""


def agency_domain(agency, from_email: str = "") -> str:
    """The agency's mail domain: its ITA mailbox's, else the sending address's."""
    mailbox = agency.mail_in.address if getattr(agency, "mail_in", None) else ""
    return domain_of(mailbox) or domain_of(from_email) or "localhost"


def content_type(name: str) -> str:
    suffix = Path(name).suffix.lower()
    return _TYPES.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"


def message(
    *,
    from_addr: str,
    to: list[str] | tuple[str, ...],
    subject: str,
    body: Body,
    domain: str,
    reply_to: str = "",
    in_reply_to: str = "",
    references: str = "",
    attachments: list[tuple[str, bytes]] | tuple = (),
    message_id: str = "",
    date: datetime | None = None,
) -> Message:
    """One complete message: headers servers expect, text beside HTML, typed attachments.

    Built with the ``compat32`` MIME classes and ``email.header.Header``: Python 3.11's default policy
    folds a long Thai subject into encoded words with the space between them outside, where RFC 2047
    says it is dropped ("รายงานผล รอบ" arrives as "รายงานผลรอบ"); ``Header`` keeps it inside.
    """
    msg = MIMEMultipart("mixed")
    msg["Subject"] = Header(subject, "utf-8")
    msg["From"] = from_addr
    msg["To"] = ", ".join(to)
    if reply_to:
        msg["Reply-To"] = reply_to
    msg["Date"] = format_datetime(date or datetime.now(UTC))
    msg["Message-ID"] = message_id or make_msgid(idstring="ita", domain=domain)
    if in_reply_to:
        refs = references.split()
        if in_reply_to not in refs:
            refs.append(in_reply_to)
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = " ".join(refs)
    msg["Auto-Submitted"] = "auto-generated" if not in_reply_to else "auto-replied"
    alternative = MIMEMultipart("alternative")  # the last part is the one preferred: HTML
    alternative.attach(MIMEText(body.text, "plain", "utf-8"))
    alternative.attach(MIMEText(body.html, "html", "utf-8"))
    msg.attach(alternative)
    for name, data in attachments:
        maintype, _, subtype = content_type(name).partition("/")
        if maintype == "text":  # bytes as they came, not re-encoded as text
            maintype, subtype = "application", "octet-stream"
        part = MIMEApplication(data, subtype) if maintype == "application" else MIMEBase(maintype, subtype)
        if maintype != "application":
            part.set_payload(data)
            encode_base64(part)
        filename = name if name.isascii() else ("utf-8", "", name)
        part.add_header("Content-Disposition", "attachment", filename=filename)
        msg.attach(part)
    return msg
