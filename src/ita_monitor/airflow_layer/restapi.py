"""Airflow's public REST API from the command line (``ita-monitor rerun``, ``run-round``, ``status``).

Where: ``--api-url``, else Airflow's ``[api] base_url``, else ``http://<[api] host>:<[api] port>``.
Who (the first that is given):

1. a token: ``--token`` or ``ITA_AIRFLOW_TOKEN`` (``POST <base>/auth/token`` with a user and password
   gives one; any auth manager's API token works);
2. a user and password: ``--user``/``--password`` or ``ITA_AIRFLOW_USER``/``ITA_AIRFLOW_PASSWORD``,
   exchanged for a token at ``POST <base>/auth/token`` (the simple auth manager, FAB);
3. on the machine that runs Airflow with the simple auth manager (``make airflow-ui``): the user
   ``admin`` (or the only user) with its password from ``[core] simple_auth_manager_passwords_file``
   (default ``$AIRFLOW_HOME/simple_auth_manager_passwords.json.generated``).

Every call is one request through httpx; errors are ``ApiError`` with the status and Airflow's answer.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from ita_monitor.model.runs import RunRecord


class ApiError(Exception):
    """Airflow's REST API could not be reached or refused the request; says what to do."""

    def __init__(self, message: str, status: int = 0):
        super().__init__(message)
        self.status = status


def api_base_url(explicit: str = "") -> str:
    """Where the api-server answers: ``explicit``, ``[api] base_url``, or ``[api] host:port``."""
    if explicit:
        return explicit.rstrip("/")
    from airflow.sdk import conf

    base = (conf.get("api", "base_url", fallback="") or "").rstrip("/")
    if base.startswith(("http://", "https://")):
        return base
    host = conf.get("api", "host", fallback="127.0.0.1") or "127.0.0.1"
    if host in ("0.0.0.0", "::"):
        host = "127.0.0.1"
    return f"http://{host}:{conf.get('api', 'port', fallback='8080')}"


def local_admin_password() -> tuple[str, str] | None:
    """(user, password) of the simple auth manager's passwords file on this machine, if readable."""
    import os

    from airflow.sdk import conf

    home = Path(os.environ.get("AIRFLOW_HOME") or "~/airflow").expanduser()
    name = conf.get("core", "simple_auth_manager_passwords_file", fallback="") or str(
        home / "simple_auth_manager_passwords.json.generated"
    )
    try:
        users = json.loads(Path(name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(users, dict) or not users:
        return None
    user = "admin" if "admin" in users else next(iter(users)) if len(users) == 1 else ""
    return (user, str(users[user])) if user else None


@dataclass
class AirflowApi:
    base: str
    token: str = ""
    user: str = ""
    password: str = ""
    timeout: float = 30.0

    @classmethod
    def from_args(cls, api_url: str = "", token: str = "", user: str = "", password: str = "") -> AirflowApi:
        api = cls(
            api_base_url(api_url),
            token or os.environ.get("ITA_AIRFLOW_TOKEN", ""),
            user or os.environ.get("ITA_AIRFLOW_USER", ""),
            password or os.environ.get("ITA_AIRFLOW_PASSWORD", ""),
        )
        if not api.token and not (api.user and api.password):
            found = local_admin_password()
            if found is None:
                raise ApiError(
                    "ไม่มีสิทธิ์เข้า Airflow: ใช้ --token หรือ --user/--password (หรือ ITA_AIRFLOW_TOKEN, "
                    "ITA_AIRFLOW_USER/ITA_AIRFLOW_PASSWORD) / no Airflow credentials: give --token or "
                    "--user and --password (or set ITA_AIRFLOW_TOKEN, or ITA_AIRFLOW_USER and ITA_AIRFLOW_PASSWORD)"
                )
            api.user, api.password = found
        return api

    # --- plumbing ---------------------------------------------------------------------------------

    def _send(self, method: str, path: str, body: Any = None, auth: bool = True) -> Any:
        import httpx

        headers = {"Authorization": f"Bearer {self._token()}"} if auth else {}
        try:
            resp = httpx.request(
                method, f"{self.base}{path}", json=body, headers=headers, timeout=self.timeout
            )
        except httpx.HTTPError as exc:
            raise ApiError(
                f"ติดต่อ Airflow ที่ {self.base} ไม่ได้ / cannot reach Airflow's api-server at {self.base}: {exc}"
                " (is it running? set [api] base_url or give --api-url)"
            ) from exc
        try:
            payload = resp.json()
        except ValueError:
            payload = resp.text
        if resp.status_code >= 300:
            detail = payload.get("detail", payload) if isinstance(payload, dict) else payload
            hint = {
                401: " (login refused: check the token, user or password)",
                403: " (this user may not do that)",
                404: " (not found: check the agency and that its DAG is parsed)",
            }.get(resp.status_code, "")
            raise ApiError(
                f"Airflow ตอบ {resp.status_code} / Airflow answered {resp.status_code} to {method} {path}: "
                f"{str(detail)[:500]}{hint}",
                resp.status_code,
            )
        return payload

    def _token(self) -> str:
        if not self.token:
            answer = self._send(
                "POST", "/auth/token", {"username": self.user, "password": self.password}, auth=False
            )
            self.token = str(answer["access_token"])
        return self.token

    @staticmethod
    def run_path(dag_id: str, run_id: str) -> str:
        return f"/api/v2/dags/{quote(dag_id, safe='')}/dagRuns/{quote(run_id, safe='')}"

    # --- what the commands use ---------------------------------------------------------------------

    def runs(self, dag_id: str, limit: int = 100) -> list[RunRecord]:
        """The DAG's runs, newest first (by when they were to run)."""
        path = f"/api/v2/dags/{quote(dag_id, safe='')}/dagRuns?order_by=-run_after&limit={limit}"
        return [RunRecord.from_api(r) for r in self._send("GET", path).get("dag_runs", [])]

    def run(self, dag_id: str, run_id: str) -> RunRecord:
        return RunRecord.from_api(self._send("GET", self.run_path(dag_id, run_id)))

    def clear(self, dag_id: str, body: dict) -> list[dict]:
        """Clear task instances; the ones cleared (task_id, state before)."""
        answer = self._send("POST", f"/api/v2/dags/{quote(dag_id, safe='')}/clearTaskInstances", body)
        return list(answer.get("task_instances", []))

    def task_states(self, dag_id: str, run_id: str) -> dict[str, str]:
        answer = self._send("GET", self.run_path(dag_id, run_id) + "/taskInstances")
        return {ti["task_id"]: str(ti.get("state") or "") for ti in answer.get("task_instances", [])}

    def awaiting_input(self, dag_id: str, run_id: str) -> bool:
        """Whether a task of the run waits for a person (an approval not yet answered)."""
        answer = self._send("GET", self.run_path(dag_id, run_id) + "/hitlDetails?response_received=false")
        return any(
            (d.get("task_instance") or {}).get("state") == "awaiting_input"
            for d in answer.get("hitl_details", [])
        )

    def trigger(
        self, dag_id: str, run_id: str, conf: dict, note: str, logical_date: str | None = None
    ) -> RunRecord:
        body = {"dag_run_id": run_id, "logical_date": logical_date, "conf": conf, "note": note}
        return RunRecord.from_api(self._send("POST", f"/api/v2/dags/{quote(dag_id, safe='')}/dagRuns", body))

    def dag_paused(self, dag_id: str) -> bool:
        return bool(self._send("GET", f"/api/v2/dags/{quote(dag_id, safe='')}").get("is_paused"))
