"""Reading the agencies directory's YAML files into their models, with every problem found in one pass
(file, field counted from 1, Thai and English): an agency's profile, a plan checked against its agency
and its file name, what the yearly documents need beyond a plan, the OIT catalogue and the admin's OIT
URLs."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ita_monitor.model.agency import Agency, Schedule
from ita_monitor.model.catalogue import Catalogue, OitLinks
from ita_monitor.model.errors import Problem
from ita_monitor.model.explain import field_path, problems_from, suggest
from ita_monitor.model.plan import ITA_INDICATORS, Plan
from ita_monitor.model.schema import SLUG_RE
from ita_monitor.model.thai import thai_digits


def read_yaml(path: Path) -> tuple[Any, list[Problem]]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, [Problem(str(path), "", "ไม่พบไฟล์", "file not found")]
    except UnicodeDecodeError as exc:
        return None, [Problem(str(path), f"byte {exc.start}", "ไฟล์ต้องเข้ารหัส UTF-8", "file must be UTF-8")]
    try:
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        return None, [Problem(str(path), where, "รูปแบบ YAML ไม่ถูกต้อง", f"invalid YAML: {exc}")]
    if not isinstance(data, dict):
        return None, [Problem(str(path), "", "ไฟล์ต้องเป็น YAML แบบ mapping", "top level must be a mapping")]
    return data, []


def parse_agency(path: Path) -> tuple[Agency | None, list[Problem]]:
    """Read agency.yaml; the slug is the folder name."""
    data, problems = read_yaml(path)
    if data is None:
        return None, problems
    slug = path.parent.name
    if not SLUG_RE.match(slug):
        problems.append(
            Problem(
                str(path.parent),
                "",
                "ชื่อโฟลเดอร์หน่วยงานต้องเป็นอักษรอังกฤษตัวเล็ก ตัวเลข และ -",
                f"agency folder name {slug!r} must be lowercase letters, digits and '-'",
            )
        )
    try:
        agency = Agency.model_validate({**data, "slug": slug})
    except ValidationError as exc:
        return None, problems + problems_from(exc, str(path), Agency, data)
    for key, word in (("district", "อำเภอ"), ("province", "จังหวัด")):
        written = str(data.get(key, "")).strip()
        if written != getattr(agency, key):
            problems.append(
                Problem(
                    str(path),
                    key,
                    f"{key} เขียนโดยไม่ต้องมีคำว่า{word}: อ่านเป็น {getattr(agency, key)!r} (เอกสารพิมพ์ '{word}' ให้เอง)",
                    f"{key} is written without the word {word}: read as {getattr(agency, key)!r} (the documents "
                    f"print '{word}' themselves)",
                    severity="warning",
                )
            )
    if agency.emblem:
        # Documents need the image wherever they are rendered: keep its absolute path.
        emblem = (path.parent / agency.emblem).resolve()
        if emblem.is_file():
            agency = agency.model_copy(update={"emblem": str(emblem)})
        else:
            problems.append(
                Problem(
                    str(path),
                    "emblem",
                    f"ไม่พบไฟล์ตราครุฑ {agency.emblem} (ระบุตำแหน่งเทียบกับโฟลเดอร์หน่วยงาน หรือเว้นว่าง)",
                    f"emblem image {agency.emblem} not found (a path relative to the agency folder, or empty)",
                )
            )
    seen: set[str] = set()
    for i, unit in enumerate(agency.units):
        if unit.code in seen:
            problems.append(
                Problem(
                    str(path),
                    field_path(("units", i, "code"), data),
                    f"รหัสหน่วยงานย่อย {unit.code} ซ้ำ",
                    f"duplicate unit code {unit.code}",
                )
            )
        seen.add(unit.code)
    return agency, problems


class _Loose:
    """What plans are checked against when agency.yaml itself has errors: its units and rounds as
    written (so the plan's own errors are reported too, not hidden behind the profile's)."""

    def __init__(self, data: dict):
        units = data.get("units") if isinstance(data.get("units"), list) else []
        self.unit_codes = frozenset(str(u["code"]) for u in units if isinstance(u, dict) and u.get("code"))
        rounds = (
            (data.get("schedule") or {}).get("rounds") if isinstance(data.get("schedule"), dict) else None
        )
        try:
            self.schedule = Schedule(rounds=tuple(rounds)) if rounds else Schedule()
        except (ValidationError, TypeError):
            self.schedule = Schedule()


def loose_agency(path: Path) -> _Loose | None:
    data, _ = read_yaml(path)
    return _Loose(data) if isinstance(data, dict) and data.get("units") else None


def _unit_problems(file: str, data: dict, agency: Agency | _Loose | None) -> list[Problem]:
    """Unit codes of the plan's measures (as written) that the agency does not have."""
    if agency is None or not isinstance(data.get("measures"), list):
        return []
    codes = sorted(agency.unit_codes)
    problems = []
    for i, m in enumerate(data["measures"]):
        units = m.get("units") if isinstance(m, dict) else None
        for j, u in enumerate(units if isinstance(units, list) else []):
            if isinstance(u, str) and u.strip() and u not in agency.unit_codes:
                problems.append(_unknown_unit(file, field_path(("measures", i, "units", j), data), u, codes))
    return problems


def _unknown_unit(file: str, where: str, u: str, codes: list[str]) -> Problem:
    hint = suggest(u, codes)
    return Problem(
        file,
        where,
        f"ไม่รู้จักหน่วยงานย่อย {u}"
        + (f": หมายถึง {hint} หรือไม่" if hint else "")
        + f" (รหัสใน agency.yaml: {', '.join(codes)}): แก้รหัส หรือเพิ่มใน agency.yaml",
        f"unknown unit {u}"
        + (f": did you mean {hint}?" if hint else "")
        + f" (the codes in agency.yaml: {', '.join(codes)}): fix the code or add it to agency.yaml units",
    )


def parse_plan(path: Path, agency: Agency | _Loose | None) -> tuple[Plan | None, list[Problem]]:
    """Read a plan and check it against the agency (units) and its file name (fiscal year)."""
    data, problems = read_yaml(path)
    if data is None:
        return None, problems
    try:
        plan = Plan.model_validate(data)
    except ValidationError as exc:
        found = problems_from(exc, str(path), Plan, data)
        # the units are checked too, as written, so that no error waits for another to be fixed
        refused = {p.where for p in found}
        return None, problems + found + [
            p for p in _unit_problems(str(path), data, agency) if p.where not in refused
        ]
    file = str(path)
    if path.stem != str(plan.fiscal_year):
        problems.append(
            Problem(
                file,
                "fiscal_year",
                f"ปีงบประมาณ {plan.fiscal_year} ไม่ตรงกับชื่อไฟล์ {path.name}",
                f"fiscal_year {plan.fiscal_year} does not match the file name {path.name}",
            )
        )
    seen: dict[str, int] = {}
    for i, m in enumerate(plan.measures):
        if m.code in seen:
            problems.append(
                Problem(
                    file,
                    field_path(("measures", i, "code"), data),
                    f"รหัสมาตรการ {m.code} ซ้ำกับมาตรการลำดับที่ {seen[m.code] + 1}",
                    f"duplicate measure code {m.code} (also measures #{seen[m.code] + 1})",
                )
            )
        seen.setdefault(m.code, i)
        if agency is not None:
            codes = sorted(agency.unit_codes)
            for j, u in enumerate(m.units):
                if u not in agency.unit_codes:
                    problems.append(
                        _unknown_unit(file, field_path(("measures", i, "units", j), data), u, codes)
                    )
            off = [r for r in m.rounds if r not in agency.schedule.rounds]
            if off:
                problems.append(
                    Problem(
                        file,
                        field_path(("measures", i, "rounds"), data),
                        f"รอบ {off} ไม่อยู่ในรอบติดตามของหน่วยงาน {list(agency.schedule.rounds)}",
                        f"rounds {off} are not among the agency's scheduled rounds {list(agency.schedule.rounds)}",
                        severity="warning",
                    )
                )
    analysis_year = plan.analysis_year
    for i, result in enumerate(plan.ita_results):
        if analysis_year is not None and result.year >= analysis_year:
            problems.append(
                Problem(
                    file,
                    f"ita_results #{i + 1} ({result.year}) > year",
                    f"ita_results เก็บผลของปีก่อนหน้าปี {analysis_year} ที่ analysis วิเคราะห์:"
                    f" ย้ายคะแนนปี {result.year} ไปไว้ใน analysis หรือแก้ปี",
                    f"ita_results holds the years before {analysis_year} (the analysis' year):"
                    f" move the scores of {result.year} into analysis or fix the year",
                )
            )
    return plan, problems


def document_problems(plan: Plan, catalogue: Catalogue | None, file: str) -> list[Problem]:
    """What the yearly documents need beyond what the rounds use: the analysis of last year's ITA
    result and the approval memo; and a warning for each point to improve that no measure addresses.
    """
    problems: list[Problem] = []
    if plan.analysis is None:
        problems.append(
            Problem(
                file,
                "analysis",
                "ขาดการวิเคราะห์ผลการประเมิน ITA ของปีที่ผ่านมา (คะแนนรายตัวชี้วัดและบทวิเคราะห์)",
                "missing the analysis of last year's ITA result (scores per indicator and the analysis text)",
            )
        )
    if plan.memo is None:
        problems.append(
            Problem(
                file,
                "memo",
                "ขาดข้อมูลบันทึกข้อความขออนุมัติมาตรการ (เรื่อง เรื่องเดิม ข้อเท็จจริง ข้อเสนอแนะ)",
                "missing the approval memo (subject, background, facts, proposals)",
            )
        )
    elif plan.memo.date is None and plan.approved_on is None:
        problems.append(
            Problem(
                file,
                "memo.date",
                "ขาดวันที่ของบันทึกข้อความ: ระบุ memo.date หรือ approved_on (YYYY-MM-DD ค.ศ.)",
                "the memo has no date: give memo.date or approved_on (YYYY-MM-DD)",
            )
        )
    if plan.analysis is None:
        return problems
    given = {s.indicator for s in plan.analysis.scores}
    missing = [i for i in ITA_INDICATORS if i not in given]
    if missing:
        problems.append(
            Problem(
                file,
                "analysis.scores",
                f"ไม่มีคะแนนของตัวชี้วัด {missing}",
                f"no score for indicators {missing}",
                severity="warning",
            )
        )
    if catalogue is not None:
        addressed = {i for m in plan.measures for i in m.indicators}
        for i, s in enumerate(plan.analysis.scores):
            if s.score < catalogue.pass_level and s.indicator not in addressed:
                problems.append(
                    Problem(
                        file,
                        f"analysis > scores #{i + 1} (indicator {s.indicator})",
                        f"ตัวชี้วัดที่ {s.indicator} {s.name_th} ได้ {s.score:g} คะแนน ต่ำกว่าเกณฑ์"
                        f" {catalogue.pass_level:g} แต่ไม่มีมาตรการใดระบุ indicators: [{s.indicator}]",
                        f"indicator {s.indicator} scored {s.score:g}, below the pass level"
                        f" {catalogue.pass_level:g}, and no measure addresses it (indicators: [{s.indicator}])",
                        severity="warning",
                    )
                )
    return problems


def parse_catalogue(path: Path) -> tuple[Catalogue | None, list[Problem]]:
    data, problems = read_yaml(path)
    if data is None:
        return None, problems
    try:
        return Catalogue.model_validate(data), problems
    except ValidationError as exc:
        return None, problems + problems_from(exc, str(path), Catalogue, data)


def oit_links_problems(path: Path, catalogues: dict[int, Catalogue]) -> list[Problem]:
    """``<agency>/oit/<FY>.yaml``: valid, named by a year with a catalogue, codes of that catalogue."""
    data, problems = read_yaml(path)
    if data is None:
        return problems
    try:
        links = OitLinks.model_validate(data)
    except ValidationError as exc:
        return problems + problems_from(exc, str(path), OitLinks, data)
    cat = catalogues.get(int(path.stem)) if path.stem.isdigit() else None
    if cat is None:
        return problems + [
            Problem(
                str(path),
                "",
                f"ไม่มีรายการ OIT ของปี {path.stem}: ตั้งชื่อไฟล์เป็นปี พ.ศ. ที่มี catalogue/oit-<ปี>.yaml",
                f"no OIT catalogue for {path.stem}: name the file by a BE year that has catalogue/oit-<year>.yaml",
            )
        ]
    codes = {i.code for i in cat.items}
    for code in links.urls:
        if code not in codes:
            problems.append(
                Problem(
                    str(path),
                    f"urls.{code}",
                    f"ไม่มีข้อ {code} ในรายการ OIT ปี {cat.fiscal_year}: แก้รหัสให้ตรงกับ catalogue",
                    f"{code} is not an OIT item of {cat.fiscal_year}: use a code of the catalogue",
                )
            )
    for code, url in links.urls.items():
        if not re.match(r"^https?://", url):
            problems.append(
                Problem(
                    str(path),
                    f"urls.{code}",
                    "ต้องเป็นที่อยู่เว็บเต็ม ขึ้นต้นด้วย http:// หรือ https://",
                    "must be a full web address starting with http:// or https://",
                )
            )
    return problems


def shipped_catalogue(fiscal_year: int) -> Path | None:
    """The OIT catalogue of ``fiscal_year`` that ships with ita-monitor (``include/agencies/catalogue/``
    in the source tree and the image), if there is one."""
    for base in (Path(__file__).resolve().parents[3], Path("/opt/ita")):
        path = base / "include" / "agencies" / "catalogue" / f"oit-{fiscal_year}.yaml"
        if path.is_file():
            return path
    return None


def missing_catalogue(root: Path, fiscal_year: int, file: str) -> Problem:
    """The problem of a fiscal year without a catalogue: which year, and the file to add (the one
    ita-monitor ships for that year, to copy, or the admin's nearest year to start from)."""
    path = Path(root) / "catalogue" / f"oit-{fiscal_year}.yaml"
    shipped = shipped_catalogue(fiscal_year)
    if shipped is not None and shipped.resolve() != path.resolve():
        return Problem(
            file,
            "",
            f"ไม่มีรายการ OIT ของปีงบประมาณ {thai_digits(fiscal_year)}: ita-monitor มีให้แล้ว คัดลอก {shipped} "
            f"ไปเป็น {path} (cp {shipped} {path}) แล้วตรวจกับรายการของสำนักงาน ป.ป.ช. ปีนั้น",
            f"no OIT catalogue for fiscal year {fiscal_year}: ita-monitor ships one: copy {shipped} to {path} "
            f"(cp {shipped} {path}), then check it against that year's NACC items",
        )
    years = sorted(int(p.stem[4:]) for p in path.parent.glob("oit-*.yaml") if p.stem[4:].isdigit())
    nearest = min(years, key=lambda y: (abs(y - fiscal_year), -y)) if years else None
    start_th = f" (คัดลอก oit-{nearest}.yaml มาแก้)" if nearest else ""
    start_en = f" (copy oit-{nearest}.yaml and edit it)" if nearest else ""
    return Problem(
        file,
        "",
        f"ไม่มีรายการ OIT ของปีงบประมาณ {thai_digits(fiscal_year)}: เพิ่มไฟล์ {path}{start_th}"
        " ตามรายการของสำนักงาน ป.ป.ช. ปีนั้น",
        f"no OIT catalogue for fiscal year {fiscal_year}: add {path}{start_en} with that year's NACC items",
    )
