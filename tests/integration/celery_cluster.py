"""The production topology run natively: Airflow on PostgreSQL with the CeleryExecutor on Redis.

A scheduler, a dag-processor, a triggerer, an api-server and Celery workers, each started as its own process
group (``setsid``) with an Airflow home of its own, and stopped as whole groups.  Used by
tests/integration/test_celery_topology.py and bench/bench_scale.py.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PG = "postgresql+psycopg2://postgres@127.0.0.1:5432"


def services_missing() -> str:
    """Why the cluster cannot run here ("" when PostgreSQL and Redis answer on 127.0.0.1)."""
    try:
        import psycopg

        psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", connect_timeout=3).close()
    except Exception as exc:
        return f"PostgreSQL on 127.0.0.1:5432 (user postgres, trust) is not reachable: {exc}"
    try:
        import redis

        redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=3).ping()
    except Exception as exc:
        return f"Redis on 127.0.0.1:6379 is not reachable: {exc}"
    return ""


def recreate_database(name: str) -> None:
    import psycopg

    with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(name: str) -> None:
    import psycopg

    with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class CeleryCluster:
    """Airflow processes of one test/bench run; ``start()`` then ``api(...)``; ``stop()`` always."""

    def __init__(
        self,
        home: Path,
        database: str,
        agencies_dir: Path,
        data_root: str,
        port: int = 8094,
        redis_db: int = 5,
        parallelism: int = 4,
        worker_concurrency: int = 2,
        extra_env: dict[str, str] | None = None,
    ):
        self.home = home
        self.database = database
        self.port = port
        self.redis_db = redis_db
        self.base = f"http://127.0.0.1:{port}"
        self.procs: dict[str, subprocess.Popen] = {}
        self.token = ""
        self.env = {
            **os.environ,
            "PATH": f"{BIN}:{os.environ.get('PATH', '')}",
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            "AIRFLOW__CORE__PARALLELISM": str(parallelism),
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{self.base}/execution/",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"{PG}/{database}",
            "AIRFLOW__CELERY__BROKER_URL": f"redis://127.0.0.1:6379/{redis_db}",
            "AIRFLOW__CELERY__RESULT_BACKEND": f"db+postgresql://postgres@127.0.0.1:5432/{database}",
            "AIRFLOW__CELERY__WORKER_CONCURRENCY": str(worker_concurrency),
            # workers start warm: round modules, WeasyPrint and fonts loaded once, before the pool forks
            "AIRFLOW__CELERY__CELERY_CONFIG_OPTIONS": "ita_monitor.airflow_layer.celery_config.CELERY_CONFIG",
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(port),
            "AIRFLOW__API__WORKERS": "1",
            "AIRFLOW__API_AUTH__JWT_SECRET": "ita-monitor-celery-tests-" + "y" * 64,
            # a killed worker's task is noticed within seconds, not the default five minutes
            "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "20",
            "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "3",
            "AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME": "0.5",
            # as in docker-compose.yaml: a finished task frees its worker slot within 1 s, not 5 s
            "AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL": "1",
            # only the runs a test triggers: unpausing must not start the latest scheduled round too
            "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            "AIRFLOW__ITA__AGENCIES_DIR": str(agencies_dir),
            "AIRFLOW__ITA__DATA_ROOT": data_root,
            **(extra_env or {}),
        }
        self.env.pop("PYTEST_CURRENT_TEST", None)

    # --- processes --------------------------------------------------------------------------------

    def _airflow(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(BIN / "airflow"), *args], env=self.env, capture_output=True, text=True, check=check
        )

    def spawn(self, name: str, *args: str) -> subprocess.Popen:
        """Start ``airflow ARGS`` in a process group of its own, logging to ``<home>/<name>.log``."""
        log = open(self.home / f"{name}.log", "ab")
        proc = subprocess.Popen(
            [str(BIN / "airflow"), *args],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            cwd=self.home,
        )
        log.close()
        self.procs[name] = proc
        return proc

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Signal the whole process group of ``name`` and wait for its leader to end."""
        proc = self.procs.pop(name, None)
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        if sig != signal.SIGKILL:  # children left behind by a graceful stop
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def start_worker(self, name: str = "worker") -> subprocess.Popen:
        # --skip-serve-logs: no log server on 8793 (task logs are read from files in this home)
        return self.spawn(
            name, "celery", "worker", "-H", f"{name}@%h", "--skip-serve-logs", "--without-gossip"
        )

    def start(self, timeout: float = 180) -> None:
        import redis

        shutil.rmtree(self.home, ignore_errors=True)
        self.home.mkdir(parents=True)
        recreate_database(self.database)
        redis.Redis(host="127.0.0.1", port=6379, db=self.redis_db).flushdb()
        migrated = self._airflow("db", "migrate", check=False)
        if migrated.returncode != 0:
            raise RuntimeError(
                f"airflow db migrate failed:\n{migrated.stdout[-3000:]}\n{migrated.stderr[-3000:]}"
            )
        self.spawn("api-server", "api-server", "--host", "127.0.0.1", "--port", str(self.port))
        self.spawn("scheduler", "scheduler")
        self.spawn("dag-processor", "dag-processor")
        self.spawn("triggerer", "triggerer", "--skip-serve-logs")  # deferred waits for submissions
        self.start_worker()
        self.wait_for(self._api_up, timeout, "the api-server to answer")
        self.login()

    def stop(self) -> None:
        for name in list(self.procs):
            self.kill(name, signal.SIGTERM)
        try:
            import redis

            redis.Redis(host="127.0.0.1", port=6379, db=self.redis_db).flushdb()
        except Exception:
            pass

    def logs(self, limit: int = 4000) -> str:
        """The tail of every process's log, for failure messages."""
        out = []
        for log in sorted(self.home.glob("*.log")):
            text = log.read_text(errors="replace")
            out.append(f"----- {log.name} (last {limit} chars)\n{text[-limit:]}")
        return "\n".join(out)

    def wait_for(self, probe: Callable[[], Any], timeout: float, what: str, every: float = 0.5) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name, proc in self.procs.items():
                if proc.poll() is not None:
                    raise RuntimeError(
                        f"{name} exited ({proc.returncode}) while waiting for {what}\n{self.logs()}"
                    )
            result = probe()
            if result:
                return result
            time.sleep(every)
        raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}\n{self.logs()}")

    # --- REST API ---------------------------------------------------------------------------------

    def _api_up(self) -> bool:
        import requests

        try:
            return requests.get(f"{self.base}/api/v2/monitor/health", timeout=5).status_code == 200
        except requests.RequestException:
            return False

    def login(self) -> None:
        """A JWT for the admin from the simple auth manager's generated password file."""
        import json

        import requests

        pw_file = self.home / "simple_auth_manager_passwords.json.generated"
        passwords = self.wait_for(
            lambda: pw_file.exists() and json.loads(pw_file.read_text()), 30, pw_file.name
        )
        r = requests.post(
            f"{self.base}/auth/token", json={"username": "admin", "password": passwords["admin"]}, timeout=10
        )
        r.raise_for_status()
        self.token = r.json()["access_token"]

    def api(self, method: str, path: str, **kwargs) -> Any:
        import requests

        r = requests.request(
            method,
            f"{self.base}/api/v2/{path}",
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=30,
            **kwargs,
        )
        if r.status_code >= 400:
            raise RuntimeError(f"{method} {path}: {r.status_code} {r.text[:2000]}")
        return r.json() if r.content else None

    def dag_ids(self) -> set[str]:
        import requests

        ids: set[str] = set()
        try:
            while True:  # pages of at most 100 ([api] maximum_page_limit)
                page = self.api("GET", "dags", params={"limit": 100, "offset": len(ids)})
                ids |= {d["dag_id"] for d in page["dags"]}
                if not page["dags"] or len(ids) >= page["total_entries"]:
                    return ids
        except (RuntimeError, requests.RequestException):
            return ids

    def wait_for_dags(self, dag_ids: set[str], timeout: float = 180) -> None:
        self.wait_for(lambda: dag_ids <= self.dag_ids(), timeout, f"{len(dag_ids)} DAG(s) parsed", every=1)

    def unpause(self, dag_id: str) -> None:
        self.api("PATCH", f"dags/{dag_id}", json={"is_paused": False})

    def trigger(self, dag_id: str, conf: dict) -> str:
        run = self.api("POST", f"dags/{dag_id}/dagRuns", json={"logical_date": None, "conf": conf})
        return run["dag_run_id"]

    def run_path(self, dag_id: str, run_id: str) -> str:
        return f"dags/{dag_id}/dagRuns/{urllib.parse.quote(run_id, safe='')}"

    def run_state(self, dag_id: str, run_id: str) -> str:
        return self.api("GET", self.run_path(dag_id, run_id))["state"]

    def task_states(self, dag_id: str, run_id: str) -> dict[str, str]:
        tis = self.api("GET", f"{self.run_path(dag_id, run_id)}/taskInstances")["task_instances"]
        return {ti["task_id"]: ti["state"] for ti in tis}

    def task(self, dag_id: str, run_id: str, task_id: str) -> dict:
        return self.api("GET", f"{self.run_path(dag_id, run_id)}/taskInstances/{task_id}")

    def wait_for_run(self, dag_id: str, run_id: str, timeout: float = 300) -> str:
        state = self.wait_for(
            lambda: (s := self.run_state(dag_id, run_id)) in ("success", "failed") and s,
            timeout,
            f"run {run_id} of {dag_id} to finish",
            every=1,
        )
        return state
