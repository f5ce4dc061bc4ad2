"""Helpers shared by the many-agency benchmarks (bench_parse.py, bench_scale.py): the deployment's
Airflow settings as docker-compose.yaml sets them, and CPU accounting of process groups from /proc.
Not a benchmark itself (run.py runs only bench_*.py)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
TICK = os.sysconf("SC_CLK_TCK")


def deployment_settings(prefixes: tuple[str, ...] = ("AIRFLOW__DAG_PROCESSOR__",)) -> dict[str, str]:
    """``AIRFLOW__…`` variables docker-compose.yaml gives the dag-processor (common block and its own
    service), with ``${VAR:-default}`` resolved to its default: the deployment's settings."""
    compose = yaml.safe_load((ROOT / "docker-compose.yaml").read_text(encoding="utf-8"))
    env: dict[str, str] = {}
    for block in (compose.get("x-airflow-common", {}), compose["services"].get("airflow-dag-processor", {})):
        env.update({k: str(v) for k, v in (block.get("environment") or {}).items()})
    resolved = {}
    for key, value in env.items():
        if key.startswith(prefixes):
            resolved[key] = re.sub(r"\$\{[A-Za-z0-9_]+:?-([^}]*)\}", r"\1", value)
    return resolved


def _stat(pid: str) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return raw[raw.rindex(")") + 2 :].split()  # fields from 3 (state) on


def session_cpu(sessions: set[int]) -> float:
    """CPU seconds of every live process in ``sessions`` plus the children it has reaped."""
    total = 0
    for pid in os.listdir("/proc"):
        if pid.isdigit() and (f := _stat(pid)) and int(f[3]) in sessions:
            total += sum(int(x) for x in f[11:15])  # utime stime cutime cstime
    return total / TICK


def pid_cpu(pid: int | str) -> float:
    """CPU seconds of one process and the children it has reaped (0 when it is gone)."""
    f = _stat(str(pid))
    return sum(int(x) for x in f[11:15]) / TICK if f else 0.0


def postgres_backends(database: str) -> dict[int, float]:
    """CPU seconds of each live PostgreSQL backend connected to ``database`` (by its process title)."""
    out = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if cmd.startswith(b"postgres: ") and f" {database} ".encode() in cmd:
            f = _stat(pid)
            if f:
                out[int(pid)] = sum(int(x) for x in f[11:13]) / TICK
    return out


def database_size(database: str) -> tuple[int, list[tuple[str, int, int]]]:
    """The database's size in bytes and its largest tables (name, bytes with indexes, rows)."""
    import psycopg

    with psycopg.connect(f"host=127.0.0.1 port=5432 user=postgres dbname={database}") as conn:
        size = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
        tables = conn.execute(
            "SELECT relname, pg_total_relation_size(relid), n_live_tup FROM pg_stat_user_tables "
            "ORDER BY 2 DESC LIMIT 8"
        ).fetchall()
    return size, tables


def mb(n: float) -> str:
    return f"{n / 1024 / 1024:.1f} MB"


def dag_shards(agencies: int) -> int:
    """``ITA_BENCH_DAG_SHARDS``, else one DAG file per 100 agencies (docs/production.md's advice)."""
    if os.environ.get("ITA_BENCH_DAG_SHARDS"):
        return int(os.environ["ITA_BENCH_DAG_SHARDS"])
    return max(1, -(-agencies // 100))


def dags_folder_for(agencies: Path, work: Path, shards: int | None = None) -> tuple[Path, dict[str, str]]:
    """The DAG folder a deployment has for this agencies directory, and the environment that reads it.

    Where the agencies' DAG files are generated (``ita-monitor dags sync``, issue 19), a copy of dags/
    with the files written for ``agencies`` in ``shards`` files; before that, dags/ itself."""
    import shutil
    import subprocess
    import sys

    env = {"AIRFLOW__ITA__AGENCIES_DIR": str(agencies), "AIRFLOW__CORE__LOAD_EXAMPLES": "False"}
    try:
        from ita_monitor.airflow_layer import dag_files  # noqa: F401
    except ImportError:
        return ROOT / "dags", {**env, "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags")}
    folder = work / f"dags-{agencies.name}"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(ROOT / "dags", folder, ignore=shutil.ignore_patterns("ita_agencies", "__pycache__"))
    env["AIRFLOW__CORE__DAGS_FOLDER"] = str(folder)
    if shards:
        env["AIRFLOW__ITA__DAG_SHARDS"] = str(shards)
    bin_dir = Path(sys.executable).parent
    subprocess.run(
        [str(bin_dir / "ita-monitor"), "dags", "sync"],
        env={**os.environ, "AIRFLOW_HOME": str(work / "airflow-sync"), **env},
        check=True,
        capture_output=True,
    )
    return folder, env


def agencies_in(path: Path) -> int | None:
    """How many agencies a generated shard file says it builds (None for another DAG file)."""
    m = re.search(r"\((\d+) now\)", path.read_text(encoding="utf-8")[:400])
    return int(m.group(1)) if m else None


def dag_files(folder: Path) -> list[Path]:
    """The DAG files of a DAG folder (sub-folders included, as the dag-processor lists them)."""
    return sorted(
        p
        for p in folder.rglob("*.py")
        if not any(part.startswith((".", "_")) for part in p.relative_to(folder).parts)
    )
