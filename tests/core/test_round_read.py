"""The views' reading of a round's files, kept while they are unchanged (``views.round_read``): what
is kept is what a fresh read gives, and any change to the files is read again."""

from __future__ import annotations

import json
import os
import time

from ita_monitor.model import status
from ita_monitor.model.revisions import revisions_dir
from ita_monitor.model.rounds import Round
from ita_monitor.model.storage import DataRoot
from ita_monitor.views.round_read import RACY_SECONDS, read_round, round_read
from tests.conftest import AGENCIES
from tests.views_data import sample_year

R12 = Round(2565, 12)


def _age(folder) -> None:
    """Every file and folder of the round as if last changed a minute ago (past the racy window)."""
    old = time.time() - 60
    for path in [folder, *folder.rglob("*")]:
        os.utime(path, (old, old))


def test_kept_while_unchanged_and_read_again_after_any_change(tmp_path):
    sample_year(AGENCIES, tmp_path)
    data = DataRoot(tmp_path)
    folder = tmp_path / "mae-u-kho" / "2565" / "round-12"
    _age(folder)
    first = round_read(data, "mae-u-kho", R12)
    assert first == read_round(data, "mae-u-kho", R12) and first.rows and first.files
    assert round_read(data, "mae-u-kho", R12) is first  # unchanged: not parsed again

    # a step writes status.json: the next read has it, and (changed just now) it is not kept yet
    status.update_round(data, "mae-u-kho", R12, state="failed", error="ทดสอบ / test")
    changed = round_read(data, "mae-u-kho", R12)
    assert changed.written.state == "failed" and changed.written.error == "ทดสอบ / test"
    assert round_read(data, "mae-u-kho", R12) is not changed  # within RACY_SECONDS: read each time
    _age(folder)
    kept = round_read(data, "mae-u-kho", R12)
    assert round_read(data, "mae-u-kho", R12) is kept

    # a revision claimed by a writer that has not copied it into status.json yet
    doc = json.loads((folder / "status.json").read_text("utf-8"))
    later = revisions_dir(folder / "status.json") / f"{doc['revision'] + 1:09d}.json"
    later.write_text(json.dumps({**doc, "state": "published", "revision": doc["revision"] + 1}), "utf-8")
    assert round_read(data, "mae-u-kho", R12).written.state == "published"

    # collected.json rewritten in place with the same size and an old time: the inode or time differs
    _age(folder)
    kept = round_read(data, "mae-u-kho", R12)
    collected = folder / "collected.json"
    body = json.loads(collected.read_text("utf-8"))
    body["rows"] = body["rows"][1:]
    collected.unlink()
    collected.write_text(json.dumps(body, ensure_ascii=False), "utf-8")
    again = round_read(data, "mae-u-kho", R12)
    assert again is not kept and len(again.rows) == len(kept.rows) - 1


def test_a_file_changed_within_the_racy_window_is_never_kept(tmp_path):
    sample_year(AGENCIES, tmp_path)
    data = DataRoot(tmp_path)
    reads = [round_read(data, "mae-u-kho", R12) for _ in range(3)]
    assert RACY_SECONDS >= 1 and reads[0] == reads[1] == reads[2]
    assert reads[0] is not reads[1] and reads[1] is not reads[2]


def test_a_missing_round_reads_empty(tmp_path):
    read = round_read(DataRoot(tmp_path), "nobody", R12)
    assert read.written.state == "" and read.rows == {} and read.files == ()


def test_the_files_it_watches_are_the_ones_the_data_root_names(tmp_path):
    from ita_monitor.views.round_read import COLLECTED, STATUS, STATUS_REVISIONS

    data = DataRoot(tmp_path)
    folder = data.round_dir("mae-u-kho", R12)
    assert data.status("mae-u-kho", R12) == folder / STATUS
    assert data.collected("mae-u-kho", R12) == folder / COLLECTED
    assert revisions_dir(data.status("mae-u-kho", R12)) == folder / STATUS_REVISIONS
