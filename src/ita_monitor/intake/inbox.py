"""The round's inbox: ``deliver`` puts a file a unit sent into ``inbox/<unit>/`` (the upload page, mail-in,
link-in; never overwriting), and ``take_in_inbox`` takes what is new there into the version store
(``versions``), listing a file it cannot read with the reason instead of leaving it out."""

from __future__ import annotations

import errno
import logging
from dataclasses import dataclass
from typing import Any

from ita_monitor.intake.submissions import sha256
from ita_monitor.intake.versions import (
    Version,
    history,
    keep,
    now_iso,
    safe_name,
    store_bytes,
    stored_as,
    write_manifest,
)
from ita_monitor.model.errors import Problem
from ita_monitor.model.limits import TooLarge, read_bounded, read_path_bounded, too_large_th_en
from ita_monitor.model.rounds import Round
from ita_monitor.model.storage import (
    DataRoot,
    PathLike,
    UnsafePath,
    create_exclusive,
    list_dirs,
    list_files,
    part,
)

log = logging.getLogger(__name__)


def deliver(
    data: DataRoot, slug: str, rnd: Round, unit: str, name: str, source: Any, size: int | None = None
) -> str:
    """Put a file into ``inbox/<unit>/`` (the upload page, mail-in and link-in call this); its stored name.

    ``source`` is bytes, a binary file object or an iterable of chunks, read with the one size limit
    (``data.max_submission_bytes``) and refused as soon as it passes it (``TooLarge``).  The name is
    ``safe_name(name)``, or ``<stem>-2<ext>``, ``-3`` ... when taken: each name is created exclusively,
    so concurrent senders (several api-server workers or hosts) never overwrite each other.
    """
    payload = source if isinstance(source, bytes) else read_bounded(source, data.max_submission_bytes, size)
    if len(payload) > data.max_submission_bytes:
        raise TooLarge(data.max_submission_bytes, len(payload), exact=isinstance(source, bytes))
    folder = data.inbox(slug, rnd) / part(unit, "unit")  # confined whatever the caller passes
    first = part(safe_name(name), "file")
    stem, dot, ext = first.rpartition(".")
    stem, ext = (stem, f".{ext}") if dot else (first, "")
    for n in range(1, 10_000):
        candidate = first if n == 1 else f"{stem}-{n}{ext}"
        if n > 1 and (folder / candidate).exists():
            continue  # known taken: no need to write it to find out (the create below decides)
        if create_exclusive(folder / candidate, payload):
            return candidate
    raise FileExistsError(f"no free name for {first} in {folder}")


def _inbox_files(data: DataRoot, slug: str, rnd: Round) -> list[tuple[str, PathLike]]:
    inbox = data.inbox(slug, rnd)
    out = []
    for unit_dir in list_dirs(inbox):
        # every file a unit sent, a name starting with a dot too (``..csv``): taken in and counted, or
        # listed as rejected, never silently left out; only the store's own temporary files are skipped
        out += [(unit_dir.name, f) for f in sorted(list_files(unit_dir, hidden=True), key=_arrival)]
    return out


def _arrival(path: PathLike) -> tuple[float, str]:
    """Order of arrival: modification time where the storage has one, then name."""
    try:
        mtime = float(path.stat().st_mtime)  # type: ignore[attr-defined]
    except Exception:  # storage without times: name order
        mtime = 0.0
    return mtime, path.name


@dataclass(frozen=True)
class Unread:
    """An inbox file that could not be taken in (too large, unreadable): rejected with the reason."""

    unit: str
    source: str
    problem: Problem


def receive_inbox(
    data: DataRoot, slug: str, rnd: Round, store: bool = True
) -> tuple[list[Version], list[Version]]:
    """Every version of the round, after taking in what is new in the inbox; (all, new)."""
    versions, new, _ = take_in_inbox(data, slug, rnd, store)
    return versions, new


def take_in_inbox(
    data: DataRoot, slug: str, rnd: Round, store: bool = True, read: dict | None = None
) -> tuple[list[Version], list[Version], list[Unread]]:
    """Every version of the round after taking in the inbox; (all, new, inbox files not taken in).

    With ``store=False`` nothing is written: new inbox files appear as versions that are not kept
    yet (used while waiting for submissions, so polling changes nothing).  A file that cannot be
    read, or is above the size limit (found while reading, never read whole), is not kept and is
    listed with its reason; the other files are taken in as usual.  ``read`` (if given) gets the
    bytes of each new version by (unit, sha256), so the caller reads them without reading them again.
    """
    versions = history(data, slug, rnd)
    known = {(v.unit, v.sha256): v for v in versions}
    when = now_iso()
    new: list[Version] = []
    unread: list[Unread] = []
    for unit, f in _inbox_files(data, slug, rnd):
        source = f"inbox/{unit}/{f.name}"
        try:
            part(unit, "unit")  # a folder whose name cannot be kept (a control character, a backslash)
            payload = read_path_bounded(f, data.max_submission_bytes)
        except UnsafePath as exc:
            unread.append(Unread(unit, source, Problem(source, "", exc.th, exc.en)))
            continue
        except TooLarge as exc:
            th, en = too_large_th_en(exc.limit, exc.seen, exc.exact)
            unread.append(Unread(unit, source, Problem(source, "", th, en)))
            continue
        except OSError as exc:
            unread.append(Unread(unit, source, _unreadable(source, exc)))
            continue
        digest = sha256(payload)
        if (unit, digest) in known:
            if store:
                store_bytes(data, slug, rnd, known[(unit, digest)], payload)  # a claim left without its bytes
            continue
        if store:
            version, fresh = keep(data, slug, rnd, unit, f.name, payload, source, when, versions)
            if not fresh:
                continue
        else:
            number = 1 + max((v.version for v in versions if v.unit == unit), default=0)
            version = Version(
                unit,
                number,
                f.name,
                digest,
                len(payload),
                when,
                stored_as(unit, number, digest, f.name),
                source,
            )
        versions.append(version)
        new.append(version)
        known[(unit, digest)] = version
        if read is not None:
            read[(unit, digest)] = payload
    if store and new:
        write_manifest(data, slug, rnd)
        versions = history(data, slug, rnd)
    return versions, new, unread


_WHY_UNREADABLE = {
    errno.ENOENT: ("ไฟล์หายไปหรือเป็นลิงก์ที่ชี้ไปที่ไม่มีไฟล์", "it is gone, or a link to nothing"),
    errno.EACCES: ("ไม่มีสิทธิ์อ่าน", "no permission to read it"),
    errno.EPERM: ("ไม่มีสิทธิ์อ่าน", "no permission to read it"),
    errno.ELOOP: ("เป็นลิงก์ที่วนซ้ำ", "a link that loops"),
    errno.EISDIR: ("เป็นโฟลเดอร์", "it is a folder"),
}


def _unreadable(source: str, exc: BaseException) -> Problem:
    """A file that cannot be read, in our words (the error itself goes to the log, never to the sender)."""
    th_why, en_why = _WHY_UNREADABLE.get(getattr(exc, "errno", None), ("", ""))
    if not isinstance(exc, OSError):
        log.warning("reading %s failed", source, exc_info=exc)
    return Problem(
        source,
        "",
        "อ่านไฟล์นี้ไม่ได้" + (f" ({th_why})" if th_why else "") + ": ส่งไฟล์ใหม่อีกครั้ง",
        "this file cannot be read" + (f" ({en_why})" if en_why else "") + ": send it again",
    )
