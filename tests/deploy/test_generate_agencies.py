"""The synthetic-agency generator used for load tests and bench/bench_scale.py."""

from __future__ import annotations

import sys

from ita_monitor.model.config import AgenciesDir
from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
from generate_agencies import generate, thai_name


def test_generated_agencies_are_valid_distinct_and_have_submissions(tmp_path):
    slugs = generate(3, tmp_path / "agencies", tmp_path / "data", approval=False)
    assert slugs == ["synth-0001", "synth-0002", "synth-0003"]
    agencies = AgenciesDir(tmp_path / "agencies")
    assert [p for p in agencies.validate() if p.severity == "error"] == []
    profiles = [agencies.agency(s) for s in slugs]
    assert len({a.name_th for a in profiles}) == 3
    assert {a.publish.path for a in profiles} == {f"site/{s}" for s in slugs}
    assert not any(a.approval for a in profiles)
    assert all("แม่อูคอ" not in (tmp_path / "agencies" / s / "agency.yaml").read_text() for s in slugs)
    for slug in slugs:
        inbox = tmp_path / "data" / slug / "2565" / "round-12" / "inbox"
        assert sorted(p.name for p in inbox.iterdir()) == ["finance", "palad", "pr"]


def test_names_stay_distinct_for_thousands():
    assert len({thai_name(i) for i in range(2000)}) == 2000
