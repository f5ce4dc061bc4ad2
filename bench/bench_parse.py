"""DAG files at many agencies: parse + serialize per DAG file, and the dag-processor while nothing changes.

1. For each size in ``ITA_BENCH_PARSE_AGENCIES`` (default 1000,7850) generated agencies
   (scripts/generate_agencies.py): every file of dags/, each in a fresh process, the way the
   dag-processor's file processor does it: build the file's DagBag, then ``DagSerialization.to_dict``
   for every DAG of it, then encode the result as JSON (what goes back to the dag-processor).  CPU
   seconds of the process (robust to other load on the machine) and wall seconds, DAGs, bytes, peak RSS.
   Target: parse + serialize < 10 s per file at 7,850 agencies.
2. ``airflow dag-processor`` alone on PostgreSQL with the deployment's ``[dag_processor]`` settings
   (read from docker-compose.yaml; Airflow's defaults where it sets none) and
   ``ITA_BENCH_IDLE_AGENCIES`` (default 1000) agencies: after its first full parse, its CPU over
   ``ITA_BENCH_IDLE_SECONDS`` (default 300) while nothing changes, and how often it re-parsed.
   Target: idle.

Prints figures; asserts nothing.  Uses the shared PostgreSQL: run under the integration lock,
    flock /work/tmp/integration.lock .venv/bin/python bench/bench_parse.py
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from generate_agencies import generate  # noqa: E402
from scale_common import (  # noqa: E402
    agencies_in,
    dag_files,
    dag_shards,
    dags_folder_for,
    database_size,
    deployment_settings,
    mb,
    session_cpu,
)

from tests.integration.celery_cluster import CeleryCluster, drop_database, services_missing  # noqa: E402

SIZES = [int(x) for x in os.environ.get("ITA_BENCH_PARSE_AGENCIES", "1000,7850").split(",") if x.strip()]
MAX_FILES = int(os.environ.get("ITA_BENCH_PARSE_MAX_FILES", "12"))  # of many shard files, the largest
IDLE_AGENCIES = int(os.environ.get("ITA_BENCH_IDLE_AGENCIES", "1000"))
IDLE_SECONDS = float(os.environ.get("ITA_BENCH_IDLE_SECONDS", "300"))
_LIMITS = deployment_settings(("AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT", "AIRFLOW__DAG_PROCESSOR__"))
IMPORT_TIMEOUT = float(_LIMITS.get("AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT", 30))  # Airflow's default
PROCESSOR_TIMEOUT = float(_LIMITS.get("AIRFLOW__DAG_PROCESSOR__DAG_FILE_PROCESSOR_TIMEOUT", 50))

# One DAG file as the dag-processor's file processor handles it (airflow/dag_processing/processor.py,
# _parse_file and _serialize_dags in Airflow 3.3), timed in its parts.
PARSE_ONE = """
import json, resource, sys, time
from pathlib import Path
from airflow.dag_processing.dagbag import BundleDagBag
from airflow.serialization.serialized_objects import DagSerialization
path = Path(sys.argv[1])
c0, t0 = time.process_time(), time.perf_counter()
bag = BundleDagBag(dag_folder=str(path), bundle_path=path.parent, bundle_name="dags-folder", load_op_links=False)
assert not bag.import_errors, bag.import_errors
c1, t1 = time.process_time(), time.perf_counter()
data = [DagSerialization.to_dict(dag) for dag in bag.dags.values()]
c2, t2 = time.process_time(), time.perf_counter()
size = sum(len(json.dumps(d)) for d in data)
c3, t3 = time.process_time(), time.perf_counter()
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print("RESULT", json.dumps([c1 - c0, t1 - t0, c2 - c1, t2 - t1, c3 - c2, t3 - t2, len(bag.dags), size, rss]))
"""


def parse_file(path: Path, agencies: Path, home: Path, dags_env: dict[str, str] | None = None) -> dict:
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(path.parent),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        **(dags_env or {}),
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),  # registers the round timetable
        "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": "0",  # measure to the end; the limits are printed beside
        "AIRFLOW__ITA__AGENCIES_DIR": str(agencies),
    }
    proc = subprocess.run(
        [sys.executable, "-c", PARSE_ONE, str(path)], capture_output=True, text=True, env=env, timeout=3600
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT ")]
    if proc.returncode != 0 or not lines:
        return {"error": (proc.stderr or proc.stdout)[-600:]}
    keys = (
        "parse_cpu",
        "parse_wall",
        "ser_cpu",
        "ser_wall",
        "enc_cpu",
        "enc_wall",
        "dags",
        "bytes",
        "rss_kb",
    )
    return dict(zip(keys, json.loads(lines[-1][7:]), strict=True))


def parse_sizes(work: Path) -> dict[int, dict[str, dict]]:
    results: dict[int, dict[str, dict]] = {}
    for n in SIZES:
        agencies = work / f"agencies-{n}"
        t = time.perf_counter()
        generate(n, agencies, approval=True)
        shards = dag_shards(n)
        folder, dags_env = dags_folder_for(agencies, work, shards)
        files = dag_files(folder)
        sizes = {f: agencies_in(f) or 0 for f in files}
        if len(files) > MAX_FILES:  # the shard files are alike: measure those with the most agencies
            files = sorted(files, key=lambda f: -sizes[f])[:MAX_FILES]
        print(
            f"\n{n} agencies generated in {time.perf_counter() - t:.0f} s; DAG folder "
            + (
                f"{folder.name}: {len(sizes)} files (dag_shards {shards}), {min(sizes.values())}-"
                f"{max(sizes.values())} agencies per file; the {len(files)} largest measured"
                if folder != ROOT / "dags"
                else "dags/"
            ),
            flush=True,
        )
        print(
            f"  {'DAG file':34s} {'DAGs':>5s}  {'parse':>7s} {'serial.':>7s} {'= CPU-s':>7s}  {'JSON':>7s}"
            f"  {'wall s':>6s}  {'MB out':>7s}  {'peak RSS':>8s}"
        )
        results[n] = {}
        total = 0.0
        for path in files:
            r = parse_file(path, agencies, work / "airflow-parse", dags_env)
            name = str(path.relative_to(folder))
            results[n][name] = r
            if "error" in r:
                print(f"  {name:34s} failed: {r['error']}")
                continue
            cpu = r["parse_cpu"] + r["ser_cpu"]
            total += cpu
            print(
                f"  {name:34s} {r['dags']:5d}  {r['parse_cpu']:7.2f} {r['ser_cpu']:7.2f} {cpu:7.2f}"
                f"  {r['enc_cpu']:7.2f}  {r['parse_wall'] + r['ser_wall']:6.1f}  {r['bytes'] / 1e6:7.1f}"
                f"  {r['rss_kb'] / 1024:6.0f} MB",
                flush=True,
            )
        worst = max(
            ((r["parse_cpu"] + r["ser_cpu"], name) for name, r in results[n].items() if "error" not in r),
            default=(0.0, "-"),
        )
        print(
            f"  files measured: {total:.1f} CPU-s parse + serialize "
            f"({total / max(1, sum(r.get('dags', 0) for r in results[n].values())) * 1000:.1f} ms per DAG); "
            f"the largest file {worst[1]} {worst[0]:.1f} CPU-s (target < 10 s at 7,850 agencies)"
        )
        over = [
            name
            for name, r in results[n].items()
            if "error" not in r
            and (r["parse_wall"] > IMPORT_TIMEOUT or r["parse_wall"] + r["ser_wall"] > PROCESSOR_TIMEOUT)
        ]
        if over:
            print(
                f"  over the deployment's limits ([core] dagbag_import_timeout {IMPORT_TIMEOUT:.0f} s for the "
                f"import, [dag_processor] dag_file_processor_timeout {PROCESSOR_TIMEOUT:.0f} s in all, wall "
                f"time here): {', '.join(over)} would not load"
            )
        if n != IDLE_AGENCIES:
            shutil.rmtree(agencies, ignore_errors=True)
    return results


def idle_dag_processor(work: Path, expected_dags: int | None) -> None:
    missing = services_missing()
    if missing:
        print(f"idle dag-processor skipped: {missing}")
        return
    agencies = work / f"agencies-{IDLE_AGENCIES}"
    if not agencies.exists():
        generate(IDLE_AGENCIES, agencies, approval=True)
    settings = deployment_settings()
    database = "ita_bench_parse_idle"
    folder, dags_env = dags_folder_for(agencies, work, dag_shards(IDLE_AGENCIES))
    cluster = CeleryCluster(
        home=work / "airflow-idle",
        database=database,
        agencies_dir=agencies,
        data_root=(work / "data").as_uri(),
    )
    cluster.env.pop(
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL", None
    )  # the tests' setting, not the deployment's
    cluster.env.update(settings)
    cluster.env.update(dags_env)
    print(
        f"\nidle dag-processor, {IDLE_AGENCIES} agencies, the deployment's settings: "
        + (
            ", ".join(
                f"{k.removeprefix('AIRFLOW__DAG_PROCESSOR__').lower()}={v}" for k, v in settings.items()
            )
            or "none set (Airflow's defaults)"
        )
    )
    import psycopg

    def parsed() -> list[tuple[str, object]]:
        with psycopg.connect(f"host=127.0.0.1 port=5432 user=postgres dbname={database}") as conn:
            return conn.execute(
                "SELECT fileloc, max(last_parsed_time) FROM dag WHERE NOT is_stale GROUP BY fileloc"
            ).fetchall()

    def dag_count() -> int:
        with psycopg.connect(f"host=127.0.0.1 port=5432 user=postgres dbname={database}") as conn:
            return conn.execute("SELECT count(*) FROM dag WHERE NOT is_stale").fetchone()[0]

    try:
        shutil.rmtree(cluster.home, ignore_errors=True)
        cluster.home.mkdir(parents=True)
        from tests.integration.celery_cluster import recreate_database

        recreate_database(database)
        migrated = cluster._airflow("db", "migrate", check=False)
        if migrated.returncode != 0:
            print(f"airflow db migrate failed: {migrated.stderr[-2000:]}")
            return
        t0 = time.perf_counter()
        proc = cluster.spawn("dag-processor", "dag-processor")
        want = expected_dags or 1
        last, stable_since = -1, time.monotonic()
        while time.perf_counter() - t0 < 1800:
            if proc.poll() is not None:
                print(f"the dag-processor exited ({proc.returncode}):\n{cluster.logs()}")
                return
            count = dag_count()
            if count != last:
                last, stable_since = count, time.monotonic()
            if count >= want and (expected_dags or time.monotonic() - stable_since > 60):
                break
            time.sleep(2)
        first = time.perf_counter() - t0
        cpu_first = session_cpu({proc.pid})
        print(
            f"  first full parse: {last} DAGs in the DB after {first:.0f} s wall, {cpu_first:.0f} CPU-s"
            + ("" if last >= want else f" (expected {want}: not all files load)")
        )
        seen: dict[str, set] = {}
        cpu0, t1 = session_cpu({proc.pid}), time.perf_counter()
        while time.perf_counter() - t1 < IDLE_SECONDS:
            for fileloc, when in parsed():
                seen.setdefault(str(Path(fileloc).relative_to(folder)), set()).add(when)
            time.sleep(2)
        cpu = session_cpu({proc.pid}) - cpu0
        span = time.perf_counter() - t1
        print(
            f"  idle {span:.0f} s (nothing changed): dag-processor {cpu:.1f} CPU-s "
            f"({cpu / span * 100:.0f} % of a core; {cpu / span * 3600:.0f} CPU-s per hour)"
        )
        print(
            "  parses seen per file in that time (distinct last_parsed_time): "
            + ", ".join(f"{name} {len(times) - 1}" for name, times in sorted(seen.items()))
        )
        size, _ = database_size(database)
        print(f"  metadata DB after parsing: {mb(size)}")
    finally:
        cluster.stop()
        drop_database(database)


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="ita-bench-parse-"))
    try:
        results = parse_sizes(work) if SIZES else {}
        expected = None
        if IDLE_AGENCIES in results:
            expected = sum(r.get("dags", 0) for r in results[IDLE_AGENCIES].values())
        if IDLE_SECONDS > 0:
            idle_dag_processor(work, expected)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
