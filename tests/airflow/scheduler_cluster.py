"""The one live-Airflow harness of the tests (``scheduler``, ``browser``, the links' running-Airflow
test): api-server, scheduler (LocalExecutor), dag-processor and triggerer on a SQLite metadata DB of
their own, started once per test module in one process group (``setsid``) and stopped as a whole.
Config keeps it light on 2 cores: parallelism 2, short idle sleeps and heartbeats, one api-server
worker; a test adds its own settings with ``env``.

Talks to it the way an admin does: the public REST API with a token of the simple auth manager,
the ``airflow`` command line with the same environment, and the ITA page under ``/ita``.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ita_monitor.model.names import APPROVAL_TASK, PLAN_APPROVAL_TASK

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
APPROVAL_TASKS = (APPROVAL_TASK, PLAN_APPROVAL_TASK)
WAIT_AFTER_PARKING = 8.0  # answering an approval sooner races the scheduler (airflow-3.md)


class SchedulerCluster:
    def __init__(
        self,
        work: Path,
        agencies: Path,
        data: Path,
        port: int = 8095,
        password: str = "ita-scheduler-test-pass",
        env: dict[str, str] | None = None,
    ):
        self.work = work
        self.agencies = agencies
        self.data = data
        self.home = work / "home"
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        self.password = password
        self.proc: subprocess.Popen | None = None
        self._token = ""
        self.env = {
            k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW") and k != "PYTEST_CURRENT_TEST"
        }
        self.env.update(
            PATH=f"{BIN}:{os.environ.get('PATH', '')}",  # Airflow starts its parts as plain `airflow`
            AIRFLOW_HOME=str(self.home),
            AIRFLOW__CORE__DAGS_FOLDER=str(ROOT / "dags"),
            AIRFLOW__CORE__PLUGINS_FOLDER=str(ROOT / "plugins"),
            AIRFLOW__CORE__LOAD_EXAMPLES="False",
            AIRFLOW__CORE__EXECUTOR="LocalExecutor",
            AIRFLOW__CORE__PARALLELISM="2",
            AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION="True",
            AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{self.home}/airflow.db",
            AIRFLOW__API__HOST="127.0.0.1",
            AIRFLOW__API__PORT=str(port),
            AIRFLOW__API__WORKERS="1",
            AIRFLOW__API__BASE_URL=self.base,
            AIRFLOW__CORE__EXECUTION_API_SERVER_URL=f"{self.base}/execution/",
            AIRFLOW__API_AUTH__JWT_SECRET="ita-scheduler-tests-" + "z" * 64,
            AIRFLOW__API__SECRET_KEY="ita-scheduler-tests-secret",
            AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS="admin:admin",
            AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE=str(self.home / "passwords.json"),
            AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME="0.5",
            AIRFLOW__WORKERS__MIN_HEARTBEAT_INTERVAL="1",
            AIRFLOW__TRIGGERER__JOB_HEARTBEAT_SEC="1",
            AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL="5",
            AIRFLOW__ITA__AGENCIES_DIR=str(agencies),
            AIRFLOW__ITA__DATA_ROOT=data.as_uri(),
            AIRFLOW__ITA__SUBMISSION_POLL_SECONDS="2",
        )
        self.env.update(env or {})

    # --- processes ----------------------------------------------------------------------------------

    def airflow(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """``airflow <args>`` as the admin runs it, against this Airflow's DB."""
        return self.command("airflow", *args, check=check)

    def command(self, program: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """``<program> <args>`` (``airflow``, ``ita-monitor``) as the admin runs it beside this Airflow."""
        done = subprocess.run(
            [str(BIN / program), *args], env=self.env, capture_output=True, text=True, timeout=600
        )
        if check and done.returncode != 0:
            raise AssertionError(
                f"{program} {' '.join(args)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
            )
        return done

    def start(self) -> None:
        self.home.mkdir(parents=True)
        (self.home / "passwords.json").write_text(json.dumps({"admin": self.password}))
        self.airflow("db", "migrate")
        subprocess.run(  # the agencies' DAG files, as `make setup` / the Docker init write them
            [str(BIN / "ita-monitor"), "dags", "sync"], env=self.env, check=True, capture_output=True
        )
        self.prepare()
        logs = self.work / "logs"
        logs.mkdir()
        script = " ".join(
            f"airflow {part} >'{logs / (part.split()[0] + '.log')}' 2>&1 &"
            for part in ("api-server", "scheduler", "dag-processor", "triggerer")
        )
        # one new session and process group: stop() ends every part and their task processes at once;
        # if the test process dies without stopping them (killed by a timeout), the group ends itself
        watchdog = f"while kill -0 {os.getpid()} 2>/dev/null; do sleep 2; done; kill -TERM 0"
        self.proc = subprocess.Popen(
            ["bash", "-c", f"{script} {watchdog}"],
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{self.base}/api/v2/monitor/health", timeout=2).close()
                return
            except (urllib.error.URLError, OSError):
                time.sleep(0.5)
        raise AssertionError("the api-server did not answer:\n" + self.log("api-server")[-3000:])

    def prepare(self) -> None:
        """After the metadata DB is made and before the processes start (a subclass adds users)."""

    def stop(self) -> None:
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def log(self, part: str) -> str:
        path = self.work / "logs" / f"{part}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    # --- REST -----------------------------------------------------------------------------------------

    @property
    def token(self) -> str:
        if not self._token:
            self._token = self.request(
                "POST", "/auth/token", {"username": "admin", "password": self.password}, auth=False
            )[1]["access_token"]
        return self._token

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        auth: bool = True,
        form: dict | None = None,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        raw: bool = False,
    ) -> tuple[int, Any]:
        """One request as the admin (or as the user of ``token``); ``raw``: the body's bytes."""
        extra = dict(headers or {})
        headers = {}
        data = None
        if form is not None:
            data = urllib.parse.urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if auth:
            headers["Authorization"] = f"Bearer {token or self.token}"
        if method == "POST" and path.startswith("/ita/"):
            headers["Origin"] = self.base  # as the browser sends it with the page's forms
        headers.update(extra)
        req = urllib.request.Request(f"{self.base}{path}", method=method, data=data, headers=headers)
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            with opener.open(req, timeout=60) as resp:
                body = resp.read()
                return resp.status, body if raw else _decode(body, resp.headers)
        except urllib.error.HTTPError as err:
            body = err.read()
            return err.code, body if raw else _decode(body, err.headers)

    def api(self, method: str, path: str, body: Any = None) -> Any:
        status, payload = self.request(method, path, body)
        assert status < 300, f"{method} {path} -> {status}: {payload}"
        return payload

    def run_path(self, dag_id: str, run_id: str) -> str:
        return f"/api/v2/dags/{dag_id}/dagRuns/{urllib.parse.quote(run_id, safe='')}"

    def wait_for(self, what: str, check, timeout: float = 240.0, every: float = 0.5):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = check()
            if value:
                return value
            time.sleep(every)
        raise AssertionError(
            f"timed out waiting for {what}\n--- scheduler log ---\n{self.log('scheduler')[-3000:]}"
        )

    def wait_for_dag(self, dag_id: str) -> None:
        self.wait_for(
            f"{dag_id} to be parsed", lambda: self.request("GET", f"/api/v2/dags/{dag_id}")[0] == 200, 180
        )

    def run_state(self, dag_id: str, run_id: str) -> str:
        return self.api("GET", self.run_path(dag_id, run_id))["state"]

    def wait_until_done(self, dag_id: str, run_id: str, timeout: float = 240.0) -> str:
        return self.wait_for(
            f"run {run_id} to end",
            lambda: (s := self.run_state(dag_id, run_id)) in ("success", "failed") and s,
            timeout,
        )

    def task_states(self, dag_id: str, run_id: str) -> dict[str, str]:
        return {ti["task_id"]: ti["state"] for ti in self.task_instances(dag_id, run_id)}

    def task_instances(self, dag_id: str, run_id: str) -> list[dict]:
        return self.api("GET", self.run_path(dag_id, run_id) + "/taskInstances")["task_instances"]

    def task_log(self, dag_id: str, run_id: str, task_id: str, try_number: int = 1) -> str:
        path = self.run_path(dag_id, run_id) + f"/taskInstances/{task_id}/logs/{try_number}?full_content=true"
        status, payload = self.request("GET", path)
        if isinstance(payload, dict):
            return json.dumps(payload.get("content", payload), ensure_ascii=False)
        return str(payload)

    def approve_until_done(self, dag_id: str, run_id: str, timeout: float = 300.0) -> str:
        """Answer the run's approval (Approve, over REST, as a person does) each time it parks, >= 8 s
        after it parked, until the run ends; the run's final state.

        Answering too soon after the task parks races the scheduler (airflow-3.md): the approval task
        then fails and its retry parks again, and is answered again here."""
        answered: set[str] = set()
        first_seen: dict[str, float] = {}
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.run_state(dag_id, run_id)
            if state in ("success", "failed"):
                return state
            found = self.api("GET", self.run_path(dag_id, run_id) + "/hitlDetails?response_received=false")
            for item in found.get("hitl_details", []):
                ti = item.get("task_instance", {})
                key = f"{ti.get('id')}:{item['created_at']}"
                task_id = ti.get("task_id")
                if task_id not in APPROVAL_TASKS or ti.get("state") != "awaiting_input":
                    continue
                if key in answered:
                    continue
                # from when it was first seen parked: a cleared task's detail may keep its first
                # try's created_at
                parked = datetime.fromisoformat(item["created_at"].replace("Z", "+00:00")).timestamp()
                seen = first_seen.setdefault(key, time.monotonic())
                if (
                    datetime.now(UTC).timestamp() - parked < WAIT_AFTER_PARKING
                    or time.monotonic() - seen < WAIT_AFTER_PARKING
                ):
                    continue
                status, payload = self.request(
                    "PATCH",
                    self.run_path(dag_id, run_id) + f"/taskInstances/{task_id}/-1/hitlDetails",
                    {"chosen_options": ["Approve"], "params_input": {"comment": "ตรวจแล้ว / checked"}},
                )
                assert status < 300 or status == 409, (status, payload)
                answered.add(key)
            time.sleep(1.0)
        raise AssertionError(
            f"timed out waiting for run {run_id} to end\n--- scheduler log ---\n{self.log('scheduler')[-3000:]}"
        )

    def csrf(self, page: str) -> str:
        status, html = self.request("GET", page)
        assert status == 200, html
        found = re.search(r'name="csrf" value="([^"]+)"', html)
        assert found, "no csrf token on " + page
        return found.group(1)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # the test reads the 303 itself
        return None


def _decode(raw: bytes, headers) -> Any:
    if "json" in (headers.get("Content-Type") or ""):
        return json.loads(raw or b"{}")
    text = raw.decode("utf-8", errors="replace")
    location = headers.get("Location")
    return {"location": location, "text": text} if location else text
