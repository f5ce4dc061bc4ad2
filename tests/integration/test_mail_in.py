"""Mail-in against a real IMAP server (Debian dovecot-imapd, scripts/services/dovecot.sh) and the real
SMTP server (aiosmtpd, scripts/services/smtp.sh): units answer the form mail with their file, the
waiting round reads the agency's mailbox and replies within the same poll."""

from __future__ import annotations

import asyncio
import email.policy
import imaplib
import json
import threading
import time
from datetime import UTC, datetime
from email.message import EmailMessage

import pytest
import yaml

from tests.airflow.approvals import run_approved
from tests.conftest import ROOT
from tests.core.test_unit_forms import fill
from tests.integration.conftest import IMAP_PORT, MAILBOX, MAILBOX_PASSWORD
from tests.integration.test_unit_mail import as_servers_expect, attachments, subject
from tests.synthetic_agency import make_agencies

pytestmark = pytest.mark.imap
SMTP_PORT = 8025
PASSWORD = MAILBOX_PASSWORD


def imap() -> imaplib.IMAP4:
    client = imaplib.IMAP4("127.0.0.1", IMAP_PORT)
    client.login(MAILBOX, PASSWORD)
    return client


def deliver(raw: bytes) -> None:
    """Put a message into the ITA mailbox, as the agency's mail server does when it arrives."""
    client = imap()
    try:
        typ, data = client.append("INBOX", None, None, raw)
        assert typ == "OK", data
    finally:
        client.logout()


def empty_mailbox() -> None:
    client = imap()
    try:
        client.select("INBOX")
        typ, data = client.search(None, "ALL")
        for num in (data[0] or b"").split():
            client.store(num, "+FLAGS", "(\\Deleted)")
        client.expunge()
    finally:
        client.logout()


@pytest.fixture
def town(tmp_path, data_root, smtp_maildir, imap_server, monkeypatch):
    """test-town with an ITA mailbox, its current round waiting (due in 5 days), SMTP and IMAP
    connections as the README sets them up; yields (agencies dir, round, the SMTP server's Maildir)."""
    import mailbox

    from ita_monitor.model.rounds import DEFAULT_ROUNDS, latest_round_before

    now = datetime.now(UTC)
    rnd = latest_round_before(now, DEFAULT_ROUNDS)
    agencies = tmp_path / "agencies"
    make_agencies(
        agencies,
        fiscal_year=rnd.fiscal_year,
        units=3,
        measures=4,
        grace_days=(now - rnd.end_at()).days + 5,
        reminder_days=0,
    )
    profile = agencies / "test-town" / "agency.yaml"
    doc = yaml.safe_load(profile.read_text())
    doc["mail_in"] = {"conn_id": "ita_imap_test_town", "address": MAILBOX}
    doc["units"][1]["senders"] = ["clerk.u1@gmail.example"]
    profile.write_text(yaml.safe_dump(doc, allow_unicode=True))
    monkeypatch.setenv("AIRFLOW__ITA__AGENCIES_DIR", str(agencies))
    monkeypatch.setenv(
        "AIRFLOW_CONN_ITA_IMAP_TEST_TOWN",
        json.dumps(
            {
                "conn_type": "imap",
                "host": "127.0.0.1",
                "port": IMAP_PORT,
                "login": MAILBOX,
                "password": PASSWORD,
                "extra": {"use_ssl": False},
            }
        ),
    )
    monkeypatch.setenv(
        "AIRFLOW_CONN_ITA_SMTP",
        json.dumps(
            {
                "conn_type": "smtp",
                "host": "127.0.0.1",
                "port": SMTP_PORT,
                "extra": {"disable_tls": True, "disable_ssl": True, "from_email": MAILBOX, "timeout": 10},
            }
        ),
    )
    sent = mailbox.Maildir(smtp_maildir, create=False)
    for key in list(sent.keys()):
        sent.remove(key)
    empty_mailbox()
    return agencies, rnd, sent


def answer(form_mail, sender: str, files: dict[str, bytes], message_id: str) -> bytes:
    """A unit's answer to the form mail, as a mail client writes it (Reply-To honoured)."""
    msg = EmailMessage()
    msg["From"] = f"กองทดสอบ <{sender}>"
    msg["To"] = form_mail["Reply-To"]
    msg["Subject"] = "Re: " + subject(form_mail)
    msg["Message-ID"] = message_id
    msg["In-Reply-To"] = form_mail["Message-ID"] or "<form@x>"
    msg.set_content("ส่งแบบรายงานผลตามที่แนบมา")
    for name, data in files.items():
        msg.add_attachment(
            data,
            maintype="application",
            subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            filename=name,
        )
    return msg.as_bytes(policy=email.policy.SMTP)  # CRLF, as it travels


def plain_workbook() -> bytes:
    """Some workbook that is no form of ours (no form reference)."""
    import io

    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(["รหัสมาตรการ", "รายละเอียดการดำเนินงาน"])
    wb.active.append(["M1", "ทำแล้ว"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def replies(sent) -> dict[str, object]:
    """Replies in the SMTP server's Maildir, by recipient."""
    out = {}
    for msg in sent:
        if subject(msg).startswith("[ITA]"):
            out[msg["To"]] = msg
    return out


def html_of(msg) -> str:
    part = next(p for p in msg.walk() if p.get_content_type() == "text/html")
    return part.get_payload(decode=True).decode("utf-8")


def first_event(trigger) -> dict:
    async def run():
        agen = trigger.run()
        try:
            return (await asyncio.wait_for(agen.__anext__(), 60)).payload
        finally:
            await agen.aclose()

    return asyncio.run(run())


def test_units_answer_by_mail_and_hear_back_within_the_poll(town, data_root):
    from airflow.sdk.exceptions import TaskDeferred

    from ita_monitor.airflow_layer.mail import send
    from ita_monitor.airflow_layer.waiting import SubmissionsTrigger, WaitForSubmissionsOperator, load_job
    from ita_monitor.intake.mail_store import quarantined
    from ita_monitor.intake.notify import open_round

    agencies, rnd, sent = town
    job = load_job("test-town", rnd.fiscal_year, rnd.months)
    send(job, open_round(job))  # the round opens: each unit gets its form, Reply-To the ITA mailbox
    forms = {m["To"]: m for m in sent}
    assert sorted(forms) == ["u0@test-town.example", "u1@test-town.example", "u2@test-town.example"]
    assert {m["Reply-To"] for m in forms.values()} == {MAILBOX}
    as_servers_expect(forms.values())
    assert MAILBOX in html_of(forms["u0@test-town.example"])
    form = {
        to: data for to, m in forms.items() for name, data in attachments(m).items() if name.endswith(".xlsx")
    }

    u0 = answer(
        forms["u0@test-town.example"],
        "u0@test-town.example",
        {"u0.xlsx": fill(form["u0@test-town.example"])},
        "<u0-1@test-town.example>",
    )
    deliver(u0)
    # u2 sends the form back without filling it in
    deliver(
        answer(
            forms["u2@test-town.example"],
            "u2@test-town.example",
            {"blank.xlsx": form["u2@test-town.example"]},
            "<u2-1@test-town.example>",
        )
    )
    # someone unknown sends some workbook
    deliver(
        answer(
            forms["u1@test-town.example"],
            "stranger@elsewhere.example",
            {"x.xlsx": plain_workbook()},
            "<spam-1@elsewhere.example>",
        )
    )
    deliver(u0)  # the same message again (a client's resend, a copy in two folders...)

    # the real trigger, as the triggerer runs it, wakes the task for the mail
    trigger = SubmissionsTrigger(
        "test-town", rnd.fiscal_year, rnd.months, poll_seconds=3600, mail_poll_seconds=1
    )
    assert first_event(trigger) == {"status": "mail", "reminded": False}
    op = WaitForSubmissionsOperator(task_id="wait_for_submissions", slug="test-town", mail_poll_seconds=1)
    started = time.monotonic()
    with pytest.raises(TaskDeferred) as deferred:  # u1 still missing: it waits again
        op._step(rnd.fiscal_year, rnd.months, reminded=False)
    assert time.monotonic() - started < 10
    assert deferred.value.trigger.mail_poll_seconds == 1

    got = replies(sent)
    assert sorted(got) == ["u0@test-town.example", "u2@test-town.example"]  # nobody answers a stranger
    ok = got["u0@test-town.example"]
    assert subject(ok).startswith("[ITA] ได้รับแล้ว / accepted: Re: ")
    assert ok["In-Reply-To"] == "<u0-1@test-town.example>"
    # the reply threads on the unit's message, which answered the form mail
    assert ok["References"].split() == [
        forms["u0@test-town.example"]["Message-ID"],
        "<u0-1@test-town.example>",
    ]
    as_servers_expect(list(sent))
    body = html_of(ok)
    assert "u0.xlsx</b>: รับแล้ว" in body and "accepted for unit u0" in body
    assert "M1 – ดำเนินการแล้ว" in body and "M4 – ดำเนินการแล้ว" in body
    bad = html_of(got["u2@test-town.example"])
    assert subject(got["u2@test-town.example"]).startswith("[ITA] มีปัญหาที่ต้องแก้ / problems found")
    assert "blank.xlsx</b>: ยังรับไม่ได้" in bad
    assert "no row has results filled in: fill in at least one measure and send again" in bad

    manifest = data_root / "test-town" / str(rnd.fiscal_year) / rnd.slug / "received" / "manifest.json"
    received = json.loads(manifest.read_text())
    assert [(v["unit"], v["version"], v["name"]) for v in received["versions"]] == [
        ("u0", 1, "u0.xlsx"),
        ("u2", 1, "blank.xlsx"),
    ]
    mail = data_root / "test-town" / "mail"
    archived = sorted(mail.glob("archive/*/*.eml"))
    assert len(archived) == 3  # the same bytes twice are one archived message
    import hashlib

    assert all(hashlib.sha256(p.read_bytes()).hexdigest() == p.stem for p in archived)
    assert hashlib.sha256(u0).hexdigest() in {p.stem for p in archived}  # kept unchanged
    assert len(list((mail / "messages").glob("*.json"))) == 3
    q = quarantined(job.data, "test-town")
    assert [(x["sender"], x["files"]) for x in q] == [("stranger@elsewhere.example", ["x.xlsx"])]
    assert (data_root / "test-town" / q[0]["kept_as"]).exists()

    # u1's clerk answers from an address listed in agency.yaml, with a CSV of its own
    csv = "รหัสมาตรการ,รายละเอียดการดำเนินงาน,ระยะเวลาการดำเนินงาน,ผลผลิต,ผลลัพธ์\nM2,ทำแล้ว,ตุลาคม,ประกาศ,รายงาน\n"
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "clerk.u1@gmail.example", MAILBOX, "ผลกองทดสอบที่ 1"
    msg["Message-ID"] = "<u1-1@gmail.example>"
    msg.set_content("แนบไฟล์")
    msg.add_attachment(csv.encode("utf-8"), maintype="text", subtype="csv", filename="ผลรอบนี้.csv")
    deliver(msg.as_bytes())
    # and u2 answers again, with the form filled in this time
    deliver(
        answer(
            forms["u2@test-town.example"],
            "u2@test-town.example",
            {"filled.xlsx": fill(form["u2@test-town.example"])},
            "<u2-2@test-town.example>",
        )
    )
    assert first_event(trigger) == {"status": "mail", "reminded": False}
    summary = op._step(rnd.fiscal_year, rnd.months, reminded=False)  # every unit is in: done waiting
    assert summary["complete"] is True
    assert "clerk.u1@gmail.example" in replies(sent)
    assert first_event(trigger) == {"status": "complete", "reminded": False}
    as_servers_expect(list(sent))
    assert len(list((mail / "messages").glob("*.json"))) == 5
    assert sorted((v["unit"], v["version"]) for v in json.loads(manifest.read_text())["versions"]) == [
        ("u0", 1),
        ("u1", 1),
        ("u2", 1),
        ("u2", 2),
    ]
    inbox = manifest.parent.parent / "inbox"  # the same way in as an upload
    assert sorted(p.relative_to(inbox).as_posix() for p in inbox.rglob("*.*")) == [
        "u0/u0.xlsx",
        "u1/ผลรอบนี้.csv",
        "u2/blank.xlsx",
        "u2/filled.xlsx",
    ]


@pytest.mark.airflow
def test_a_round_waits_on_the_mailbox_and_goes_on_to_publish_when_the_last_unit_answers(
    airflow_db, town, data_root, monkeypatch
):
    """dag.test: the deferred wait polls the mailbox through the real trigger (every second here),
    wakes for each answer, replies, and the round goes on to its report once every unit is in."""
    from airflow.dag_processing.dagbag import DagBag

    agencies, rnd, sent = town
    monkeypatch.setenv("AIRFLOW__ITA__MAIL_POLL_SECONDS", "1")
    monkeypatch.setenv("AIRFLOW__ITA__SUBMISSION_POLL_SECONDS", "2")
    dag = DagBag(dag_folder=str(ROOT / "dags")).dags["ita_round__test-town"]
    answered: list[str] = []
    events: list[dict] = []  # what the trigger fired, recorded on the way through
    from ita_monitor.airflow_layer.waiting import SubmissionsTrigger

    real_run = SubmissionsTrigger.run

    async def recorded(self):
        async for event in real_run(self):
            events.append(event.payload)
            yield event

    monkeypatch.setattr(SubmissionsTrigger, "run", recorded)

    def units_answer():
        try:
            deadline = time.monotonic() + 120
            while len(sent) < 3 and time.monotonic() < deadline:  # the forms go out when the round opens
                time.sleep(0.2)
            forms = {m["To"]: m for m in sent}
            for n in range(3):
                if n == 2:
                    time.sleep(4)  # the last one comes while the task is deferred
                to = f"u{n}@test-town.example"
                data = next(d for name, d in attachments(forms[to]).items() if name.endswith(".xlsx"))
                deliver(answer(forms[to], to, {f"u{n}.xlsx": fill(data)}, f"<dag-{n}@test-town.example>"))
                answered.append(to)
        finally:
            if len(answered) < 3:  # something broke: let the round end (dag.test ignores signals); the
                # assertions below then fail instead of the test waiting for the due date
                for n in range(3):
                    folder = data_root / "test-town" / str(rnd.fiscal_year) / rnd.slug / "inbox" / f"u{n}"
                    folder.mkdir(parents=True, exist_ok=True)
                    (folder / "m.json").write_text(
                        json.dumps(
                            [
                                {
                                    "code": f"M{k}",
                                    "details": "x",
                                    "period": "y",
                                    "output": "z",
                                    "outcome": "w",
                                }
                                for k in (n + 1, n + 4)
                                if k <= 4
                            ]
                        )
                    )

    helper = threading.Thread(target=units_answer, daemon=True)
    helper.start()
    run = run_approved(dag, run_conf={"fiscal_year": rnd.fiscal_year, "round": rnd.months})
    helper.join(5)
    states = {ti.task_id: str(ti.state) for ti in run.get_task_instances()}
    assert run.state == "success", states
    assert len(answered) == 3
    got = replies(sent)
    assert sorted(got) == [f"u{n}@test-town.example" for n in range(3)]
    assert all(subject(m).startswith("[ITA] ได้รับแล้ว / accepted") for m in got.values())
    status = json.loads(
        (data_root / "test-town" / str(rnd.fiscal_year) / rnd.slug / "status.json").read_text()
    )
    assert status["completeness"]["complete"]
    assert {"status": "mail", "reminded": False} in events  # woken by the trigger for the mail


def with_ref(workbook: bytes, ref: str) -> bytes:
    """The workbook with another form reference (``รหัสแบบฟอร์ม``, cell I2), as last year's form has."""
    import io

    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(workbook))
    wb.worksheets[0]["I2"] = ref
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def text_of(msg) -> str:
    part = next(p for p in msg.walk() if p.get_content_type() == "text/plain")
    return part.get_payload(decode=True).decode("utf-8")


def test_last_years_form_is_answered_and_quarantined_and_a_late_file_is_answered_as_late(town, data_root):
    """A unit answers with last year's form: told which form it is and which round is open, the file
    kept in quarantine, not filed.  After the round failed, a file is taken and answered as late."""
    from ita_monitor.airflow_layer.mail import send
    from ita_monitor.airflow_layer.mailin import read_mailbox
    from ita_monitor.airflow_layer.waiting import load_job
    from ita_monitor.intake.mail_store import late_files, quarantined
    from ita_monitor.intake.notify import open_round
    from ita_monitor.model.rounds import Round
    from ita_monitor.model.status import update_round

    agencies, rnd, sent = town
    job = load_job("test-town", rnd.fiscal_year, rnd.months)
    send(job, open_round(job))
    forms = {m["To"]: m for m in sent}
    u0 = forms["u0@test-town.example"]
    form = next(d for name, d in attachments(u0).items() if name.endswith(".xlsx"))
    last_year = Round(rnd.fiscal_year - 1, 6)
    issued = data_root / "test-town" / str(last_year.fiscal_year) / last_year.slug / "outbox" / "u0"
    issued.mkdir(parents=True)
    (issued / f".ita-{last_year.fiscal_year}-{last_year.slug}-u0.xlsx.key").write_text(
        "k"
    )  # it was mailed then
    old = with_ref(fill(form), f"ita:test-town/{last_year.fiscal_year}/round-06/u0")
    deliver(answer(u0, "u0@test-town.example", {"old.xlsx": old}, "<old-1@test-town.example>"))
    read_mailbox(job)

    got = replies(sent)
    stale = got["u0@test-town.example"]
    assert subject(stale).startswith("[ITA] แบบฟอร์มของรอบที่ปิดแล้ว / the form of a closed round")
    text = text_of(stale)
    fy_th = str(last_year.fiscal_year).translate(str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙"))
    assert f"เป็นแบบฟอร์มของปีงบประมาณ {fy_th} รอบ ๖ เดือน ซึ่งปิดแล้ว รอบปัจจุบันคือ ปีงบประมาณ" in text
    assert (
        f"this is the form of FY {last_year.fiscal_year} round 6 months, which is over; the current round is FY {rnd.fiscal_year} round {rnd.months} months"
        in text
    )
    (q,) = quarantined(job.data, "test-town")
    assert (
        q["message_id"] == "<old-1@test-town.example>" and (data_root / "test-town" / q["kept_as"]).exists()
    )
    round_dir = data_root / "test-town" / str(rnd.fiscal_year) / rnd.slug
    assert not (round_dir / "inbox" / "u0").exists()  # not filed into this round
    assert not (issued.parent.parent / "inbox").exists()  # nor into last year's

    # the round failed (its due date passed with gaps); a file that comes now is taken, late
    update_round(job.data, "test-town", rnd, state="failed")
    u1 = forms["u1@test-town.example"]
    form1 = next(d for name, d in attachments(u1).items() if name.endswith(".xlsx"))
    deliver(answer(u1, "u1@test-town.example", {"u1.xlsx": fill(form1)}, "<late-1@test-town.example>"))
    read_mailbox(job)
    late = replies(sent)["u1@test-town.example"]
    assert subject(late).startswith("[ITA] ได้รับหลังกำหนด / received late")
    assert (
        "ได้รับหลังกำหนด: ผู้ดูแลระบบจะดำเนินการรอบนี้ใหม่ / received late: the admin will rerun the round."
        in text_of(late)
    )
    assert [(f["unit"], f["file"]) for f in late_files(job.data, "test-town", rnd)] == [("u1", "u1.xlsx")]
    assert (round_dir / "inbox" / "u1" / "u1.xlsx").exists()
    as_servers_expect(list(sent))
