import shutil
from pathlib import Path

import pytest
import yaml

from ita_monitor.cli import main
from ita_monitor.model.config import AgenciesDir
from ita_monitor.model.errors import InputError
from tests.conftest import AGENCIES


@pytest.fixture
def agencies(tmp_path) -> Path:
    dst = tmp_path / "agencies"
    shutil.copytree(AGENCIES, dst)
    return dst


def _edit(path: Path, change) -> None:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(doc)
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")


def _plan(agencies: Path) -> Path:
    return agencies / "mae-u-kho" / "plans" / "2565.yaml"


def test_sample_agency_is_valid_and_holds_the_seed_data():
    d = AgenciesDir(AGENCIES)
    assert d.validate() == []
    agency = d.agency("mae-u-kho")
    assert agency.name_th == "องค์การบริหารส่วนตำบลแม่อูคอ"
    assert (agency.district, agency.province) == ("ขุนยวม", "แม่ฮ่องสอน")
    plan = d.plan("mae-u-kho", 2565)
    assert [m.title for m in plan.measures] == [
        "มาตรการตรวจสอบการใช้ดุลพินิจ",
        "มาตรการเผยแพร่ข้อมูลต่อสาธารณะ",
        "ประกาศเจตจำนงการบริหารงานด้วยความซื่อสัตย์สุจริตอย่างมีคุณธรรมและโปร่งใส",
        "มาตรการส่งเสริมความโปร่งใสในการจัดซื้อจัดจ้าง",
    ]
    assert [m.code for m in plan.due_in(1)] == ["M4"]
    assert [m.code for m in plan.due_in(12)] == ["M1", "M2", "M3", "M4"]
    assert d.catalogue(2565).item_for("round_report").code == "O43"


@pytest.mark.parametrize(
    ("change", "where", "th"),
    [
        (
            lambda d: d["measures"][0]["units"].append("nosuch"),
            "measures #1 (M1) > units #2",
            "ไม่รู้จักหน่วยงานย่อย nosuch",
        ),
        (
            lambda d: d["measures"][1]["rounds"].append(13),
            "measures #2 (M2) > rounds",
            "ไม่ถูกต้อง: ต้องเป็นเดือนของรอบติดตาม",
        ),
        (lambda d: d["measures"][2].update(code="M1"), "measures #3 (M1) > code", "รหัสมาตรการ M1 ซ้ำ"),
        (lambda d: d["measures"][3].update(title="  "), "measures #4 (M4) > title", "ต้องไม่เว้นว่าง"),
        (lambda d: d["measures"][0].pop("units"), "measures #1 (M1) > units", "ขาดช่อง units"),
        (
            lambda d: d["measures"][0].update(indicators=[11]),
            "measures #1 (M1) > indicators",
            "ตัวชี้วัด ITA ๑–๑๐",
        ),
        (
            lambda d: d["measures"][0].update(titel="x"),
            "measures #1 (M1) > titel",
            "ไม่รู้จักช่อง titel: หมายถึง title หรือไม่",
        ),
        (lambda d: d.update(fiscal_year=2566), "fiscal_year", "ไม่ตรงกับชื่อไฟล์"),
    ],
)
def test_each_kind_of_bad_plan_is_reported_with_file_and_field(agencies, change, where, th):
    _edit(_plan(agencies), change)
    problems = AgenciesDir(agencies).validate()
    assert any(p.where == where and th in p.th and p.file.endswith("2565.yaml") for p in problems), problems
    with pytest.raises(InputError):
        AgenciesDir(agencies).plan("mae-u-kho", 2565)


def test_every_problem_is_reported_not_only_the_first(agencies):
    def two_problems(d):
        d["measures"][0]["units"] = ["nosuch"]
        d["measures"][1]["code"] = "M1"

    _edit(_plan(agencies), two_problems)
    wheres = {p.where for p in AgenciesDir(agencies).validate()}
    assert {"measures #1 (M1) > units #1", "measures #2 (M1) > code"} <= wheres


def test_bad_agency_profile_and_bad_yaml_are_reported(agencies):
    _edit(agencies / "mae-u-kho" / "agency.yaml", lambda d: d["units"].append(dict(d["units"][0])))
    (agencies / "mae-u-kho" / "plans" / "2566.yaml").write_text("measures: [\n", encoding="utf-8")
    problems = AgenciesDir(agencies).validate()
    assert any(p.where == "units #6 (palad) > code" and "ซ้ำ" in p.th for p in problems)
    assert any(p.file.endswith("2566.yaml") and p.where.startswith("line ") for p in problems)


def test_cli_validate_prints_every_problem_and_exits_non_zero(agencies, capsys):
    assert main(["validate", str(agencies)]) == 0
    _edit(_plan(agencies), lambda d: d["measures"][0]["units"].append("nosuch"))
    assert main(["validate", str(agencies)]) == 1
    err = capsys.readouterr().err
    assert "2565.yaml [measures #1 (M1) > units #2]" in err and "unknown unit nosuch" in err


def _agency_yaml(agencies: Path) -> Path:
    return agencies / "mae-u-kho" / "agency.yaml"


def _by_where(problems) -> dict[str, tuple[str, str, str]]:
    return {p.where: (p.severity, p.th, p.en) for p in problems}


def test_messages_name_the_allowed_values_and_suggest_near_misses(agencies):
    _edit(_plan(agencies), lambda d: d["measures"][3].update(indicators=["หนึ่ง"]))
    found = _by_where(AgenciesDir(agencies).validate())
    severity, th, en = found["measures #4 (M4) > indicators #1"]
    assert en == "'หนึ่ง' cannot be used: give an ITA indicator number 1-10"
    assert th == "ค่า ('หนึ่ง') ใช้ไม่ได้: ต้องเป็นเลขตัวชี้วัด ITA ๑–๑๐" and "valid integer" not in en

    def units(d):  # with the indicator still wrong: the units are checked all the same
        d["measures"][0]["units"] = ["PALAD"]
        d["measures"][1]["units"] = ["nosuch"]

    _edit(_plan(agencies), units)
    found = _by_where(AgenciesDir(agencies).validate())
    assert "measures #4 (M4) > indicators #1" in found
    assert "did you mean palad?" in found["measures #1 (M1) > units #1"][2]
    assert "did you mean" not in found["measures #2 (M2) > units #1"][2]
    assert not any("Tuple should have" in p.en for p in AgenciesDir(agencies).validate())


def test_an_item_refused_does_not_also_report_its_list_as_empty(agencies):
    _edit(_plan(agencies), lambda d: d["measures"][0].update(units=["a b"], rounds=["twelve"]))
    problems = [p for p in AgenciesDir(agencies).validate() if p.severity == "error"]
    assert [p.where for p in problems] == ["measures #1 (M1) > units #1", "measures #1 (M1) > rounds #1"]
    assert all("at least 1 item" not in p.en and "after validation" not in p.en for p in problems)
    assert problems[0].en == "'a b' cannot be used: give a unit code from agency.yaml"
    assert "a round in months 1-12" in problems[1].en


def test_a_bad_email_and_a_wrong_choice_say_what_is_expected(agencies):
    def bad(d):
        d["units"][0]["email"] = "saraban at example.go.th"
        d["publish"] = {"target": "Static"}

    _edit(_agency_yaml(agencies), bad)
    found = _by_where(AgenciesDir(agencies).validate())
    email = next(v for k, v in found.items() if k.endswith("> email"))
    assert "an e-mail address such as saraban@example.go.th" in email[2] and "^" not in email[2]
    assert (
        found["publish > target"][2]
        == "'Static' is not allowed: use static / wordpress / sftp (did you mean static?)"
    )


def test_plan_errors_are_reported_while_the_profile_has_errors_too(agencies, capsys):
    _edit(_agency_yaml(agencies), lambda d: d.update(name_th=""))
    _edit(_plan(agencies), lambda d: d["measures"][0]["units"].append("nosuch"))
    problems = AgenciesDir(agencies).validate()
    assert any(p.file.endswith("agency.yaml") and p.where == "name_th" for p in problems)
    assert any(p.where == "measures #1 (M1) > units #2" and "nosuch" in p.en for p in problems)
    assert main(["validate", str(agencies)]) == 1
    err = capsys.readouterr().err
    assert "2 error(s) and " in err and "warning(s) found" in err


def test_district_and_province_written_with_their_prefix_are_read_without_it(agencies, capsys):
    _edit(_agency_yaml(agencies), lambda d: d.update(district="อำเภอขุนยวม", province="จังหวัดแม่ฮ่องสอน"))
    agency = AgenciesDir(agencies).agency("mae-u-kho")
    assert (agency.district, agency.province) == ("ขุนยวม", "แม่ฮ่องสอน")
    warnings = [
        p
        for p in AgenciesDir(agencies).validate()
        if p.severity == "warning" and p.where in ("district", "province")
    ]
    assert [p.where for p in warnings] == ["district", "province"]
    assert "read as 'ขุนยวม'" in warnings[0].en
    assert main(["validate", str(agencies)]) == 0
    assert "2 warning(s)" in capsys.readouterr().out


def test_the_admins_oit_links_file_is_checked_against_the_years_catalogue(agencies):
    oit = agencies / "mae-u-kho" / "oit"
    (oit / "2565.yaml").write_text(
        "urls:\n  O1: www.example.go.th/structure\n  O99: https://x.example/\nassessment:\n"
        "  start: 2022-08-31\n  end: 2022-04-01\n",
        encoding="utf-8",
    )
    (oit / "2599.yaml").write_text("urls: {}\n", encoding="utf-8")
    found = {(Path(p.file).name, p.where) for p in AgenciesDir(agencies).validate()}
    assert ("2565.yaml", "assessment") in found  # end before start
    (oit / "2565.yaml").write_text(
        "urls:\n  O1: www.example.go.th/structure\n  O99: https://x.example/\n", encoding="utf-8"
    )
    problems = {(Path(p.file).name, p.where): p for p in AgenciesDir(agencies).validate()}
    assert "http://" in problems[("2565.yaml", "urls.O1")].en
    assert "not an OIT item of 2565" in problems[("2565.yaml", "urls.O99")].en
    assert "no OIT catalogue for 2599" in problems[("2599.yaml", "")].en
    cat = AgenciesDir(agencies).catalogue(2565)
    assert [i.code for i in cat.managed] == ["O42", "O43"] and len(cat.items) == 4
    assert AgenciesDir(agencies).oit_links("mae-u-kho", 2566).urls == {}  # no file: nothing entered


# --- OIT catalogues of every fiscal year -----------------------------------------------------------


def test_a_catalogue_for_every_fiscal_year_2565_to_2570_with_its_source_and_changes():
    d = AgenciesDir(AGENCIES)
    codes = {}
    for year in range(2565, 2571):
        cat = d.catalogue(year)
        assert cat.fiscal_year == year and cat.source
        text = (AGENCIES / "catalogue" / f"oit-{year}.yaml").read_text(encoding="utf-8")
        assert "Changes from" in text  # what changed since the year before is noted in the file
        if not cat.verified:
            assert "NOT VERIFIED" in text  # an unchecked year says so, never silently
        codes[year] = (cat.item_for("measures").code, cat.item_for("round_report").code)
    assert codes[2565] == codes[2566] == ("O42", "O43")
    assert codes[2569] == ("O25", "O26")


def test_a_missing_year_names_the_file_to_add(agencies):
    with pytest.raises(InputError) as exc:
        AgenciesDir(agencies).catalogue(2571)
    [problem] = exc.value.problems
    path = agencies / "catalogue" / "oit-2571.yaml"
    assert str(path) in problem.en and "copy oit-2570.yaml" in problem.en
    assert "ปีงบประมาณ ๒๕๗๑" in problem.th and str(path) in problem.th


def test_a_plan_year_without_catalogue_or_with_an_unverified_one_is_reported(agencies):
    shutil.copy(_plan(agencies), agencies / "mae-u-kho" / "plans" / "2567.yaml")
    _edit(agencies / "mae-u-kho" / "plans" / "2567.yaml", lambda d: d.update(fiscal_year=2567))
    (agencies / "catalogue" / "oit-2567.yaml").rename(agencies / "catalogue" / "moved.txt")
    problems = AgenciesDir(agencies).validate()
    [missing] = [p for p in problems if "oit-2567.yaml" in p.en]
    assert missing.severity == "error" and str(agencies / "catalogue" / "oit-2567.yaml") in missing.en
    (agencies / "catalogue" / "moved.txt").rename(agencies / "catalogue" / "oit-2567.yaml")
    [unverified] = [p for p in AgenciesDir(agencies).validate() if p.where == "verified"]
    assert unverified.severity == "warning" and unverified.file.endswith("oit-2567.yaml")
