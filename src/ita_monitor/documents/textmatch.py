"""The text a document was given, found again in the text read back from its PDF, in reading order.

The HTML's text pieces (each element's text, whitespace removed) are looked for one after the other
in the PDF's text (``pdftotext -raw``: content-stream order, whitespace removed).  What a printed page
does to the text is allowed for:

- a page break: a piece (a long cell, a paragraph) goes on at a line start of the next page, after
  the page's footer and number, the repeated table header, and the other cells of a split table row
  (each of which goes on in its turn);
- a hyphenation point: a line that ends in a hyphen the text does not have goes on at the next line;
- repeated text: the page furniture and a ``<thead>`` printed on every page is text the HTML has once;
  whatever is left over is never matched.

Every character of a piece must come back, in order, and the parts of a split piece are each made of
text no other split piece uses, so a dropped, altered or reordered character is a difference: the
piece that does not match is reported with where it went wrong (the page, what was expected, what
was found).  A piece drawn out of order (positioned boxes are painted after the flow) is looked for
from the start of the text.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

# Whitespace and invisible characters: lines wrap and cells split differently from the source.
_SPACE = re.compile(r"[\s\u00a0\u00ad\u200b-\u200d\u2060\ufeff]+")
_HYPHENS = "-\u2010"
SEED = 12  # characters that start a looked-for part
CANDIDATES = 40  # places tried for each part (repeated text has many)
BUDGET = 2000  # places tried for one piece in all
CONTEXT = 24  # characters of expected and found text shown in a difference


def squash(text: str) -> str:
    return _SPACE.sub("", text)


@dataclass
class Extracted:
    """The PDF's text with whitespace removed, where its lines and pages start, and what is used."""

    text: str
    line_starts: list[int]  # sorted offsets of each line's first character
    page_starts: list[int]  # offset of each page's first character
    hyphens: set[int]  # offsets of a hyphen that ends a line
    used: bytearray  # 1 where a character already belongs to a piece

    def page_of(self, offset: int) -> int:
        """1-based page of ``offset`` (0 when there is no text)."""
        return bisect_right(self.page_starts, offset) if self.page_starts else 0

    def next_page_start(self, offset: int) -> int:
        i = bisect_right(self.page_starts, offset)
        return self.page_starts[i] if i < len(self.page_starts) else len(self.text)


def extract(raw: str) -> Extracted:
    """``pdftotext -raw`` output (pages split by form feeds) as one squashed text with its lines and pages."""
    pages = raw.split("\f")
    if pages and not pages[-1].strip():
        pages.pop()
    text: list[str] = []
    lines, starts, hyphens = [], [], set()
    offset = 0
    for page in pages:
        starts.append(offset)
        for line in page.split("\n"):
            line = squash(line)
            if line:
                lines.append(offset)
                text.append(line)
                offset += len(line)
                if line[-1] in _HYPHENS and len(line) > 1:
                    hyphens.add(offset - 1)
    joined = "".join(text)
    return Extracted(joined, lines, starts, hyphens, bytearray(len(joined)))


@dataclass(frozen=True)
class Mismatch:
    """Where a piece stops matching: the page, what was expected and what was found there."""

    page: int
    expected: str
    found: str


class _Search:
    """One piece looked for from ``start``: parts in order, each a run of unused characters."""

    def __init__(self, piece: str, out: Extracted):
        self.piece, self.out, self.x = piece, out, out.text
        self.used = out.used
        self.budget = BUDGET
        self.best = (-1, 0, 0)  # (characters matched, where the difference is in the text, matched there)

    def _prefix(self, pos: int, rest: str) -> int:
        """Length of the common prefix of the text at ``pos`` and ``rest``, stopping at a used character."""
        x = self.x
        limit = min(len(rest), len(x) - pos)
        used = self.used.find(1, pos, pos + limit)
        if used >= 0:
            limit = used - pos
        if x.startswith(rest[:limit], pos):
            return limit
        lo, hi = 0, limit
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if x.startswith(rest[:mid], pos):
                lo = mid
            else:
                hi = mid - 1
        return lo

    def run(self, pos: int, rest: str, end: int | None = None) -> tuple[int, int]:
        """How much of ``rest`` the text from ``pos`` (up to ``end``) holds, a hyphen that ends a line and is
        not in ``rest`` passed over (a hyphenation point); (characters of ``rest`` matched, where it stops)."""
        stop = len(self.x) if end is None else end
        matched, at = 0, pos
        while True:
            k = min(self._prefix(at, rest[matched:]), stop - at)
            matched, at = matched + k, at + k
            if (
                matched == len(rest)
                or at >= stop
                or at not in self.out.hyphens
                or self.used[at]
                or rest[matched] in _HYPHENS
            ):
                return matched, at
            at += 1  # the hyphenation point

    def first_places(self, rest: str, cursor: int) -> list[int]:
        """Where the piece may start: each unused place of its first characters from ``cursor`` on."""
        seed, places = rest[:SEED], []
        pos = self.x.find(seed, cursor)
        while pos >= 0 and len(places) < CANDIDATES:
            if not self.used[pos]:
                places.append(pos)
            pos = self.x.find(seed, pos + 1)
        return places

    def next_places(self, rest: str, end: int) -> list[int]:
        """Where a part may go on after ending at ``end``: at a line start of the next page (a fragment
        of a box goes on on the next page), nearest first, or of the page after it."""
        out, seed = self.out, rest[:SEED]
        lo = out.next_page_start(end - 1)
        hi = out.next_page_start(out.next_page_start(lo))
        places: list[int] = []
        i = bisect_left(out.line_starts, lo)
        while i < len(out.line_starts) and out.line_starts[i] < hi and len(places) < CANDIDATES:
            pos = out.line_starts[i]
            if not self.used[pos] and self.x.startswith(seed, pos):
                places.append(pos)
            i += 1
        return places

    def ends_within(self, pos: int, stop: int) -> list[int]:
        """Where a part running from ``pos`` to ``stop`` may end: ``stop`` when it is a line end, else the
        last line ends before it (text that goes on by coincidence)."""
        out = self.out
        hi = bisect_right(out.line_starts, stop)
        lo = bisect_right(out.line_starts, pos)
        return out.line_starts[lo:hi][::-1][:3]

    def parts(self, rest: str, cursor: int, matched: int, first: bool) -> list[tuple[int, int]] | None:
        """The spans ``rest`` is found in from ``cursor`` on, or None; the best failure is kept."""
        places = self.first_places(rest, cursor) if first else self.next_places(rest, cursor)
        if not places:
            self._note_missing_start(rest, cursor, matched)
        for pos in places:  # the nearest place where all of it is: no part needed
            if self.x.startswith(rest, pos) and self.used.find(1, pos, pos + len(rest)) < 0:
                return [(pos, pos + len(rest))]
        for pos in places:
            if self.budget <= 0:
                return None
            self.budget -= 1
            k, stop = self.run(pos, rest)
            if k == len(rest):
                return [(pos, stop)]
            for end in self.ends_within(pos, stop):
                done, _ = self.run(pos, rest, end)
                found = self.parts(rest[done:], end, matched + done, first=False)
                if found is not None:
                    return [(pos, end), *found]
            if matched + k > self.best[0]:
                self.best = (matched + k, stop, k)
        return None

    def _note_missing_start(self, rest: str, cursor: int, matched: int) -> None:
        """Not even the first characters: where does the longest beginning of ``rest`` occur?"""
        lo, hi, at = 0, min(SEED, len(rest)), cursor
        while lo < hi:
            mid = (lo + hi + 1) // 2
            pos = self.x.find(rest[:mid], cursor)
            if pos >= 0:
                lo, at = mid, pos
            else:
                hi = mid - 1
        if matched + lo > self.best[0]:
            self.best = (matched + lo, at + lo, lo)

    def mismatch(self) -> Mismatch:
        matched, where, k = self.best
        matched = max(matched, 0)
        before = min(6, matched)
        x = self.x
        found = x[where - before : where + CONTEXT] if k else x[where : where + CONTEXT]
        return Mismatch(self.out.page_of(where), self.piece[matched - before : matched + CONTEXT], found)


def find(piece: str, out: Extracted, start: int) -> tuple[int, int, Mismatch | None]:
    """Find ``piece`` at or after ``start``: whole where it is (the text may also be another piece's: the
    same words in a chart and a table), else in parts, each of unused text, which are then marked used
    so that no other split piece goes on in them.

    Returns (end of its first part, characters matched, the difference when it does not match).
    """
    whole = out.text.find(piece, start)
    if whole >= 0:
        return whole + len(piece), len(piece), None
    search = _Search(piece, out)
    spans = search.parts(piece, start, 0, first=True)
    if spans is None:
        return -1, max(search.best[0], 0), search.mismatch()
    for a, b in spans:
        out.used[a:b] = b"\x01" * (b - a)
    return spans[0][1], len(piece), None


def compare(pieces: list[str], out: Extracted) -> tuple[int, Mismatch | None]:
    """Every piece, in order where the page draws in order; a piece drawn out of order (positioned boxes
    are painted after the flow) is looked for from the start.  (characters compared, the first difference)."""
    anchor, characters = 0, 0
    for piece in pieces:
        characters += len(piece)
        end, matched, mismatch = find(piece, out, anchor)
        if mismatch is None:
            anchor = end
            continue
        end2, matched2, mismatch2 = find(piece, out, 0)
        if mismatch2 is None:
            continue  # out of order: keep the place in the text
        first = (matched, bool(mismatch.found)) >= (matched2, bool(mismatch2.found))
        return characters, mismatch if first else mismatch2  # one difference blocks; the rest would repeat it
    return characters, None
