"""Which round a run is about, however it was started, and what a rerun clears (model/runs.py)."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from ita_monitor.model.names import CHECK_TASK
from ita_monitor.model.rounds import BANGKOK, Round
from ita_monitor.model.runs import (
    RoundRefused,
    RunRecord,
    due_problem,
    latest_plan_run_of,
    latest_run_of,
    manual_run_id,
    plan_note,
    rerun_clear_body,
    round_note,
    round_of_logical_date,
    round_of_run,
)
from tests.fixtures import second_agency as fx

ROUNDS = (3, 6, 9, 12)
END_R6 = datetime(2025, 4, 1, tzinfo=BANGKOK)  # round 6 of FY 2568 ends at midnight, 1 April 2568


def test_a_manual_run_with_a_logical_date_and_empty_fields_runs_the_round_that_date_ends():
    assert round_of_logical_date(END_R6, ROUNDS) == Round(2568, 6)
    assert round_of_logical_date(datetime(2025, 3, 31, 14, tzinfo=BANGKOK), ROUNDS) == Round(2568, 6)
    assert round_of_logical_date(END_R6.astimezone(UTC), ROUNDS) == Round(2568, 6)  # as the form sends it
    rnd = round_of_run(
        {}, run_type="manual", logical_date=END_R6, run_after=datetime(2026, 12, 5, tzinfo=UTC)
    )
    assert rnd == Round(2568, 6)
    # the interval start (what list-runs shows as the logical date of round 6) ends no round: refused
    with pytest.raises(RoundRefused) as refused:
        round_of_run(
            {"fiscal_year": None, "round": None},
            run_type="manual",
            logical_date=datetime(2024, 12, 31, 17, tzinfo=UTC),  # 1 January 2568, 00:00 in Bangkok
            rounds=(6, 12),
        )
    assert "FY2568 round 6" not in str(refused.value)  # 1 January ends no round of (6, 12)
    assert "it would have run FY2567 round 12" in str(refused.value) and "fiscal_year and round" in str(
        refused.value
    )
    # fields win; a scheduled run is its interval's round
    assert round_of_run({"fiscal_year": 2568, "round": 9}, run_type="manual", logical_date=END_R6) == Round(
        2568, 9
    )
    assert round_of_run(
        {}, run_type="scheduled", logical_date=datetime(2025, 1, 1, tzinfo=BANGKOK), interval_end=END_R6
    ) == Round(2568, 6)
    with pytest.raises(RoundRefused):
        round_of_run({"round": "six"})


def test_the_latest_run_of_a_round_however_it_was_started():
    runs = [
        RunRecord.from_api(r)
        for r in (
            {
                "dag_run_id": "scheduled__FY2568-round-06_20250401T000000",
                "state": "failed",
                "run_type": "scheduled",
                "data_interval_end": "2025-03-31T17:00:00Z",
                "logical_date": "2024-12-31T17:00:00Z",
                "run_after": "2025-03-31T17:00:00Z",
            },
            {
                "dag_run_id": "manual__2026-12-05T03:00:00",
                "state": "failed",
                "run_type": "manual",
                "conf": {"fiscal_year": 2568, "round": 6},
                "logical_date": None,
                "run_after": "2026-12-05T03:00:00Z",
            },
            {
                "dag_run_id": "manual__2026-12-05T04:00:00",
                "state": "success",
                "run_type": "manual",
                "conf": {"fiscal_year": 2568, "round": 3},
                "run_after": "2026-12-05T04:00:00Z",
            },
            {
                "dag_run_id": "manual__x",
                "state": "failed",
                "run_type": "manual",
                "conf": {"round": "bad"},
                "run_after": "2026-12-05T05:00:00Z",
            },
        )
    ]
    assert latest_run_of(runs, Round(2568, 6), ROUNDS).run_id == "manual__2026-12-05T03:00:00"
    assert latest_run_of(runs, Round(2568, 3), ROUNDS).run_id == "manual__2026-12-05T04:00:00"
    assert latest_run_of(runs, Round(2568, 9), ROUNDS) is None
    body = rerun_clear_body("manual__2026-12-05T03:00:00")
    assert body["task_ids"] == [CHECK_TASK] and body["include_downstream"] and not body["only_failed"]
    assert body["dag_run_id"] == "manual__2026-12-05T03:00:00" and body["reset_dag_runs"]
    plan_runs = [
        RunRecord.from_api(
            {
                "dag_run_id": "p1",
                "state": "failed",
                "conf": {"fiscal_year": 2568},
                "run_after": "2026-12-05T03:00:00Z",
            }
        ),
        RunRecord.from_api(
            {
                "dag_run_id": "p2",
                "state": "success",
                "logical_date": "2025-09-30T17:00:00Z",
                "run_after": "2025-09-30T17:00:00Z",
            }
        ),
    ]
    assert latest_plan_run_of(plan_runs, 2568).run_id == "p1"
    assert latest_plan_run_of(plan_runs, 2569).run_id == "p2"


def test_runs_name_their_round():
    assert round_note(Round(2568, 6)) == "FY2568 round 6 · ปีงบประมาณ ๒๕๖๘ รอบ ๖ เดือน"
    assert round_note(Round(2568, 6), date(2026, 12, 20)).endswith("· due 2026-12-20")
    assert plan_note(2568) == "FY2568 plan · แผนมาตรการปีงบประมาณ ๒๕๖๘"
    run_id = manual_run_id(Round(2568, 6), datetime(2026, 12, 5, 8, tzinfo=UTC))
    assert run_id == "manual__FY2568-round-06_20261205T150000.000000"


def test_a_due_date_in_the_past_is_refused_in_thai_and_english():
    now = datetime(2026, 12, 5, 10, tzinfo=UTC)
    assert due_problem(date(2026, 12, 5), now) == ""
    problem = due_problem(date(2026, 12, 4), now)
    assert "ผ่านมาแล้ว" in problem and "is in the past" in problem and "2026-12-05" in problem


def test_validate_names_the_shipped_catalogue_to_copy(tmp_path):
    agencies = fx.copy_agencies(tmp_path / "agencies")
    (agencies / "catalogue" / "oit-2568.yaml").unlink()
    done = subprocess.run(
        [str(Path(sys.executable).parent / "ita-monitor"), "validate", str(agencies)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 1
    shipped = Path(__file__).resolve().parents[2] / "include" / "agencies" / "catalogue" / "oit-2568.yaml"
    assert f"copy {shipped} to {agencies / 'catalogue' / 'oit-2568.yaml'}" in done.stderr, done.stderr


def test_a_run_type_given_as_airflows_enum_is_read_by_its_value():
    import enum

    class DagRunType(str, enum.Enum):  # noqa: UP042 - as airflow.utils.types.DagRunType: str() is not the value
        MANUAL = "manual"

    assert round_of_run({}, run_type=DagRunType.MANUAL, logical_date=END_R6, rounds=ROUNDS) == Round(2568, 6)
