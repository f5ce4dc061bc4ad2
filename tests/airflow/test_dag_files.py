"""The agencies' DAG files (airflow_layer/dag_files.py) over a generated directory of a few hundred agencies:
each agency's DAGs in exactly one shard file, a shard file rewritten only when its agencies change, and
Airflow's own dag-processor parsing again only the shard that changed (marker ``scheduler``)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from airflow.dag_processing.dagbag import DagBag

from ita_monitor.airflow_layer.dag_files import file_name, shard_of, sync
from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
from generate_agencies import generate

SHARDS = 8
CRON = "0 7 * * 1"


@pytest.fixture(scope="module")
def many(tmp_path_factory):
    """300 generated agencies and their DAG files, 8 shards."""
    work = tmp_path_factory.mktemp("shards")
    generate(300, work / "agencies")
    done = sync(work / "dags", work / "agencies", SHARDS, CRON)
    assert sorted(done.written) == sorted(file_name(k, SHARDS) for k in range(SHARDS))
    return work


def _mtimes(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}


def test_each_agencys_dags_are_in_exactly_one_shard_file(many, monkeypatch):
    monkeypatch.setenv("AIRFLOW__ITA__AGENCIES_DIR", str(many / "agencies"))
    monkeypatch.delenv("_AIRFLOW_PARSING_CONTEXT_DAG_ID", raising=False)
    slugs = sorted(p.name for p in (many / "agencies").iterdir() if (p / "agency.yaml").is_file())
    assert len(slugs) == 300
    where: dict[str, list[int]] = {}
    sizes = []
    for k in range(SHARDS):
        bag = DagBag(dag_folder=str(many / "dags" / "ita_agencies" / file_name(k, SHARDS)))
        assert not bag.import_errors, bag.import_errors
        sizes.append(len(bag.dags))
        for dag_id in bag.dags:
            where.setdefault(dag_id, []).append(k)
    for slug in slugs:
        for family in ("ita_round__", "ita_plan__", "ita_links__"):
            assert where.get(family + slug) == [shard_of(slug, SHARDS)], (family, slug)
    assert len(where) == 3 * 300
    assert min(sizes) > 0  # the hash spreads them (300 agencies over 8 files)


def test_nothing_is_rewritten_when_nothing_changed(many):
    folder = many / "dags" / "ita_agencies"
    before = _mtimes(folder)
    done = sync(many / "dags", many / "agencies", SHARDS, CRON)
    assert done.written == [] and done.removed == [] and len(done.unchanged) == SHARDS
    assert _mtimes(folder) == before


def test_a_changed_profile_rewrites_only_its_shard_and_a_new_agency_only_its_own(many):
    folder = many / "dags" / "ita_agencies"
    profile = many / "agencies" / "synth-0042" / "agency.yaml"
    profile.write_text(profile.read_text(encoding="utf-8").replace("grace_days: 15", "grace_days: 20"))
    done = sync(many / "dags", many / "agencies", SHARDS, CRON)
    assert done.written == [file_name(shard_of("synth-0042", SHARDS), SHARDS)]

    import shutil

    shutil.copytree(many / "agencies" / "synth-0007", many / "agencies" / "new-town")
    done = sync(many / "dags", many / "agencies", SHARDS, CRON)
    assert done.written == [file_name(shard_of("new-town", SHARDS), SHARDS)]
    # a plan is read when the round runs: no DAG file changes
    before = _mtimes(folder)
    (many / "agencies" / "synth-0042" / "plans" / "2570.yaml").write_text("fiscal_year: 2570\n")
    assert sync(many / "dags", many / "agencies", SHARDS, CRON).written == []
    assert _mtimes(folder) == before


def test_another_shard_count_replaces_the_files(tmp_path):
    generate(5, tmp_path / "agencies")
    sync(tmp_path / "dags", tmp_path / "agencies", 4, CRON)
    done = sync(tmp_path / "dags", tmp_path / "agencies", 2, CRON)
    assert sorted(done.removed) == sorted(file_name(k, 4) for k in range(4))
    assert sorted(p.name for p in (tmp_path / "dags" / "ita_agencies").iterdir()) == [
        file_name(0, 2),
        file_name(1, 2),
    ]


@pytest.mark.scheduler
@pytest.mark.timeout(600)
def test_the_dag_processor_parses_again_only_the_shard_that_changed(airflow_db, tmp_path):
    """Airflow 3.3's dag-processor with a long ``min_file_process_interval``: after the first parse of
    every shard it parses nothing while nothing changes; after one agency's profile changes and the
    files are synced, it parses that agency's shard again and no other."""
    from airflow.models.dag import DagModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    generate(12, tmp_path / "agencies")
    dags = tmp_path / "dags"
    sync(dags, tmp_path / "agencies", 4, CRON)
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
        "AIRFLOW__ITA__AGENCIES_DIR": str(tmp_path / "agencies"),
        "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "86400",
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "2",
        "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "1",
    }

    def parsed() -> dict[str, object]:
        with create_session() as session:
            rows = session.execute(
                select(DagModel.dag_id, DagModel.last_parsed_time).where(
                    DagModel.dag_id.like("ita_%__synth-%")
                )
            ).all()
        return {dag_id: at for dag_id, at in rows if at is not None and "synth-00" in dag_id}

    def wait_for(what, check, timeout=240.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if check():
                return
            time.sleep(1)
        raise AssertionError(f"timed out waiting for {what}:\n{log.read_text()[-3000:]}")

    log = tmp_path / "dag-processor.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "airflow", "dag-processor"],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for("every agency's DAGs", lambda: len(parsed()) == 3 * 12)
        first = parsed()
        time.sleep(12)  # a dozen loops of the dag-processor, six listings of the folder
        assert parsed() == first, "a shard was parsed again although nothing changed"

        profile = tmp_path / "agencies" / "synth-0005" / "agency.yaml"
        profile.write_text(profile.read_text(encoding="utf-8").replace("grace_days: 15", "grace_days: 20"))
        changed = sync(dags, tmp_path / "agencies", 4, CRON).written
        assert changed == [file_name(shard_of("synth-0005", 4), 4)]
        wait_for(
            "the changed shard to be parsed",
            lambda: parsed()["ita_round__synth-0005"] != first["ita_round__synth-0005"],
        )
        time.sleep(3)
        now = parsed()
        again = {dag_id for dag_id in now if now[dag_id] != first[dag_id]}
        in_shard = {
            dag_id for dag_id in first if shard_of(dag_id.split("__", 1)[1], 4) == shard_of("synth-0005", 4)
        }
        assert again == in_shard, (again, in_shard)
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(30)
