"""Two runs of one round never overlap: the round's claim (flow/run_claims.py) on a real data root."""

from __future__ import annotations

import json
import threading

from ita_monitor.flow.run_claims import claim_round, claims_dir, holder
from ita_monitor.model.rounds import Round
from ita_monitor.model.storage import DataRoot

R6 = Round(2568, 6)


def test_the_first_run_claims_the_round_and_keeps_it(tmp_path):
    data = DataRoot(tmp_path)
    assert holder(data, "a", R6) == (0, "")
    assert claim_round(data, "a", R6, "run-1", lambda other: True) is None
    assert claim_round(data, "a", R6, "run-1", lambda other: True) is None  # its own: again, no new claim
    assert holder(data, "a", R6) == (1, "run-1")


def test_a_second_run_is_told_which_run_holds_the_round_while_it_is_active(tmp_path):
    data = DataRoot(tmp_path)
    claim_round(data, "a", R6, "run-1", lambda other: True)
    assert claim_round(data, "a", R6, "run-2", lambda other: other == "run-1") == "run-1"
    assert holder(data, "a", R6) == (1, "run-1")
    # another round, or the same round of another agency, is free
    assert claim_round(data, "a", Round(2568, 3), "run-2", lambda other: True) is None
    assert claim_round(data, "b", R6, "run-2", lambda other: True) is None


def test_a_round_whose_run_ended_is_taken_over_and_every_claim_is_kept(tmp_path):
    data = DataRoot(tmp_path)
    claim_round(data, "a", R6, "run-1", lambda other: True)
    assert claim_round(data, "a", R6, "run-2", lambda other: False) is None
    assert claim_round(data, "a", R6, "run-1", lambda other: False) is None  # run-1 cleared after run-2 ended
    names = sorted(p.name for p in claims_dir(data, "a", R6).iterdir())
    assert names == ["001.json", "002.json", "003.json"]
    docs = [json.loads((claims_dir(data, "a", R6) / n).read_text()) for n in names]
    assert [(d["run_id"], d["after"]) for d in docs] == [
        ("run-1", ""),
        ("run-2", "run-1"),
        ("run-1", "run-2"),
    ]


def test_of_runs_claiming_at_once_exactly_one_holds_the_round(tmp_path):
    data = DataRoot(tmp_path)
    start = threading.Barrier(8)
    answers: dict[str, str | None] = {}

    def claim(run_id: str) -> None:
        start.wait()
        answers[run_id] = claim_round(data, "a", R6, run_id, lambda other: True)

    threads = [threading.Thread(target=claim, args=(f"run-{i}",)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [run for run, held_by in answers.items() if held_by is None]
    assert len(winners) == 1
    assert all(held_by == winners[0] for run, held_by in answers.items() if run not in winners)
    assert holder(data, "a", R6) == (1, winners[0])
