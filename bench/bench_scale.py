"""Many agencies: DAG-folder parse time with 1 and 200 generated agencies, and one round of every
agency on the native Celery setup (PostgreSQL, Redis, scheduler, dag-processor, triggerer,
api-server, one worker with concurrency 2) - the docker-compose topology without Docker.

Prints wall time, CPU seconds per agency round (every Airflow process included), peak memory of the
task processes, and where the time goes (per task: run time and wait in the queue; work done in the
task vs. process start-up).  Asserts nothing.  Target: parse 200 agencies < 3 s.

    .venv/bin/python bench/bench_scale.py            # 200 agencies
    ITA_BENCH_AGENCIES=20 .venv/bin/python bench/bench_scale.py
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from generate_agencies import generate  # noqa: E402

from tests.integration.celery_cluster import CeleryCluster, drop_database, services_missing  # noqa: E402

N = int(os.environ.get("ITA_BENCH_AGENCIES", "200"))
CONF = {"fiscal_year": 2565, "round": 12}
TICK = os.sysconf("SC_CLK_TCK")
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def parse_seconds(agencies: Path) -> tuple[float, int]:
    """Parse the dags folder in a fresh process, as the dag-processor does; best of 3."""
    code = (
        "import time\n"
        "from airflow.dag_processing.dagbag import DagBag\n"
        f"t = time.perf_counter(); b = DagBag(dag_folder={str(ROOT / 'dags')!r})\n"
        "assert not b.import_errors, b.import_errors\n"
        "print('RESULT', time.perf_counter() - t, len(b.dags))\n"
    )
    env = {**os.environ, "AIRFLOW__ITA__AGENCIES_DIR": str(agencies), "AIRFLOW__CORE__LOAD_EXAMPLES": "False"}
    runs = []
    for _ in range(3):
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
        ).stdout
        result = [line.split() for line in out.splitlines() if line.startswith("RESULT")][-1]
        runs.append((float(result[1]), int(result[2])))
    return min(r[0] for r in runs), runs[0][1]


# --- process accounting (/proc) -------------------------------------------------------------------


def _stat(pid: str) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw[raw.rindex(")") + 2 :].split()  # fields from 3 (state) on


def session_cpu(sessions: set[int]) -> float:
    """CPU seconds of every live process in ``sessions`` plus its reaped children."""
    total = 0
    for pid in os.listdir("/proc"):
        if pid.isdigit() and (f := _stat(pid)) and int(f[3]) in sessions:
            total += sum(int(x) for x in f[11:15])  # utime stime cutime cstime
    return total / TICK


class PeakSampler(threading.Thread):
    """Samples VmHWM (peak RSS) of every process in the worker's session, keyed by pid."""

    def __init__(self, sessions: set[int]):
        super().__init__(daemon=True)
        self.sessions = sessions
        self.peaks: dict[int, tuple[int, str]] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            for pid in os.listdir("/proc"):
                if not pid.isdigit() or not (f := _stat(pid)) or int(f[3]) not in self.sessions:
                    continue
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                    cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:120]
                except OSError:
                    continue
                hwm = next(
                    (int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM")), 0
                )
                if hwm > self.peaks.get(int(pid), (0, ""))[0]:
                    self.peaks[int(pid)] = (hwm, cmd.strip())
            self.stop.wait(0.2)


def _seconds(a: str | None, b: str | None) -> float | None:
    if not a or not b:
        return None
    return (datetime.fromisoformat(b) - datetime.fromisoformat(a)).total_seconds()


def celery_round(n: int, work: Path) -> None:
    missing = services_missing()
    if missing:
        print(f"celery round skipped: {missing}")
        return
    agencies, data = work / f"agencies-{n}", work / "data"
    slugs = generate(n, agencies, data, approval=False)
    dag_ids = {f"ita_round__{s}" for s in slugs}
    database = "ita_bench_scale"
    cluster = CeleryCluster(
        home=work / "airflow",
        database=database,
        agencies_dir=agencies,
        data_root=data.as_uri(),
        parallelism=int(os.environ.get("ITA_BENCH_PARALLELISM", "8")),  # queue ahead of the 2 worker slots
    )
    sampler = None
    try:
        t = time.perf_counter()
        cluster.start()
        cluster.wait_for_dags(dag_ids, timeout=600)
        print(f"cluster up and {n} agencies' DAGs parsed: {time.perf_counter() - t:.0f} s")
        cluster.api("PATCH", "dags", params={"dag_id_pattern": "ita_round__%"}, json={"is_paused": False})
        time.sleep(10)  # let the unpause settle, then measure only the round
        cpu0 = {name: session_cpu({p.pid}) for name, p in cluster.procs.items()}
        sampler = PeakSampler({cluster.procs["worker"].pid})
        sampler.start()
        t0 = time.perf_counter()
        runs = {dag_id: cluster.trigger(dag_id, CONF) for dag_id in sorted(dag_ids)}
        pending = dict(runs)
        states: dict[str, str] = {}
        deadline = time.monotonic() + 4 * 3600
        while pending and time.monotonic() < deadline:
            listed = []
            while len(listed) < 1000:  # pages of at most 100 ([api] maximum_page_limit)
                page = cluster.api(
                    "GET",
                    "dags/~/dagRuns",
                    params={"limit": 100, "offset": len(listed), "state": ["success", "failed"]},
                )["dag_runs"]
                listed += page
                if len(page) < 100:
                    break
            for r in listed:
                if pending.get(r["dag_id"]) == r["dag_run_id"]:
                    states[r["dag_id"]] = r["state"]
                    del pending[r["dag_id"]]
            time.sleep(2)
        wall = time.perf_counter() - t0
        cpu1 = {name: session_cpu({p.pid}) for name, p in cluster.procs.items()}
        sampler.stop.set()
        cpu = {name: cpu1[name] - cpu0.get(name, 0) for name in cpu1}
        ok = sum(s == "success" for s in states.values())
        print(
            f"round of {n} agencies on Celery: {ok} succeeded, {len(states) - ok} failed, "
            f"{len(pending)} unfinished; wall {wall:.0f} s ({wall / n:.2f} s per agency)"
        )
        total_cpu = sum(cpu.values())
        print(
            f"CPU: {total_cpu:.0f} s in all, {total_cpu / n:.2f} s per agency round "
            + "("
            + ", ".join(f"{k} {v:.0f} s" for k, v in sorted(cpu.items(), key=lambda kv: -kv[1]))
            + ")"
        )
        # where the time goes, per task
        durations, waits = defaultdict(list), defaultdict(list)
        for dag_id, run_id in runs.items():
            for ti in cluster.api("GET", f"{cluster.run_path(dag_id, run_id)}/taskInstances")[
                "task_instances"
            ]:
                if (d := ti.get("duration")) is not None:
                    durations[ti["task_id"]].append(d)
                if (w := _seconds(ti.get("queued_when"), ti.get("start_date"))) is not None:
                    waits[ti["task_id"]].append(w)
        print("per task (mean run time / mean wait queued->start, over all agencies):")
        for task_id in sorted(durations, key=lambda k: -sum(durations[k])):
            print(
                f"  {task_id:24s} run {statistics.mean(durations[task_id]):5.2f} s"
                f"   queued {statistics.mean(waits[task_id]) if waits[task_id] else 0:6.1f} s"
            )
        tasks_run = sum(len(v) for v in durations.values())
        print(
            f"  {tasks_run} task runs; task run time in all {sum(sum(v) for v in durations.values()):.0f} s; "
            f"worker CPU per task run {cpu.get('worker', 0) / max(tasks_run, 1):.2f} s"
        )
        # how long each task held a Celery slot (from the worker's log), against its own run time
        names, slots = {}, defaultdict(list)
        for line in (cluster.home / "worker.log").read_text(errors="replace").splitlines():
            if m := re.search(r"\[([0-9a-f-]{36})\] Executing workload.*?task_id='([a-z_]+)'", line):
                names[m.group(1)] = m.group(2)
            elif m := re.search(r"execute_workload\[([0-9a-f-]{36})\] succeeded in ([0-9.]+)s", line):
                slots[names.get(m.group(1), "?")].append(float(m.group(2)))
        held = [x for v in slots.values() for x in v]
        if held:
            print(
                f"Celery slot held per task: median {statistics.median(held):.2f} s, mean {statistics.mean(held):.2f} s; "
                f"{sum(x > 4 for x in held)} of {len(held)} held it > 4 s after a sub-second task "
                "(the task supervisor notices the exit at its next [workers] min_heartbeat_interval poll)"
            )
        # task processes are titled "airflow worker -- <task instance id>"; the rest is Celery itself
        by_kind = defaultdict(list)
        for kb, cmd in sampler.peaks.values():
            by_kind["task processes" if cmd.startswith("airflow worker --") else cmd[:70]].append(kb)
        print("peak RSS (VmHWM, shared pages included) on the worker side:")
        for kind, kbs in sorted(by_kind.items(), key=lambda kv: -max(kv[1]))[:5]:
            print(
                f"  {len(kbs):4d} x max {max(kbs) / 1024:5.0f} MB, median {statistics.median(kbs) / 1024:5.0f} MB  {kind}"
            )
    finally:
        if sampler:
            sampler.stop.set()
        cluster.stop()
        drop_database(database)


def work_in_process(work: Path) -> None:
    """The useful work of one agency's round without Airflow: collect, check, render, publish (warm)."""
    from ita_monitor.documents.render import Renderer
    from ita_monitor.flow.pipeline import RoundJob, check_round, collect, publish_report, render_report
    from ita_monitor.model.config import AgenciesDir
    from ita_monitor.model.rounds import Round
    from ita_monitor.model.storage import DataRoot
    from ita_monitor.publish.factory import publisher_for

    agencies, data = work / "agencies-solo", work / "data-solo"
    slugs = generate(6, agencies, data, approval=False)
    renderer = Renderer()
    times = []
    for slug in slugs:
        c0, t0 = time.process_time(), time.perf_counter()
        job = RoundJob.load(AgenciesDir(agencies), slug, Round(2565, 12), DataRoot(data))
        collect(job)
        check_round(job)
        render_report(job, renderer)
        publish_report(job, publisher_for(job.agency, job.data, renderer))
        times.append((time.process_time() - c0, time.perf_counter() - t0))
    first, warm = times[0], times[1:]
    print(
        f"the work itself, one process, no Airflow: first agency {first[0]:.2f} s CPU, then "
        f"{statistics.median(c for c, _ in warm):.2f} s CPU per agency (collect+check+render+publish)"
    )


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="ita-bench-scale-"))
    os.environ.setdefault("AIRFLOW_HOME", str(work / "airflow-parse"))
    for n in (1, 200):
        agencies = work / f"parse-{n}"
        generate(n, agencies)
        seconds, dags = parse_seconds(agencies)
        print(f"parse dags folder, {n:3d} agencies: {seconds:.2f} s ({dags} DAGs; target 200 < 3 s)")
    work_in_process(work)
    celery_round(N, work)
    subprocess.run(["rm", "-rf", str(work)])


if __name__ == "__main__":
    main()
