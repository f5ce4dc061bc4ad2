"""Render times of the official documents of the sample agency, after warm-up, in one process.

Prints figures; asserts nothing.  Targets: approval memo < 0.3 s; measures document and round report
< 1 s each (the covering memo is a memo too); peak memory of the process.
"""

from __future__ import annotations

import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ita_monitor.documents import context as documents  # noqa: E402
from ita_monitor.documents.render import Renderer  # noqa: E402
from ita_monitor.intake.submissions import parse_submission  # noqa: E402
from ita_monitor.model.config import AgenciesDir  # noqa: E402
from ita_monitor.model.rounds import Round  # noqa: E402

RUNS = 5
TARGETS = {"approval memo": 0.3, "covering memo": 0.3, "measures document": 1.0, "round report": 1.0}


def sample_rows(agency, plan, rnd):
    rows = []
    folder = ROOT / "include" / "sample_submissions" / agency.slug / str(rnd.fiscal_year) / rnd.slug
    for unit in sorted(p for p in folder.iterdir() if p.is_dir()):
        for f in sorted(unit.iterdir()):
            found, _ = parse_submission(f.read_bytes(), f.name, unit.name, plan, agency, rnd)
            rows += found
    return rows


def main() -> None:
    agencies = AgenciesDir(ROOT / "include" / "agencies")
    agency, plan, cat = (
        agencies.agency("mae-u-kho"),
        agencies.plan("mae-u-kho", 2565),
        agencies.catalogue(2565),
    )
    rnd = Round(2565, 12)
    on = rnd.due_at(agency.schedule.grace_days).date()
    rows = sample_rows(agency, plan, rnd)
    renderer = Renderer()
    jobs = {
        "approval memo": lambda: documents.approval_memo_html(renderer, agency, plan),
        "covering memo": lambda: documents.round_memo_html(renderer, agency, plan, cat, rnd, on),
        "measures document": lambda: documents.measures_html(renderer, agency, plan, cat),
        "round report": lambda: renderer.round_report_html(agency, plan, cat, rnd, rows, on),
    }
    start = time.perf_counter()
    for html in jobs.values():  # warm-up: imports, fonts, templates
        renderer.pdf(html())
    print(f"warm-up (first render of each, imports included): {time.perf_counter() - start:.2f} s")
    for name, html in jobs.items():
        times = []
        for _ in range(RUNS):
            t = time.perf_counter()
            pdf = renderer.pdf(html())
            times.append(time.perf_counter() - t)
        verdict = "ok" if statistics.median(times) < TARGETS[name] else "OVER TARGET"
        print(
            f"{name:18s} median {statistics.median(times):.3f} s  min {min(times):.3f} s"
            f"  (target < {TARGETS[name]} s: {verdict}; {len(pdf) // 1024} KiB)"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (max RSS of this process): {peak:.0f} MB")


if __name__ == "__main__":
    main()
