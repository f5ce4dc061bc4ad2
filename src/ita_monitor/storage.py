"""The data root: where every file the pipeline reads or writes lives.

The root is any pathlib-like object: a ``pathlib.Path`` in plain Python and tests, Airflow's
``ObjectStoragePath`` (local folder, S3, ...) inside tasks.  Layout::

    <root>/<agency>/<BE year>/<round-MM>/
        inbox/<unit code>/<file>      what units send; never modified or deleted by ita-monitor
        collected.json                the rows accepted from the inbox, and every file's outcome
        status.json                   machine-readable round status (state, gaps, files, report, URLs)
        report/<name>.pdf             the rendered round report and its covering memo
    <root>/<agency>/<BE year>/plan/   the measures, the approval memo, status.json of the year's plan
    <root>/<publish.path>/            the static site, when an agency publishes to a folder
"""

from __future__ import annotations

import json
import os
import uuid
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlparse

from ita_monitor.rounds import Round


class PathLike(Protocol):  # the part of pathlib that ObjectStoragePath also has
    name: str

    def __truediv__(self, other: str) -> PathLike: ...
    def exists(self) -> bool: ...
    def is_dir(self) -> bool: ...
    def iterdir(self): ...
    def mkdir(self, parents: bool = ..., exist_ok: bool = ...) -> None: ...
    def read_bytes(self) -> bytes: ...
    def write_bytes(self, data: bytes) -> Any: ...
    def rename(self, target: Any) -> Any: ...


class DataRoot:
    """Paths of one data root."""

    def __init__(self, root: PathLike):
        self.root = root

    def round_dir(self, slug: str, rnd: Round) -> PathLike:
        return self.root / slug / str(rnd.fiscal_year) / rnd.slug

    def inbox(self, slug: str, rnd: Round) -> PathLike:
        return self.round_dir(slug, rnd) / "inbox"

    def collected(self, slug: str, rnd: Round) -> PathLike:
        return self.round_dir(slug, rnd) / "collected.json"

    def status(self, slug: str, rnd: Round) -> PathLike:
        return self.round_dir(slug, rnd) / "status.json"

    def report(self, slug: str, rnd: Round) -> PathLike:
        return self.round_dir(slug, rnd) / "report" / f"ita-{rnd.fiscal_year}-{rnd.slug}-report.pdf"

    def report_memo(self, slug: str, rnd: Round) -> PathLike:
        """The covering memo (บันทึกข้อความ) sent up with the round report, beside it."""
        return self.round_dir(slug, rnd) / "report" / f"ita-{rnd.fiscal_year}-{rnd.slug}-memo.pdf"

    def plan_dir(self, slug: str, fiscal_year: int) -> PathLike:
        """The year's plan documents: the measures, the approval memo, and their status.json."""
        return self.root / slug / str(fiscal_year) / "plan"

    def site(self, path: str) -> PathLike:
        return self.root / path


def local_path(url: str) -> Path | None:
    """The folder a data-root setting names when it is local (a path or a ``file://`` URL), else None
    (``s3://...`` and other ObjectStoragePath URLs)."""
    if "://" not in url:
        return Path(url)
    if url.startswith("file://"):
        return Path(unquote(urlparse(url).path))
    return None


def write_atomic(path: PathLike, data: bytes) -> None:
    """Write ``data`` so that readers see the old file or the whole new one, never a part.

    A worker killed mid-write leaves only a temporary file with a unique name beside it.
    """
    path.parent.mkdir(parents=True, exist_ok=True)  # type: ignore[attr-defined]
    tmp = path.parent / f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"  # type: ignore[attr-defined]
    tmp.write_bytes(data)
    tmp.rename(path)


def write_json(path: PathLike, doc: Any) -> None:
    write_atomic(path, json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8") + b"\n")


def read_json(path: PathLike, default: Any = None) -> Any:
    if not path.exists():
        return default
    return json.loads(path.read_bytes().decode("utf-8"))


def list_files(folder: PathLike) -> list[PathLike]:
    """Regular files directly in ``folder`` (hidden and temporary ones skipped), sorted by name."""
    if not folder.exists():
        return []
    return sorted(
        (p for p in folder.iterdir() if not p.name.startswith(".") and not p.is_dir()), key=lambda p: p.name
    )
