"""Mail-in core: messages as bytes in, versions, records, quarantine and replies out (no servers)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from email.message import EmailMessage

import yaml

from ita_monitor.flow.pipeline import RoundJob
from ita_monitor.intake.mail_message import find_ref
from ita_monitor.intake.mail_store import late_files, pending_replies, quarantined, reply_sent
from ita_monitor.intake.mailin import process_message
from ita_monitor.intake.notify import open_round
from ita_monitor.model.config import AgenciesDir
from ita_monitor.model.rounds import Round
from ita_monitor.model.storage import DataRoot
from tests.core.test_unit_forms import fill
from tests.synthetic_agency import make_agencies

RND = Round(2565, 12)
ON_TIME = datetime(2022, 10, 3, 3, 0, tzinfo=UTC)  # before round 12 of 2565 is due (15 October 2022)


def setup(tmp_path):
    agencies = make_agencies(tmp_path / "agencies", units=2, measures=2)
    profile = agencies / "test-town" / "agency.yaml"
    doc = yaml.safe_load(profile.read_text())
    doc["mail_in"] = {"conn_id": "ita_imap", "address": "ita@test-town.example"}
    doc["units"][1]["senders"] = ["Clerk@Mail.example"]
    profile.write_text(yaml.safe_dump(doc, allow_unicode=True))
    data = DataRoot(tmp_path / "data")
    job = RoundJob.load(AgenciesDir(agencies), "test-town", RND, data)
    mails = open_round(job)
    forms = {m.unit: (data.round_dir("test-town", RND) / m.attachments[0]).read_bytes() for m in mails}
    return AgenciesDir(agencies), job, forms


def message(sender: str, files: dict[str, bytes], mid: str) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"], msg["Message-ID"] = sender, "ita@test-town.example", "ส่งผล", mid
    msg.set_content("แนบ")
    for name, data in files.items():
        msg.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    return msg.as_bytes()


def test_a_form_finds_its_round_and_unit_by_the_reference_it_carries(tmp_path):
    agencies, job, forms = setup(tmp_path)
    assert find_ref("f.xlsx", forms["u1"]).unit == "u1"
    # sent from an address nobody listed, to be processed in no waiting round: the form says where
    raw = message("someone@else.example", {"แบบ.xlsx": fill(forms["u1"])}, "<a@x>")
    out = process_message(job.data, agencies, job.agency, raw, waiting=None, now=ON_TIME)
    assert (
        out.state == "accepted"
        and not out.files[0].late
        and out.files[0].matched
        == {
            "fiscal_year": 2565,
            "months": 12,
            "unit": "u1",
            "by": "form",
        }
    )
    assert [r["measure"] for r in out.files[0].rows] == ["M2"] and out.files[0].missing == []
    assert out.reply["to"] == "someone@else.example" and "แบบ.xlsx</b>: รับแล้ว" in out.reply["html"]
    archived = job.data.root / "test-town" / out.archived_as
    assert archived.read_bytes() == raw and archived.stem == hashlib.sha256(raw).hexdigest()
    assert [r["key"] for r in pending_replies(job.data, "test-town")] == [out.key]
    reply_sent(job.data, "test-town", out.key)
    assert pending_replies(job.data, "test-town") == []
    # the same Message-ID again changes nothing
    again = process_message(job.data, agencies, job.agency, raw, waiting=None, now=ON_TIME)
    assert again.state == "duplicate" and pending_replies(job.data, "test-town") == []


def test_a_listed_sender_counts_for_the_waiting_round_and_a_stranger_is_quarantined(tmp_path):
    agencies, job, _ = setup(tmp_path)
    csv = "รหัสมาตรการ,รายละเอียดการดำเนินงาน,ระยะเวลาการดำเนินงาน,ผลผลิต,ผลลัพธ์\nM2,ทำแล้ว,ตุลาคม,ประกาศ,รายงาน\n"
    raw = message("Clerk <clerk@mail.EXAMPLE>", {"r.csv": csv.encode()}, "<b@x>")
    out = process_message(job.data, agencies, job.agency, raw, waiting=RND)
    assert out.state == "accepted" and out.files[0].matched["by"] == "sender"
    assert out.files[0].matched["unit"] == "u1"

    stranger = message("x@spam.example", {"r.csv": csv.encode()}, "<c@x>")
    q = process_message(job.data, agencies, job.agency, stranger, waiting=RND)
    assert q.state == "quarantined" and q.reply is None
    (listed,) = quarantined(job.data, "test-town")
    assert listed["sender"] == "x@spam.example" and "unknown sender" in listed["reason"]
    assert (job.data.root / "test-town" / listed["kept_as"]).read_bytes() == stranger
    versions = (job.data.round_dir("test-town", RND) / "received" / "manifest.json").read_text()
    assert versions.count('"unit": "u1"') == 1  # the quarantined file was never taken in

    # a listed sender without a file gets told so
    empty = process_message(job.data, agencies, job.agency, message("u0@test-town.example", {}, "<d@x>"), RND)
    assert empty.state == "problems" and "No file was attached" in empty.reply["html"]


def test_a_message_that_cannot_be_processed_is_quarantined_not_lost(tmp_path):
    from ita_monitor.intake.mailin import quarantine_unreadable

    _, job, _ = setup(tmp_path)
    raw = message("u0@test-town.example", {"a.xlsx": b"PK\x03\x04broken"}, "<e@x>")
    out = quarantine_unreadable(job.data, "test-town", raw, "ValueError: boom")
    (listed,) = quarantined(job.data, "test-town")
    assert listed["files"] == ["a.xlsx"] and "boom" in listed["reason"]
    assert (job.data.root / "test-town" / out.archived_as).read_bytes() == raw


def test_last_years_form_is_answered_with_the_current_round_and_kept_in_quarantine(tmp_path):
    agencies, job, forms = setup(tmp_path)
    current = Round(2566, 3)  # a round of the next fiscal year is waiting
    raw = message("u1@test-town.example", {"แบบ.xlsx": fill(forms["u1"])}, "<old@x>")
    out = process_message(
        job.data, agencies, job.agency, raw, waiting=current, now=datetime(2022, 12, 20, tzinfo=UTC)
    )
    assert out.state == "quarantined" and out.files[0].matched is None
    assert out.files[0].stale == {"fiscal_year": 2565, "months": 12, "unit": "u1"}
    assert (
        "แบบฟอร์มของปีงบประมาณ ๒๕๖๕ รอบ ๑๒ เดือน ซึ่งปิดแล้ว รอบปัจจุบันคือ ปีงบประมาณ ๒๕๖๖ รอบ ๓ เดือน"
        in out.reply["text"]
    )
    assert (
        "this is the form of FY 2565 round 12 months, which is over; the current round is FY 2566 round 3 months"
        in out.reply["text"]
    )
    assert (job.data.root / "test-town" / "mail" / "quarantine" / f"{out.sha256}.eml").exists()
    assert [q["message_id"] for q in quarantined(job.data, "test-town")] == ["<old@x>"]
    assert not (job.data.round_dir("test-town", RND) / "inbox" / "u1").exists()  # not filed
    assert [r["key"] for r in pending_replies(job.data, "test-town")] == [out.key]  # but answered


def test_a_file_after_the_due_date_is_taken_and_answered_as_late(tmp_path):
    agencies, job, forms = setup(tmp_path)
    raw = message("u1@test-town.example", {"แบบ.xlsx": fill(forms["u1"])}, "<late@x>")
    # the round is still waited for (cleared by the admin), three days after its due date
    out = process_message(
        job.data, agencies, job.agency, raw, waiting=RND, now=datetime(2022, 10, 18, tzinfo=UTC)
    )
    assert out.state == "accepted" and out.files[0].late and out.files[0].version == 1
    assert out.reply["subject"].startswith("[ITA] ได้รับหลังกำหนด / received late")
    assert (
        "ได้รับหลังกำหนด: ผู้ดูแลระบบจะดำเนินการรอบนี้ใหม่ / received late: the admin will rerun the round."
        in out.reply["text"]
    )
    assert "รับแล้ว ✔" not in out.reply["html"]
    assert [f["file"] for f in late_files(job.data, "test-town", RND)] == ["แบบ.xlsx"]


def test_a_caught_up_round_takes_a_mailed_form_on_time_until_its_new_last_day(tmp_path):
    """``ita-monitor run-round --due``: a past round opened again with a new last day to submit (its
    status records when the wait ends).  A form mailed back after the schedule's due date but before the
    new one is taken on time: not stale, not late, whether the round is the one waited for or not."""
    from datetime import date

    from ita_monitor.flow.pipeline import mark_waiting

    agencies = make_agencies(tmp_path / "agencies", units=2, measures=2)
    data = DataRoot(tmp_path / "data")
    job = RoundJob.load(AgenciesDir(agencies), "test-town", RND, data, due=date(2022, 11, 30))
    forms = {
        m.unit: (data.round_dir("test-town", RND) / m.attachments[0]).read_bytes() for m in open_round(job)
    }
    mark_waiting(data, job.agency, RND, job.due_at.isoformat(), job.due)  # as the round's task does
    after_schedule = datetime(2022, 11, 20, 3, tzinfo=UTC)  # in fiscal year 2566, before the new last day
    assert after_schedule > RND.due_at(job.agency.schedule.grace_days)
    for waiting, mid in ((RND, "<caught-up-1@x>"), (None, "<caught-up-2@x>")):
        raw = message("u1@test-town.example", {"แบบ.xlsx": fill(forms["u1"])}, mid)
        out = process_message(
            data, AgenciesDir(agencies), job.agency, raw, waiting=waiting, now=after_schedule
        )
        assert out.state == "accepted" and not out.files[0].late, (waiting, out)
        assert "รับแล้ว" in out.reply["html"]
    assert late_files(data, "test-town", RND) == []
    # after the new last day, it is late again
    raw = message("u1@test-town.example", {"แบบ.xlsx": fill(forms["u1"]) + b""}, "<caught-up-3@x>")
    out = process_message(
        data, AgenciesDir(agencies), job.agency, raw, waiting=RND, now=datetime(2022, 12, 2, tzinfo=UTC)
    )
    assert out.files[0].late
