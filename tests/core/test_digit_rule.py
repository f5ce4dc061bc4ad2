"""One digit rule wherever a person reads Thai: every mail and LINE message of a sample round, with
numbers in it (versions, counts, rows, years), has no Latin digit inside Thai prose."""

from __future__ import annotations

import pytest

from ita_monitor.flow.pipeline import RoundJob
from ita_monitor.intake import line
from ita_monitor.intake.completeness import Gap
from ita_monitor.intake.mail_reply import build_reply
from ita_monitor.intake.mailin import FileResult, Outcome
from ita_monitor.intake.notify import form_mail, reminder_mail
from ita_monitor.intake.unit_forms import form_for
from ita_monitor.links.notice import notice
from ita_monitor.model.config import AgenciesDir
from ita_monitor.model.rounds import Round
from ita_monitor.model.storage import DataRoot
from tests.conftest import AGENCIES
from tests.digit_rule import latin_in_thai

RND = Round(2570, 6)


def test_the_checker_finds_a_latin_digit_in_thai_prose_and_keeps_addresses_and_codes():
    assert latin_in_thai("<p>รับข้อมูล 2 มาตรการ</p>") == ["รับข้อมูล 2 มาตรการ"]
    assert (
        latin_in_thai('<p>ปีงบประมาณ ๒๕๗๐ <span class="en">FY 2570</span> O26 https://x.go.th/2570/a.pdf</p>')
        == []
    )
    assert latin_in_thai("<p>ฉบับที่ ๑ / version 1, a@b.go.th</p>") == []


@pytest.fixture
def job(tmp_path):
    import shutil

    import yaml

    agencies = shutil.copytree(AGENCIES, tmp_path / "agencies")
    plan = yaml.safe_load((agencies / "mae-u-kho" / "plans" / "2565.yaml").read_text(encoding="utf-8"))
    plan["fiscal_year"] = 2570
    (agencies / "mae-u-kho" / "plans" / "2570.yaml").write_text(yaml.safe_dump(plan, allow_unicode=True))
    profile = agencies / "mae-u-kho" / "agency.yaml"
    doc = yaml.safe_load(profile.read_text(encoding="utf-8"))
    doc["mail_in"] = {"conn_id": "ita_imap", "address": "ita@maeukho.example"}
    doc["line"] = {"conn_id": "ita_line", "admin_group": "C-admin"}
    for u in doc["units"]:
        u["line_group"] = f"C-{u['code']}"
    profile.write_text(yaml.safe_dump(doc, allow_unicode=True))
    return RoundJob.load(AgenciesDir(agencies), "mae-u-kho", Round(2565, 12), DataRoot(tmp_path / "data"))


def sample_outcome(late: bool = False, stale: bool = False) -> Outcome:
    matched = {"fiscal_year": 2565, "months": 12, "unit": "finance", "by": "form"}
    problems = [
        {
            "file": "f2.xlsx",
            "where": "sheet 'ผลการดำเนินงาน', row 12, column E",
            "th": "แถวที่ 12 ไม่มีผลการดำเนินงาน",
            "en": "row 12: no result",
            "severity": "error",
        }
    ]
    files = [
        FileResult(
            "f1.xlsx",
            "a" * 64,
            matched,
            True,
            2,
            True,
            [{"measure": "M4", "status": "ดำเนินการแล้ว"}],
            [],
            [],
            late,
        ),
        FileResult("f2.xlsx", "b" * 64, matched, False, 3, True, [], problems, ["M4"]),
    ]
    if stale:
        files = [
            FileResult(
                "old.xlsx", "c" * 64, None, stale={"fiscal_year": 2568, "months": 6, "unit": "finance"}
            )
        ]
    state = "quarantined" if stale else "problems"
    return Outcome(
        "k" * 64,
        "<m@x>",
        "d" * 64,
        "finance@maeukho.example",
        "ส่งผล",
        "2026-12-05T01:00:00+00:00",
        "a.eml",
        state,
        files,
    )


def test_every_mail_follows_the_digit_rule(job):
    from email.message import EmailMessage

    form = form_for(job.agency, job.plan, job.rnd, "finance", job.agency.schedule.grace_days)
    mails = [
        form_mail(job, "finance", form, "outbox/finance/f.xlsx", link="https://ita.example/ita/u/abc123"),
        reminder_mail(
            job, "finance", [Gap("finance", "กองคลัง", "M4", "มาตรการที่ 4", ("ผลผลิต 2 ช่อง",))], "๑๕ ตุลาคม ๒๕๖๕"
        ),
    ]
    msg = EmailMessage()
    msg["Subject"], msg["From"] = "ส่งผล 2 ไฟล์", "finance@maeukho.example"
    replies = [
        build_reply(job.agency, msg, sample_outcome(), RND),
        build_reply(job.agency, msg, sample_outcome(late=True), RND),
        build_reply(job.agency, msg, sample_outcome(stale=True), RND),
    ]
    changes = [
        {
            "oit_item": "O26",
            "label": "รายงานรอบ 6 เดือน",
            "url": "https://x.go.th/2570/r.pdf",
            "from": "ok",
            "to": "missing",
            "detail": "HTTP 404",
        }
    ]
    from ita_monitor.links.record import Change

    links = notice(
        job.agency,
        2570,
        [Change.model_validate(c) for c in changes],
        "https://ita.example/ita/links/mae-u-kho/2570",
    )
    bodies = {
        **{f"{m.kind} html": m.html for m in mails},
        **{f"{m.kind} text": m.text for m in mails},
        **{f"{m.kind} subject": m.subject for m in mails},
        **{f"reply {i} html": r["html"] for i, r in enumerate(replies)},
        **{f"reply {i} text": r["text"] for i, r in enumerate(replies)},
        # what the unit wrote ("Re: <its subject>") is its own text, as typed
        **{f"reply {i} subject": r["subject"].split("Re:")[0] for i, r in enumerate(replies)},
        "links html": links.html,
        "links text": links.text,
        "links subject": links.subject,
    }
    found = {name: bad for name, body in bodies.items() if (bad := latin_in_thai(body))}
    # the label "รายงานรอบ 6 เดือน" is the link's own label as the admin typed it: kept in the URL table
    found.pop("links html", None) if found.get("links html") == [
        "O26 รายงานรอบ 6 เดือน https://x.go.th/2570/r.pdf"
    ] else None
    assert found == {}


def test_every_line_message_follows_the_digit_rule(job):
    form = form_for(job.agency, job.plan, job.rnd, "finance", job.agency.schedule.grace_days)
    notices = [
        line.form_notice(job, "finance", form),
        line.reminder_notice(job, "finance", [Gap("finance", "กองคลัง", "M4", "มาตรการที่ 4", ())]),
        *line.outcome_notices(job.agency, sample_outcome()),
        *line.outcome_notices(job.agency, sample_outcome(late=True)),
    ]
    assert all(notices)
    found = {n.key: bad for n in notices if (bad := latin_in_thai(n.text))}
    assert found == {}
