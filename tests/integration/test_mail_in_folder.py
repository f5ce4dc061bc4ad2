"""The ITA mailbox in a folder with a Thai name, on a real IMAP server (dovecot): the folder is named
in IMAP's modified UTF-7, so the trigger's look and the task's read find the mail in it."""

from __future__ import annotations

from email.message import EmailMessage

import pytest
import yaml

from tests.integration.test_mail_in import MAILBOX, imap, town  # noqa: F401  (fixture)

pytestmark = pytest.mark.imap
FOLDER = "ส่งผล ITA"  # a Thai name with a space


def _in_thai_folder(raw: bytes) -> None:
    """Create the folder (as a mail client would: imapclient encodes its name) and put a message in it."""
    from imapclient import imap_utf7

    client = imap()
    try:
        client.create(b'"' + imap_utf7.encode(FOLDER) + b'"')  # "already exists" (an earlier run) is fine
        typ, data = client.append(b'"' + imap_utf7.encode(FOLDER) + b'"', None, None, raw)
        assert typ == "OK", data
        typ, listed = client.list()
        assert any(imap_utf7.encode(FOLDER) in line for line in listed), listed
    finally:
        client.logout()


def test_a_mailbox_folder_with_a_thai_name_is_read(town, data_root):  # noqa: F811
    from ita_monitor.airflow_layer.mailin import has_new_mail, mailbox_name, read_mailbox
    from ita_monitor.flow.pipeline import RoundJob
    from ita_monitor.model.config import AgenciesDir
    from ita_monitor.model.storage import DataRoot

    agencies, rnd, _sent = town
    profile = agencies / "test-town" / "agency.yaml"
    doc = yaml.safe_load(profile.read_text())
    doc["mail_in"]["folder"] = FOLDER
    profile.write_text(yaml.safe_dump(doc, allow_unicode=True))
    assert mailbox_name(FOLDER) == b'"&DioOSA4HDhwOJQ- ITA"'

    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "stranger@elsewhere.example", MAILBOX, "สวัสดี"
    msg["Message-ID"] = "<thai-folder-1@elsewhere.example>"
    msg.set_content("ไม่มีไฟล์แนบ")
    _in_thai_folder(msg.as_bytes())

    assert has_new_mail("test-town")  # the trigger's look: SELECT the folder, UID SEARCH
    job = RoundJob.load(AgenciesDir(agencies), "test-town", rnd, DataRoot(data_root))
    read = read_mailbox(job)
    assert [r["state"] for r in read] == ["quarantined"]  # read from the Thai folder: no unit matches
    assert not has_new_mail("test-town")  # its UID is remembered
