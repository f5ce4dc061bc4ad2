"""JSON files that several processes change at once (``revisions.update_json``): every change kept."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

from ita_monitor.model import status
from ita_monitor.model.revisions import (
    KEEP_REVISIONS,
    read_json_current,
    revisions_dir,
    update_json,
    write_atomic,
)
from ita_monitor.model.rounds import Round
from ita_monitor.model.storage import DataRoot

R12 = Round(2565, 12)


def _add(path: str, worker: int, each: int, barrier) -> None:
    barrier.wait()
    for i in range(each):
        update_json(Path(path), lambda doc, k=f"{worker}-{i}": {"seen": [*(doc or {}).get("seen", []), k]})


def test_changes_from_many_processes_at_once_are_all_kept(tmp_path):
    path = tmp_path / "shared.json"
    workers, each = 6, 10
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Manager().Barrier(workers)
    with ctx.Pool(workers) as pool:
        pool.starmap(_add, [(str(path), w, each, barrier) for w in range(workers)])
    doc = json.loads(path.read_text())
    assert sorted(doc["seen"]) == sorted(f"{w}-{i}" for w in range(workers) for i in range(each))
    assert doc["revision"] == workers * each
    kept = sorted(p.name for p in revisions_dir(path).iterdir())
    assert kept == [f"{n:09d}.json" for n in range(1, workers * each + 1)]  # none removed: all recent


def test_old_revisions_far_behind_are_removed(tmp_path):
    import os
    import time

    path = tmp_path / "doc.json"
    for i in range(KEEP_REVISIONS + 20):
        update_json(path, lambda doc, i=i: {"n": i})
    long_ago = time.time() - 3600
    for p in revisions_dir(path).iterdir():
        os.utime(p, (long_ago, long_ago))
    for _ in range(16 - (KEEP_REVISIONS + 20) % 16):  # up to the next sweep (every 16th revision)
        update_json(path, lambda doc: {**doc, "n": doc["n"] + 1})
    kept = sorted(int(p.name[:-5]) for p in revisions_dir(path).iterdir())
    newest = kept[-1]
    assert kept[0] == newest - KEEP_REVISIONS + 1 and read_json_current(path)["revision"] == newest


def test_a_revision_claimed_but_not_copied_yet_is_read_and_built_on(tmp_path):
    path = tmp_path / "doc.json"
    update_json(path, lambda doc: {"a": 1})
    # a writer that claimed revision 2 and stopped before writing the file's copy
    write_atomic(revisions_dir(path) / f"{2:09d}.json", json.dumps({"a": 2, "revision": 2}).encode())
    assert read_json_current(path)["a"] == 2
    after = update_json(path, lambda doc: {**doc, "b": True})
    assert after == {"a": 2, "b": True, "revision": 3}
    assert update_json(path, lambda doc: None) == after  # no change: nothing written


def _status_change(root: str, worker: int, barrier) -> None:
    data = DataRoot(Path(root))
    barrier.wait()
    status.update_round(data, "x", R12, **{f"note_{worker}": worker})


def test_steps_and_page_actions_updating_a_round_at_once_lose_nothing(tmp_path):
    workers = 8
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Manager().Barrier(workers)
    with ctx.Pool(workers) as pool:
        pool.starmap(_status_change, [(str(tmp_path), w, barrier) for w in range(workers)])
    doc = status.load_round(DataRoot(tmp_path), "x", R12).as_json()
    assert all(doc[f"note_{w}"] == w for w in range(workers))


def test_an_older_collect_never_replaces_a_newer_ones_files(tmp_path):
    data = DataRoot(tmp_path)
    newer = [{"unit": "pr", "version": v, "name": f"{v}.csv"} for v in (1, 2)]
    status.update_round(data, "x", R12, files=[{"unit": "pr", "version": 2}], history=newer)
    status.update_round(
        data, "x", R12, state="collected", files=[{"unit": "pr", "version": 1}], history=newer[:1]
    )
    now = status.load_round(data, "x", R12)
    assert [v.version for v in now.history] == [1, 2] and now.files[0].version == 2
    assert now.state == "collected"  # the rest of the change is kept


def test_a_slow_writers_copy_never_replaces_a_newer_one(tmp_path):
    """A claims revision 2, B claims 3 and writes its copy, then A's copy lands: the file must hold 3."""
    from ita_monitor.model.revisions import _encode, _revision_path, _write_copy

    path = tmp_path / "doc.json"
    update_json(path, lambda doc: {"n": 1})
    two, three = _encode({"n": 2, "revision": 2}), _encode({"n": 3, "revision": 3})
    _revision_path(path, 2).write_bytes(two)  # A's claim
    _revision_path(path, 3).write_bytes(three)  # B's claim and copy
    write_atomic(path, three)
    _write_copy(path, 2, two)  # A, late
    assert json.loads(path.read_text()) == {"n": 3, "revision": 3}
    # and a copy written while B's claim exists but before B's copy: the newest ends in the file
    _revision_path(path, 4).write_bytes(_encode({"n": 4, "revision": 4}))
    _write_copy(path, 2, two)
    assert json.loads(path.read_text())["n"] == 4
