"""Many agencies: one round of ``ITA_BENCH_AGENCIES`` (default 50) generated agencies on the native
Celery setup, the docker-compose topology without Docker: PostgreSQL, Redis, scheduler,
dag-processor, triggerer, api-server and ``ITA_BENCH_WORKERS`` (default 2) Celery worker processes of
``ITA_BENCH_WORKER_CONCURRENCY`` (default 2) slots each, with the deployment's ``[dag_processor]``
settings from docker-compose.yaml.

The round is realistic: every agency's inbox already holds its units' files of round 12 of 2565
(scripts/generate_agencies.py --data-root), so each round runs to the end; approval as the agencies'
profiles say (generated: ``approval: true``), answered Approve through the REST API by a helper thread
once a round asks (8 s after it parks, see /work/shared/docs/airflow-3.md); ``ITA_BENCH_APPROVAL=off``
generates the agencies without approval instead.

Prints: CPU seconds per agency round per Airflow process (workers with their task processes) and in
all (target <= 1.5), PostgreSQL's backends for this database and Redis (the whole server), task runs
per agency, parse + serialize per DAG file at this size, queue waits per task, Celery slot hold, peak
RSS of task processes, and the metadata DB's size before and after.  Wall times depend on what else
runs on the machine; CPU seconds much less.  Asserts nothing.

    flock /work/tmp/integration.lock .venv/bin/python bench/bench_scale.py
    ITA_BENCH_AGENCIES=400 flock /work/tmp/integration.lock .venv/bin/python bench/bench_scale.py
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
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from generate_agencies import generate  # noqa: E402
from scale_common import (  # noqa: E402
    _stat,
    dag_files,
    dag_shards,
    dags_folder_for,
    database_size,
    deployment_settings,
    mb,
    postgres_backends,
    session_cpu,
)

from tests.integration.celery_cluster import CeleryCluster, drop_database, services_missing  # noqa: E402

N = int(os.environ.get("ITA_BENCH_AGENCIES", "50"))
WORKERS = int(os.environ.get("ITA_BENCH_WORKERS", "2"))
CONCURRENCY = int(os.environ.get("ITA_BENCH_WORKER_CONCURRENCY", "2"))
APPROVAL = os.environ.get("ITA_BENCH_APPROVAL", "profile") != "off"
CONF = {"fiscal_year": 2565, "round": 12}
POLL = 10.0  # seconds between the bench's own looks at the runs (api-server CPU is counted)


class Sampler(threading.Thread):
    """Every 0.5 s: peak RSS (VmHWM) of the worker-side processes, and the CPU of each PostgreSQL
    backend of this database (a backend's CPU is lost from view when it exits: the last sample counts)."""

    def __init__(self, sessions: set[int], database: str):
        super().__init__(daemon=True)
        self.sessions = sessions
        self.database = database
        self.peaks: dict[int, tuple[int, str]] = {}
        self.pg_first: dict[int, float] = {}
        self.pg_last: dict[int, float] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            for pid, cpu in postgres_backends(self.database).items():
                self.pg_first.setdefault(pid, cpu)
                self.pg_last[pid] = cpu
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
            self.stop.wait(0.5)

    def postgres_cpu(self) -> float:
        return sum(self.pg_last[p] - self.pg_first[p] for p in self.pg_last)


class Approver(threading.Thread):
    """Answers Approve to every approval the round's runs ask for, through the REST API, as a person
    would on the ITA page or in Required actions, 8 s after the task parked."""

    def __init__(self, cluster: CeleryCluster):
        super().__init__(daemon=True)
        self.cluster = cluster
        self.answered: set[tuple[str, str, str]] = set()
        self.errors: list[str] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                self.answer_pending()
            except Exception as exc:  # the bench goes on; the failures are printed
                self.errors.append(str(exc)[:300])
            self.stop.wait(5)

    def answer_pending(self) -> None:
        offset = 0
        while True:
            page = self.cluster.api(
                "GET",
                "dags/~/dagRuns/~/hitlDetails",
                params={"response_received": False, "limit": 100, "offset": offset},
            )
            details = list(page["hitl_details"])
            for d in details:
                ti = d["task_instance"]
                key = (ti["dag_id"], ti["dag_run_id"], ti["task_id"])
                if key in self.answered or ti.get("state") != "awaiting_input":
                    continue
                parked = datetime.fromisoformat(d["created_at"])
                if (datetime.now(UTC) - parked).total_seconds() < 8:
                    continue
                path = (
                    f"dags/{quote(ti['dag_id'], safe='')}/dagRuns/{quote(ti['dag_run_id'], safe='')}"
                    f"/taskInstances/{ti['task_id']}/{ti.get('map_index', -1)}/hitlDetails"
                )
                self.cluster.api(
                    "PATCH",
                    path,
                    json={"chosen_options": ["Approve"], "params_input": {"comment": "bench_scale"}},
                )
                self.answered.add(key)
            if len(details) < 100:
                return
            offset += 100


def redis_info() -> dict:
    import redis

    info = redis.Redis(host="127.0.0.1", port=6379).info()
    return {
        "cpu": float(info["used_cpu_sys"]) + float(info["used_cpu_user"]),
        "commands": int(info["total_commands_processed"]),
        "peak_memory": int(info["used_memory_peak"]),
    }


def _seconds(a: str | None, b: str | None) -> float | None:
    if not a or not b:
        return None
    return (datetime.fromisoformat(b) - datetime.fromisoformat(a)).total_seconds()


def _spread(values: list[float]) -> str:
    if not values:
        return "-"
    values = sorted(values)
    p95 = values[min(len(values) - 1, int(0.95 * len(values)))]
    return f"median {statistics.median(values):6.1f}  p95 {p95:6.1f}  max {values[-1]:6.1f}"


def round_dag_ids(cluster: CeleryCluster) -> set[str]:
    """The round DAGs (tag ``round``), whichever files they come from."""
    ids: set[str] = set()
    while True:
        page = cluster.api("GET", "dags", params={"tags": ["round"], "limit": 100, "offset": len(ids)})
        ids |= {d["dag_id"] for d in page["dags"]}
        if not page["dags"] or len(ids) >= page["total_entries"]:
            return ids


def finished_runs(cluster: CeleryCluster) -> list[dict]:
    listed: list[dict] = []
    while True:  # pages of at most 100 ([api] maximum_page_limit)
        page = cluster.api(
            "GET",
            "dags/~/dagRuns",
            params={"limit": 100, "offset": len(listed), "state": ["success", "failed"]},
        )["dag_runs"]
        listed += page
        if len(page) < 100:
            return listed


def print_parse(agencies: Path, work: Path, folder: Path, dags_env: dict[str, str]) -> None:
    from bench_parse import parse_file

    print(f"parse + serialize per DAG file at {N} agencies (one fresh process per file, CPU-s):")
    for path in dag_files(folder):
        r = parse_file(path, agencies, work / "airflow-parse", dags_env)
        name = str(path.relative_to(folder))
        if "error" in r:
            print(f"  {name:34s} failed: {r['error']}")
        else:
            print(
                f"  {name:34s} {r['dags']:5d} DAGs  parse {r['parse_cpu']:.2f} + serialize "
                f"{r['ser_cpu']:.2f} = {r['parse_cpu'] + r['ser_cpu']:.2f} CPU-s, {r['bytes'] / 1e6:.1f} MB"
            )


def celery_round(n: int, work: Path) -> None:
    missing = services_missing()
    if missing:
        print(f"celery round skipped: {missing}")
        return
    agencies, data = work / f"agencies-{n}", work / "data"
    generate(n, agencies, data, approval=APPROVAL)
    shards = dag_shards(n)
    folder, dags_env = dags_folder_for(agencies, work, shards)
    print_parse(agencies, work, folder, dags_env)
    database = "ita_bench_scale"
    settings = deployment_settings()
    cluster = CeleryCluster(
        home=work / "airflow",
        database=database,
        agencies_dir=agencies,
        data_root=data.as_uri(),
        parallelism=int(os.environ.get("ITA_BENCH_PARALLELISM", str(4 * WORKERS * CONCURRENCY))),
        worker_concurrency=CONCURRENCY,
    )
    cluster.env.pop("AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL", None)  # the tests' setting
    cluster.env.update(settings)
    cluster.env.update(dags_env)
    print(
        f"DAG folder {folder.name}, {len(dag_files(folder))} files"
        + (f" (dag_shards {shards})" if folder != ROOT / "dags" else "")
    )
    print(
        f"cluster: {WORKERS} Celery worker process(es) x {CONCURRENCY} slots, parallelism "
        f"{cluster.env['AIRFLOW__CORE__PARALLELISM']}; approval "
        + ("as the profiles say (true), answered over REST" if APPROVAL else "off in the profiles")
        + "; [dag_processor] "
        + (", ".join(f"{k.split('__')[-1].lower()}={v}" for k, v in settings.items()) or "Airflow's defaults")
    )
    sampler = approver = None
    try:
        t = time.perf_counter()
        cluster.start()
        for i in range(2, WORKERS + 1):
            cluster.start_worker(f"worker{i}")
        expected = n  # one round DAG per agency (or fewer, if a DAG holds several agencies)
        cluster.wait_for(
            lambda: len(round_dag_ids(cluster)) >= expected or None,
            1800,
            f"{n} agencies' round DAGs",
            every=5,
        )
        dag_ids = round_dag_ids(cluster)
        print(f"cluster up and {len(dag_ids)} round DAGs parsed: {time.perf_counter() - t:.0f} s")
        cluster.api("PATCH", "dags", params={"dag_id_pattern": "%"}, json={"is_paused": False})
        time.sleep(10)  # let the unpause settle, then measure only the round
        db_before, _ = database_size(database)
        sessions = {p.pid for name, p in cluster.procs.items() if name.startswith("worker")}
        sampler = Sampler(sessions, database)
        sampler.start()
        time.sleep(1)
        cpu0 = {name: session_cpu({p.pid}) for name, p in cluster.procs.items()}
        redis0 = redis_info()
        t0 = time.perf_counter()
        runs = {dag_id: cluster.trigger(dag_id, CONF) for dag_id in sorted(dag_ids)}
        trigger_wall = time.perf_counter() - t0
        if APPROVAL:
            approver = Approver(cluster)
            approver.start()
        pending = dict(runs)
        states: dict[str, str] = {}
        deadline = time.monotonic() + 6 * 3600
        while pending and time.monotonic() < deadline:
            for r in finished_runs(cluster):
                if pending.get(r["dag_id"]) == r["dag_run_id"]:
                    states[r["dag_id"]] = r["state"]
                    del pending[r["dag_id"]]
            if pending:
                time.sleep(POLL)
        wall = time.perf_counter() - t0
        cpu1 = {name: session_cpu({p.pid}) for name, p in cluster.procs.items()}
        redis1 = redis_info()
        sampler.stop.set()
        if approver:
            approver.stop.set()
        cpu = {name: cpu1[name] - cpu0.get(name, 0) for name in cpu1}
        workers_cpu = sum(v for k, v in cpu.items() if k.startswith("worker"))
        ok = sum(s == "success" for s in states.values())
        print(
            f"round of {n} agencies: {ok} succeeded, {len(states) - ok} failed, {len(pending)} unfinished; "
            f"wall {wall:.0f} s ({wall / n:.2f} s per agency; triggering {trigger_wall:.0f} s)"
            + (f"; {len(approver.answered)} approvals answered over REST" if approver else "")
        )
        if approver and approver.errors:
            print(f"  approval errors ({len(approver.errors)}), first: {approver.errors[0]}")
        total_cpu = sum(cpu.values())
        print(f"CPU-s per agency round: {total_cpu / n:.2f} in all Airflow processes (target <= 1.5)")
        for name in ("scheduler", "dag-processor", "triggerer", "api-server"):
            extra = f"  ({cpu[name] / wall * 3600:.0f} CPU-s per hour)" if name == "dag-processor" else ""
            print(f"  {name:14s} {cpu.get(name, 0) / n:6.3f}   ({cpu.get(name, 0):.0f} s){extra}")
        print(
            f"  {'workers':14s} {workers_cpu / n:6.3f}   ({workers_cpu:.0f} s in {WORKERS} Celery worker(s) "
            "with their task processes)"
        )
        pg = sampler.postgres_cpu()
        print(
            f"  and outside Airflow: PostgreSQL backends of this DB {pg / n:.3f} ({pg:.0f} s, sampled); "
            f"Redis {(redis1['cpu'] - redis0['cpu']) / n:.3f} ({redis1['cpu'] - redis0['cpu']:.1f} s, "
            f"{redis1['commands'] - redis0['commands']} commands; the whole server), "
            f"peak memory {mb(redis1['peak_memory'])}"
        )
        # where the time goes, per task
        durations, sched_waits, queue_waits = defaultdict(list), defaultdict(list), defaultdict(list)
        tries = 0
        for dag_id, run_id in runs.items():
            for ti in cluster.api("GET", f"{cluster.run_path(dag_id, run_id)}/taskInstances")[
                "task_instances"
            ]:
                if ti.get("start_date") is None:
                    continue
                tries += max(ti.get("try_number") or 1, 1)
                if (d := ti.get("duration")) is not None:
                    durations[ti["task_id"]].append(d)
                if (w := _seconds(ti.get("scheduled_when"), ti.get("queued_when"))) is not None:
                    sched_waits[ti["task_id"]].append(w)
                w = _seconds(ti.get("queued_when"), ti.get("start_date"))
                if w is not None and w >= 0:  # an answered approval is queued again after it started
                    queue_waits[ti["task_id"]].append(w)
        executions = len(re.findall(r"Executing workload", _worker_logs(cluster)))
        tasks_run = sum(len(v) for v in durations.values())
        print(
            f"task runs per agency round: {tasks_run / n:.2f} task instances that ran ({tries / n:.2f} tries), "
            f"{executions / n:.2f} executions on a worker (a deferred task resumes in a second one)"
        )
        print(f"worker CPU per execution {workers_cpu / max(executions, 1):.2f} s")
        print("per task: mean run time; waits scheduled->queued and queued->started (s):")
        for task_id in sorted(durations, key=lambda k: -sum(durations[k])):
            print(f"  {task_id:24s} run {statistics.mean(durations[task_id]):5.2f}")
            print(f"    scheduled->queued {_spread(sched_waits[task_id])}")
            print(f"    queued->started   {_spread(queue_waits[task_id])}")
        # how long each task held a Celery slot (from the workers' logs)
        names, slots = {}, defaultdict(list)
        for line in _worker_logs(cluster).splitlines():
            if m := re.search(r"\[([0-9a-f-]{36})\] Executing workload.*?task_id='([a-z_]+)'", line):
                names[m.group(1)] = m.group(2)
            elif m := re.search(r"execute_workload\[([0-9a-f-]{36})\] succeeded in ([0-9.]+)s", line):
                slots[names.get(m.group(1), "?")].append(float(m.group(2)))
        held = [x for v in slots.values() for x in v]
        if held:
            print(
                f"Celery slot held per execution: median {statistics.median(held):.2f} s, "
                f"mean {statistics.mean(held):.2f} s, max {max(held):.1f} s"
            )
        by_kind = defaultdict(list)
        for kb, cmd in sampler.peaks.values():
            by_kind["task processes" if cmd.startswith("airflow worker --") else cmd[:70]].append(kb)
        print("peak RSS (VmHWM, shared pages included) on the worker side:")
        for kind, kbs in sorted(by_kind.items(), key=lambda kv: -max(kv[1]))[:4]:
            print(
                f"  {len(kbs):4d} x max {max(kbs) / 1024:5.0f} MB, median {statistics.median(kbs) / 1024:5.0f} MB  {kind}"
            )
        db_after, tables = database_size(database)
        print(
            f"metadata DB: {mb(db_before)} before the round (DAGs parsed), {mb(db_after)} after "
            f"(+{(db_after - db_before) / n / 1024:.0f} KB per agency round); largest tables:"
        )
        for name, size, rows in tables:
            print(f"  {name:34s} {mb(size):>9s}  {rows:8d} rows")
    finally:
        if sampler:
            sampler.stop.set()
        if approver:
            approver.stop.set()
        cluster.stop()
        drop_database(database)


def _worker_logs(cluster: CeleryCluster) -> str:
    return "\n".join(p.read_text(errors="replace") for p in sorted(cluster.home.glob("worker*.log")))


def work_in_process(work: Path) -> None:
    """The useful work of one agency's round without Airflow: collect, check, render, publish (warm),
    and one look at the inbox as the deferred wait's trigger makes it."""
    from ita_monitor.documents.render import Renderer
    from ita_monitor.flow.pipeline import RoundJob, check_round, collect, publish_report, render_report
    from ita_monitor.intake.waiting import wait_state
    from ita_monitor.model.config import AgenciesDir
    from ita_monitor.model.rounds import Round
    from ita_monitor.model.storage import DataRoot
    from ita_monitor.publish.factory import publisher_for

    agencies, data = work / "agencies-solo", work / "data-solo"
    slugs = generate(6, agencies, data, approval=False)
    renderer = Renderer()
    times, looks = [], []
    for slug in slugs:
        job = RoundJob.load(AgenciesDir(agencies), slug, Round(2565, 12), DataRoot(data))
        c0 = time.process_time()
        wait_state(job, datetime.now(UTC))
        looks.append(time.process_time() - c0)
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
        f"{statistics.median(c for c, _ in warm):.2f} s CPU per agency (collect+check+render+publish); "
        f"one look at a round's inbox {statistics.median(looks[1:]) * 1000:.1f} ms CPU"
    )


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="ita-bench-scale-"))
    os.environ.setdefault("AIRFLOW_HOME", str(work / "airflow-solo"))
    try:
        work_in_process(work)
        celery_round(N, work)
    finally:
        subprocess.run(["rm", "-rf", str(work)])


if __name__ == "__main__":
    main()
