"""A made-up agency of any size, written as YAML like an admin would, for tests and benchmarks."""

from __future__ import annotations

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
