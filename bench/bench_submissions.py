"""Unit submissions: validating a 200-row workbook, and taking in a whole round of 20 units.

Prints figures; asserts nothing.  Targets: a 200-row workbook validated in < 1 s; the intake
(collect: keep every file as a version, then read and check them all) of a 20-unit round in < 5 s.
"""

from __future__ import annotations

import io
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ita_monitor.flow.pipeline import RoundJob, collect  # noqa: E402
from ita_monitor.intake.notify import open_round  # noqa: E402
from ita_monitor.intake.submissions import parse_submission  # noqa: E402
from ita_monitor.intake.unit_forms import build_workbook, form_for  # noqa: E402
from ita_monitor.model.config import AgenciesDir  # noqa: E402
from ita_monitor.model.rounds import Round  # noqa: E402
from ita_monitor.model.storage import DataRoot  # noqa: E402
from tests.synthetic_agency import make_agencies  # noqa: E402

RND = Round(2565, 12)


def filled(data: bytes) -> bytes:
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb.active
    for row in ws.iter_rows(min_row=6):
        if row[0].value:
            r = row[0].row
            ws[f"C{r}"] = "ดำเนินการแล้ว"
            ws[f"D{r}"] = "- จัดทำมาตรการและประกาศให้เจ้าหน้าที่ทราบ\n- เผยแพร่บนเว็บไซต์หลักของหน่วยงาน"
            ws[f"E{r}"] = "1/10/2564 – 30/09/2565"
            ws[f"F{r}"] = "ประกาศมาตรการ ๑ ฉบับ"
            ws[f"G{r}"] = "รายงานผลการดำเนินงานตามมาตรการ รอบ ๖ และ ๑๒ เดือน"
            ws[f"I{r}"] = "https://www.example.go.th/ita/evidence"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def timed(fn, repeat: int = 5) -> tuple[float, float]:
    """(first call, median of the next ``repeat``) in seconds."""
    t = time.perf_counter()
    fn()
    first = time.perf_counter() - t
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t)
    return first, statistics.median(runs)


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="ita-bench-submissions-"))
    try:
        one = AgenciesDir(make_agencies(work / "one", units=1, measures=200))
        agency, plan = one.agency("test-town"), one.plan("test-town", 2565)
        book = filled(build_workbook(form_for(agency, plan, RND, "u0", 15)))

        def validate() -> None:
            rows, problems = parse_submission(book, "u0.xlsx", "u0", plan, agency, RND)
            assert len(rows) == 200 and not problems, problems[:3]

        first, warm = timed(validate)
        print(
            f"validate 200-row workbook ({len(book) / 1024:.0f} KB): first {first:.3f} s, then {warm:.3f} s"
        )
        print(f"  target < 1 s: {'met' if max(first, warm) < 1 else 'NOT met'}")

        many = AgenciesDir(make_agencies(work / "many", units=20, measures=200))
        job = RoundJob.load(many, "test-town", RND, DataRoot(work / "data"))
        t = time.perf_counter()
        open_round(job)
        print(f"open round: 20 unit forms written in {time.perf_counter() - t:.3f} s")
        outbox = work / "data" / "test-town" / "2565" / "round-12" / "outbox"
        inbox = outbox.parent / "inbox"
        for form in sorted(outbox.glob("*/*.xlsx")):
            (inbox / form.parent.name).mkdir(parents=True, exist_ok=True)
            (inbox / form.parent.name / form.name).write_bytes(filled(form.read_bytes()))
        t = time.perf_counter()
        summary = collect(job)
        first = time.perf_counter() - t
        assert summary["accepted"] == 20 and summary["rows"] == 200, summary
        t = time.perf_counter()
        collect(job)
        again = time.perf_counter() - t
        print(
            f"intake of a 20-unit round (200 rows): first {first:.3f} s (stores 20 versions), rerun {again:.3f} s"
        )
        print(f"  target < 5 s: {'met' if max(first, again) < 5 else 'NOT met'}")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
