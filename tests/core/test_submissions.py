import json
import shutil

import openpyxl
import pytest

from ita_monitor.intake.completeness import check
from ita_monitor.intake.submissions import parse_submission
from ita_monitor.model.config import AgenciesDir
from ita_monitor.model.rounds import Round
from tests.conftest import AGENCIES, SAMPLES

D = AgenciesDir(AGENCIES)
AGENCY = D.agency("mae-u-kho")
PLAN = D.plan("mae-u-kho", 2565)
R12 = Round(2565, 12)
SAMPLE = SAMPLES / "mae-u-kho" / "2565" / "round-12"


def parse(data: bytes, name: str, unit: str, rnd: Round = R12):
    return parse_submission(data, name, unit, PLAN, AGENCY, rnd)


def all_sample_rows():
    rows = []
    for unit_dir in sorted(SAMPLE.iterdir()):
        for f in unit_dir.iterdir():
            found, problems = parse(f.read_bytes(), f.name, unit_dir.name)
            assert problems == []
            rows += found
    return rows


def test_sample_submissions_in_all_three_formats_are_read():
    rows = all_sample_rows()
    assert sorted((r.unit, r.measure_code) for r in rows) == [
        ("finance", "M4"),
        ("palad", "M1"),
        ("palad", "M3"),
        ("pr", "M2"),
    ]
    m4 = next(r for r in rows if r.measure_code == "M4")
    assert m4.period == "เดือนเมษายน ๒๕๖๕" and "แผนการจัดซื้อจัดจ้าง" in m4.details
    assert (m4.source, m4.row) == ("kong-klang-round12.csv", 2)


def test_complete_round_has_no_gaps():
    result = check(PLAN, AGENCY, R12, all_sample_rows())
    assert result.complete and len(result.due) == 4


def test_missing_and_half_filled_submissions_are_listed_in_thai_and_english():
    rows = [r for r in all_sample_rows() if r.unit != "finance"]
    rows = [r if r.measure_code != "M2" else r.__class__(**{**r.__dict__, "outcome": ""}) for r in rows]
    result = check(PLAN, AGENCY, R12, rows)
    assert not result.complete
    message = result.message()
    assert "กองคลัง ยังไม่ส่งผลของ M4" in message and "unit finance has not submitted measure M4" in message
    assert "ยังไม่กรอก ผลลัพธ์" in message and "empty outcome" in message
    assert len(result.gaps) == 2
    # Thai digits in the Thai words, Arabic in the English (the digits and dates rule of the README)
    assert "รอบ ๑๒ เดือน ปีงบประมาณ ๒๕๖๕: ยังขาด ๒ จาก ๔ รายการ / round 12, FY 2565: 2 of 4 missing" in message


def test_csv_in_tis620_and_with_bom_is_read():
    text = (SAMPLE / "finance" / "kong-klang-round12.csv").read_text(encoding="utf-8")
    for data in (text.encode("cp874"), text.encode("utf-8-sig")):
        rows, problems = parse(data, "f.csv", "finance")
        assert problems == [] and rows[0].period == "เดือนเมษายน ๒๕๖๕"


@pytest.mark.parametrize(
    ("row", "where", "th"),
    [
        (["M9", "", "x", "y", "z", "w", ""], "sheet 'Sheet', row 2, column A", "ไม่พบมาตรการ 'M9'"),
        (["M1", "", "x", "y", "z", "w", ""], "sheet 'Sheet', row 2, column A", "ไม่ได้รับผิดชอบมาตรการ M1"),
    ],
)
def test_rows_that_do_not_fit_the_plan_are_rejected_with_row_and_column(tmp_path, row, where, th):
    wb = openpyxl.Workbook()
    wb.active.append(
        ["รหัสมาตรการ", "มาตรการ", "รายละเอียดการดำเนินงาน", "ระยะเวลาการดำเนินงาน", "ผลผลิต", "ผลลัพธ์", "หมายเหตุ"]
    )
    wb.active.append(row)
    wb.save(tmp_path / "x.xlsx")
    _, problems = parse((tmp_path / "x.xlsx").read_bytes(), "x.xlsx", "finance")
    assert len(problems) == 1
    assert problems[0].where.startswith(where) and th in problems[0].th and problems[0].file == "x.xlsx"


def test_measure_not_due_in_this_round_is_rejected():
    data = json.dumps([{"code": "M1", "details": "x", "period": "y", "output": "z", "outcome": "w"}]).encode()
    _, problems = parse(data, "p.json", "palad", Round(2565, 1))
    assert "ไม่ต้องรายงานในรอบ ๑ เดือน" in problems[0].th


def test_a_file_that_is_not_what_its_extension_says_is_reported_not_raised(tmp_path):
    _, problems = parse(b"not a zip", "x.xlsx", "palad")
    assert "ไม่ใช่ .xlsx ตามนามสกุล" in problems[0].th
    _, problems = parse(b"{", "x.json", "palad")
    assert "JSON" in problems[0].th
    shutil.rmtree(tmp_path)
