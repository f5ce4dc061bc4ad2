"""The digit rule as a check (``model/thai.py``, docs/documents.md): in what a person reads, a Latin
digit inside Thai prose is a mistake; web addresses, e-mails, codes and Latin words keep theirs.

``latin_in_thai(html_or_text)`` lists each offending number with a few words around it (judged per
element's text, so a cell that is only a figure is a figure, not prose).  English
passages are skipped: ``<span class="en">``, ``<code>``, ``<script>``, ``<style>``, attribute values,
and anything marked ``data-as-typed`` (a unit's own text, as typed)."""

from __future__ import annotations

from html.parser import HTMLParser

from ita_monitor.model.thai import thai_digits_in_prose

_SKIP = {"script", "style", "code", "pre", "textarea", "title"}
_VOID = {"br", "img", "input", "meta", "link", "hr", "col", "area", "base", "source", "wbr"}


class _Visible(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[bool] = []  # per open element: skipped?
        self.out: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in _VOID:
            return
        a = dict(attrs)
        skip = (
            tag in _SKIP
            or "en" in (a.get("class") or "").split()
            or "data-as-typed" in a
            or (self.stack and self.stack[-1])
        )
        self.stack.append(bool(skip))

    def handle_endtag(self, tag):
        if tag in _VOID:
            return
        if self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not (self.stack and self.stack[-1]):
            self.out.append(data)


def visible_texts(html: str) -> list[str]:
    """The text of each element, in order (a mail's plain text: each line)."""
    if "<" not in html:
        return html.splitlines()
    parser = _Visible()
    parser.feed(html)
    return parser.out


def latin_in_thai(html: str) -> list[str]:
    """Each Latin number the digit rule would write in Thai digits, with three words either side.

    Judged per piece of text (an element's text, a line): a table cell that is only a figure
    (``75.0``, ``3``, ``0 / 1``) is a figure, as the exports print it; Thai words around a number in
    the same piece are prose."""
    out = []
    for piece in visible_texts(html):
        text = " ".join(piece.split())
        if not any("\u0e01" <= c <= "\u0e4f" for c in text):
            continue  # no Thai in it: a figure, a code, English
        words, fixed = text.split(" "), thai_digits_in_prose(text).split(" ")
        out += [
            " ".join(words[max(0, i - 3) : i + 4])
            for i, (w, f) in enumerate(zip(words, fixed, strict=False))
            if w != f
        ]
    return out
