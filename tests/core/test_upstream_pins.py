"""Where the project keeps its own patch of a library, the upstream behaviour the patch relies on, with
the version it was checked against: a new version that changes it fails here, naming what to re-check.

WeasyPrint 70.0: ``documents/weasyfix.py`` refuses another version and changed code itself
(``test_weasyfix.py``: ``test_guard_refuses_another_weasyprint``, ``test_unpatched_weasyprint_loses_sara_am``).
openpyxl 3.1.5: the intake replaces ``ReadOnlyWorksheet._get_size`` (the sheet's ``<dimension>``
looked for before ``<sheetData>`` instead of in a parse of the whole sheet); pinned here.
"""

from __future__ import annotations

import importlib.util
import io
import re
import zipfile

import openpyxl
import pytest

OPENPYXL_CHECKED = "3.1.5"


def test_openpyxl_is_the_version_the_intakes_size_lookup_was_checked_against():
    assert openpyxl.__version__ == OPENPYXL_CHECKED, (
        f"openpyxl {openpyxl.__version__}: check that ReadOnlyWorksheet._get_size still only reads the "
        f"sheet's <dimension> (the intake replaces it), then set OPENPYXL_CHECKED"
    )


def _upstream_read_only():
    """A fresh copy of openpyxl's read-only worksheet module: its ``_get_size`` as shipped."""
    spec = importlib.util.find_spec("openpyxl.worksheet._read_only")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _xlsx(dimension: str | None) -> bytes:
    """A 30 x 2 sheet whose <dimension> says ``dimension`` (None: no <dimension> at all)."""
    wb = openpyxl.Workbook()
    for i in range(30):
        wb.active.append([i, "x"])
    buf = io.BytesIO()
    wb.save(buf)
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(out, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                replacement = b"" if dimension is None else f'<dimension ref="{dimension}"/>'.encode()
                data = re.sub(rb"<dimension [^>]*/>", replacement, data)
            dst.writestr(item, data)
    return out.getvalue()


@pytest.mark.parametrize("dimension", ["A1:B30", "A1", None])
def test_the_intakes_size_lookup_finds_what_openpyxls_own_finds(dimension):
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    from ita_monitor.intake.submissions import read_file

    data = _xlsx(dimension)
    read_file(data, "f.xlsx")  # the intake installs its size lookup
    ours = ReadOnlyWorksheet._get_size
    assert ours.__module__.startswith("ita_monitor."), (
        "the intake no longer replaces _get_size: drop this pin"
    )
    upstream = _upstream_read_only().ReadOnlyWorksheet._get_size
    assert upstream.__module__ == "openpyxl.worksheet._read_only"
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    try:
        found = []
        for size in (upstream, ours):
            ws = book.active
            ws._min_column = ws._min_row = ws._max_column = ws._max_row = None
            size(ws)
            found.append((ws._min_column, ws._min_row, ws._max_column, ws._max_row))
    finally:
        book.close()
    assert found[0] == found[1]
    assert (
        found[0] == {"A1:B30": (1, 1, 2, 30), "A1": (1, 1, 1, 1), None: (None, None, None, None)}[dimension]
    )
