"""A made-up agency of any size, written as YAML like an admin would, for tests and benchmarks."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def make_agencies(
    root: Path,
    slug: str = "test-town",
    fiscal_year: int = 2565,
    units: int = 3,
    measures: int = 4,
    rounds: tuple[int, ...] = (1, 3, 6, 9, 12),
    grace_days: int = 15,
    reminder_days: int = 3,
) -> Path:
    """An agencies dir with one agency of ``units`` units and a plan of ``measures`` measures.

    Measure i is reported by unit ``u{i % units}`` in every round.
    """
    root.mkdir(parents=True, exist_ok=True)
    (root / "catalogue").mkdir(exist_ok=True)
    cat = yaml.safe_load((ROOT / "include" / "agencies" / "catalogue" / "oit-2565.yaml").read_text())
    cat["fiscal_year"] = fiscal_year
    (root / "catalogue" / f"oit-{fiscal_year}.yaml").write_text(yaml.safe_dump(cat, allow_unicode=True))
    agency = yaml.safe_load((ROOT / "include" / "agencies" / "mae-u-kho" / "agency.yaml").read_text())
    agency["units"] = [
        {"code": f"u{i}", "name_th": f"กองทดสอบที่ {i}", "email": f"u{i}@test-town.example"}
        for i in range(units)
    ]
    agency["schedule"] = {"rounds": list(rounds), "grace_days": grace_days, "reminder_days": reminder_days}
    agency.pop("publish", None)
    (root / slug / "plans").mkdir(parents=True, exist_ok=True)
    (root / slug / "agency.yaml").write_text(yaml.safe_dump(agency, allow_unicode=True))
    plan = {
        "fiscal_year": fiscal_year,
        "measures": [
            {
                "code": f"M{i + 1}",
                "title": f"มาตรการทดสอบที่ {i + 1}",
                "units": [f"u{i % units}"],
                "rounds": list(rounds),
            }
            for i in range(measures)
        ],
    }
    (root / slug / "plans" / f"{fiscal_year}.yaml").write_text(yaml.safe_dump(plan, allow_unicode=True))
    return root


def copy_sample_agencies(root: Path) -> Path:
    shutil.copytree(ROOT / "include" / "agencies", root)
    return root


# --- a second agency that stresses the documents -------------------------------------------------

LONG_UNITS = {
    "palad": "สำนักปลัดองค์การบริหารส่วนตำบล งานบริหารทั่วไป งานนโยบายและแผน งานกฎหมายและคดี และงานป้องกันและบรรเทาสาธารณภัย",
    "finance": "กองคลัง งานการเงินและบัญชี งานพัฒนาและจัดเก็บรายได้ งานทะเบียนทรัพย์สินและพัสดุ",
    "works": "กองช่าง งานก่อสร้าง งานออกแบบและควบคุมอาคาร งานประสานสาธารณูปโภค และงานผังเมือง",
    "education": "กองการศึกษา ศาสนาและวัฒนธรรม งานส่งเสริมการศึกษา ศูนย์พัฒนาเด็กเล็ก และงานกีฬาและนันทนาการ",
    "pr": "งานประชาสัมพันธ์และเทคโนโลยีสารสนเทศ สำนักปลัดองค์การบริหารส่วนตำบล (ศูนย์ข้อมูลข่าวสารของราชการ)",
}
SENTENCE = (
    "ดำเนินการตามมาตรการครบถ้วน ประกาศ 6 ฉบับ ร้อยละ 100 ภายใน 15 วัน นับแต่วันที่ 10 มกราคม 2565 "
    "เผยแพร่ที่ https://www.example.go.th/ita/2565/03/report.pdf ได้รับการรับรอง ISO 9001 "
    "ติดต่อ palad@example.go.th โทร. 053-681-234 ตามข้อ O43 และรายงานผู้บริหารทราบทุกไตรมาส "
)


def long_text(length: int = 10_000) -> str:
    """Thai prose of exactly ``length`` characters, with numbers, a link, an e-mail and codes in it."""
    text = (SENTENCE * (length // len(SENTENCE) + 1))[:length]
    return text[:-1] + "ฯ"


def make_long_agency(root: Path, data_root: Path | None = None, slug: str = "long-names") -> str:
    """The sample agency made hard to print: long unit names, measure M1 reported by two units
    (สำนักปลัด and กองคลัง), and 10,000-character cells in the round-12 submissions (put into
    ``data_root``'s inbox when given).  Returns the slug; the folder passes ``ita-monitor validate``."""
    sample = ROOT / "include" / "agencies"
    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(sample / "catalogue", root / "catalogue", dirs_exist_ok=True)
    shutil.rmtree(root / slug, ignore_errors=True)
    shutil.copytree(sample / "mae-u-kho", root / slug)
    path = root / slug / "agency.yaml"
    agency = yaml.safe_load(path.read_text(encoding="utf-8"))
    agency["name_th"] = "องค์การบริหารส่วนตำบลหนองบัวแดงใหม่พัฒนาสามัคคี"
    agency["short_name_th"] = "อบต.หนองบัวแดงใหม่พัฒนาสามัคคี"
    for unit in agency["units"]:
        unit["name_th"] = LONG_UNITS[unit["code"]]
        unit["email"] = f"{unit['code']}@{slug}.example"
    agency["publish"] = {"target": "static", "path": f"site/{slug}", "base_url": ""}
    path.write_text(yaml.safe_dump(agency, allow_unicode=True, sort_keys=False), encoding="utf-8")
    plan_path = root / slug / "plans" / "2565.yaml"
    plan = yaml.safe_load(plan_path.read_text(encoding="utf-8"))
    plan["measures"][0]["units"] = ["palad", "finance"]  # two units report on M1
    plan_path.write_text(yaml.safe_dump(plan, allow_unicode=True, sort_keys=False), encoding="utf-8")
    if data_root is not None:
        inbox = data_root / slug / "2565" / "round-12" / "inbox"
        by_unit: dict[str, list[dict]] = {}
        for m in plan["measures"]:
            if 12 in m["rounds"]:
                for unit in m["units"]:
                    by_unit.setdefault(unit, []).append(m)
        for unit, measures in by_unit.items():
            rows = [
                {
                    "รหัสมาตรการ": m["code"],
                    "มาตรการ": m["title"],
                    "รายละเอียดการดำเนินงาน": long_text() if i == 0 else SENTENCE.strip(),
                    "ระยะเวลาการดำเนินงาน": "ตุลาคม 2564 – กันยายน 2565",
                    "ผลผลิต": long_text(2_000),
                    "ผลลัพธ์": SENTENCE.strip(),
                    "หมายเหตุ": "",
                }
                for i, m in enumerate(measures)
            ]
            (inbox / unit).mkdir(parents=True, exist_ok=True)
            (inbox / unit / f"{unit}-round12.json").write_text(
                json.dumps({"unit": unit, "rows": rows}, ensure_ascii=False, indent=1), encoding="utf-8"
            )
    return slug
