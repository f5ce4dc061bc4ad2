"""The ITA page's data: round states and one round's submissions, read from a real data root."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from ita_monitor.flow.pipeline import RoundJob, collect
from ita_monitor.model.config import AgenciesDir
from ita_monitor.model.rounds import Round
from ita_monitor.model.storage import DataRoot
from ita_monitor.views.approval_text import approval_summary
from ita_monitor.views.dashboard import overview
from ita_monitor.views.pdf_files import pdf_pages
from ita_monitor.views.round_detail import round_detail
from ita_monitor.views.round_state import RunInfo, round_state
from tests.conftest import AGENCIES, drop_samples

R12 = Round(2565, 12)
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _agency():
    agencies = AgenciesDir(AGENCIES)
    return agencies, agencies.agency("mae-u-kho"), agencies.plan("mae-u-kho", 2565)


def _write(path: Path, doc) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc, ensure_ascii=False), encoding="utf-8")


def test_round_states_from_status_and_run():
    before = datetime(2022, 9, 1, tzinfo=UTC)
    assert round_state(None, R12, before) == ("not_open", "")
    assert round_state(None, R12, NOW) == ("not_run", "")  # ended, and nothing ever ran for it
    assert round_state({"state": "collected"}, R12, NOW) == ("not_run", "")  # an upload, no run
    assert round_state({"state": "waiting"}, R12, NOW) == ("waiting", "")
    assert round_state({"state": "incomplete"}, R12, NOW)[0] == "incomplete"
    assert round_state({"state": "published"}, R12, NOW)[0] == "published"
    assert round_state({"state": "dry_run"}, R12, NOW)[0] == "dry_run"
    running = RunInfo("ita_round__x", "r1", "running")
    assert round_state({"state": "collected"}, R12, NOW, running)[0] == "running"
    parked = RunInfo("ita_round__x", "r1", "running", awaiting_approval=True)
    assert round_state({"state": "awaiting_approval"}, R12, NOW, parked)[0] == "awaiting_approval"
    answered = RunInfo("ita_round__x", "r1", "running", awaiting_approval=False)
    assert round_state({"state": "awaiting_approval"}, R12, NOW, answered)[0] == "running"
    failed = RunInfo("ita_round__x", "r1", "failed")
    assert round_state({"state": "rendered"}, R12, NOW, failed)[0] == "failed"
    assert round_state({"state": "incomplete"}, R12, NOW, failed)[0] == "incomplete"
    state, why = round_state(
        {"state": "rejected", "approval": {"decision": "rejected", "by": "somchai", "comment": "ผิด <b>"}},
        R12,
        NOW,
    )
    assert state == "failed" and "somchai" in why and "ผิด <b>" in why


def test_the_state_agrees_with_the_run_at_every_stage():
    """What ``status``, the overview and the round page show (one function), stage by stage."""
    waiting = {
        "state": "waiting",
        "completeness": {"due": [["kk", "M4"], ["kc", "M4"]], "gaps": [{"unit": "kc", "measure_code": "M4"}]},
    }
    going = RunInfo("ita_round__x", "r1", "running")
    state, detail = round_state(waiting, R12, NOW, going)
    assert state == "waiting" and "received 1 of 2" in detail and "missing: kc M4" in detail
    assert round_state({"state": "complete"}, R12, NOW, going)[0] == "running"
    parked = RunInfo("ita_round__x", "r1", "running", awaiting_approval=True)
    assert round_state({"state": "rendered"}, R12, NOW, parked)[0] == "awaiting_approval"  # status lags
    failed = RunInfo("ita_round__x", "r1", "failed")
    assert round_state(waiting, R12, NOW, failed) == (
        "failed",
        "งานในรอบนี้ล้มเหลว: ดูบันทึกของงาน / a task of this round failed: see its log",
    )
    assert round_state({"state": "failed", "error": "open_round: no SMTP"}, R12, NOW, failed)[1] == (
        "open_round: no SMTP"
    )
    assert round_state({"state": "incomplete"}, R12, NOW, going)[0] == "running"  # a rerun is going
    done = RunInfo("ita_round__x", "r1", "success")
    assert round_state({"state": "published"}, R12, NOW, done)[0] == "published"
    assert round_state(None, R12, NOW, done)[0] == "not_run"  # skipped: no plan
    queued = RunInfo("ita_round__x", "r1", "queued")
    assert round_state({"state": "published"}, R12, NOW, queued)[0] == "running"  # republishing


def test_overview_lists_every_scheduled_round_of_every_year(tmp_path):
    _, agency, _ = _agency()
    data = DataRoot(tmp_path)
    _write(tmp_path / "mae-u-kho" / "2565" / "round-12" / "status.json", {"state": "published"})
    _write(tmp_path / "mae-u-kho" / "2566" / "round-01" / "status.json", "{not json")
    rows = overview([(agency, [2565])], data, now=NOW)
    assert len(rows) == 1 and sorted(rows[0].years) == [2565, 2566, 2569]  # 2569: the current year
    r2565 = {r.months: r for r in rows[0].years[2565]}
    assert list(r2565) == [1, 3, 6, 9, 12]
    assert r2565[12].state == "published" and r2565[6].state == "not_run"
    assert r2565[12].due_at == R12.due_at(agency.schedule.grace_days)
    assert rows[0].years[2566][0].state == "not_run"  # an unreadable status is shown as no status
    assert [r.state for r in rows[0].years[2569]] == [
        "not_run",
        "not_run",
        "not_open",
        "not_open",
        "not_open",
    ]


def test_round_detail_matrix_from_a_real_collect(tmp_path):
    agencies, agency, plan = _agency()
    drop_samples(tmp_path, units={"palad", "pr"})
    bad = tmp_path / "mae-u-kho" / "2565" / "round-12" / "inbox" / "finance" / "broken.csv"
    bad.parent.mkdir(parents=True)
    bad.write_text("ไม่ใช่ตาราง\n", encoding="utf-8")
    data = DataRoot(tmp_path)
    collect(RoundJob.load(agencies, "mae-u-kho", R12, data))
    d = round_detail(agency, plan, R12, data, now=NOW)
    cells = {(row.code, unit): cell for row in d.matrix for unit, cell in row.cells.items() if cell}
    assert cells[("M1", "palad")].kind == "received"
    assert cells[("M1", "palad")].version == 1 and cells[("M1", "palad")].received_at
    assert cells[("M2", "pr")].file.endswith("pr-round12.json")
    assert cells[("M4", "finance")].kind == "rejected" and cells[("M4", "finance")].reasons
    assert [u for u, _ in d.units] == ["palad", "finance", "pr"]
    assert {h.unit for h in d.history} == {"palad", "pr", "finance"}
    assert any(h.outcome == "rejected" for h in d.history)
    assert d.counts["received"] == 3 and d.counts["rejected"] == 1


def test_round_detail_of_an_empty_round_and_garbage_files(tmp_path):
    _, agency, plan = _agency()
    rd = tmp_path / "mae-u-kho" / "2565" / "round-12"
    _write(rd / "status.json", {"state": "published", "published": "oops", "history": [1, "x", None]})
    _write(rd / "collected.json", "[]")
    d = round_detail(agency, plan, R12, DataRoot(tmp_path), now=NOW)
    assert d.state == "published" and d.published == [] and d.reports == []
    assert all(c.kind == "missing" for row in d.matrix for c in row.cells.values() if c)


def test_pdf_pages_and_approval_summary(tmp_path):
    from ita_monitor.views.pdf_files import FileLink
    from ita_monitor.views.round_detail import RoundDetail

    pdf = b"%PDF-1.4\n1 0 obj << /Type /Pages /Kids [2 0 R 3 0 R] >>\n2 0 obj << /Type /Page >>\n3 0 obj << /Type/Page >>\n"
    assert pdf_pages(pdf) in (2, None)  # pdfinfo refuses a broken file; the count still finds 2 without it
    _, agency, _ = _agency()
    d = RoundDetail(
        "mae-u-kho",
        agency.name_th,
        R12,
        R12.due_at(15),
        "awaiting_approval",
        "",
        [],
        [],
        [FileLink("รายงาน / report", "2565/round-12/report/r.pdf", 10, 3)],
        [],
        [],
        [],
        {"due": [["palad", "M1"], ["pr", "M2"]], "gaps": []},
        {},
        {},
    )
    text = approval_summary(d, "/ita/files/mae-u-kho")
    assert "2 / 2" in text and "(/ita/files/mae-u-kho/2565/round-12/report/r.pdf)" in text and "3 หน้า" in text


def test_overview_shows_each_years_plan_documents_and_whether_they_are_published(tmp_path):
    from ita_monitor.views.pdf_files import FileLink

    _, agency, _ = _agency()
    plan = tmp_path / "mae-u-kho" / "2565" / "plan"
    _write(plan / "status.json", {"state": "published"})
    _write(plan / "ita-2565-approval-memo.pdf", "%PDF-1.7")
    _write(plan / "ita-2565-measures.pdf", "%PDF-1.7")
    _write(
        tmp_path / "mae-u-kho" / "2566" / "plan" / "status.json",
        {"state": "rejected", "approval": {"decision": "rejected", "comment": "ยังไม่ลงนาม <i>"}},
    )
    rows = overview([(agency, [2565, 2566])], DataRoot(tmp_path), now=NOW)
    plans = rows[0].plans
    assert (plans[2565].state, plans[2565].label_en) == ("published", "published")
    assert plans[2565].files == [  # the measures first
        FileLink("มาตรการ / measures", "2565/plan/ita-2565-measures.pdf"),
        FileLink("บันทึกขออนุมัติ / approval memo", "2565/plan/ita-2565-approval-memo.pdf"),
    ]
    assert (plans[2566].state, plans[2566].label_en, plans[2566].detail) == (
        "failed",
        "rejected",
        "ยังไม่ลงนาม <i>",
    )
    assert (plans[2569].state, plans[2569].label_en, plans[2569].files) == ("not_open", "not made yet", [])


def test_the_measures_approval_summary_names_the_plan_and_links_both_pdfs(tmp_path):
    from ita_monitor.documents.render import Renderer
    from ita_monitor.views.approval_text import plan_approval_summary
    from ita_monitor.views.pdf_files import plan_files

    _, agency, plan = _agency()
    two_pages = Renderer().pdf(
        "<html lang='th'><body><p>หนึ่ง</p><p style='break-before: page'>สอง</p></body></html>"
    )
    folder = tmp_path / "mae-u-kho" / "2565" / "plan"
    folder.mkdir(parents=True)
    (folder / "ita-2565-measures.pdf").write_bytes(two_pages)
    text = plan_approval_summary(
        agency, plan, plan_files(DataRoot(tmp_path), "mae-u-kho", 2565), "/ita/files/mae-u-kho"
    )
    assert text.startswith("**องค์การบริหารส่วนตำบลแม่อูคอ** — มาตรการส่งเสริมคุณธรรมและความโปร่งใส ปีงบประมาณ ๒๕๖๕")
    assert f"- มาตรการ / measures: {len(plan.measures)}" in text
    assert (
        "- [มาตรการ / measures](/ita/files/mae-u-kho/2565/plan/ita-2565-measures.pdf), 2 หน้า / pages" in text
    )
    assert "signed the approval memo" in text
