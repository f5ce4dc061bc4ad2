"""Which run works on a round: two runs of the same round never overlap.

Rounds of one agency run side by side (round 6 may wait for submissions for weeks while round 3 awaits
its approval and a rerun of round 9 starts at once).  Two runs of the *same* round (the scheduled run
and a hand-triggered one, say) would collect, render, ask for approval and publish the same files at
the same time, so a run first claims its round: ``round-MM/runs/<NNN>.json``, each claim created
exclusively (``storage.create_exclusive``: a hard link locally, ``If-None-Match: *`` on S3), numbered
from 001, never overwritten.  The newest claim names the round's run.  A run may take the round over
when the newest claim is its own or names a run that is no longer queued or running (asked through
``is_active``, the Airflow layer's question to Airflow); otherwise it is told which run holds the
round and does nothing.  Of two runs claiming at the same moment exactly one creates the next number.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, datetime

from ita_monitor.model.rounds import Round
from ita_monitor.model.storage import DataRoot, PathLike, create_exclusive, list_files, read_json

_CLAIM = re.compile(r"^(\d{3,})\.json$")


def claims_dir(data: DataRoot, slug: str, rnd: Round) -> PathLike:
    return data.round_dir(slug, rnd) / "runs"


def holder(data: DataRoot, slug: str, rnd: Round) -> tuple[int, str]:
    """(number, run id) of the round's newest claim; (0, "") when no run has claimed it."""
    numbered = [
        (int(m.group(1)), p) for p in list_files(claims_dir(data, slug, rnd)) if (m := _CLAIM.match(p.name))
    ]
    if not numbered:
        return 0, ""
    number, path = max(numbered, key=lambda item: item[0])
    return number, str((read_json(path, {}) or {}).get("run_id", ""))


def claim_round(
    data: DataRoot, slug: str, rnd: Round, run_id: str, is_active: Callable[[str], bool]
) -> str | None:
    """Claim the round for ``run_id``: None when it is this run's now, else the id of the run that
    holds it (queued or running)."""
    for _ in range(20):  # each lost race means another run just claimed: look again
        number, owner = holder(data, slug, rnd)
        if owner == run_id:
            return None
        if owner and is_active(owner):
            return owner
        doc = {
            "run_id": run_id,
            "claimed_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "after": owner,
        }
        path = claims_dir(data, slug, rnd) / f"{number + 1:03d}.json"
        if create_exclusive(path, json.dumps(doc, ensure_ascii=False).encode()):
            return None
    raise RuntimeError(f"could not claim {slug} {rnd.slug} for {run_id}: the claims keep changing")
