"""Send the core's mails to units through the SMTP provider's hook (``[ita] smtp_conn_id``).

The connection holds host, port, login and ``from_email`` (extra); nothing about mail servers lives
in code or agency profiles.  Without that connection the forms are still written to the outbox and
the task says, in its log, that nothing was mailed.
"""

from __future__ import annotations

import logging
import tempfile
from email.header import Header
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


def send(job, mails: list) -> list[dict]:
    """Send each mail and record it as sent right away; returns what was sent."""
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
    with SmtpHook(smtp_conn_id=conn_id) as hook, tempfile.TemporaryDirectory() as tmp:
        for mail in mails:
            files = []
            for rel in mail.attachments:  # the data root may be remote: the hook attaches local files
                local = Path(tmp) / Path(rel).name
                local.write_bytes((round_dir / rel).read_bytes())
                files.append(str(local))
            hook.send_email_smtp(
                to=list(mail.to),
                subject=Header(mail.subject, "utf-8").encode(),
                html_content=mail.html,
                files=files,
                custom_headers={"Reply-To": mail.reply_to} if mail.reply_to else None,
            )
            record_sent(job, mail)
            log.info("Sent %s mail to %s: %s", mail.kind, ", ".join(mail.to), mail.subject)
            sent.append({"kind": mail.kind, "unit": mail.unit, "to": list(mail.to)})
    return sent


def send_replies(data, slug: str) -> list[dict]:
    """Send the mail-in replies not sent yet (``mailin.pending_replies``), each marked sent right away."""
    from ita_monitor.intake.mailin import pending_replies, reply_sent

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
        for record in pending:
            reply = record["reply"]
            hook.send_email_smtp(
                to=[reply["to"]],
                subject=Header(reply["subject"], "utf-8").encode(),
                html_content=reply["html"],
                custom_headers={"In-Reply-To": reply["in_reply_to"], "References": reply["in_reply_to"]},
            )
            reply_sent(data, slug, record["key"])
            log.info("Replied to %s: %s", reply["to"], reply["subject"])
            sent.append({"to": reply["to"], "state": record["state"], "message_id": record["message_id"]})
    return sent
