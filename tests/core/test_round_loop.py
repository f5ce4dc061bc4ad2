"""The round's loop without Airflow: a file that arrives after publication, rounds before the agency's
first monitored year, and ``ita-monitor status`` (run as the admin runs it), on the second agency."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from ita_monitor.flow.pipeline import RoundJob, check_round, collect, mark_waiting
from ita_monitor.model import status
from ita_monitor.model.config import AgenciesDir
from ita_monitor.model.rounds import Round
from ita_monitor.model.status import State
from ita_monitor.model.storage import DataRoot
from ita_monitor.views import dashboard
from ita_monitor.views.round_detail import round_detail
from ita_monitor.views.round_state import RunInfo, round_state
from tests.fixtures import second_agency as fx

R3 = Round(fx.FISCAL_YEAR, 3)
CLI = str(Path(sys.executable).parent / "ita-monitor")  # as the README runs it


def _job(data) -> RoundJob:
    return RoundJob.load(AgenciesDir(fx.AGENCIES), fx.SLUG, R3, DataRoot(data))


def test_a_file_after_publication_keeps_the_round_published_and_asks_for_a_rerun(tmp_path):
    for unit in fx.due(3):
        fx.drop(tmp_path, unit, 3)
    job = _job(tmp_path)
    collect(job)
    check_round(job)
    status.update_round(job.data, fx.SLUG, R3, state=State.PUBLISHED)  # what publish_report writes
    collect(job)  # nothing new (a rerun, or the same bytes uploaded again): still published
    assert status.load_round(job.data, fx.SLUG, R3).known_state is State.PUBLISHED

    late = tmp_path / fx.SLUG / "2568" / "round-03" / "inbox" / "kc" / "kc-r3-corrected.csv"
    late.write_bytes(fx.submission("kc", 3).replace("ครบถ้วน".encode(), "ครบถ้วนแล้ว (แก้ไข)".encode()))
    summary = collect(job)
    assert summary["new_versions"] == 1
    written = status.load_round(job.data, fx.SLUG, R3)
    assert written.known_state is State.CHANGED_AFTER_PUBLICATION
    state, detail = round_state(written, R3, datetime.now(UTC))
    assert state is State.CHANGED_AFTER_PUBLICATION and "rerun to republish" in detail
    assert state.en == "changed after publication: rerun to republish"
    # while the rerun runs the page says so; its check and publish write the round's new state
    running = RunInfo("ita_round__x", "r", "running")
    assert round_state(written, R3, datetime.now(UTC), running)[0] is State.RUNNING
    check_round(job)
    assert status.load_round(job.data, fx.SLUG, R3).known_state is State.COMPLETE


def test_rounds_before_the_first_monitored_year_are_not_monitored(tmp_path):
    agency = AgenciesDir(fx.AGENCIES).agency(fx.SLUG)
    (tmp_path / fx.SLUG / "2566").mkdir(parents=True)  # an old folder in the data root
    rows = dashboard.overview([(agency, [2568])], DataRoot(tmp_path), now=datetime(2025, 2, 1, tzinfo=UTC))
    years = rows[0].years
    assert {s.state for s in years[2566]} == {State.NOT_MONITORED}
    assert {s.detail for s in years[2566]} == {
        "ก่อนปีงบประมาณแรกที่ติดตาม (2568) / before the agency's first monitored year 2568"
    }
    assert years[2568][0].state is State.NOT_RUN  # round 3 of the first year: nothing ever ran
    detail = round_detail(agency, None, Round(2567, 12), DataRoot(tmp_path), first_year=2568)
    assert detail.state is State.NOT_MONITORED


def _status_cli(data, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [CLI, "status", "--agency", fx.SLUG, "--fiscal-year", "2568"]
        + ["--data-root", str(data), "--agencies-dir", str(fx.AGENCIES), "--offline", *args],
        capture_output=True,
        text=True,
        check=True,
    )


def test_status_command_lists_state_due_date_missing_and_rejected(tmp_path):
    fx.drop(tmp_path, "sp", 3)
    fx.drop(tmp_path, "kk", 3)
    bad = tmp_path / fx.SLUG / "2568" / "round-03" / "inbox" / "kc" / "kc-r3.csv"
    bad.parent.mkdir(parents=True)
    bad.write_text("รหัสมาตรการ,มาตรการ\nM4,x\n", encoding="utf-8")
    job = _job(tmp_path)
    mark_waiting(job.data, job.agency, job.rnd, job.due_at.isoformat())  # as opening the round does
    collect(job)

    doc = json.loads(_status_cli(tmp_path, "--round", "3", "--json").stdout)
    assert doc["state"] == "waiting" and doc["state_en"] == "waiting for submissions"
    assert doc["detail"].startswith("เลยกำหนดส่งแล้ว / past the due date · ได้รับ")
    assert "missing: kc M4" in doc["detail"] and (doc["received"], doc["due"]) == (2, 3)
    assert doc["last_day_to_submit"] == "2025-01-10"  # round 3 ends 1 January, 10 grace days
    assert [(m["unit"], m["measure"]) for m in doc["missing"]] == [("kc", "M4")]
    assert doc["missing"][0]["unit_th"] == "กองช่าง"
    assert [(r["unit"], r["file"]) for r in doc["rejected"]] == [("kc", "inbox/kc/kc-r3.csv")]
    assert any("no header row" in reason for reason in doc["rejected"][0]["reasons"])

    text = _status_cli(tmp_path, "--round", "3").stdout
    assert "waiting for submissions" in text and "2025-01-10" in text
    assert "kc กองช่าง\tM4" in text and "rejected files (1)" in text and "no header row" in text


def test_status_command_says_not_monitored_before_the_first_year(tmp_path):
    old = subprocess.run(
        [CLI, "status", "--agency", fx.SLUG, "--fiscal-year", "2567"]
        + ["--round", "6", "--data-root", str(tmp_path), "--agencies-dir", str(fx.AGENCIES), "--json"],
        capture_output=True,
        text=True,
    )
    assert old.returncode == 0, old.stderr
    assert json.loads(old.stdout)["state"] == "not_monitored"


def _withdraw_cli(data, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [CLI, "withdraw", "--agency", fx.SLUG, "--fiscal-year", "2568", "--round", "3"]
        + ["--data-root", str(data), "--agencies-dir", str(fx.AGENCIES), *args],
        capture_output=True,
        text=True,
    )


def test_a_withdrawn_version_is_kept_marked_and_no_longer_counts_and_undo_is_recorded(tmp_path):
    """The README's ``ita-monitor withdraw``: a published round whose kc file is withdrawn becomes
    "changed after publication" and kc's measure is missing again; two withdrawals at once record
    one; undo is a second action; the bytes, the claim and the history stay."""
    import threading

    from ita_monitor.flow.pipeline import withdraw_version
    from ita_monitor.intake.versions import WithdrawRefused

    for unit in fx.due(3):
        fx.drop(tmp_path, unit, 3)
    job = _job(tmp_path)
    collect(job)
    check_round(job)
    status.update_round(job.data, fx.SLUG, R3, state=State.PUBLISHED)
    kept = sorted((tmp_path / fx.SLUG / "2568" / "round-03" / "received").rglob("*"))

    answers: list = []

    def press():
        try:
            answers.append(withdraw_version(job, "kc", 1, "ไฟล์ผิดรอบ wrong round", "somchai")[0]["n"])
        except WithdrawRefused as exc:
            answers.append(str(exc))

    presses = [threading.Thread(target=press) for _ in range(2)]
    for t in presses:
        t.start()
    for t in presses:
        t.join()
    assert 1 in answers and any("already withdrawn" in str(a) for a in answers), answers

    written = status.load_round(job.data, fx.SLUG, R3)
    assert written.known_state is State.CHANGED_AFTER_PUBLICATION
    assert [(g.unit, g.measure_code) for g in written.completeness.gaps] == [("kc", "M4")]
    kc = [v for v in written.history if v.unit == "kc"]
    assert kc[0].withdrawn.by == "somchai" and kc[0].withdrawn.reason == "ไฟล์ผิดรอบ wrong round"
    manifest = json.loads(
        (tmp_path / fx.SLUG / "2568" / "round-03" / "received" / "manifest.json").read_text()
    )
    assert [v.get("withdrawn", {}).get("by") for v in manifest["versions"] if v["unit"] == "kc"] == [
        "somchai"
    ]
    detail = round_detail(job.agency, job.plan, R3, job.data)
    assert [c.kind for row in detail.matrix for u, c in row.cells.items() if u == "kc" and c] == ["missing"]
    assert [h.withdrawn.reason for h in detail.history if h.unit == "kc"] == ["ไฟล์ผิดรอบ wrong round"]

    history = subprocess.run(
        [
            CLI,
            "history",
            "--agency",
            fx.SLUG,
            "--fiscal-year",
            "2568",
            "--round",
            "3",
            "--data-root",
            str(tmp_path),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "WITHDRAWN by somchai" in history

    refused = _withdraw_cli(tmp_path, "--unit", "kc", "--version", "7", "--reason", "x")
    assert refused.returncode == 1 and "no version 7" in refused.stderr
    no_reason = _withdraw_cli(tmp_path, "--unit", "kk", "--version", "1")
    assert no_reason.returncode == 1 and "say why" in no_reason.stderr
    undone = _withdraw_cli(tmp_path, "--unit", "kc", "--version", "1", "--undo", "--by", "somsri")
    assert undone.returncode == 0 and "undone" in undone.stdout, undone.stderr
    written = status.load_round(job.data, fx.SLUG, R3)
    assert not written.completeness.gaps and written.known_state is State.CHANGED_AFTER_PUBLICATION
    manifest = json.loads(
        (tmp_path / fx.SLUG / "2568" / "round-03" / "received" / "manifest.json").read_text()
    )
    assert [(w["action"], w["by"]) for w in manifest["withdrawals"]] == [
        ("withdraw", "somchai"),
        ("undo", "somsri"),
    ]
    after = sorted((tmp_path / fx.SLUG / "2568" / "round-03" / "received").rglob("*"))
    assert set(kept) <= set(after)  # nothing received is deleted
