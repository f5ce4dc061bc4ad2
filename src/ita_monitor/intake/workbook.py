"""An XLSX submission (openpyxl, read-only and lazily): its visible sheets, each row's values with
formulas and error values flagged.  The zip directory was checked before (``sniff``)."""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator

from ita_monitor.intake.tables import BadCells, Cells, Row, Sheet, long_cells

# openpyxl warns (UserWarning) about what it does not read: data validation extensions, conditional
# formatting, a default style; none of it is the sender's data, and a warning is no message to a person.
warnings.filterwarnings("ignore", category=UserWarning, module=r"openpyxl(\..*)?$")


def _dimensions_before_data(self) -> None:
    """openpyxl's ``ReadOnlyWorksheet._get_size`` without reading the whole sheet.

    openpyxl looks for ``<dimension>`` with end events, so a sheet without one (scripts, some
    exports, an 80,000-row attack) is parsed to its end just to learn that; the element comes before
    ``<sheetData>`` by the schema, so looking at start events up to there gives the same answer.
    """
    from openpyxl.worksheet.dimensions import SheetDimension
    from openpyxl.xml.constants import SHEET_MAIN_NS
    from openpyxl.xml.functions import iterparse

    src = self._get_source()
    try:
        for _event, element in iterparse(src, events=("start",)):
            if element.tag == f"{{{SHEET_MAIN_NS}}}dimension":
                bounds = SheetDimension.from_tree(element).boundaries
                if bounds is not None:
                    self._min_column, self._min_row, self._max_column, self._max_row = bounds
                return
            if element.tag == f"{{{SHEET_MAIN_NS}}}sheetData":
                return
    finally:
        src.close()


def sheets(data: bytes) -> Iterator[Sheet]:
    """The visible sheets, in order; the workbook is closed when the caller closes the iterator."""
    import openpyxl  # imported here: only XLSX files need it
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    ReadOnlyWorksheet._get_size = _dimensions_before_data  # the same dimensions, found without a full parse
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    try:
        for ws in book.worksheets:
            if getattr(ws, "sheet_state", "visible") != "visible":
                continue
            ws.reset_dimensions()  # some writers (Google Sheets, scripts) declare wrong dimensions
            yield Sheet(ws.title, _rows(ws))
    finally:
        book.close()


def _rows(ws) -> Iterator[Row]:
    for number, row in enumerate(ws.iter_rows(), start=1):
        values: Cells = []
        bad: BadCells = []
        for col, cell in enumerate(row):
            kind = getattr(cell, "data_type", None)
            value = getattr(cell, "value", None)
            if kind == "f":
                bad.append((col, "formula"))
                value = None
            elif kind == "e":
                bad.append((col, str(value)))
                value = None
            values.append(value)
        yield number, values, bad + long_cells(values)
