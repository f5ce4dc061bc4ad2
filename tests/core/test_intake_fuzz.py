"""The intake fuzzed (issue 23): random bytes, CSV, workbooks and JSON through check-submission's function
and the version store.  Whatever comes in: no exception escapes, every answer is bounded (at most
``MAX_PROBLEMS`` problems and a few "and N more" lines, each message short, Thai and English), and
nothing is written outside the data root.

Deterministic (``derandomize``, no example database) and bounded in time: about 30 s in all.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
from pathlib import Path

import pytest

from tests.conftest import IN_CI

try:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
except ImportError:  # a .venv made before hypothesis joined the test extra: `make setup`
    if IN_CI:
        raise
    pytest.skip("hypothesis is not installed here: run make setup", allow_module_level=True)

from ita_monitor.intake.columns import FIELD_TH, HEADER_TO_FIELD
from ita_monitor.intake.inbox import deliver
from ita_monitor.intake.reading import check_file, take_in
from ita_monitor.intake.submissions import read_file
from ita_monitor.model.config import AgenciesDir
from ita_monitor.model.errors import MAX_KINDS, MAX_MESSAGE, Problem
from ita_monitor.model.limits import MAX_PROBLEMS
from ita_monitor.model.rounds import Round
from ita_monitor.model.storage import DataRoot, UnsafePath
from tests.conftest import AGENCIES

R12 = Round(2565, 12)
D = AgenciesDir(AGENCIES)
AGENCY, PLAN = D.agency("mae-u-kho"), D.plan("mae-u-kho", 2565)
FUZZ = settings(
    max_examples=300,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

SUFFIX = st.sampled_from([".csv", ".xlsx", ".json", ".xls", ".txt", ""])
THAI = st.characters(min_codepoint=0x0E01, max_codepoint=0x0E5B)
CELL = st.one_of(
    st.text(max_size=30),
    st.text(THAI, max_size=30),
    st.sampled_from(
        [*HEADER_TO_FIELD, *FIELD_TH.values(), "M1", "M3", "M4", "=SUM(A1)", "31/02/2565", "ดำเนินการแล้ว"]
    ),
)
ROWS = st.lists(st.lists(CELL, max_size=12), max_size=15)


def assert_bounded(problems: list[Problem]) -> None:
    assert len(problems) <= MAX_PROBLEMS + MAX_KINDS
    for p in problems:
        assert p.th and p.en and p.severity in ("error", "warning")
        assert len(p.th) <= MAX_MESSAGE and len(p.en) <= MAX_MESSAGE and len(p.where) <= 200
        assert "Traceback" not in p.en


def through_intake(data: bytes, name: str) -> None:
    """check-submission's steps (the unit the file names, then the round's check) must answer, bounded."""
    found = read_file(data, name)
    assert_bounded(found.problems)
    rows, problems = check_file(data, name, "palad", PLAN, AGENCY, R12)
    assert_bounded(problems)


@settings(FUZZ, max_examples=1000)
@given(data=st.binary(max_size=4096), suffix=SUFFIX)
def test_random_bytes(data, suffix):
    through_intake(data, f"random{suffix}")


@FUZZ
@given(data=st.binary(max_size=2048))
def test_random_bytes_that_start_like_a_workbook(data):
    through_intake(b"PK\x03\x04" + data, "random.xlsx")


def _csv(rows: list[list[str]], delimiter: str) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter).writerows(rows)
    return buf.getvalue().encode("utf-8")


@FUZZ
@given(rows=ROWS, form_header=st.booleans(), delimiter=st.sampled_from([",", ";", "\t", "|"]))
def test_random_csv(rows, form_header, delimiter):
    header = [["รหัสมาตรการ", "มาตรการ", "รายละเอียดการดำเนินงาน", "ระยะเวลาการดำเนินงาน", "ผลผลิต", "ผลลัพธ์"]]
    through_intake(_csv((header if form_header else []) + rows, delimiter), "random.csv")


@settings(FUZZ, max_examples=150)
@given(
    sheets=st.lists(st.tuples(st.text(THAI, min_size=1, max_size=10), ROWS), min_size=1, max_size=3),
    form_header=st.booleans(),
)
def test_random_workbooks(sheets, form_header):
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for n, (title, rows) in enumerate(sheets):
        ws = book.create_sheet(f"{title[:20]}{n}")
        if form_header:
            ws.append(
                ["รหัสมาตรการ", "มาตรการ", "รายละเอียดการดำเนินงาน", "ระยะเวลาการดำเนินงาน", "ผลผลิต", "ผลลัพธ์"]
            )
        for row in rows:
            ws.append([c if not (isinstance(c, str) and any(ord(x) < 32 for x in c)) else None for c in row])
    buf = io.BytesIO()
    book.save(buf)
    through_intake(buf.getvalue(), "random.xlsx")


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | CELL,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(CELL, inner, max_size=6),
    max_leaves=30,
)
JSON_ROW = st.dictionaries(
    st.sampled_from([*HEADER_TO_FIELD, "colour", "รายละเอียด"]) | CELL, JSON | CELL, max_size=9
)


@settings(FUZZ, max_examples=150)
@given(
    doc=st.one_of(
        JSON,
        st.lists(JSON_ROW, max_size=8),
        st.fixed_dictionaries({"unit": CELL, "rows": st.lists(JSON_ROW, max_size=8)}),
    )
)
def test_random_json(doc):
    through_intake(json.dumps(doc, ensure_ascii=False).encode("utf-8"), "random.json")


@settings(FUZZ, max_examples=150)
@given(
    sent=st.lists(
        st.tuples(
            st.text(max_size=12) | st.sampled_from(["palad", "finance", "..", "../x", "a/b"]),
            st.text(max_size=40) | st.sampled_from(["..csv", "../../x.csv", ".hidden.json", "ผล.xlsx"]),
            st.binary(max_size=300),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_the_version_store_keeps_everything_inside_the_data_root(sent):
    """Files delivered under any unit and name, then the round taken in: inside the data root, answered."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "data"
        data = DataRoot(root)
        for unit, name, body in sent:
            try:
                stored = deliver(data, AGENCY.slug, R12, unit, name, body)
            except UnsafePath:
                continue
            assert "/" not in stored and stored not in ("", ".", "..")
        intake = take_in(data, AGENCY, PLAN, R12)
        for outcome in intake.outcomes:
            assert_bounded(outcome.problems)
        outside = [p for p in Path(tmp).rglob("*") if not p.is_relative_to(root)]
        assert outside == []
