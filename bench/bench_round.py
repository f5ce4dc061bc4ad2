"""Foundation figures: DAG-folder parse time (1 and 200 agencies), one complete round of the sample
agency in a warm process (dag.test), and rendering the sample round report after warm-up.

Prints figures; asserts nothing.  Targets: parse 200 agencies < 3 s; warm round < 3 s; render < 1 s
with peak memory < 300 MB.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The render-only child (``bench_round.py render``) inherits the parent's work folder.
WORK = Path(os.environ.get("ITA_BENCH_ROUND_WORK") or tempfile.mkdtemp(prefix="ita-bench-round-"))
AGENCIES = WORK / "agencies"
os.environ.update(
    ITA_BENCH_ROUND_WORK=str(WORK),
    AIRFLOW_HOME=str(WORK / "airflow"),
    AIRFLOW__CORE__DAGS_FOLDER=str(ROOT / "dags"),
    AIRFLOW__CORE__PLUGINS_FOLDER=str(ROOT / "plugins"),  # the round timetable is registered there
    AIRFLOW__CORE__LOAD_EXAMPLES="False",
    AIRFLOW__ITA__AGENCIES_DIR=str(AGENCIES),
    AIRFLOW__ITA__DATA_ROOT=(WORK / "data").as_uri(),
    AIRFLOW__LOGGING__LOGGING_LEVEL="WARNING",
)


def clone_agencies(n: int) -> None:
    """The sample agency n times (slugs sample-001...), with its plan: enough for parse timing."""
    shutil.rmtree(AGENCIES, ignore_errors=True)
    shutil.copytree(ROOT / "include" / "agencies" / "catalogue", AGENCIES / "catalogue")
    shutil.copytree(ROOT / "include" / "agencies" / "mae-u-kho", AGENCIES / "mae-u-kho")
    for i in range(1, n):
        shutil.copytree(ROOT / "include" / "agencies" / "mae-u-kho", AGENCIES / f"sample-{i:03d}")


def parse_seconds() -> float:
    """Parse the dags folder in a fresh process, as the dag-processor does; best of 3."""
    dags = str(ROOT / "dags")
    code = (
        "import time; from airflow.dag_processing.dagbag import DagBag;"
        f"t1=time.perf_counter(); b=DagBag(dag_folder={dags!r});"
        "assert not b.import_errors, b.import_errors;"
        "print('RESULT', time.perf_counter()-t1, len(b.dags))"
    )
    runs = []
    for _ in range(3):
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
        result = [line.split() for line in out.splitlines() if line.startswith("RESULT")][-1]
        runs.append((float(result[1]), int(result[2])))
    return min(r[0] for r in runs), runs[0][1]


def main() -> None:
    for n in (1, 200):
        clone_agencies(n)
        seconds, dags = parse_seconds()
        print(f"parse dags folder, {n:3d} agencies: {seconds:.2f} s ({dags} DAGs; target 200 < 3 s)")

    clone_agencies(1)
    # Nobody answers an approval here: the agency publishes without one (the round is one task).
    profile = AGENCIES / "mae-u-kho" / "agency.yaml"
    profile.write_text(profile.read_text(encoding="utf-8").replace("approval: true", "approval: false"))
    subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], check=True, capture_output=True)
    from airflow.dag_processing.dagbag import DagBag

    shutil.copytree(
        ROOT / "include" / "sample_submissions" / "mae-u-kho" / "2565" / "round-12",
        WORK / "data" / "mae-u-kho" / "2565" / "round-12" / "inbox",
    )
    dag = DagBag(dag_folder=str(ROOT / "dags")).dags["ita_round__mae-u-kho"]
    conf = {"fiscal_year": 2565, "round": 12}
    t = time.perf_counter()
    run = dag.test(run_conf=conf)
    first = time.perf_counter() - t
    assert run.state == "success", run.state
    times = []
    for _ in range(3):
        t = time.perf_counter()
        run = dag.test(run_conf=conf)
        times.append(time.perf_counter() - t)
        assert run.state == "success", run.state
    print(f"one complete round (dag.test): first {first:.2f} s, warm {min(times):.2f} s (target warm < 3 s)")

    # Rendering alone, in a fresh process (no Airflow loaded): what one render task adds.
    subprocess.run([sys.executable, __file__, "render"], check=True)
    shutil.rmtree(WORK, ignore_errors=True)


def peak_rss_mb() -> float:
    """This process's peak RSS.  (getrusage's ru_maxrss would count the parent's peak: Linux keeps it
    across fork and exec.)"""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def render_only() -> None:
    """Render the sample round report (collected by the round above) after one warm-up render."""
    from ita_monitor.documents.render import Renderer
    from ita_monitor.flow.pipeline import RoundJob, collected_rows
    from ita_monitor.model.config import AgenciesDir
    from ita_monitor.model.rounds import Round
    from ita_monitor.model.storage import DataRoot

    job = RoundJob.load(AgenciesDir(AGENCIES), "mae-u-kho", Round(2565, 12), DataRoot(WORK / "data"))
    renderer = Renderer()
    rows = collected_rows(job)
    html = renderer.round_report_html(job.agency, job.plan, job.catalogue, job.rnd, rows, job.rnd.end)
    renderer.pdf(html)
    times = []
    for _ in range(5):
        t = time.perf_counter()
        renderer.pdf(
            renderer.round_report_html(job.agency, job.plan, job.catalogue, job.rnd, rows, job.rnd.end)
        )
        times.append(time.perf_counter() - t)
    peak_mb = peak_rss_mb()
    print(
        f"render sample round report after warm-up: median {sorted(times)[2]:.2f} s, best {min(times):.2f} s "
        f"(target < 1 s); process peak RSS {peak_mb:.0f} MB (target < 300 MB)"
    )


if __name__ == "__main__":
    if sys.argv[1:2] == ["render"]:
        render_only()
    else:
        main()
