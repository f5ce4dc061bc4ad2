"""JSON files that more than one process changes at once: compare-and-swap by claimed revision.

A round's ``status.json``, an agency's ``unit-links.json``, ``collected.json`` and the received
manifest can be changed by several api-server workers, hosts and tasks at the same moment.  Each
change claims the document's next revision with ``storage.create_exclusive``
(``.<name>.revisions/<NNNNNNNNN>.json``, a hard link / ``O_EXCL`` locally, ``PutObject
If-None-Match: *`` on S3), so two writers never both build on the same revision; the loser reads the
winner's and applies its change again.  The file itself is the newest revision's copy, for people and
old readers; ``read_json_current`` also follows a revision whose copy is not written yet.
"""

from __future__ import annotations

import copy
import json
import os
import random
import time
from collections.abc import Callable
from typing import Any

from ita_monitor.model.storage import (
    PathLike,
    create_exclusive,
    fresh,
    os_path,
    read_all,
    read_json,
    write_atomic,
)

REVISION = "revision"  # the key update_json keeps in each document it writes
# Claimed revisions are removed only when both far behind the newest and old, so that no writer can
# still be about to claim (or read) one: a removed number could otherwise be claimed again.  On an
# object store they are kept (a bucket lifecycle rule on ``.*.revisions/`` older than a day removes them).
KEEP_REVISIONS = 64
FORGET_AFTER_SECONDS = 600


class Contended(RuntimeError):
    """``update_json`` lost its claim too many times in a row (another writer never stops)."""


def revisions_dir(path: PathLike) -> PathLike:
    return path.parent / f".{path.name}.revisions"  # type: ignore[attr-defined]


def _revision_path(path: PathLike, number: int) -> PathLike:
    return revisions_dir(path) / f"{number:09d}.json"


def _revision_of(doc: Any) -> int:
    try:
        return int(doc.get(REVISION, 0)) if isinstance(doc, dict) else 0
    except (TypeError, ValueError):
        return 0


def _encode(doc: Any) -> bytes:
    return json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8") + b"\n"


def read_json_current(path: PathLike, default: Any = None) -> Any:
    """The newest revision of a document ``update_json`` writes: the file, or a revision claimed
    after it whose copy is not written yet (its writer is slow or was stopped).  An unreadable file
    counts as missing."""
    try:
        doc = read_json(path, None)
    except (OSError, UnicodeDecodeError, ValueError):
        doc = None
    number = _revision_of(doc)
    fresh(revisions_dir(path))
    while True:
        later = _revision_path(path, number + 1)
        try:
            if not later.exists():
                break
            doc = json.loads(read_all(later).decode("utf-8"))
        except (OSError, UnicodeDecodeError, ValueError):
            break
        number += 1
    return default if doc is None else doc


def update_json(path: PathLike, change: Callable[[Any], Any], tries: int = 400) -> Any:
    """Change the JSON document at ``path`` as ``change(current)`` says (``current`` is None when
    there is none; ``change`` returns the new document, or None to leave it as it is), safely
    against every other process doing the same: the new document claims revision N+1 by an
    exclusive create; when another writer claimed it first, ``change`` is applied again to theirs.
    ``change`` may run more than once, so it must only compute.  Returns the document written (or
    the current one when ``change`` left it)."""
    for attempt in range(tries):
        current = read_json_current(path, None)
        changed = change(copy.deepcopy(current))
        if changed is None:
            return current
        number = _revision_of(current) + 1
        doc = {**changed, REVISION: number} if isinstance(changed, dict) else changed
        body = _encode(doc)
        if create_exclusive(_revision_path(path, number), body):
            _write_copy(path, number, body)
            if number % 16 == 0:
                _forget_old(path, number - KEEP_REVISIONS)
            return doc
        time.sleep(random.uniform(0.002, 0.02) * min(attempt + 1, 10))
    raise Contended(f"{path}: {tries} writers in a row changed it first; nothing was written")


def _write_copy(path: PathLike, number: int, body: bytes) -> None:
    """Leave the newest revision's copy in the file itself.  Two writers' copies can land in either
    order (A claims N, B claims N+1 and writes its copy, then A writes N's): so after writing, a writer
    that sees a later revision writes the newest one again.  The last copy written is then always
    followed by a look that found nothing later."""
    while True:
        later = _revision_path(path, number + 1)
        if not later.exists():
            write_atomic(path, body)
            if not later.exists():
                return
        try:
            body = read_all(later)
        except OSError:
            return  # its writer's copy follows, as this one's did
        number += 1


def _forget_old(path: PathLike, below: int) -> None:
    """Remove the local revisions of ``path`` numbered up to ``below`` that are older than
    FORGET_AFTER_SECONDS (see KEEP_REVISIONS)."""
    folder = os_path(revisions_dir(path))
    if folder is None or below < 1:
        return
    limit = time.time() - FORGET_AFTER_SECONDS
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        stem = name.removesuffix(".json")
        if not (stem.isdigit() and int(stem) <= below):
            continue
        try:
            if os.stat(os.path.join(folder, name)).st_mtime < limit:
                os.unlink(os.path.join(folder, name))
        except OSError:
            pass
