"""The Excel exports opened by the real LibreOffice (``soffice --convert-to csv``, every sheet as shown):
the figures equal status.json and the received manifests, for the sample agency's year and for many
generated agencies; dates read as Thai dates, numbers as numbers.  Exports made with the CLI exactly
as the README runs it."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import pytest

from ita_monitor.model.rounds import BANGKOK
from tests.conftest import AGENCIES, ROOT, skip_or_fail
from tests.views_data import province, sample_year

pytestmark = [pytest.mark.libreoffice, pytest.mark.timeout(600)]
THAI_MONTHS = [
    "ม.ค.",
    "ก.พ.",
    "มี.ค.",
    "เม.ย.",
    "พ.ค.",
    "มิ.ย.",
    "ก.ค.",
    "ส.ค.",
    "ก.ย.",
    "ต.ค.",
    "พ.ย.",
    "ธ.ค.",
]
CLI = str(ROOT / ".venv" / "bin" / "ita-monitor")


def thai_datetime(text: str) -> datetime:
    """``10 เม.ย. 2565 09:00`` as LibreOffice shows the export's dates -> Bangkok time."""
    day, month, year, hhmm = text.split(" ")
    hour, minute = hhmm.split(":")
    return datetime(
        int(year) - 543, THAI_MONTHS.index(month) + 1, int(day), int(hour), int(minute), tzinfo=BANGKOK
    )


def libreoffice_sheets(xlsx: Path, work: Path) -> dict[str, list[dict[str, str]]]:
    """Every sheet of ``xlsx`` as LibreOffice shows it, converted to CSV by LibreOffice itself."""
    soffice = shutil.which("soffice")
    if soffice is None:
        skip_or_fail("soffice is not installed (Debian libreoffice-calc-nogui)")
    out = work / "lo"
    out.mkdir(exist_ok=True)
    # 44 = comma, 34 = ", 76 = UTF-8, 1 = from line 1, ..., true = cells as shown, -1 = every sheet
    flt = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1"
    done = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={(work / 'lo-profile').as_uri()}",
            "--headless",
            "--convert-to",
            flt,
            "--outdir",
            str(out),
            str(xlsx),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    sheets = {}
    for f in sorted(out.glob(f"{xlsx.stem}-*.csv")):
        sheets[f.stem.removeprefix(f"{xlsx.stem}-")] = list(
            csv.DictReader(io.StringIO(f.read_text(encoding="utf-8")))
        )
    assert sheets, f"LibreOffice wrote nothing: {done.stdout} {done.stderr}"
    return sheets


def export(*args: str) -> str:
    done = subprocess.run(
        [CLI, "export", *args], capture_output=True, text=True, cwd=ROOT, timeout=120, env={**os.environ}
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def status(data: Path, slug: str, months: int) -> dict:
    return json.loads((data / slug / "2565" / f"round-{months:02d}" / "status.json").read_text())


def test_year_workbook_in_libreoffice(tmp_path):
    data = tmp_path / "data"
    sample_year(AGENCIES, data)
    xlsx = tmp_path / "year.xlsx"
    assert export(
        "year", "--agency", "mae-u-kho", "--fiscal-year", "2565", "--data-root", str(data), "--out", str(xlsx)
    ) == str(xlsx)
    sheets = libreoffice_sheets(xlsx, tmp_path)
    assert set(sheets) == {
        "แผนมาตรการ",
        "รายการส่งทุกรอบ",
        "ความครบถ้วนรายรอบ",
        "หน่วยงานที่ส่งช้า",
        "ความครบถ้วนรายมาตรการ",
    }
    assert [r["รหัสมาตรการ"] for r in sheets["แผนมาตรการ"]] == ["M1", "M2", "M3", "M4"]
    rounds = {int(r["รอบ (เดือน)"]): r for r in sheets["ความครบถ้วนรายรอบ"]}
    for months in (6, 12):
        comp = status(data, "mae-u-kho", months)["completeness"]
        due, gaps = len(comp["due"]), len(comp["gaps"])
        assert int(rounds[months]["รายการที่ครบกำหนด"]) == due
        assert int(rounds[months]["ครบแล้ว"]) == due - gaps
        assert float(rounds[months]["ร้อยละความครบถ้วน"]) == round(100 * (due - gaps) / due, 1)
        assert rounds[months]["วันสุดท้ายที่ส่งได้"] == {6: "15 เม.ย. 2565", 12: "15 ต.ค. 2565"}[months]
        manifest = json.loads(
            (data / "mae-u-kho" / "2565" / f"round-{months:02d}" / "received" / "manifest.json").read_text()
        )
        versions = {v["unit"]: v for v in manifest["versions"]}
        items = [r for r in sheets["รายการส่งทุกรอบ"] if r["รอบ (เดือน)"] == str(months)]
        assert sorted((r["รหัสหน่วยงาน"], r["รหัสมาตรการ"]) for r in items) == sorted(
            tuple(d) for d in comp["due"]
        )
        for r in items:
            v = versions.get(r["รหัสหน่วยงาน"])
            if r["สถานะ"] in ("ส่งตรงเวลา", "ส่งช้า"):
                assert thai_datetime(r["เวลาที่ได้รับ"]) == datetime.fromisoformat(v["received_at"])
                assert int(r["ฉบับที่"]) == v["version"]
            else:
                assert [r["รหัสหน่วยงาน"], r["รหัสมาตรการ"]] in [
                    [g["unit"], g["measure_code"]] for g in comp["gaps"]
                ]
                assert r["เวลาที่ได้รับ"] == "" and r["ฉบับที่"] == ""
    late = {(r["รอบ (เดือน)"], r["รหัสหน่วยงาน"], r["รหัสมาตรการ"]): r for r in sheets["รายการส่งทุกรอบ"]}
    assert (late["6", "pr", "M2"]["ส่งช้า"], late["6", "pr", "M2"]["จำนวนวันที่ช้า"]) == ("ช้า", "4")
    assert (late["12", "pr", "M2"]["ส่งช้า"], late["12", "pr", "M2"]["จำนวนวันที่ช้า"]) == ("ช้า", "7")
    assert late["12", "finance", "M4"]["ส่งช้า"] == "ไม่ช้า"
    assert [r["รหัสหน่วยงาน"] for r in sheets["หน่วยงานที่ส่งช้า"]] == ["pr", "finance"]
    assert sheets["หน่วยงานที่ส่งช้า"][0]["รอบ (เดือน)"] == "3, 6, 9, 12"
    # CSV for machines: the same figures, English headers, ISO times
    folder = tmp_path / "csv"
    export(
        "year",
        "--agency",
        "mae-u-kho",
        "--fiscal-year",
        "2565",
        "--data-root",
        str(data),
        "--csv",
        str(folder),
    )
    machine = list(
        csv.DictReader(
            io.StringIO((folder / "ita-mae-u-kho-2565-year-rounds.csv").read_text(encoding="utf-8"))
        )
    )
    assert [(r["round"], r["due"], r["complete"], r["percent"]) for r in machine] == [
        (k, v["รายการที่ครบกำหนด"], v["ครบแล้ว"], v["ร้อยละความครบถ้วน"])
        for k, v in ((str(m), rounds[m]) for m in sorted(rounds))
    ]
    items = list(
        csv.DictReader(
            io.StringIO((folder / "ita-mae-u-kho-2565-year-items.csv").read_text(encoding="utf-8"))
        )
    )
    pr6 = next(r for r in items if (r["round"], r["unit"], r["measure_code"]) == ("6", "pr", "M2"))
    assert pr6["received_at"] == "2022-04-19T14:30:00+07:00" and pr6["days_late"] == "4"


def test_overview_workbook_in_libreoffice(tmp_path):
    agencies, data = tmp_path / "agencies", tmp_path / "data"
    slugs = province(agencies, data)
    xlsx = tmp_path / "overview.xlsx"
    export(
        "overview",
        "--fiscal-year",
        "2565",
        "--agencies-dir",
        str(agencies),
        "--data-root",
        str(data),
        "--out",
        str(xlsx),
    )
    (rows,) = libreoffice_sheets(xlsx, tmp_path).values()
    assert len(rows) == 5 * len(slugs)
    for r in rows:
        assert r["ปีงบประมาณ"] == "2565"
        if r["รอบ (เดือน)"] in ("6", "12"):
            comp = status(data, r["รหัสหน่วยงาน"], int(r["รอบ (เดือน)"]))["completeness"]
            due, gaps = len(comp["due"]), len(comp["gaps"])
            assert (int(r["รายการที่ครบกำหนด"]), int(r["ครบแล้ว"])) == (due, due - gaps)
            assert float(r["ร้อยละความครบถ้วน"]) == round(100 * (due - gaps) / due, 1)
    # furthest behind first: every agency's rows together, the ones lacking round 12 files first
    order = list(dict.fromkeys(r["รหัสหน่วยงาน"] for r in rows))
    assert sorted(order) == sorted(slugs)
    assert set(order[: len(slugs) // 3]) == {s for i, s in enumerate(slugs) if i % 3 == 2}
    assert set(order[-(len(slugs) // 3) :]) == {s for i, s in enumerate(slugs) if i % 3 == 0}
    # a filter from the command line
    only = tmp_path / "pai.xlsx"
    export(
        "overview",
        "--fiscal-year",
        "2565",
        "--district",
        "ปาย",
        "--round",
        "12",
        "--agencies-dir",
        str(agencies),
        "--data-root",
        str(data),
        "--out",
        str(only),
    )
    (tmp_path / "pai").mkdir()
    (pai,) = libreoffice_sheets(only, tmp_path / "pai").values()
    assert {(r["อำเภอ"], r["รอบ (เดือน)"]) for r in pai} == {("ปาย", "12")}
    assert len(pai) == len(slugs) // 3
