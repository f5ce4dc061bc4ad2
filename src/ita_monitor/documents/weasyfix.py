"""Runtime fixes for Thai text in WeasyPrint 70.0 PDFs.

Call :func:`apply` once before rendering (it is idempotent and thread-safe).

A. Text extraction. WeasyPrint writes glyph ids as PDF character codes and keeps a
   single ToUnicode text per glyph, taken from the first time the glyph is drawn.
   HarfBuzz decomposes Thai SARA AM (U+0E33) into NIKHAHIT + SARA AA, so the
   SARA AA glyph is shared by "ำ" and "า" (tone marks have the same problem
   inside such clusters), and every later use extracts with the first text:
   "ประจำปี สำนักงาน" comes back as "ประจาปี สานักงาน". Fix: each distinct
   (glyph, text) pair gets its own character code; the first pair keeps the glyph
   id, others get new codes above the font's glyph count, and a CIDToGIDMap stream
   maps those codes back to the glyph (widths and ToUnicode are written per code,
   so rendering is unchanged). Only TrueType outlines can do this (CIDToGIDMap
   does not exist for CFF fonts); CFF and bitmap fonts keep stock behaviour.

B. Line breaking. ``split_first_line`` lays out only the first
   ``max_width / font_size * 4`` characters to find the first line. A Thai line
   holds nearly that many characters (marks have no width), so the cut falls a few
   characters after the line's end, inside a word; libthai segments the truncated
   text differently and may break inside a word ("ในกา|ร"). Twice the text keeps
   the cut far enough: in our tests the lines then match a layout of the whole text.

WeasyPrint offers no hook in the middle of these long functions, so rather than
copying them whole we patch their source in memory: every replaced fragment must
be found exactly once, otherwise a RuntimeError tells that the pin is stale.
"""

import inspect
import linecache
import sys
import textwrap
import threading

WEASYPRINT_VERSION = "70.0"

# Marker attribute set on the functions this module installs.
_MARK = "__weasyfix__"
_lock = threading.Lock()

# Defect A, drawing side (weasyprint.draw.text.draw_first_line).
_DRAW_FIRST_LINE = [
    (
        # Compute the text of every glyph, not only of the first occurrence, and pick
        # the character code of this (glyph, text) pair.
        """\
            if glyph_id not in font.to_unicode:
                # Get positions of the glyph in the UTF-8 string.
                offset = glyph_item.item.offset
                t1 = clusters[i]
                if glyph_item.item.analysis.level % 2:  # rtl
                    t2 = glyph_item.item.length if i == 0 else clusters[i-1]
                else:
                    t2 = glyph_item.item.length if i == num_glyphs-1 else clusters[i+1]
                utf8_text = utf8_text or textbox.pango_layout.text.encode()
                font.to_unicode[glyph_id] = utf8_text[offset+t1:offset+t2].decode()
""",
        """\
            offset = glyph_item.item.offset
            t1 = clusters[i]
            if glyph_item.item.analysis.level % 2:  # rtl
                t2 = glyph_item.item.length if i == 0 else clusters[i-1]
            else:
                t2 = glyph_item.item.length if i == num_glyphs-1 else clusters[i+1]
            utf8_text = utf8_text or textbox.pango_layout.text.encode()
            glyph_text = utf8_text[offset+t1:offset+t2].decode()
            code = glyph_id
            if (font.to_unicode.setdefault(glyph_id, glyph_text) != glyph_text
                    and glyph_id < font.glyph_count
                    and not font.bitmap and font.type == 'ttf'):
                codes = font.__dict__.setdefault('weasyfix_codes', {})
                if (glyph_id, glyph_text) not in codes:
                    new_code = font.glyph_count + len(font.missing) + len(codes)
                    if new_code <= 0xffff:
                        codes[glyph_id, glyph_text] = new_code
                        font.to_unicode[new_code] = glyph_text
                code = codes.get((glyph_id, glyph_text), glyph_id)
""",
    ),
    (
        "string += f'<{glyph_id:02x}>' if font.bitmap else f'<{glyph_id:04x}>'",
        "string += f'<{code:02x}>' if font.bitmap else f'<{code:04x}>'",
    ),
    (
        "string += f'{glyph_id:02x}' if font.bitmap else f'{glyph_id:04x}'",
        "string += f'{code:02x}' if font.bitmap else f'{code:04x}'",
    ),
    (
        # The PDF widths array is indexed by code, give new codes their glyph's width.
        """\
                    stream.logical_rect.width * 1000 * FROM_UNITS / font_size)
""",
        """\
                    stream.logical_rect.width * 1000 * FROM_UNITS / font_size)
            font.widths.setdefault(code, logical_width)
""",
    ),
]

# Codes for missing glyphs are allocated in the same range as ours: share the count.
_GET_UNUSED_GLYPH_ID = [
    (
        "next_unused_glyph_id = self.glyph_count + len(self.missing)",
        "next_unused_glyph_id = (self.glyph_count + len(self.missing) +\n"
        "                                    len(self.__dict__.get('weasyfix_codes', ())))",
    )
]

# Without subsetting (full_fonts, PDF forms) widths and ToUnicode come from the font
# file, which knows nothing about our codes, and its cmap gives the wrong text for
# Thai glyphs (NIKHAHIT for ำ, private-use codes for shifted tone marks): add our
# codes and prefer the drawn texts. Both lines are no-ops when fonts are subset.
_BUILD_FONTS_DICTIONARY = [
    (
        """\
        to_unicode_object = pydyf.Stream([
""",
        """\
        for (glyph_id, _), code in font.__dict__.get('weasyfix_codes', {}).items():
            font_widths[code] = font_widths[glyph_id]
        to_unicode.update(font.to_unicode)
        to_unicode_object = pydyf.Stream([
""",
    )
]

# Map our codes (used as CIDs by Identity-H) back to their glyph.
_BUILD_VECTOR_FONT_DICTIONARY = [
    (
        """\
    subfont_dictionary = pydyf.Dictionary({
""",
        """\
    cid_to_gid_map = '/Identity'
    if codes := font.__dict__.get('weasyfix_codes'):
        gids = list(range(font.glyph_count))
        gids += [0] * (max(codes.values()) + 1 - font.glyph_count)
        for (glyph_id, _), code in codes.items():
            gids[code] = glyph_id
        cid_to_gid_map = pydyf.Stream(
            [b''.join(gid.to_bytes(2, 'big') for gid in gids)], compress=compress)
        pdf.add_object(cid_to_gid_map)
        cid_to_gid_map = cid_to_gid_map.reference
    subfont_dictionary = pydyf.Dictionary({
""",
    ),
    (
        "'CIDToGIDMap': '/Identity',",
        "'CIDToGIDMap': cid_to_gid_map,",
    ),
]

# Defect B.
_SPLIT_FIRST_LINE = [
    (
        "ratio = 4  # number that almost always respects char_height / char_width > ratio",
        "ratio = 8  # weasyfix: 4 cuts Thai words that libthai then breaks inside",
    )
]


def apply() -> None:
    """Patch WeasyPrint in this process; safe to call any number of times."""
    with _lock:
        import weasyprint

        if weasyprint.__version__ != WEASYPRINT_VERSION:
            raise RuntimeError(
                f"ita_monitor.documents.weasyfix is pinned to WeasyPrint {WEASYPRINT_VERSION}, "
                f"found {weasyprint.__version__}: check whether the Thai text "
                "extraction and line-break defects are still there, then update or "
                "drop this module"
            )

        from weasyprint.draw import text as draw_text
        from weasyprint.pdf import fonts
        from weasyprint.text import line_break

        targets = [
            (draw_text, "draw_first_line", _DRAW_FIRST_LINE),
            (fonts.Font, "get_unused_glyph_id", _GET_UNUSED_GLYPH_ID),
            (fonts, "build_fonts_dictionary", _BUILD_FONTS_DICTIONARY),
            (fonts, "_build_vector_font_dictionary", _BUILD_VECTOR_FONT_DICTIONARY),
            (line_break, "split_first_line", _SPLIT_FIRST_LINE),
        ]
        # Build everything before installing anything: all or nothing.
        patched = [
            (owner, name, _patch(owner, name, edits))
            for owner, name, edits in targets
            if not getattr(getattr(owner, name), _MARK, False)
        ]
        for owner, name, (original, new) in patched:
            setattr(owner, name, new)
            # "from module import function" made copies of the name: update them.
            for module in list(sys.modules.values()):
                if getattr(module, "__name__", "").startswith("weasyprint"):
                    for attribute, value in list(vars(module).items()):
                        if value is original:
                            setattr(module, attribute, new)


def _patch(owner, name, edits):
    """Return ``(original, patched)`` for ``owner.name`` with ``edits`` applied."""
    original = getattr(owner, name)
    try:
        source = textwrap.dedent(inspect.getsource(original))
    except (OSError, TypeError) as exception:
        raise RuntimeError(
            f"ita_monitor.documents.weasyfix cannot read the source of WeasyPrint {name}"
        ) from exception
    for old, new in edits:
        count = source.count(old)
        if count != 1:
            raise RuntimeError(
                f"ita_monitor.documents.weasyfix: WeasyPrint {name} is not the code this patch "
                f"was written for (fragment found {count} times, expected once):\n"
                f"{old}"
            )
        source = source.replace(old, new)

    # Keep the patched source in linecache so that tracebacks show real lines.
    module = sys.modules[original.__module__]
    filename = f"<weasyfix {module.__name__}.{name}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
    namespace = {}
    exec(compile(source, filename, "exec"), vars(module), namespace)
    new = namespace[name]
    setattr(new, _MARK, True)
    return original, new
