"""Every OIT catalogue names its source; a document that prints a code of an unverified catalogue is
flagged for the approver (self-check flags, the approval summary), never published without a word."""

from __future__ import annotations

import shutil

import pytest
import yaml

from ita_monitor.documents.oit_flags import UNVERIFIED_EN, unverified_codes
from ita_monitor.model.config import AgenciesDir
from tests.conftest import AGENCIES, drop_samples

CATALOGUES = sorted((AGENCIES / "catalogue").glob("oit-*.yaml"))


def test_there_is_a_catalogue_for_every_year_2565_to_2570():
    assert [p.stem for p in CATALOGUES] == [f"oit-{y}" for y in range(2565, 2571)]


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.stem)
def test_each_catalogue_names_its_source_and_an_unverified_one_flags_every_code_it_gives(path):
    cat = AgenciesDir(AGENCIES).catalogue(int(path.stem.split("-")[1]))
    assert cat.source.strip(), f"{path.name}: source is empty"
    text = path.read_text(encoding="utf-8")
    if cat.verified:  # checked: against what, by address or by the document that cites it
        assert "http" in cat.source or "memo" in cat.source, f"{path.name}: quote where the codes come from"
    else:
        assert "NOT VERIFIED" in text or "not verified" in text.lower()
    for item in cat.managed:
        printed = f"<html><body><p>การเปิดเผยข้อมูลสาธารณะ (OIT) ข้อ {item.code} {item.name}</p></body></html>"
        flags = unverified_codes(printed, cat)
        if cat.verified:
            assert flags == []
        else:
            assert [f.en for f in flags] == [UNVERIFIED_EN] and item.code in flags[0].found


def test_a_round_of_an_unverified_catalogue_is_flagged_on_the_approval_summary(tmp_path):
    """The sample round with its catalogue marked unverified: report and memo rendered, the self-check
    passes (nothing is blocked), and the approver is told which code to check."""
    from ita_monitor.documents.render import Renderer
    from ita_monitor.flow.pipeline import RoundJob, check_round, collect, render_report
    from ita_monitor.model import status
    from ita_monitor.model.rounds import Round
    from ita_monitor.model.storage import DataRoot
    from ita_monitor.views.approval_text import approval_summary
    from ita_monitor.views.round_detail import round_detail

    agencies = shutil.copytree(AGENCIES, tmp_path / "agencies")
    path = agencies / "catalogue" / "oit-2565.yaml"
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    doc["verified"] = False
    path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    data = DataRoot(tmp_path / "data")
    drop_samples(data.root)
    rnd = Round(2565, 12)
    job = RoundJob.load(AgenciesDir(agencies), "mae-u-kho", rnd, data)
    collect(job)
    check_round(job)
    render_report(job, Renderer())
    entry = status.load_round(data, "mae-u-kho", rnd).selfcheck
    assert entry.ok, entry.blocking()  # a flag does not block
    flagged = entry.flagged()
    assert flagged and any("O43" in line for line in flagged), flagged
    detail = round_detail(job.agency, job.plan, rnd, data)
    summary = approval_summary(detail, "/files")
    assert "OIT code from an unverified catalogue" in summary and "O43" in summary
