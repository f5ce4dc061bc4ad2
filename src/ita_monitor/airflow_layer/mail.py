"""Send the core's mails to units through the SMTP provider's hook (``[ita] smtp_conn_id``).

The connection holds host, port, login and ``from_email`` (extra); nothing about mail servers lives
in code or agency profiles.  Without that connection the forms are still written to the outbox and
the task says, in its log, that nothing was mailed.
"""

from __future__ import annotations

import logging
from pathlib import Path

from ita_monitor.airflow_layer import settings

log = logging.getLogger(__name__)


def smtp_conn_id() -> str:
    return settings.get("smtp_conn_id")


def _connection_exists(conn_id: str) -> bool:
    from airflow.sdk import BaseHook
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        BaseHook.get_connection(conn_id)
    except AirflowNotFoundException:
        return False
    return True


def client(hook):
    """The hook's logged-in SMTP client (host, port, TLS mode and login from the connection).

    The provider builds only ``multipart/mixed`` HTML mail with ``application/octet-stream``
    attachments and no Message-ID, and has no public way to send a ready message: its client is
    ``SmtpHook._smtp_client`` (apache-airflow-providers-smtp 3.2.0; ``tests/airflow/test_mail_adapter.py``
    notices when that changes).  The one internal the project uses for mail, here only.
    """
    smtp = getattr(hook, "_smtp_client", None)
    if smtp is None or not hasattr(smtp, "send_message"):
        raise RuntimeError(
            "SmtpHook has no logged-in client (_smtp_client): the SMTP provider changed; see airflow_layer/mail.py"
        )
    return smtp


def send_message(hook, msg) -> str:
    """Send one ``EmailMessage`` through the hook's connection; its Message-ID."""
    client(hook).send_message(msg)
    return str(msg["Message-ID"])


def _from(hook) -> str:
    sender = hook.from_email
    if not sender:
        raise ValueError(
            f"connection {hook.smtp_conn_id!r} has no from_email (extra): the address mails are sent from"
        )
    return sender


def send(job, mails: list) -> list[dict]:
    """Send each mail and record it as sent right away; returns what was sent."""
    from ita_monitor.intake.mailout import Body, agency_domain, message
    from ita_monitor.intake.notify import record_sent

    if not mails:
        return []
    conn_id = smtp_conn_id()
    if not _connection_exists(conn_id):
        log.warning(
            "ไม่มี Airflow connection %r จึงไม่ได้ส่งอีเมล %d ฉบับ / no Airflow connection %r: %d mail(s) not "
            "sent (the forms are in the round's outbox)",
            conn_id,
            len(mails),
            conn_id,
            len(mails),
        )
        return []
    from airflow.providers.smtp.hooks.smtp import SmtpHook

    round_dir = job.data.round_dir(job.slug, job.rnd)
    sent = []
    with SmtpHook(smtp_conn_id=conn_id) as hook:
        sender = _from(hook)
        for mail in mails:
            # the data root may be remote: each attachment read through it
            files = [(Path(rel).name, (round_dir / rel).read_bytes()) for rel in mail.attachments]
            msg = message(
                from_addr=sender,
                to=list(mail.to),
                subject=mail.subject,
                body=Body(mail.html, mail.text or plain_text(mail.html)),
                domain=agency_domain(job.agency, sender),
                reply_to=mail.reply_to,
                attachments=files,
            )
            message_id = send_message(hook, msg)
            record_sent(job, mail, message_id=message_id)
            log.info("Sent %s mail to %s: %s", mail.kind, ", ".join(mail.to), mail.subject)
            sent.append({"kind": mail.kind, "unit": mail.unit, "to": list(mail.to), "message_id": message_id})
    return sent


def plain_text(html: str) -> str:
    """The text of an HTML body built before mails had a text part (a reply recorded by an older version)."""
    import html as html_lib
    import re

    text = re.sub(r"(?i)<br\s*/?>|</p>|</li>|</tr>", "\n", html)
    text = re.sub(r"(?i)<li[^>]*>", "- ", text)
    return html_lib.unescape(re.sub(r"<[^>]+>", "", text)).strip() + "\n"


def send_replies(data, slug: str, agency=None) -> list[dict]:
    """Send the mail-in replies not sent yet (``mail_store.pending_replies``), each marked sent right away.

    Each reply threads on the unit's message (``In-Reply-To``, ``References``).
    """
    from ita_monitor.intake.mail_store import pending_replies, reply_sent
    from ita_monitor.intake.mailout import Body, agency_domain, message

    pending = pending_replies(data, slug)
    if not pending:
        return []
    conn_id = smtp_conn_id()
    if not _connection_exists(conn_id):
        log.warning(
            "ไม่มี Airflow connection %r จึงยังไม่ได้ตอบอีเมล %d ฉบับ / no Airflow connection %r: %d"
            " mail-in repl(ies) wait to be sent",
            conn_id,
            len(pending),
            conn_id,
            len(pending),
        )
        return []
    from airflow.providers.smtp.hooks.smtp import SmtpHook

    sent = []
    with SmtpHook(smtp_conn_id=conn_id) as hook:
        sender = _from(hook)
        for record in pending:
            reply = record["reply"]
            msg = message(
                from_addr=sender,
                to=[reply["to"]],
                subject=reply["subject"],
                body=Body(reply["html"], reply.get("text") or plain_text(reply["html"])),
                domain=agency_domain(agency, sender),
                in_reply_to=reply["in_reply_to"],
                references=reply.get("references", ""),
            )
            send_message(hook, msg)
            reply_sent(data, slug, record["key"])
            log.info("Replied to %s: %s", reply["to"], reply["subject"])
            sent.append({"to": reply["to"], "state": record["state"], "message_id": record["message_id"]})
    return sent


def send_admin(conn_id: str, agency, to: list[str], mail) -> str:
    """Send a notice to the admin (``subject``, ``html``, ``text``; the link-health notice); its Message-ID."""
    from airflow.providers.smtp.hooks.smtp import SmtpHook

    from ita_monitor.intake.mailout import Body, agency_domain, message

    with SmtpHook(smtp_conn_id=conn_id) as hook:
        sender = _from(hook)
        msg = message(
            from_addr=sender,
            to=to,
            subject=mail.subject,
            body=Body(mail.html, mail.text),
            domain=agency_domain(agency, sender),
        )
        return send_message(hook, msg)
