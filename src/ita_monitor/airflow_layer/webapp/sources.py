"""What the page reads besides the metadata DB: the agencies' profiles and plans (parsed again only
when their files change) and the data root."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi import HTTPException

from ita_monitor.airflow_layer import settings
from ita_monitor.model.agency import Agency
from ita_monitor.model.config import AgenciesDir
from ita_monitor.model.errors import InputError
from ita_monitor.model.plan import Plan
from ita_monitor.model.storage import DataRoot

_cache: dict[tuple, tuple[tuple, Any]] = {}  # (kind, path) -> (file stamps, parsed value)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return -1.0


def _cached(key: tuple, stamps: tuple, load: Callable[[], Any]) -> Any:
    """``load()``, parsed again only when one of the files' modification times changed."""
    hit = _cache.get(key)
    if hit is None or hit[0] != stamps:
        _cache[key] = (stamps, load())
    return _cache[key][1]


def agencies_dir() -> AgenciesDir:
    return settings.agencies_dir()


def load_agency(slug: str) -> Agency:
    """The agency's profile, parsed once per change of its file; 404 for an unknown agency."""
    agencies = agencies_dir()
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{1,62}", slug or ""):
        raise HTTPException(404, "ไม่รู้จักหน่วยงานนี้ / unknown agency")
    path = agencies.root / slug / "agency.yaml"
    if not path.exists():
        raise HTTPException(404, "ไม่รู้จักหน่วยงานนี้ / unknown agency")
    try:
        return _cached(("agency", str(path)), (_mtime(path),), lambda: agencies.agency(slug))
    except InputError as exc:
        raise HTTPException(500, f"agency.yaml ไม่ถูกต้อง / invalid agency profile:\n{exc}") from exc


def load_plan(slug: str, fy: int) -> Plan | None:
    """The agency's plan of that fiscal year, or None when there is none (or it is invalid)."""
    agencies = agencies_dir()
    path = agencies.root / slug / "plans" / f"{fy}.yaml"

    def load() -> Plan | None:
        try:
            return agencies.plan(slug, fy) if path.exists() else None
        except InputError:
            return None

    return _cached(("plan", str(path)), (_mtime(path), _mtime(agencies.root / slug / "agency.yaml")), load)


def data_root() -> DataRoot:
    """The data root; a local ``file://`` root is read with pathlib (much faster than fsspec)."""
    return DataRoot(settings.open_root(settings.get("data_root")), settings.max_submission_bytes())
