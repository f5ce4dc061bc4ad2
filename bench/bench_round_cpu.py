"""CPU-s of whole agency rounds on a real Airflow (scheduler, dag-processor, triggerer, api-server and
their task processes; LocalExecutor, SQLite: the scheduler tests' harness), and task runs per round.

``ITA_BENCH_ROUND_AGENCIES`` copies of the sample agency (default 4), each with its round 12 of FY 2565
complete in its inbox, are triggered at once and approved over REST as a person would (>= 8 s after
each parks).  The CPU of every process of the cluster's session is read from /proc before and after
(utime + stime + the reaped children's); the cluster's idle CPU over the same time, measured first, is
subtracted.  Prints figures; asserts nothing.  Run under the integration lock (fixed port 8097):

    flock /work/tmp/integration.lock .venv/bin/python bench/bench_round_cpu.py
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.airflow.scheduler_cluster import SchedulerCluster  # noqa: E402

PORT = 8097
TICK = os.sysconf("SC_CLK_TCK")


def session_cpu(sid: int) -> float:
    """CPU-s of every live process of session ``sid``, with the children each has reaped."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) != sid:  # field 6 (session) is index 3 after the command
            continue
        total += sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
    return total / TICK


def main() -> None:
    n = int(os.environ.get("ITA_BENCH_ROUND_AGENCIES", "4"))
    work = Path(tempfile.mkdtemp(prefix="ita-bench-round-cpu-"))
    agencies, data = work / "agencies", work / "data"
    shutil.copytree(ROOT / "include" / "agencies" / "catalogue", agencies / "catalogue")
    slugs = [f"bench-{i:03d}" for i in range(n)]
    samples = ROOT / "include" / "sample_submissions" / "mae-u-kho" / "2565" / "round-12"
    for slug in slugs:
        shutil.copytree(ROOT / "include" / "agencies" / "mae-u-kho", agencies / slug)
        shutil.copytree(samples, data / slug / "2565" / "round-12" / "inbox")
    cluster = SchedulerCluster(work, agencies, data, PORT)
    try:
        cluster.start()
        sid = cluster.proc.pid
        for slug in slugs:
            cluster.wait_for_dag(f"ita_round__{slug}")
            cluster.api("PATCH", f"/api/v2/dags/ita_round__{slug}", {"is_paused": False})
        time.sleep(20)  # the unpaused DAGs' scheduled runs (a fiscal year without a plan: skipped) settle
        for slug in slugs:
            for run in cluster.api("GET", f"/api/v2/dags/ita_round__{slug}/dagRuns")["dag_runs"]:
                cluster.wait_until_done(f"ita_round__{slug}", run["dag_run_id"])
        idle_t, idle_cpu = time.monotonic(), session_cpu(sid)
        time.sleep(30)
        idle_rate = (session_cpu(sid) - idle_cpu) / (time.monotonic() - idle_t)

        t0, cpu0 = time.monotonic(), session_cpu(sid)
        runs = {
            slug: cluster.api(
                "POST",
                f"/api/v2/dags/ita_round__{slug}/dagRuns",
                {"logical_date": None, "conf": {"fiscal_year": 2565, "round": 12}},
            )["dag_run_id"]
            for slug in slugs
        }
        states = {slug: cluster.approve_until_done(f"ita_round__{slug}", run) for slug, run in runs.items()}
        elapsed, cpu = time.monotonic() - t0, session_cpu(sid) - cpu0
        tasks = sum(len(cluster.task_states(f"ita_round__{s}", r)) for s, r in runs.items())
        work_cpu = cpu - idle_rate * elapsed
        print(f"{n} agency rounds (sample round 12, approval over REST): {states}")
        print(
            f"  task instances per agency round: {tasks / n:.1f}; elapsed {elapsed:.0f} s; cluster CPU "
            f"{cpu:.1f} s, idle rate {idle_rate:.3f} CPU-s/s -> {work_cpu:.1f} CPU-s above idle, "
            f"{work_cpu / n:.2f} CPU-s per agency round"
        )
    finally:
        cluster.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
