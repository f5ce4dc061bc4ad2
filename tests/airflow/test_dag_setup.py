"""Parsing the dags folder: every agency for the dag-processor, only its own agency in a task's process."""

from __future__ import annotations

import sys

import pytest
from airflow.dag_processing.dagbag import DagBag

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "scripts"))
from generate_agencies import generate


@pytest.fixture
def three_agencies(tmp_path, monkeypatch):
    generate(3, tmp_path / "agencies")
    monkeypatch.setenv("AIRFLOW__ITA__AGENCIES_DIR", str(tmp_path / "agencies"))


def _dag_ids() -> set[str]:
    bag = DagBag(dag_folder=str(ROOT / "dags"))
    assert not bag.import_errors, bag.import_errors
    return set(bag.dags)


def test_the_dag_processor_gets_every_agency(three_agencies, monkeypatch):
    monkeypatch.delenv("_AIRFLOW_PARSING_CONTEXT_DAG_ID", raising=False)
    ids = _dag_ids()
    assert {f"ita_round__synth-000{i}" for i in (1, 2, 3)} <= ids


def test_a_task_process_builds_only_its_own_agency(three_agencies, monkeypatch):
    # Airflow sets this when a worker loads the DAG of the task it runs
    monkeypatch.setenv("_AIRFLOW_PARSING_CONTEXT_DAG_ID", "ita_round__synth-0002")
    ids = _dag_ids()
    assert "ita_round__synth-0002" in ids
    assert not any("synth-0001" in d or "synth-0003" in d for d in ids), ids


def test_an_unknown_dag_in_the_parsing_context_still_gets_every_agency(three_agencies, monkeypatch):
    monkeypatch.setenv("_AIRFLOW_PARSING_CONTEXT_DAG_ID", "some_other_dag")
    assert {f"ita_round__synth-000{i}" for i in (1, 2, 3)} <= _dag_ids()
