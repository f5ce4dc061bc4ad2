"""Forms and reminders mailed to units through a real SMTP server (aiosmtpd, started by the project's
script on 127.0.0.1:8025) and read back from its Maildir."""

from __future__ import annotations

import asyncio
import email.header
import json
from datetime import UTC, datetime

import openpyxl
import pytest

from ita_monitor.model.names import ROUND_TASK
from tests.airflow.approvals import run_approved
from tests.conftest import ROOT
from tests.core.test_unit_forms import fill, libreoffice_round_trip
from tests.synthetic_agency import make_agencies

pytestmark = pytest.mark.smtp

CONF = {"fiscal_year": 2565, "round": 12}


def subject(msg) -> str:
    return str(email.header.make_header(email.header.decode_header(msg["Subject"])))


def attachments(msg) -> dict[str, bytes]:
    return {
        part.get_filename(): part.get_payload(decode=True)
        for part in msg.walk()
        if part.get_filename() is not None
    }


def as_servers_expect(messages, domain: str = "test-town.example") -> None:
    """Every mail the SMTP server received: a Message-ID on the agency's domain, a Date, a text/plain
    part beside the HTML, and the form as a workbook (not application/octet-stream)."""
    from email.utils import parsedate_to_datetime

    assert messages
    for msg in messages:
        assert msg["Message-ID"] and msg["Message-ID"].strip("<>").endswith(f"@{domain}"), msg["Message-ID"]
        assert parsedate_to_datetime(msg["Date"]).tzinfo is not None
        types = [p.get_content_type() for p in msg.walk()]
        assert "multipart/alternative" in types and "text/plain" in types and "text/html" in types, types
        text = next(p for p in msg.walk() if p.get_content_type() == "text/plain").get_payload(decode=True)
        assert "<p>" not in text.decode("utf-8") and text.strip()
        for part in msg.walk():
            if (part.get_filename() or "").endswith(".xlsx"):
                assert (
                    part.get_content_type()
                    == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
                )
    assert len({m["Message-ID"] for m in messages}) == len(messages)


@pytest.mark.airflow
def test_the_round_mails_each_unit_its_form_once_and_the_returned_forms_complete_the_round(
    airflow_db, data_root, inbox_of_mail, tmp_path, monkeypatch
):
    from airflow.dag_processing.dagbag import DagBag

    monkeypatch.setenv("AIRFLOW__API__BASE_URL", "https://ita.example.test")  # the units' links start here

    dag = DagBag(dag_folder=str(ROOT / "dags")).dags["ita_round__mae-u-kho"]
    run = dag.test(run_conf=CONF)  # fails before any approval is asked
    states = {ti.task_id: str(ti.state) for ti in run.get_task_instances()}
    assert states == {ROUND_TASK: "failed"}  # the due date is past and nothing came in

    mails = {msg["To"]: msg for msg in inbox_of_mail}
    assert sorted(mails) == ["finance@maeukho.example", "palad@maeukho.example", "pr@maeukho.example"]
    palad = mails["palad@maeukho.example"]
    assert subject(palad) == ("แบบรายงานผลตามมาตรการส่งเสริมคุณธรรมและความโปร่งใส รอบ ๑๒ เดือน ปี ๒๕๖๕ – สำนักปลัด")
    assert palad["From"] == "ita@maeukho.example"
    as_servers_expect(list(inbox_of_mail), domain="maeukho.example")  # no mailbox: the sender's domain
    outbox = data_root / "mae-u-kho" / "2565" / "round-12" / "outbox"
    sent_form = attachments(palad)["ita-2565-round-12-palad.xlsx"]
    assert sent_form == (outbox / "palad" / "ita-2565-round-12-palad.xlsx").read_bytes()
    body = next(p for p in palad.walk() if p.get_content_type() == "text/html").get_payload(decode=True)
    assert "ภายในวันที่ ๑๕ ตุลาคม ๒๕๖๕" in body.decode("utf-8")  # the last day: 30 Sep + 15 days
    # the unit's own upload link, signed for palad's round 12 of 2565 (a page of its own: /ita/u/...)
    import re

    from ita_monitor.airflow_layer.websecurity import link_secret
    from ita_monitor.intake.unit_links import read_token

    href = re.search(
        r'<a href="(https://ita\.example\.test/ita/u/[^"]+)" id="unit-link">', body.decode()
    ).group(1)
    link = read_token(link_secret(), href.rsplit("/", 1)[1], now=datetime(2022, 10, 1, tzinfo=UTC))
    assert (link.scope.agency, link.scope.fiscal_year, link.scope.months, link.scope.unit) == (
        "mae-u-kho",
        2565,
        12,
        "palad",
    )
    ledger = json.loads((outbox / "sent.json").read_text())
    assert sorted(v["unit"] for v in ledger["sent"].values()) == ["finance", "palad", "pr"]

    # the units fill in the forms they got by mail (palad re-saves in LibreOffice) and send them back
    forms = {
        to.split("@")[0]: attachments(m)[f"ita-2565-round-12-{to.split('@')[0]}.xlsx"]
        for to, m in mails.items()
    }
    saved = libreoffice_round_trip(tmp_path, ("palad.xlsx", fill(forms["palad"])))
    inbox = data_root / "mae-u-kho" / "2565" / "round-12" / "inbox"
    for unit, data in (
        ("palad", saved["palad.xlsx"]),
        ("finance", fill(forms["finance"])),
        ("pr", fill(forms["pr"])),
    ):
        (inbox / unit).mkdir(parents=True)
        (inbox / unit / f"{unit}-returned.xlsx").write_bytes(data)
    assert openpyxl.load_workbook(inbox / "pr" / "pr-returned.xlsx").active["C6"].value == "ดำเนินการแล้ว"

    again = run_approved(dag, run_conf=CONF)
    assert again.state == "success", {ti.task_id: str(ti.state) for ti in again.get_task_instances()}
    assert len(inbox_of_mail) == 3  # the same forms are not mailed again
    status = json.loads((data_root / "mae-u-kho" / "2565" / "round-12" / "status.json").read_text())
    assert status["state"] == "published" and status["completeness"]["complete"]
    assert [(h["unit"], h["version"]) for h in status["history"]] == [("finance", 1), ("palad", 1), ("pr", 1)]


def _current_round_in_reminder_window(agencies_root):
    """A made-up agency whose latest round ended recently: due in about 5 days, reminders 10 days before."""
    from ita_monitor.model.rounds import DEFAULT_ROUNDS, latest_round_before

    now = datetime.now(UTC)
    rnd = latest_round_before(now, DEFAULT_ROUNDS)
    grace = (now - rnd.end_at()).days + 5
    make_agencies(
        agencies_root, fiscal_year=rnd.fiscal_year, units=3, measures=4, grace_days=grace, reminder_days=10
    )
    return rnd


def test_units_with_missing_items_are_reminded_once_before_the_due_date(
    data_root, inbox_of_mail, tmp_path, monkeypatch
):
    from airflow.sdk.exceptions import TaskDeferred

    from ita_monitor.airflow_layer.waiting import SubmissionsTrigger, WaitForSubmissionsOperator

    agencies = tmp_path / "agencies"
    rnd = _current_round_in_reminder_window(agencies)
    monkeypatch.setenv("AIRFLOW__ITA__AGENCIES_DIR", str(agencies))
    unit1 = data_root / "test-town" / str(rnd.fiscal_year) / rnd.slug / "inbox" / "u1"
    unit1.mkdir(parents=True)
    (unit1 / "u1.csv").write_text(
        "รหัสมาตรการ,รายละเอียดการดำเนินงาน,ระยะเวลาการดำเนินงาน,ผลผลิต,ผลลัพธ์\nM2,ทำแล้ว,ตุลาคม,ประกาศ,รายงาน\n",
        encoding="utf-8",
    )

    op = WaitForSubmissionsOperator(task_id="wait_for_submissions", slug="test-town", poll_seconds=60)
    with pytest.raises(TaskDeferred) as deferred:
        op._step(rnd.fiscal_year, rnd.months, reminded=False)
    trigger = deferred.value.trigger
    assert isinstance(trigger, SubmissionsTrigger) and trigger.reminded and trigger.poll_seconds == 60

    mails = {msg["To"]: msg for msg in inbox_of_mail}
    assert sorted(mails) == ["u0@test-town.example", "u2@test-town.example"]  # u1 has sent everything
    text = subject(mails["u0@test-town.example"])
    assert text.startswith(f"แจ้งเตือน: ยังไม่ได้รับรายงานผล {rnd.short_label_th}") and "กองทดสอบที่ 0" in text
    body = next(p for p in mails["u0@test-town.example"].walk() if p.get_content_type() == "text/html")
    html = body.get_payload(decode=True).decode("utf-8")
    assert "M1 มาตรการทดสอบที่ ๑" in html and "M4 มาตรการทดสอบที่ ๔" in html and "M2" not in html
    as_servers_expect(list(inbox_of_mail), domain="maeukho.example")  # the connection's from_email

    # woken again (e.g. by the poll): nobody is reminded twice
    with pytest.raises(TaskDeferred):
        op._step(rnd.fiscal_year, rnd.months, reminded=False)
    assert len(inbox_of_mail) == 2

    # the trigger, polled in an event loop as the triggerer does
    async def first_event(t):
        agen = t.run()
        try:
            return (await agen.__anext__()).payload
        finally:
            await agen.aclose()

    remind = SubmissionsTrigger("test-town", rnd.fiscal_year, rnd.months, reminded=False, poll_seconds=1)
    assert asyncio.run(first_event(remind)) == {"status": "remind", "reminded": False}
    for unit, code in (("u0", "M1"), ("u0", "M4"), ("u2", "M3")):
        folder = unit1.parent / unit
        folder.mkdir(exist_ok=True)
        (folder / f"{code}.json").write_text(
            json.dumps([{"code": code, "details": "x", "period": "y", "output": "z", "outcome": "w"}])
        )
    waiting = SubmissionsTrigger("test-town", rnd.fiscal_year, rnd.months, reminded=True, poll_seconds=1)
    assert asyncio.run(first_event(waiting)) == {"status": "complete", "reminded": True}
    assert not (unit1.parent.parent / "received").exists()  # polling stores nothing
