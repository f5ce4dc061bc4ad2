"""The limits on what is received, one place for every way a file comes in.

The inbox (collect), the upload page, mail-in and link-in all read a file through
``read_bounded`` with the same limit, ``[ita] max_submission_bytes``: the reading stops as soon as the
limit is passed, so a file that is too large is never held in memory whole.

Other bounds keep what a round writes small whatever a file holds: at most ``MAX_ROWS`` filled rows
are read from a file, and at most ``MAX_PROBLEMS`` problems are kept per file (then one line "and N
more like this").
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import IO, Any

DEFAULT_MAX_SUBMISSION_BYTES = 5 * 1024 * 1024  # a real form of a few hundred rows is well under 1 MB
ENV = "AIRFLOW__ITA__MAX_SUBMISSION_BYTES"
MAX_ROWS = 1000  # filled rows read from one file (a form has one row per measure)
MAX_PROBLEMS = 50  # problems kept per file; the rest are counted
MAX_NAME_BYTES = 120  # a stored file name, in UTF-8 bytes (file systems allow 255)
MAX_LISTED = 5  # values a message names before "and N more" (columns, keys)
MAX_CELL_CHARS = 32_767  # characters in one cell: Excel's own limit, for CSV and JSON too
MAX_JSON_DEPTH = 32  # nesting of [ and { in a JSON file (the form's JSON is 3 deep)

# A workbook (.xlsx is a zip archive) is checked from its zip directory before anything is inflated.
# An ordinary 80,000-row workbook written by openpyxl is 2.4 MB, about 95 MB when opened, ratio ~40;
# a zip bomb inflates a few MB to GBs at ratios near 1,000.
MAX_SHEETS = 100  # worksheets in one workbook (the form has one)
MAX_MEMBERS = 1000  # parts of the zip archive besides the worksheets (a workbook has about a dozen)
MAX_OPENED_BYTES = 256 * 1024 * 1024  # all parts together, as the zip directory declares them
MAX_RATIO = 250  # inflated / compressed size of one part ...
RATIO_FLOOR_BYTES = 1024 * 1024  # ... that inflates to more than this
CHUNK = 1024 * 1024


def max_submission_bytes_default() -> int:
    """``AIRFLOW__ITA__MAX_SUBMISSION_BYTES`` if set, else 5 MiB (the Airflow layer reads ``[ita]``)."""
    value = os.environ.get(ENV, "").strip()
    return int(value) if value else DEFAULT_MAX_SUBMISSION_BYTES


class TooLarge(Exception):
    """A file above the limit; ``seen`` is how many bytes were read (or the known size) when refused."""

    def __init__(self, limit: int, seen: int, exact: bool = False):
        self.limit, self.seen, self.exact = limit, seen, exact  # exact: seen is the whole size
        super().__init__(f"larger than {limit} bytes ({'' if exact else 'at least '}{seen})")


def size_text(limit: int, unit: str = "bytes") -> str:
    mb = limit / (1024 * 1024)
    return f"{mb:g} MB" if mb >= 1 else f"{limit:,} {unit}"


def too_large_th_en(limit: int, seen: int, exact: bool = False) -> tuple[str, str]:
    """The message for a file above the limit: its size when known, else "more than" the limit."""
    size = f"{seen:,} ไบต์" if exact else f"เกิน {limit:,} ไบต์"
    size_en = f"{seen:,} bytes" if exact else f"more than {limit:,} bytes"
    return (
        f"ไฟล์ใหญ่เกิน {size_text(limit, 'ไบต์')} ({size}): ส่งเฉพาะตารางผล ใส่หลักฐานเป็นลิงก์แทนการแนบ",
        f"the file is larger than {size_text(limit)} ({size_en}): send only the results table and give "
        "evidence as links",
    )


def read_bounded(source: IO[bytes] | Iterable[bytes] | Any, limit: int, size: int | None = None) -> bytes:
    """All bytes of ``source`` (a binary file object or an iterable of chunks), refused past ``limit``.

    ``size``, when the caller knows it (a file's stat, a Content-Length), refuses at once without
    reading.  Otherwise reading stops at ``limit + 1`` bytes: at most that much is ever in memory.
    Raises ``TooLarge``.
    """
    if size is not None and size > limit:
        raise TooLarge(limit, size, exact=True)
    out = bytearray()
    for chunk in _chunks(source, min(CHUNK, limit + 1)):
        out += chunk
        if len(out) > limit:
            raise TooLarge(limit, len(out))
    return bytes(out)


def _chunks(source: Any, size: int) -> Iterator[bytes]:
    read = getattr(source, "read", None)
    if read is None:
        yield from source
        return
    while True:
        chunk = read(size)
        if not chunk:
            return
        yield chunk


def read_path_bounded(path: Any, limit: int) -> bytes:
    """A file of the data root (pathlib or ObjectStoragePath) read with ``read_bounded``."""
    size = None
    try:
        size = int(path.stat().st_size)
    except Exception:  # a store without sizes: the reading itself is bounded
        size = None
    if size is not None and size > limit:
        raise TooLarge(limit, size, exact=True)
    with path.open("rb") as f:
        return read_bounded(f, limit)
