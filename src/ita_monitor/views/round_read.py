"""What the year page and the many-agency overview read of a round's files, small, and kept in the
process while the files are unchanged.

The overview of thousands of agencies sorts every agency by how far behind it is, so each request
needs every round's ``status.json`` and ``collected.json``.  Parsing them is most of its cost; what it
uses of them is small and does not depend on the time of the request: the round's written state,
error, approval, completeness and publication, and per (unit, measure) the file its row came from and
whether the required fields are filled.  ``round_read`` keeps that per round and reads the files again
only when one of them changed:

- a kept entry is used only when the fingerprints (inode, size, modification time) of ``status.json``,
  its revisions folder (a revision claimed but not copied yet changes it) and ``collected.json`` are
  those it was read with;
- an entry is kept only when those files last changed more than ``RACY_SECONDS`` before they were
  read, so a change within the same tick of the file system's clock can never look unchanged (git's
  rule for its index);
- a data root on object storage is read every time.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from ita_monitor.intake.columns import REQUIRED_FIELDS
from ita_monitor.model import status
from ita_monitor.model.revisions import revisions_dir
from ita_monitor.model.rounds import Round
from ita_monitor.model.status import FileRecord, RoundStatus
from ita_monitor.model.storage import DataRoot, os_path
from ita_monitor.views.round_detail import read_json_safe

RACY_SECONDS = 2.0
MAX_ENTRIES = 100_000  # about 2.5 rounds of 7,850 agencies x 5 rounds; beyond, the cache starts again


def as_dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list:
    return value if isinstance(value, list) else []


@dataclass(frozen=True)
class RoundRead:
    """What the views use of one round's files."""

    written: RoundStatus  # state, error, approval, completeness, publication and due dates only
    rows: Mapping[tuple[str, str], tuple[str, bool]]  # (unit, measure) -> (its file, required fields filled)
    files: tuple[FileRecord, ...]  # collected.json's files, else status.json's


def read_round(data: DataRoot, slug: str, rnd: Round) -> RoundRead:
    """The round's files read now (a half-written or missing file reads as empty, never raises)."""
    full = status.load_round(data, slug, rnd)
    written = RoundStatus(
        state=full.state,
        error=full.error,
        approval=full.approval,
        completeness=full.completeness,
        published=full.published,
        due_at=full.due_at,
        due_day=full.due_day,
    )
    collected = as_dict(read_json_safe(data.collected(slug, rnd), {}))
    rows = {
        (str(r.get("unit")), str(r.get("measure_code"))): (
            str(r.get("source") or ""),
            all(str(r.get(name) or "").strip() for name in REQUIRED_FIELDS),
        )
        for r in map(as_dict, as_list(collected.get("rows")))
    }
    raw = as_list(collected.get("files"))
    files = tuple(FileRecord.coerce(f) for f in raw) if raw else tuple(full.files)
    return RoundRead(written, rows, files)


_kept: dict[str, tuple[tuple, RoundRead]] = {}


def _stamp(path: str | None) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path) if path else None
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns) if st else None


# the names data.status(), revisions_dir() and data.collected() give inside a round's folder
STATUS, COLLECTED = "status.json", "collected.json"
STATUS_REVISIONS = revisions_dir(PurePosixPath(STATUS)).name


def round_read(data: DataRoot, slug: str, rnd: Round) -> RoundRead:
    """``read_round``, kept while the round's files are unchanged (see the module's docstring)."""
    folder = os_path(data.round_dir(slug, rnd))  # one path built per round: thousands per request
    if folder is None:
        return read_round(data, slug, rnd)
    status_file = os.path.join(folder, STATUS)
    stamps = (
        _stamp(status_file),
        _stamp(os.path.join(folder, STATUS_REVISIONS)),
        _stamp(os.path.join(folder, COLLECTED)),
    )
    kept = _kept.get(status_file)
    if kept is not None and kept[0] == stamps:
        return kept[1]
    read = read_round(data, slug, rnd)  # after the stamps: a change while reading shows next time
    settled = time.time_ns() - int(RACY_SECONDS * 1e9)
    if all(s is None or s[2] < settled for s in stamps):
        if len(_kept) >= MAX_ENTRIES:
            _kept.clear()
        _kept[status_file] = (stamps, read)
    return read
