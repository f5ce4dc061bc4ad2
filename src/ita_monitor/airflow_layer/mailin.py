"""The agency's ITA mailbox, read through the IMAP provider's hook (agency.yaml ``mail_in.conn_id``).

``has_new_mail`` is the trigger's cheap look (login, SELECT read-only, ``UID SEARCH`` for UIDs above
the last one read); ``read_mailbox`` is the operator's work on a worker: fetch each new message
(``BODY.PEEK[]``, byte for byte), hand it to ``ita_monitor.intake.mailin.process_message`` (archive, match,
intake, reply built), remember its UID, mark it \\Seen, then send every pending reply over SMTP.
The mailbox itself is never changed otherwise: messages stay where they are.
"""

from __future__ import annotations

import logging
import re

from ita_monitor.airflow_layer import settings

log = logging.getLogger(__name__)


def _data():
    from ita_monitor.model.storage import DataRoot

    return DataRoot(settings.data_root())


def _uidvalidity(client) -> int:
    _, values = client.response("UIDVALIDITY")
    if not values or values[0] is None:  # not repeated by every server: ask
        _, status = client.status(client._ita_folder, "(UIDVALIDITY)")
        return int(re.search(rb"UIDVALIDITY (\d+)", status[0]).group(1))
    return int(values[0])


def mailbox_name(folder: str) -> bytes:
    """The folder as IMAP names it: modified UTF-7 (RFC 3501 5.1.3, imapclient's codec: a Thai
    folder name becomes ``&DioOSA4HDhwOJQ-``), quoted, with ``\\`` and ``"`` escaped."""
    from imapclient import imap_utf7

    encoded = imap_utf7.encode(folder)
    return b'"' + encoded.replace(b"\\", b"\\\\").replace(b'"', b'\\"') + b'"'


def _select(client, folder: str, readonly: bool) -> int:
    client._ita_folder = mailbox_name(folder)
    typ, data = client.select(client._ita_folder, readonly=readonly)
    if typ != "OK":
        raise RuntimeError(f"IMAP SELECT {folder}: {data}")
    return _uidvalidity(client)


def _uids_after(client, last_uid: int) -> list[int]:
    typ, data = client.uid("SEARCH", f"UID {last_uid + 1}:*")
    if typ != "OK":
        raise RuntimeError(f"IMAP UID SEARCH: {data}")
    # "n:*" always names the newest message, even when its UID is below n
    return sorted(u for u in (int(x) for x in (data[0] or b"").split()) if u > last_uid)


def has_new_mail(slug: str) -> bool:
    """Whether the agency's mailbox holds messages not read yet (blocking: run it in a thread)."""
    from airflow.providers.imap.hooks.imap import ImapHook

    from ita_monitor.intake.mail_store import imap_state

    agency = settings.agencies_dir().agency(slug)
    if agency.mail_in is None:
        return False
    state = imap_state(_data(), slug)
    with ImapHook(imap_conn_id=agency.mail_in.conn_id) as hook:
        client = hook.mail_client
        uidvalidity = _select(client, agency.mail_in.folder, readonly=True)
        last = state["last_uid"] if state["uidvalidity"] == uidvalidity else 0
        return bool(_uids_after(client, last))


def read_mailbox(job) -> list[dict]:
    """Process every new message of the job's agency's mailbox, then send the pending replies.

    Returns what each message became.  The UID is remembered after each message, so a worker killed
    midway starts from the next one (and a message processed twice is caught by its Message-ID).
    """
    from airflow.providers.imap.hooks.imap import ImapHook

    from ita_monitor.airflow_layer.line import push_outcomes
    from ita_monitor.airflow_layer.mail import send_replies
    from ita_monitor.intake.mail_store import imap_state, save_imap_state
    from ita_monitor.intake.mailin import process_message, quarantine_unreadable

    mail_in = job.agency.mail_in
    if mail_in is None:
        return []
    data, slug = job.data, job.slug
    state = imap_state(data, slug)
    outcomes = []
    with ImapHook(imap_conn_id=mail_in.conn_id) as hook:
        client = hook.mail_client
        uidvalidity = _select(client, mail_in.folder, readonly=False)
        last = state["last_uid"] if state["uidvalidity"] == uidvalidity else 0
        for uid in _uids_after(client, last):
            typ, fetched = client.uid("FETCH", str(uid), "(BODY.PEEK[])")
            raw = next((part[1] for part in fetched if isinstance(part, tuple)), None)
            if typ != "OK" or raw is None:  # expunged meanwhile
                continue
            try:
                outcome = process_message(data, settings.agencies_dir(), job.agency, raw, job.rnd)
            except Exception as exc:  # one bad message must not block the mailbox
                log.exception("Mail UID %s could not be processed: quarantined", uid)
                outcome = quarantine_unreadable(data, slug, raw, f"{type(exc).__name__}: {exc}")
            save_imap_state(data, slug, uidvalidity, uid)
            client.uid("STORE", str(uid), "+FLAGS", "(\\Seen)")
            log.info(
                "Mail %s from %s: %s %s",
                outcome.message_id,
                outcome.sender,
                outcome.state,
                [(f.name, f.matched, f.accepted) for f in outcome.files],
            )
            outcomes.append(outcome)
    replies = send_replies(data, slug, job.agency)
    taken = [o for o in outcomes if o.state in ("accepted", "problems")]
    push_outcomes(job, taken)
    if taken:  # the page and `ita-monitor status` show what came in while the round waits
        from ita_monitor.flow.pipeline import collect

        # the versions were kept as the mail was read: a published round is "changed after publication"
        log.info("Collected after mail-in: %s", collect(job, changed=True))
    return [{"message_id": o.message_id, "state": o.state, "replies": len(replies)} for o in outcomes]
