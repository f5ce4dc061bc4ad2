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

A JSON file that more than one process may change at once (a round's ``status.json``, an agency's
``unit-links.json``, ...) is changed only through ``revisions.update_json`` (a claimed revision).
"""

from __future__ import annotations

import errno
import json
import os
import uuid
from pathlib import Path, PurePath
from typing import Any, Protocol
from urllib.parse import unquote, urlparse

from ita_monitor.model.limits import max_submission_bytes_default
from ita_monitor.model.rounds import Round


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


TMP_PREFIX = ".tmp-"  # the store's temporary files (a write in progress, or left by a killed one)


class UnsafePath(ValueError):
    """A name given for a path that would leave its folder (``..``, a slash, empty, NUL)."""

    WHAT_TH = {"agency": "หน่วยงาน", "unit": "หน่วยงานย่อย", "file": "ไฟล์", "path": "ที่อยู่"}

    def __init__(self, what: str, value: str):
        self.what, self.value = what, value
        shown = value if len(value) <= 60 else value[:59] + "…"
        self.th = f"ชื่อ{self.WHAT_TH.get(what, 'ที่อยู่')} {shown!r} ใช้เป็นชื่อโฟลเดอร์หรือไฟล์ไม่ได้ (ห้ามว่าง ห้าม .. / \\ และอักขระควบคุม)"
        self.en = f"the {what} name {shown!r} cannot name a folder or file (empty, .., /, \\ or a control character)"
        super().__init__(f"{self.th} / {self.en}")


def part(value: str, what: str = "") -> str:
    """``value`` when it is one safe path component inside its folder, else ``UnsafePath``.

    Every path the data root builds from a name it is given (agency, unit, file) goes through this,
    so no caller can reach outside the data root, whatever it passes.
    """
    text = str(value)
    if (
        not text
        or text in (".", "..")
        or "/" in text
        or "\\" in text
        or any(ord(c) < 32 or c == "\x7f" for c in text)
    ):
        raise UnsafePath(what or "path", text)
    return text


def relative(path: str, what: str = "") -> str:
    """A relative path of safe components (``received/<unit>/<name>``, a publish folder); else ``UnsafePath``."""
    parts = str(path).split("/")
    if not path or str(path).startswith("/"):
        raise UnsafePath(what or "path", str(path))
    for p in parts:
        part(p, what)
    return str(path)


class DataRoot:
    """Paths of one data root, and the one size limit for every file received into it.

    ``max_submission_bytes`` is ``[ita] max_submission_bytes`` (the Airflow layer passes it); when
    not given, ``AIRFLOW__ITA__MAX_SUBMISSION_BYTES`` or the default of ``limits.py``.
    """

    def __init__(self, root: PathLike, max_submission_bytes: int | None = None):
        self.root = root
        self.max_submission_bytes = max_submission_bytes or max_submission_bytes_default()

    def year_dir(self, slug: str, fiscal_year: int) -> PathLike:
        """``<root>/<agency>/<FY>``: the year's rounds, plan, published.json, links.json."""
        return self.root / part(slug, "agency") / str(int(fiscal_year))

    def round_dir(self, slug: str, rnd: Round) -> PathLike:
        return self.year_dir(slug, rnd.fiscal_year) / rnd.slug

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
        return self.year_dir(slug, fiscal_year) / "plan"

    def published(self, slug: str, fiscal_year: int) -> PathLike:
        """What is published of the year (``publish.record``)."""
        return self.year_dir(slug, fiscal_year) / "published.json"

    def site(self, path: str) -> PathLike:
        return self.root / path  # the admin's publish.path: under the data root, or absolute

    def within_round(self, slug: str, rnd: Round, path: str) -> PathLike:
        """A path recorded relative to a round folder (a version's ``stored_as`` or ``source``), confined to it."""
        return self.round_dir(slug, rnd) / relative(path, "file")


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
    tmp = path.parent / _tmp_name()  # type: ignore[attr-defined]
    tmp.write_bytes(data)
    tmp.rename(path)


def _tmp_name() -> str:
    """A short unique temporary name (the target's name may already be near the 255-byte limit)."""
    return f"{TMP_PREFIX}{os.getpid()}-{uuid.uuid4().hex[:12]}"


def os_path(path: Any) -> str | None:
    """The operating-system path of ``path`` when it is on this machine's file system, else None."""
    if isinstance(path, PurePath):
        return str(path)
    protocol = getattr(path, "protocol", None)
    if protocol in ("file", "local"):
        return str(getattr(path, "path", None) or path)
    return None


def create_exclusive(path: PathLike, data: bytes) -> bool:
    """Create ``path`` holding ``data`` only if nothing is there yet; True if this call created it.

    Readers never see a part of the file, and two writers (processes or hosts sharing the data
    root) never both succeed:

    - on a local or network file system the bytes go to a uniquely named temporary file that is then
      hard-linked to ``path`` (``link`` fails when ``path`` exists, atomically); where hard links are
      not supported, ``open(path, "xb")`` (``O_CREAT | O_EXCL``);
    - on S3 the object is written with the conditional ``PutObject`` ``If-None-Match: *``: the store
      refuses it (412) when the key exists, whoever wrote it.  A store that ignores the condition is
      detected by ``conditional_writes_hold`` and refused (see ``intake.py``).
    """
    target = os_path(path)
    if target is not None:
        return _create_local(target, data)
    return _create_remote(path, data)


def _create_local(target: str, data: bytes) -> bool:
    folder = os.path.dirname(target)
    os.makedirs(folder, exist_ok=True)
    tmp = os.path.join(folder, _tmp_name())
    with open(tmp, "xb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    try:
        os.link(tmp, target)
        return True
    except FileExistsError:
        return False
    except OSError as exc:  # a file system without hard links
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.EMLINK):
            raise
        try:
            with open(target, "xb") as f:
                f.write(data)
            return True
        except FileExistsError:
            return False
    finally:
        os.unlink(tmp)


_CHECKED: dict[str, bool] = {}


def conditional_writes_hold(path: Any) -> bool:
    """Whether the object store of ``path`` refuses a second create of one key (checked once per
    bucket and process, with a probe key that is removed afterwards)."""
    fs = path.fs
    bucket = path.path.split("/", 1)[0]
    if bucket not in _CHECKED:
        probe = f"{bucket}/.ita-conditional-write-probe/{uuid.uuid4().hex}"
        first = _put_if_absent(fs, probe, b"1")
        second = _put_if_absent(fs, probe, b"2")
        try:
            fs.rm_file(probe)
        except Exception:  # the probe is harmless if it stays
            pass
        _CHECKED[bucket] = first and not second
    return _CHECKED[bucket]


class UnsafeStore(Exception):
    """An object store that does not honour conditional writes: versions could be written over."""


def _put_if_absent(fs: Any, key: str, data: bytes) -> bool:
    bucket, _, name = key.partition("/")
    try:
        fs.call_s3("put_object", Bucket=bucket, Key=name, Body=data, IfNoneMatch="*")
    except Exception as exc:
        if _precondition_failed(exc):
            return False
        raise
    fs.invalidate_cache(key)
    return True


def _create_remote(path: Any, data: bytes) -> bool:
    """S3 (or another object store behind fsspec): a conditional write that fails if the key exists."""
    fs = path.fs
    key = path.path
    protocol = fs.protocol if isinstance(fs.protocol, str) else fs.protocol[0]
    if protocol in ("s3", "s3a"):
        if not conditional_writes_hold(path):
            raise UnsafeStore(
                f"the S3 store of {key.split('/', 1)[0]} accepts a second create of the same key "
                "(PutObject If-None-Match: * is ignored): received files could be written over, so "
                "nothing is written; use a store that honours conditional writes (AWS S3, SeaweedFS, "
                "MinIO) or a local/NFS data root"
            )
        return _put_if_absent(fs, key, data)
    try:  # any other fsspec store: its own exclusive mode, where it has one
        with fs.open(key, "xb") as f:
            f.write(data)
        return True
    except FileExistsError:
        return False
    except (ValueError, NotImplementedError) as exc:  # no exclusive create: never written over silently
        raise UnsafeStore(
            f"the store {protocol}:// cannot create a file only if it is absent ({exc}); received files could "
            "be written over, so nothing is written: use a local/NFS folder or S3 as the data root"
        ) from exc


def _precondition_failed(exc: BaseException | None) -> bool:
    """Whether the store refused a conditional write (412, or 409 for a concurrent one); s3fs turns
    the botocore error into an OSError, so the whole chain is looked at."""
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, FileExistsError):
            return True
        response = getattr(exc, "response", None) or {}
        code = str((response.get("Error") or {}).get("Code", ""))
        status = (response.get("ResponseMetadata") or {}).get("HTTPStatusCode")
        if code in ("PreconditionFailed", "ConditionalRequestConflict") or status in (409, 412):
            return True
        text = str(exc).lower().replace("-", "")
        if "precondition" in text or "conditionalrequestconflict" in text:
            return True
        exc, seen = exc.__cause__ or exc.__context__, seen + 1
    return False


def write_json(path: PathLike, doc: Any) -> None:
    write_atomic(path, json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8") + b"\n")


def read_json(path: PathLike, default: Any = None) -> Any:
    if not path.exists():
        return default
    return json.loads(read_all(path).decode("utf-8"))


def read_all(path: PathLike) -> bytes:
    """The whole file in one read: on an object store one GET of the object as it is now (an
    object replaced by another process while it is read never fails the reading)."""
    if os_path(path) is not None or getattr(path, "fs", None) is None:
        return path.read_bytes()
    return path.fs.cat_file(path.path)  # type: ignore[attr-defined]


def fresh(folder: PathLike) -> PathLike:
    """``folder`` with any cached listing dropped (s3fs caches listings; other processes write too)."""
    fs = getattr(folder, "fs", None)
    if fs is not None and os_path(folder) is None:
        try:
            fs.invalidate_cache(folder.path)  # type: ignore[attr-defined]
        except Exception:  # a store without a cache
            pass
    return folder


def list_dirs(folder: PathLike) -> list[PathLike]:
    """Folders directly in ``folder``, sorted by name (hidden ones skipped)."""
    if not fresh(folder).exists():
        return []
    return sorted(
        (p for p in folder.iterdir() if not p.name.startswith(".") and p.is_dir()), key=lambda p: p.name
    )


def list_files(folder: PathLike, hidden: bool = False) -> list[PathLike]:
    """Regular files directly in ``folder``, sorted by name; temporary ones skipped, and hidden ones
    (a leading dot) unless ``hidden`` (a unit's inbox: whatever was sent is taken in or listed)."""
    if not fresh(folder).exists():
        return []

    def wanted(name: str) -> bool:
        return not name.startswith(TMP_PREFIX) if hidden else not name.startswith(".")

    return sorted((p for p in folder.iterdir() if wanted(p.name) and not p.is_dir()), key=lambda p: p.name)
