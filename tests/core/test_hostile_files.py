"""Hostile files (issue 23): each gets a bounded, exact answer in Thai and English, from check-submission
and from the round alike, and nothing is written outside the data root."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile

import pytest

from ita_monitor.cli import main as cli
from ita_monitor.flow.pipeline import RoundJob, collect
from ita_monitor.intake.inbox import deliver
from ita_monitor.intake.reading import take_in
from ita_monitor.intake.submissions import parse_submission
from ita_monitor.intake.versions import history, receive
from ita_monitor.model.config import AgenciesDir
from ita_monitor.model.limits import MAX_CELL_CHARS, MAX_OPENED_BYTES, MAX_SHEETS
from ita_monitor.model.rounds import Round
from ita_monitor.model.storage import DataRoot, UnsafePath
from tests.conftest import AGENCIES, ROOT, drop_samples
from tests.core import hostile_files as hostile

R12 = Round(2565, 12)
SLUG = "mae-u-kho"
D = AgenciesDir(AGENCIES)
AGENCY, PLAN = D.agency(SLUG), D.plan(SLUG, 2565)
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


def check(data: bytes, name: str, unit: str = "palad"):
    return parse_submission(data, name, unit, PLAN, AGENCY, R12)


def check_submission(tmp_path, name: str, data: bytes, capsys, unit: str = "palad") -> tuple[int, str]:
    f = tmp_path / name
    f.write_bytes(data)
    args = ["check-submission", str(f), "--agency", SLUG, "--fiscal-year", "2565", "--round", "12"]
    code = cli([*args, "--unit", unit, "--agencies-dir", str(AGENCIES)])
    out = capsys.readouterr()
    return code, out.err + out.out


def collect_with(tmp_path, unit: str, name: str, data: bytes) -> dict:
    inbox = drop_samples(tmp_path)
    (inbox / unit / name).write_bytes(data)
    collect(RoundJob.load(D, SLUG, R12, DataRoot(tmp_path)))
    return json.loads((tmp_path / SLUG / "2565" / "round-12" / "status.json").read_text())


def test_deeply_nested_json_is_a_bounded_message_never_a_recursion_error(tmp_path, capsys):
    data = hostile.nested_json(100_000)
    rows, problems = check(data, "audit.json")
    [p] = problems
    assert rows == [] and p.where == "line 1, column 55"
    assert "ซ้อนวงเล็บลึกเกิน 32 ชั้น" in p.th and "nests brackets more than 32 deep" in p.en
    code, printed = check_submission(tmp_path, "audit.json", data, capsys)
    assert code == 1 and "Recursion" not in printed and "Traceback" not in printed and len(printed) < 2000
    status = collect_with(tmp_path / "round", "palad", "audit.json", data)
    [bad] = status["rejected"]
    assert "nests brackets more than 32 deep" in bad["reasons"][0] and "Recursion" not in json.dumps(status)


def test_a_file_named_dot_dot_csv_in_the_inbox_is_taken_in_and_counted(tmp_path):
    from tests.core.bad_files import GOOD, csv_text

    status = collect_with(tmp_path, "palad", "..csv", csv_text(GOOD).encode())
    kept = [v for v in history(DataRoot(tmp_path), SLUG, R12) if v.name == "..csv"]
    assert (
        len(kept) == 1 and kept[0].stored_as.endswith("-file.csv") and kept[0].source == "inbox/palad/..csv"
    )
    outcome = next(f for f in status["files"] if f["file"] == "inbox/palad/..csv")
    assert outcome["accepted"] and outcome["counts"] == 1, outcome
    # the store's own temporary files are still left out
    (tmp_path / SLUG / "2565" / "round-12" / "inbox" / "palad" / ".tmp-1-abc").write_bytes(b"partial")
    intake = take_in(DataRoot(tmp_path), AGENCY, PLAN, R12, store=False)
    assert all(".tmp-" not in o.file for o in intake.outcomes)


def test_ten_thousand_extra_header_columns_give_one_bounded_warning(tmp_path, capsys):
    rows, problems = check(hostile.wide_csv(10_000), "wide.csv")
    [warning] = problems
    assert warning.severity == "warning" and [r.measure_code for r in rows] == ["M1"]
    assert "and 9,995 more" in warning.en and "และอีก 9,995 รายการ" in warning.th
    assert warning.en.startswith("unknown columns H (คอลัมน์เพิ่ม 1), I (คอลัมน์เพิ่ม 2)")
    assert len(warning.th) < 400 and len(warning.en) < 400
    code, printed = check_submission(tmp_path, "wide.csv", hostile.wide_csv(10_000), capsys)
    assert code == 0 and len(printed) < 2000


def test_a_4_mb_cell_is_named_by_row_and_column_without_the_csv_modules_text(tmp_path, capsys):
    data = hostile.big_cell_csv(4 * 1024 * 1024)
    rows, problems = check(data, "big.csv")
    [p] = problems
    assert p.where == "row 2, column C (รายละเอียดการดำเนินงาน)"
    assert f"{MAX_CELL_CHARS:,}" in p.th and f"more than the limit of {MAX_CELL_CHARS:,}" in p.en
    assert "field larger" not in p.en and "131072" not in p.en
    code, printed = check_submission(tmp_path, "big.csv", data, capsys)
    assert code == 1 and "field larger" not in printed and len(printed) < 2000


def test_a_thousand_sheet_workbook_is_too_many_sheets_with_the_limit():
    rows, problems = check(hostile.many_sheets(1000), "sheets.xlsx")
    [p] = problems
    assert f"too many sheets (1,000; the limit is {MAX_SHEETS})" in p.en and "zip bomb" not in p.en
    assert f"รับได้ไม่เกิน {MAX_SHEETS} แผ่น" in p.th


def test_an_ordinary_80000_row_openpyxl_workbook_is_within_the_limits():
    data = hostile.openpyxl_rows(80_000)
    with zipfile.ZipFile(__import__("io").BytesIO(data)) as z:
        opened = sum(i.file_size for i in z.infolist())
    assert 50 * 2**20 < opened < MAX_OPENED_BYTES  # larger than the old 50 MB limit that called it a bomb
    rows, problems = check(data, "rows.xlsx")
    assert "zip bomb" not in problems[0].en and "too large" not in problems[0].en
    assert problems[0].en.startswith("the file has more than 1,000 filled rows")  # read, and stopped


def test_the_size_when_opened_is_said_in_mb_with_its_limit():
    from ita_monitor.intake.sniff import check_workbook_zip
    from tests.core.bad_files import GOOD, rezip, xlsx

    padding = os.urandom(64 * 2**20)  # incompressible: not a bomb, just large
    big = rezip(xlsx(GOOD), add={f"xl/media/image{i}.bin": padding for i in range(5)})
    [p] = check_workbook_zip(big, "big.xlsx")
    assert re.search(r"too large when opened \(320 MB; the limit is 256 MB\)", p.en), p.en
    assert "ใหญ่เกินไปเมื่อเปิด (320 MB; รับได้ไม่เกิน 256 MB)" in p.th


@pytest.mark.parametrize("unit", ["../../x", "..", "a/b", "", "pr\x00", "..\\..\\x"])
def test_deliver_and_receive_confine_every_path_to_the_data_root(tmp_path, unit):
    root = tmp_path / "data"
    data = DataRoot(root)
    with pytest.raises(UnsafePath) as refused:
        deliver(data, SLUG, R12, unit, "a.csv", b"x")
    assert "ใช้เป็นชื่อโฟลเดอร์หรือไฟล์ไม่ได้" in refused.value.th and "cannot name a folder" in refused.value.en
    with pytest.raises(UnsafePath):
        receive(data, SLUG, R12, unit, "a.csv", b"x")
    with pytest.raises(UnsafePath):
        deliver(data, "../../elsewhere", R12, "pr", "a.csv", b"x")
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file()) == []


def test_an_uploads_version_keeps_the_name_as_sent(tmp_path):
    from ita_monitor.intake.uploads import receive_upload
    from tests.core.bad_files import GOOD, csv_text

    sent = "../../เอกสาร/ผล รอบ 12.csv"
    got = receive_upload(D, DataRoot(tmp_path), AGENCY, R12, "palad", sent, csv_text(GOOD).encode())
    assert got.name == "ผล_รอบ_12.csv" and got.outcome["accepted"]
    [version] = [v for v in history(DataRoot(tmp_path), SLUG, R12) if v.unit == "palad"]
    assert version.name == sent and version.source == "inbox/palad/ผล_รอบ_12.csv"


def test_round_13_is_said_in_thai_and_english_without_english_in_the_thai_half(tmp_path, capsys):
    code = cli(["check-submission", "x.csv", "--agency", SLUG, "--fiscal-year", "2565", "--round", "13",
                "--agencies-dir", str(AGENCIES)])  # fmt: skip
    th, en = capsys.readouterr().err.strip().split(" / ", 1)
    assert code == 2 and "13" in th and not LATIN_WORD.search(th) and "13-month round" in en
    import shutil

    import yaml

    agencies = tmp_path / "agencies"
    shutil.copytree(AGENCIES, agencies)
    plan_file = agencies / SLUG / "plans" / "2565.yaml"
    doc = yaml.safe_load(plan_file.read_text(encoding="utf-8"))
    doc["measures"][0]["rounds"] = [6, 13]
    doc["analysis"]["scores"][3]["score"] = 150
    plan_file.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    problems = AgenciesDir(agencies).validate()
    rounds = next(p for p in problems if p.where.endswith("> rounds"))
    assert not LATIN_WORD.search(rounds.th), rounds.th
    score = next(p for p in problems if "scores" in p.where)
    assert score.where.startswith("analysis > scores #4"), score.where


def test_json_places_are_counted_from_1():
    data = json.dumps({"rows": [{"code": "M1"}, {"code": "M3", "details": "x", "output": "y"}]}).encode()
    rows, problems = check(data, "a.json")
    assert [p.where for p in problems] == ["rows[2], ระยะเวลาการดำเนินงาน", "rows[2], ผลลัพธ์"]
    rows, problems = check(json.dumps([{"code": "M1", "colour": "red"}]).encode(), "b.json")
    assert [p.where for p in problems] == ["rows[1].colour"]


def test_a_csvs_misspelt_header_does_not_speak_of_sheets():
    from tests.core.bad_files import GOOD, csv_text

    header = ["รหัสมาตรการ", "มาตรการ", "รายละเอียดการดำเนินการ", "ระยะเวลา", "ผลผลิต", "ผลลัพธ์"]
    rows, problems = check(csv_text(GOOD[:6], header=["xx", "yy", "zz"]).encode(), "a.csv")
    assert [p.where for p in problems] == ["header"] and "sheet" not in problems[0].en
    assert "first 10 rows of the file" in problems[0].en
    rows, problems = check(csv_text(GOOD[:6], header=header).encode(), "b.csv")
    assert problems and not any("sheet" in p.en for p in problems)


def test_check_submission_prints_no_openpyxl_warning(tmp_path):
    """A stylesheet without named styles (as many writers save it) makes openpyxl warn "Workbook contains no
    default style"; the admin sees only the intake's answer."""
    from tests.core.bad_files import GOOD, rezip, xlsx

    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    styles = (
        f'<?xml version="1.0" encoding="UTF-8"?><styleSheet {ns}><fonts count="1"><font/></fonts><fills count="1">'
        '<fill><patternFill patternType="none"/></fill></fills><borders count="1"><border/></borders>'
        '<cellStyleXfs count="1"><xf/></cellStyleXfs><cellXfs count="1"><xf/></cellXfs></styleSheet>'
    )
    f = tmp_path / "palad.xlsx"
    f.write_bytes(rezip(xlsx(GOOD), replace={"xl/styles.xml": styles.encode()}))
    done = subprocess.run(
        [sys.executable, "-m", "ita_monitor.cli", "check-submission", str(f), "--agency", SLUG,
         "--fiscal-year", "2565", "--round", "12", "--unit", "palad", "--agencies-dir", str(AGENCIES)],
        capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )  # fmt: skip
    assert "Warning" not in done.stderr and "openpyxl" not in done.stderr, done.stderr
    assert done.returncode == 0, done.stderr


def test_an_inbox_folder_whose_name_cannot_be_kept_is_listed_and_the_round_goes_on(tmp_path):
    from tests.core.bad_files import GOOD, csv_text

    inbox = drop_samples(tmp_path)
    (inbox / "pa\\lad").mkdir()
    (inbox / "pa\\lad" / "a.csv").write_text(csv_text(GOOD))
    summary = collect(RoundJob.load(D, SLUG, R12, DataRoot(tmp_path)))
    status = json.loads((tmp_path / SLUG / "2565" / "round-12" / "status.json").read_text())
    assert summary["accepted"] == 3 and summary["rejected"] == 1
    [bad] = status["rejected"]
    assert bad["file"] == "inbox/pa\\lad/a.csv" and "cannot name a folder or file" in bad["reasons"][0]
    assert not list(tmp_path.rglob("received/pa\\*"))
