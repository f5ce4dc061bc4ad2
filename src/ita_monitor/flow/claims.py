"""One person's decision at a time, across api-server workers and hosts: claims in the data root.

A claim is a small JSON file created with ``storage.create_exclusive`` (a hard link / ``O_EXCL``
locally, ``PutObject If-None-Match: *`` on S3), so of several requests at the same moment exactly one
creates it, whichever process or host it runs in::

    <root>/<agency>/<FY>/round-MM/claims/approval-<key>.json   who answers this approval question
    <root>/<agency>/<FY>/round-MM/claims/rerun-<key>.json      who reruns the run as it ended

The key names the one question or the one ended state of a run (the approval task's try, the run's
end time), so the next question or the next end is claimed afresh.  The winner acts; the others are
told who holds it.  A winner whose action did not happen removes its claim (``release``), or writes
what really happened into it (``settle``, e.g. Airflow answered the question another way).
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from ita_monitor.model.rounds import Round
from ita_monitor.model.storage import DataRoot, PathLike, create_exclusive, read_all, write_atomic

KINDS = ("approval", "rerun")


def claim_path(data: DataRoot, slug: str, rnd: Round, kind: str, key: str) -> PathLike:
    assert kind in KINDS, kind
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:24]
    return data.round_dir(slug, rnd) / "claims" / f"{kind}-{digest}.json"


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def claim(data: DataRoot, slug: str, rnd: Round, kind: str, key: str, record: dict[str, Any]) -> dict | None:
    """Claim ``kind``/``key`` for ``record`` (who, what, when): None when this call holds it now,
    else the holder's record (read back from the claim)."""
    path = claim_path(data, slug, rnd, kind, key)
    body = {**record, "key": key, "claimed_at": record.get("claimed_at") or now_iso()}
    if create_exclusive(path, json.dumps(body, ensure_ascii=False, sort_keys=True).encode("utf-8")):
        return None
    return holder(data, slug, rnd, kind, key) or {"key": key}


def holder(data: DataRoot, slug: str, rnd: Round, kind: str, key: str) -> dict | None:
    """The record of whoever holds ``kind``/``key``, or None."""
    path = claim_path(data, slug, rnd, kind, key)
    try:
        return json.loads(read_all(path).decode("utf-8"))
    except (FileNotFoundError, OSError, ValueError):
        return None


def settle(data: DataRoot, slug: str, rnd: Round, kind: str, key: str, record: dict[str, Any]) -> None:
    """The holder writes what really happened into its own claim (only the holder calls this)."""
    path = claim_path(data, slug, rnd, kind, key)
    write_atomic(path, json.dumps({**record, "key": key}, ensure_ascii=False, sort_keys=True).encode("utf-8"))


def release(data: DataRoot, slug: str, rnd: Round, kind: str, key: str) -> None:
    """The holder gives up its claim: its action did not happen, the next request may try."""
    try:
        claim_path(data, slug, rnd, kind, key).unlink()  # type: ignore[attr-defined]
    except (FileNotFoundError, OSError):
        pass
