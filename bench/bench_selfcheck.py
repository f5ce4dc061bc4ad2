"""The self-check before approval next to rendering, per document, after warm-up, in one process.

Prints figures; asserts nothing.  Target: the check (pdftotext read-back and compare, fonts, PDF/A,
links) adds under 20 % to the render time of each document.  Documents: the sample agency's four,
and the round report of the generated long-names agency (10,000-character cells, ~37 pages).
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ita_monitor.documents import context as documents  # noqa: E402
from ita_monitor.documents import selfcheck  # noqa: E402
from ita_monitor.documents.render import Renderer  # noqa: E402
from ita_monitor.flow.pipeline import RoundJob, collect, collected_rows, render_report  # noqa: E402
from ita_monitor.model.config import AgenciesDir  # noqa: E402
from ita_monitor.model.rounds import Round  # noqa: E402
from ita_monitor.model.storage import DataRoot  # noqa: E402
from tests.synthetic_agency import make_long_agency  # noqa: E402

RUNS = 5
TARGET = 0.20


def main() -> None:
    agencies = AgenciesDir(ROOT / "include" / "agencies")
    agency, plan, cat = (
        agencies.agency("mae-u-kho"),
        agencies.plan("mae-u-kho", 2565),
        agencies.catalogue(2565),
    )
    rnd = Round(2565, 12)
    on = rnd.due_at(agency.schedule.grace_days).date()
    renderer = Renderer()
    work = Path(tempfile.mkdtemp(prefix="bench-selfcheck-"))
    try:
        data = DataRoot(work / "data")
        shutil.copytree(
            ROOT / "include" / "sample_submissions" / "mae-u-kho" / "2565" / rnd.slug,
            data.inbox("mae-u-kho", rnd),
        )
        sample = RoundJob.load(agencies, "mae-u-kho", rnd, data)
        collect(sample)
        slug = make_long_agency(work / "agencies", data.root)
        long_dir = AgenciesDir(work / "agencies")
        long_job = RoundJob.load(long_dir, slug, rnd, data)
        collect(long_job)
        jobs = {
            "approval memo": (documents.approval_memo_html(renderer, agency, plan), RUNS),
            "covering memo": (documents.round_memo_html(renderer, agency, plan, cat, rnd, on), RUNS),
            "measures document": (documents.measures_html(renderer, agency, plan, cat), RUNS),
            "round report": (
                renderer.round_report_html(agency, plan, cat, rnd, collected_rows(sample), on),
                RUNS,
            ),
            "long report (10,000-char cells)": (
                renderer.round_report_html(
                    long_job.agency, long_job.plan, cat, rnd, collected_rows(long_job), on
                ),
                2,
            ),
        }
        for html, _ in jobs.values():  # warm-up: imports, fonts, templates, poppler
            selfcheck.check_pdf(renderer.pdf(html), html)
        worst = 0.0
        for name, (html, runs) in jobs.items():
            render_times, check_times = [], []
            for _ in range(runs):
                t = time.perf_counter()
                pdf = renderer.pdf(html)
                render_times.append(time.perf_counter() - t)
                t = time.perf_counter()
                result = selfcheck.check_pdf(pdf, html, name)
                check_times.append(time.perf_counter() - t)
            render, check = statistics.median(render_times), statistics.median(check_times)
            ratio = check / render
            worst = max(worst, ratio)
            print(
                f"{name:32s} render {render:.3f} s  self-check {check:.3f} s  (+{ratio:.0%};"
                f" {result.pages} pages, {result.characters} characters, {'passed' if result.ok else 'FAILED'})"
            )
        verdict = "ok" if worst < TARGET else "OVER TARGET"
        print(f"worst: the check adds {worst:.0%} to rendering (target < {TARGET:.0%}: {verdict})")

        # The round's render step as the DAG runs it (report and memo rendered and written, status
        # updated), with its self-check (the report read back while the memo renders) and, for the
        # baseline, with the self-check taken out.
        import ita_monitor.flow.pipeline as pipeline

        real = pipeline.start, pipeline.check_pdf
        render_report(sample, renderer)  # warm-up of the step itself
        times: dict[bool, list[float]] = {True: [], False: []}
        for _ in range(RUNS):  # alternate, so both see the same load on a shared machine
            for checked in (True, False):
                if not checked:
                    pipeline.start = lambda pdf: pdf
                    pipeline.check_pdf = lambda pdf, html, name: selfcheck.SelfCheck(name)
                try:
                    t = time.perf_counter()
                    render_report(sample, renderer)
                    times[checked].append(time.perf_counter() - t)
                finally:
                    pipeline.start, pipeline.check_pdf = real
        with_check, without = statistics.median(times[True]), statistics.median(times[False])
        added = with_check / without - 1
        verdict = "ok" if added < TARGET else "OVER TARGET"
        print(
            f"render_report step (report + memo): {without:.3f} s without the self-check,"
            f" {with_check:.3f} s with it (+{added:.0%}; target < {TARGET:.0%}: {verdict})"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
