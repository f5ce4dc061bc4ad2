"""The agencies directory: each agency's profile, its measure plan per fiscal year, the OIT catalogue.

Layout (all YAML, Thai text as is)::

    <agencies_dir>/
      catalogue/oit-<BE year>.yaml     the year's OIT items (numbers and names change every year)
      <agency slug>/agency.yaml        profile: names, units, officials, schedule, where to publish
      <agency slug>/plans/<BE year>.yaml   the measures of that fiscal year

``AgenciesDir`` is the repository: where each file is, loaded and validated (every problem with its
file and field path, so an admin fixes a file in one pass).  The files' models are in ``agency``,
``plan`` and ``catalogue``; reading them in ``parsing``; pydantic's errors in the admin's terms in
``explain``.  Nothing here knows about Airflow.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from pydantic import ValidationError

from ita_monitor.model.agency import Agency
from ita_monitor.model.catalogue import Catalogue, OitLinks
from ita_monitor.model.errors import InputError, Problem
from ita_monitor.model.explain import problems_from
from ita_monitor.model.parsing import (
    document_problems,
    loose_agency,
    missing_catalogue,
    oit_links_problems,
    parse_agency,
    parse_catalogue,
    parse_plan,
    read_yaml,
)
from ita_monitor.model.plan import Plan
from ita_monitor.model.thai import thai_digits


class AgenciesDir:
    """Read access to an agencies directory; everything loaded is validated."""

    def __init__(self, root: Path | str):
        self.root = Path(root)

    def slugs(self) -> list[str]:
        """Agency folders (those holding an agency.yaml), sorted."""
        if not self.root.is_dir():
            return []
        return sorted(p.parent.name for p in self.root.glob("*/agency.yaml"))

    def agency(self, slug: str) -> Agency:
        agency, problems = parse_agency(self.root / slug / "agency.yaml")
        if agency is None or any(p.severity == "error" for p in problems):
            raise InputError(problems)
        return agency

    def plan_years(self, slug: str) -> list[int]:
        return sorted(int(p.stem) for p in (self.root / slug / "plans").glob("*.yaml") if p.stem.isdigit())

    def plan(self, slug: str, fiscal_year: int, agency: Agency | None = None) -> Plan:
        """The plan checked against ``agency`` (the profile, read again when not given)."""
        path = self.root / slug / "plans" / f"{fiscal_year}.yaml"
        if not path.exists():
            raise InputError(
                [
                    Problem(
                        str(path),
                        "",
                        f"ไม่มีแผนมาตรการของปีงบประมาณ {fiscal_year}",
                        f"no measure plan for fiscal year {fiscal_year}: create {path.name}",
                    )
                ]
            )
        plan, problems = parse_plan(path, agency if agency is not None else self.agency(slug))
        if plan is None or any(p.severity == "error" for p in problems):
            raise InputError(problems)
        return plan

    def oit_links(self, slug: str, fiscal_year: int) -> OitLinks:
        """The admin's ``<agency>/oit/<FY>.yaml`` (none: no URLs, the catalogue's assessment period)."""
        path = self.root / slug / "oit" / f"{fiscal_year}.yaml"
        if not path.exists():
            return OitLinks()
        data, problems = read_yaml(path)
        if data is None:
            raise InputError(problems)
        try:
            return OitLinks.model_validate(data)
        except ValidationError as exc:
            raise InputError(problems_from(exc, str(path), OitLinks, data)) from exc

    def catalogue(self, fiscal_year: int) -> Catalogue:
        path = self.root / "catalogue" / f"oit-{fiscal_year}.yaml"
        if not path.exists():
            raise InputError([missing_catalogue(self.root, fiscal_year, str(path))])
        cat, problems = parse_catalogue(path)
        if cat is None:
            raise InputError(problems)
        return cat

    def validate(self) -> list[Problem]:
        """Every problem in the whole directory (errors and warnings)."""
        problems: list[Problem] = []
        if not self.root.is_dir():
            return [Problem(str(self.root), "", "ไม่พบโฟลเดอร์หน่วยงาน", "agencies directory not found")]
        slugs = self.slugs()
        if not slugs:
            problems.append(
                Problem(
                    str(self.root),
                    "",
                    "ไม่มีหน่วยงาน (โฟลเดอร์ที่มี agency.yaml)",
                    "no agency folders (folders holding agency.yaml)",
                )
            )
        catalogues: dict[int, Catalogue] = {}
        for path in sorted((self.root / "catalogue").glob("oit-*.yaml")):
            cat, found = parse_catalogue(path)
            problems += found
            if cat is not None:
                catalogues[cat.fiscal_year] = cat
        catalogue_years = set(catalogues)
        for slug in slugs:
            agency, found = parse_agency(self.root / slug / "agency.yaml")
            problems += found
            for path in sorted((self.root / slug / "oit").glob("*.yaml")):
                problems += oit_links_problems(path, catalogues)
            against = agency if agency is not None else loose_agency(self.root / slug / "agency.yaml")
            for year in self.plan_years(slug):
                path = self.root / slug / "plans" / f"{year}.yaml"
                plan, found = parse_plan(path, against)
                problems += found
                if plan is not None:
                    # The rounds run without the analysis and memo; the yearly documents will not.
                    problems += [
                        replace(p, severity="warning")
                        for p in document_problems(plan, catalogues.get(year), str(path))
                    ]
                if year not in catalogue_years:
                    problems.append(missing_catalogue(self.root, year, str(path)))
                elif not catalogues[year].verified:
                    cat_file = str(self.root / "catalogue" / f"oit-{year}.yaml")
                    problems.append(
                        Problem(
                            cat_file,
                            "verified",
                            f"รายการ OIT ปีงบประมาณ {thai_digits(year)} ยังไม่ได้ตรวจกับคู่มือการประเมิน ITA"
                            " ของสำนักงาน ป.ป.ช.: ตรวจรหัสข้อและชื่อรายการ แก้ให้ตรง แล้วตั้ง verified: true",
                            f"the OIT catalogue of {year} is not verified against the NACC's ITA manual:"
                            " check item codes and names, fix them, then set verified: true",
                            severity="warning",
                        )
                    )
        return problems
