"""The jobs of a round, a year's plan and the link check share one ``AgencyYear`` (slug, year,
folders in one place), and loading a round's job reads each of the admin's files once."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from ita_monitor.flow.pipeline import RoundJob
from ita_monitor.flow.yearly import YearJob
from ita_monitor.links.year import YearLinks
from ita_monitor.model import parsing
from ita_monitor.model.config import AgenciesDir
from ita_monitor.model.rounds import Round
from ita_monitor.model.storage import DataRoot
from tests.conftest import AGENCIES


def _reads(monkeypatch) -> Counter:
    reads: Counter = Counter()
    real = parsing.read_yaml

    def counted(path: Path):
        reads[str(Path(path).relative_to(AGENCIES))] += 1
        return real(path)

    monkeypatch.setattr(parsing, "read_yaml", counted)
    return reads


def test_a_rounds_job_reads_the_profile_the_plan_and_the_catalogue_once(monkeypatch, tmp_path):
    reads = _reads(monkeypatch)
    agencies = AgenciesDir(AGENCIES)
    agency = agencies.agency("mae-u-kho")  # what the task reads first, to resolve its round
    job = RoundJob.load(agencies, "mae-u-kho", Round(2565, 12), DataRoot(tmp_path), agency)
    assert job.plan.fiscal_year == 2565 and job.agency is agency
    assert reads == {
        "mae-u-kho/agency.yaml": 1,
        "mae-u-kho/plans/2565.yaml": 1,
        "catalogue/oit-2565.yaml": 1,
    }


def test_every_job_finds_the_years_folders_in_one_place(tmp_path):
    agencies, data = AgenciesDir(AGENCIES), DataRoot(tmp_path)
    jobs = [
        RoundJob.load(agencies, "mae-u-kho", Round(2565, 12), data),
        YearJob.load(agencies, "mae-u-kho", 2565, data),
        YearLinks.load(agencies, "mae-u-kho", 2565, data),
    ]
    year = tmp_path / "mae-u-kho" / "2565"
    for job in jobs:
        assert (job.slug, job.fiscal_year, job.folder) == ("mae-u-kho", 2565, year)
        assert job.manifest_path == year / "published.json" and job.plan_dir == year / "plan"
    assert jobs[0].data.round_dir("mae-u-kho", Round(2565, 12)) == year / "round-12"
    assert jobs[1].path("measures") == year / "plan" / "ita-2565-measures.pdf"


def test_collect_reads_each_new_file_once(monkeypatch, tmp_path):
    """The intake hands the bytes it took from the inbox to the reading, not back through the store."""
    import hashlib

    from ita_monitor.flow.pipeline import collect
    from ita_monitor.intake import inbox, reading
    from tests.conftest import drop_samples

    job = RoundJob.load(AgenciesDir(AGENCIES), "mae-u-kho", Round(2565, 12), DataRoot(tmp_path))
    files = [p for p in drop_samples(tmp_path).rglob("*") if p.is_file()]
    reads: Counter = Counter()  # by content: the inbox file and its stored copy are one
    real = inbox.read_path_bounded

    def counted(path, limit):
        data = real(path, limit)
        reads[hashlib.sha256(data).hexdigest()] += 1
        return data

    for module in (inbox, reading):  # the inbox's files and the stored copies
        monkeypatch.setattr(module, "read_path_bounded", counted)
    assert collect(job)["new_versions"] == len(files) > 0
    assert sorted(reads.values()) == [1] * len(files), reads
    reads.clear()
    collect(job)  # again: each file is read from the inbox (is it new?) and from the store (its rows)
    assert sorted(reads.values()) == [2] * len(files), reads
