"""What is mailed to units, and that nothing identical is mailed twice (the ledger in outbox/sent.json)."""

from __future__ import annotations

from datetime import timedelta

import yaml

from ita_monitor.flow.pipeline import RoundJob
from ita_monitor.intake.completeness import check
from ita_monitor.intake.notify import open_round, record_sent, reminder_at, reminders
from ita_monitor.model.config import AgenciesDir
from ita_monitor.model.rounds import Round
from ita_monitor.model.storage import DataRoot
from tests.synthetic_agency import make_agencies

R6 = Round(2565, 6)


def job_for(tmp_path) -> RoundJob:
    return RoundJob.load(AgenciesDir(tmp_path / "agencies"), "test-town", R6, DataRoot(tmp_path / "data"))


def test_form_mails_go_once_and_again_only_when_the_form_changes(tmp_path):
    make_agencies(tmp_path / "agencies", units=2, measures=3)
    job = job_for(tmp_path)
    mails = open_round(job)
    assert [(m.unit, m.to, m.attachments) for m in mails] == [
        ("u0", ("u0@test-town.example",), ("outbox/u0/ita-2565-round-06-u0.xlsx",)),
        ("u1", ("u1@test-town.example",), ("outbox/u1/ita-2565-round-06-u1.xlsx",)),
    ]
    assert "มาตรการทดสอบที่ ๑" in mails[0].html and "มาตรการทดสอบที่ ๓" in mails[0].html
    record_sent(job, mails[0])
    assert [m.unit for m in open_round(job)] == ["u1"]  # u0's mail is in the ledger
    record_sent(job, mails[1])
    assert open_round(job) == []

    # the admin adds a measure for u1: its form changes and is mailed again; u0's is not
    plan_file = tmp_path / "agencies" / "test-town" / "plans" / "2565.yaml"
    plan = yaml.safe_load(plan_file.read_text())
    plan["measures"].append({"code": "M9", "title": "มาตรการเพิ่ม", "units": ["u1"], "rounds": [6]})
    plan_file.write_text(yaml.safe_dump(plan, allow_unicode=True))
    again = open_round(job_for(tmp_path))
    assert [m.unit for m in again] == ["u1"] and "มาตรการเพิ่ม" in again[0].html


def test_reminders_list_each_units_missing_measures_once_and_skip_units_without_email(tmp_path):
    make_agencies(tmp_path / "agencies", units=3, measures=4, grace_days=15, reminder_days=5)
    profile = tmp_path / "agencies" / "test-town" / "agency.yaml"
    agency = yaml.safe_load(profile.read_text())
    del agency["units"][2]["email"]
    profile.write_text(yaml.safe_dump(agency, allow_unicode=True))
    job = job_for(tmp_path)
    assert reminder_at(job) == R6.due_at(15) - timedelta(days=5)
    gaps = check(job.plan, job.agency, job.rnd, []).gaps
    mails = reminders(job, gaps)
    assert [m.unit for m in mails] == ["u0", "u1"]  # u2 has no email address
    assert mails[0].subject.startswith("แจ้งเตือน: ยังไม่ได้รับรายงานผล รอบ ๖ เดือน ปี ๒๕๖๕ – กองทดสอบที่ 0")
    assert "M1 มาตรการทดสอบที่ ๑" in mails[0].html and "M4 มาตรการทดสอบที่ ๔" in mails[0].html
    record_sent(job, mails[0])
    assert [m.unit for m in reminders(job, gaps)] == ["u1"]


def test_form_mails_carry_each_units_own_link_and_a_revoked_link_is_mailed_anew(tmp_path):
    from ita_monitor.intake.unit_links import LinkScope, link_for, read_token, revoke

    make_agencies(tmp_path / "agencies", units=2, measures=3)
    job = job_for(tmp_path)
    secret = b"s" * 32

    def links(unit: str) -> str:
        scope = LinkScope(job.slug, R6.fiscal_year, R6.months, unit)
        return link_for(secret, job.data, scope, job.agency.schedule.grace_days, "https://ita.example.test")

    mails = open_round(job, links)
    for mail in mails:
        href = links(mail.unit)
        assert f'<a href="{href}" id="unit-link">' in mail.html and "ลิงก์เฉพาะของหน่วยงานท่าน" in mail.html
        token = href.rsplit("/", 1)[1]
        assert read_token(secret, token, now=R6.end_at()).scope.unit == mail.unit
    for mail in mails:
        record_sent(job, mail)
    assert open_round(job, links) == []  # the same links: nothing mailed again
    revoke(job.data, LinkScope(job.slug, R6.fiscal_year, R6.months, "u1"))
    again = open_round(job, links)
    assert [m.unit for m in again] == ["u1"] and links("u1") in again[0].html
