"""A file sent through a web page: refused before anything is stored, or kept and collected with
this file's own outcome."""

from __future__ import annotations

import pytest

from ita_monitor.intake.uploads import UploadRefused, receive_upload
from ita_monitor.model.config import AgenciesDir
from ita_monitor.model.rounds import Round
from ita_monitor.model.storage import DataRoot
from tests.conftest import AGENCIES, SAMPLES

R12 = Round(2565, 12)
FINANCE = (SAMPLES / "mae-u-kho" / "2565" / "round-12" / "finance" / "kong-klang-round12.csv").read_bytes()


@pytest.fixture
def env(tmp_path):
    agencies = AgenciesDir(AGENCIES)
    return agencies, DataRoot(tmp_path), agencies.agency("mae-u-kho")


def test_an_accepted_file_is_kept_collected_and_its_own_outcome_returned(env, tmp_path):
    agencies, data, agency = env
    got = receive_upload(agencies, data, agency, R12, "finance", "kong-klang-round12.csv", FINANCE)
    assert got.new and got.version == 1 and got.outcome["accepted"] and got.outcome["rows"] == 1
    assert (
        tmp_path / "mae-u-kho" / "2565" / "round-12" / "inbox" / "finance" / got.name
    ).read_bytes() == FINANCE
    again = receive_upload(agencies, data, agency, R12, "finance", "other-name.csv", FINANCE)
    assert not again.new and again.version == 1  # the same bytes are the same version, not stored twice
    assert len(list((tmp_path / "mae-u-kho" / "2565" / "round-12" / "inbox" / "finance").iterdir())) == 1


def test_an_upload_on_a_page_records_who_sent_it(env, tmp_path):
    import json

    agencies, data, agency = env
    receive_upload(agencies, data, agency, R12, "finance", "k.csv", FINANCE, by="somchai")
    doc = json.loads((tmp_path / "mae-u-kho" / "2565" / "round-12" / "uploads.json").read_text())
    [entry] = doc["uploads"]
    assert (entry["unit"], entry["version"], entry["by"]) == ("finance", 1, "somchai") and entry["at"]


def test_a_file_of_another_units_form_is_rejected_with_the_reason(env):
    agencies, data, agency = env
    got = receive_upload(agencies, data, agency, R12, "pr", "kong-klang-round12.csv", FINANCE)
    assert got.new and not got.outcome["accepted"]
    assert any("finance" in p["en"] or "M4" in p["en"] for p in got.outcome["problems"])


def test_an_unscheduled_round_is_refused_without_creating_anything(env, tmp_path):
    agencies, data, agency = env
    with pytest.raises(UploadRefused) as exc:
        receive_upload(agencies, data, agency, Round(2565, 2), "finance", "a.csv", FINANCE)
    assert exc.value.code == "unscheduled"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("name", "body", "code"),
    [("a.exe", b"MZ", "bad_file"), ("fake.xlsx", b"not a zip", "bad_file"), ("e.json", b"", "bad_file")],
)
def test_files_that_cannot_be_submissions_are_refused_with_the_intakes_own_problems(
    env, tmp_path, name, body, code
):
    agencies, data, agency = env
    with pytest.raises(UploadRefused) as exc:
        receive_upload(agencies, data, agency, R12, "finance", name, body)
    assert exc.value.code == code and exc.value.problems and exc.value.problems[0].th
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(UploadRefused) as exc:
        receive_upload(agencies, data, agency, R12, "nobody", "a.csv", FINANCE)
    assert exc.value.code == "unknown_unit"


def test_a_long_thai_name_is_stored_under_a_safe_bounded_name(env, tmp_path):
    agencies, data, agency = env
    long = "รายงานผลการดำเนินการตามมาตรการส่งเสริมคุณธรรมและความโปร่งใส กองคลัง รอบ ๑๒ เดือน.csv"
    got = receive_upload(agencies, data, agency, R12, "finance", long, FINANCE)
    assert got.outcome["accepted"] and got.name.endswith(".csv") and len(got.name.encode()) <= 130
    assert (tmp_path / "mae-u-kho" / "2565" / "round-12" / "inbox" / "finance" / got.name).exists()
