"""Nothing lost: every received file kept as a version before it is read; the latest valid one counts."""

from __future__ import annotations

import json
import os

from ita_monitor.cli import main as cli
from ita_monitor.flow.pipeline import RoundJob, collect, collected_rows
from ita_monitor.intake.versions import history
from ita_monitor.model.config import AgenciesDir
from ita_monitor.model.rounds import Round
from ita_monitor.model.storage import DataRoot
from tests.conftest import AGENCIES, drop_samples
from tests.core.bad_files import GOOD, filled_form, xlsx

R12 = Round(2565, 12)


def job_for(root) -> RoundJob:
    return RoundJob.load(AgenciesDir(AGENCIES), "mae-u-kho", R12, DataRoot(root))


def tree(folder) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def status(root) -> dict:
    return json.loads((root / "mae-u-kho" / "2565" / "round-12" / "status.json").read_text())


def test_every_file_is_kept_unchanged_before_reading_and_reruns_change_nothing(tmp_path):
    inbox = drop_samples(tmp_path)
    before = tree(inbox)
    summary = collect(job_for(tmp_path))
    assert summary == {"files": 3, "accepted": 3, "rejected": 0, "rows": 4, "new_versions": 3}
    received = tmp_path / "mae-u-kho" / "2565" / "round-12" / "received"
    kept = tree(received)
    # the manifest, the claims and the manifest's claimed revisions (storage.update_json) aside
    names = sorted(k for k in kept if k != "manifest.json" and "/claims/" not in k and not k.startswith("."))
    assert [n.split("/")[0] for n in names] == ["finance", "palad", "pr"]
    for v in history(DataRoot(tmp_path), "mae-u-kho", R12):
        assert v.version == 1 and v.stored_as.startswith(f"received/{v.unit}/001-{v.sha256[:8]}-")
        assert kept[v.stored_as.removeprefix("received/")] == before[f"{v.unit}/{v.name}"]
        assert v.received_at.endswith("+00:00") and v.bytes == len(before[f"{v.unit}/{v.name}"])

    again = collect(job_for(tmp_path))
    assert again["new_versions"] == 0
    assert tree(received) == kept and tree(inbox) == before
    assert [h["version"] for h in status(tmp_path)["history"]] == [1, 1, 1]


def test_a_new_submission_is_a_new_version_and_the_latest_valid_one_counts(tmp_path):
    drop_samples(tmp_path)
    job = job_for(tmp_path)
    collect(job)
    palad = tmp_path / "mae-u-kho" / "2565" / "round-12" / "inbox" / "palad"
    # version 2: the returned form, M1 rewritten
    fill = {"C": "ดำเนินการแล้ว", "D": "ฉบับแก้ไข", "E": "เมษายน ๒๕๖๕", "F": "ผล", "G": "ลัพธ์"}
    (palad / "form-v2.xlsx").write_bytes(filled_form("palad", fill={"M1": fill}))
    collect(job)
    # the same bytes again under another name: not a new version
    (palad / "copy-of-v2.xlsx").write_bytes((palad / "form-v2.xlsx").read_bytes())
    collect(job)
    rows = {(r.unit, r.measure_code): r for r in collected_rows(job)}
    assert rows[("palad", "M1")].details == "ฉบับแก้ไข" and rows[("palad", "M1")].status == "ดำเนินการแล้ว"
    assert "ประกาศเจตจำนง" in rows[("palad", "M3")].details or rows[("palad", "M3")].source.endswith(".xlsx")
    versions = [(v.unit, v.version, v.name) for v in history(DataRoot(tmp_path), "mae-u-kho", R12)]
    assert ("palad", 2, "form-v2.xlsx") in versions and all(v[2] != "copy-of-v2.xlsx" for v in versions)

    # version 3 is bad: rejected with its reasons, and version 2's row still counts
    (palad / "form-v3.xlsx").write_bytes(xlsx(["M9", "", "x", "y", "z", "w", ""]))
    summary = collect(job)
    assert summary["rejected"] == 1 and summary["rows"] == 4
    rows = {(r.unit, r.measure_code): r for r in collected_rows(job)}
    assert rows[("palad", "M1")].details == "ฉบับแก้ไข"
    rejected = status(tmp_path)["rejected"]
    assert rejected == [
        {
            "unit": "palad",
            "file": "inbox/palad/form-v3.xlsx",
            "version": 3,
            "reasons": [
                "inbox/palad/form-v3.xlsx [sheet 'Sheet', row 2, column A (รหัสมาตรการ)]: ไม่พบมาตรการ 'M9' "
                "ในแผนปี 2565: ใช้รหัสมาตรการจากแบบฟอร์มหรือแผน / measure 'M9' is not in the 2565 plan: use a "
                "measure code from the form or the plan"
            ],
        }
    ]
    files = {(f["unit"], f["version"]): f for f in status(tmp_path)["files"]}
    assert files[("palad", 1)]["counts"] == 1  # M3 still from version 1
    assert files[("palad", 2)]["counts"] == 1 and files[("palad", 3)]["counts"] == 0


def test_one_bad_file_never_blocks_the_valid_files_of_other_units(tmp_path):
    drop_samples(tmp_path, units={"palad", "pr"})
    bad = tmp_path / "mae-u-kho" / "2565" / "round-12" / "inbox" / "finance"
    bad.mkdir(parents=True)
    (bad / "macro.xlsm").write_bytes(xlsx(GOOD))
    summary = collect(job_for(tmp_path))
    assert (summary["accepted"], summary["rejected"], summary["rows"]) == (2, 1, 3)
    assert status(tmp_path)["rejected"][0]["reasons"][0].startswith(
        "inbox/finance/macro.xlsm: ไม่รับไฟล์ที่มีมาโคร"
    )
    # even the rejected file is kept
    assert [v.name for v in history(DataRoot(tmp_path), "mae-u-kho", R12) if v.unit == "finance"] == [
        "macro.xlsm"
    ]


def test_history_command_lists_versions(tmp_path, capsys):
    drop_samples(tmp_path, units={"palad"})
    collect(job_for(tmp_path))
    args = ["history", "--agency", "mae-u-kho", "--fiscal-year", "2565", "--round", "12"]
    assert cli([*args, "--data-root", tmp_path.as_uri()]) == 0
    out = capsys.readouterr().out
    assert "palad\tv1\t" in out and "palad-round12.xlsx\taccepted, 2 row(s) in use" in out
    assert cli([*args, "--data-root", str(tmp_path), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc[0]["unit"] == "palad" and doc[0]["outcome"]["accepted"] is True


def test_check_submission_command_validates_as_the_round_does(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("AIRFLOW__ITA__AGENCIES_DIR", str(AGENCIES))
    bad = tmp_path / "palad" / "x.xlsx"
    bad.parent.mkdir()
    bad.write_bytes(xlsx(["M9", "", "x", "y", "z", "w", ""], ["M1", "", "x", "31/2/2565", "z", "w", ""]))
    args = [
        "--agency",
        "mae-u-kho",
        "--fiscal-year",
        "2565",
        "--round",
        "12",
        "--agencies-dir",
        str(AGENCIES),
    ]
    assert cli(["check-submission", str(bad), *args]) == 1
    err = capsys.readouterr().err
    assert "x.xlsx [sheet 'Sheet', row 2, column A (รหัสมาตรการ)]: ไม่พบมาตรการ 'M9'" in err
    assert "x.xlsx [sheet 'Sheet', row 3, column D (ระยะเวลาการดำเนินงาน)]: วันที่ '31/2/2565'" in err
    assert "rejected: 2 problem(s)" in err

    good = tmp_path / "form.xlsx"  # the unit is read from the form itself
    fill = {"C": "ดำเนินการแล้ว", "D": "x", "E": "y", "F": "z", "G": "w"}
    good.write_bytes(filled_form("palad", fill={"M1": fill}))
    assert cli(["check-submission", str(good), *args]) == 0
    out = capsys.readouterr().out
    assert "OK: 1 row(s) for unit palad: M1" in out and "not in this file yet: M3" in out
    assert os.environ["AIRFLOW__ITA__AGENCIES_DIR"] == str(AGENCIES)


def test_an_incomplete_round_says_which_files_were_rejected_and_why(tmp_path):
    import pytest

    from ita_monitor.flow.pipeline import RoundIncomplete, check_round

    drop_samples(tmp_path, units={"palad", "pr"})
    finance = tmp_path / "mae-u-kho" / "2565" / "round-12" / "inbox" / "finance"
    finance.mkdir(parents=True)
    (finance / "m4.xlsx").write_bytes(xlsx(["M4", "", "จัดทำแผน", "31/04/2565", "ประกาศ", "รายงาน", ""]))
    job = job_for(tmp_path)
    collect(job)
    with pytest.raises(RoundIncomplete) as failed:
        check_round(job)
    message = str(failed.value)
    assert "กองคลัง ยังไม่ส่งผลของ M4" in message
    assert (
        "- inbox/finance/m4.xlsx [sheet 'Sheet', row 2, column D (ระยะเวลาการดำเนินงาน)]: วันที่ '31/04/2565' "
        "อ่านไม่ได้หรือไม่มีอยู่จริง" in message
    )
