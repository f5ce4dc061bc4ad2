"""LINE notices: a local HTTP server (started here, on 127.0.0.1) records what the Messaging API would
receive; the round's real tasks push to it through the Airflow HTTP connection the README sets up."""

from __future__ import annotations

import json
import shutil
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import yaml

from tests.airflow.approvals import run_approved
from tests.conftest import AGENCIES, ROOT, drop_samples

pytestmark = pytest.mark.line
TOKEN = "test-channel-token-ไม่ใช่ของจริง".encode().hex()


class FakeLine:
    """Records each request; answers per group id from a script (a list of (status, headers))."""

    def __init__(self):
        self.requests: list[dict] = []
        self.script: dict[str, list[tuple[int, dict]]] = {}
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                outer.requests.append(
                    {
                        "path": self.path,
                        "authorization": self.headers.get("Authorization"),
                        "retry_key": self.headers.get("X-Line-Retry-Key"),
                        "body": body,
                        "at": time.monotonic(),
                    }
                )
                answers = outer.script.get(body.get("to"), [])
                status, headers = answers.pop(0) if len(answers) > 1 else (answers or [(200, {})])[0]
                payload = b"{}" if status == 200 else json.dumps({"message": "error"}).encode()
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def line_api(monkeypatch):
    api = FakeLine()
    monkeypatch.setenv(
        "AIRFLOW_CONN_ITA_LINE",
        json.dumps({"conn_type": "http", "host": f"http://127.0.0.1:{api.port}", "password": TOKEN}),
    )
    monkeypatch.setenv("AIRFLOW__ITA__LINE_TRIES", "3")
    monkeypatch.setenv("AIRFLOW__ITA__LINE_RETRY_SECONDS", "0.2")
    yield api
    api.close()


@pytest.mark.airflow
def test_forms_are_pushed_to_line_groups_retried_on_429_and_a_dead_group_never_fails_the_round(
    airflow_db, data_root, line_api, tmp_path, monkeypatch
):
    from airflow.dag_processing.dagbag import DagBag

    agencies = shutil.copytree(AGENCIES, tmp_path / "agencies")
    profile = agencies / "mae-u-kho" / "agency.yaml"
    doc = yaml.safe_load(profile.read_text())
    doc["line"] = {"conn_id": "ita_line"}
    groups = {"palad": "C-palad-group", "finance": "C-finance-group"}  # pr has no LINE group
    for unit in doc["units"]:
        if unit["code"] in groups:
            unit["line_group"] = groups[unit["code"]]
    profile.write_text(yaml.safe_dump(doc, allow_unicode=True))
    monkeypatch.setenv("AIRFLOW__ITA__AGENCIES_DIR", str(agencies))
    line_api.script = {
        "C-palad-group": [(429, {"Retry-After": "1"}), (200, {})],  # rate limited once, then fine
        "C-finance-group": [(500, {})],  # down for good
    }
    drop_samples(data_root)

    dag = DagBag(dag_folder=str(ROOT / "dags")).dags["ita_round__mae-u-kho"]
    run = run_approved(dag, run_conf={"fiscal_year": 2565, "round": 12})
    assert run.state == "success", {ti.task_id: str(ti.state) for ti in run.get_task_instances()}

    got = line_api.requests
    assert {r["path"] for r in got} == {"/v2/bot/message/push"}
    assert {r["authorization"] for r in got} == {f"Bearer {TOKEN}"}
    palad = [r for r in got if r["body"]["to"] == "C-palad-group"]
    finance = [r for r in got if r["body"]["to"] == "C-finance-group"]
    assert len(palad) == 2 and palad[1]["at"] - palad[0]["at"] >= 0.95  # Retry-After: 1 honoured
    assert palad[0]["retry_key"] == palad[1]["retry_key"]  # LINE delivers a retried push once
    (message,) = palad[1]["body"]["messages"]
    assert message["type"] == "text"
    assert message["text"].startswith("📋 อบต.แม่อูคอ: แบบรายงานผลตามมาตรการ ITA รอบ ๑๒ เดือน")
    assert "สำนักปลัด" in message["text"] and "ส่งภายในวันที่ ๑๕ ตุลาคม ๒๕๖๕" in message["text"]
    assert len(finance) == 3  # line_tries, then reported
    assert not [r for r in got if r["body"]["to"] not in groups.values()]

    ledger = json.loads((data_root / "mae-u-kho" / "2565" / "round-12" / "outbox" / "line.json").read_text())
    assert [v["unit"] for v in ledger["pushed"].values()] == ["palad"]
    (failed,) = ledger["failed"].values()
    assert failed["unit"] == "finance" and failed["tries"] == 3 and failed["detail"].startswith("HTTP 500")
    status = json.loads((data_root / "mae-u-kho" / "2565" / "round-12" / "status.json").read_text())
    assert status["state"] == "published"

    # a rerun pushes nothing twice and tries the failed group again
    line_api.script["C-finance-group"] = [(200, {})]
    before = len(got)
    again = run_approved(dag, run_conf={"fiscal_year": 2565, "round": 12})
    assert again.state == "success"
    assert [r["body"]["to"] for r in got[before:]] == ["C-finance-group"]
    ledger = json.loads((data_root / "mae-u-kho" / "2565" / "round-12" / "outbox" / "line.json").read_text())
    assert (
        sorted(v["unit"] for v in ledger["pushed"].values()) == ["finance", "palad"] and not ledger["failed"]
    )


def test_link_health_changes_reach_the_admins_line_group_once_and_a_dead_group_fails_nothing(
    line_api, tmp_path, monkeypatch
):
    from ita_monitor.airflow_layer.link_tasks import send_line
    from ita_monitor.model.config import AgenciesDir

    agencies = shutil.copytree(AGENCIES, tmp_path / "agencies")
    profile = agencies / "mae-u-kho" / "agency.yaml"
    doc = yaml.safe_load(profile.read_text())
    doc["line"] = {"conn_id": "ita_line", "admin_group": "C-it-admin"}
    profile.write_text(yaml.safe_dump(doc, allow_unicode=True))
    agency = AgenciesDir(agencies).agency("mae-u-kho")
    year_dir = tmp_path / "data" / "mae-u-kho" / "2565"
    text = "ลิงก์ OIT อบต.แม่อูคอ ปี ๒๕๖๕: เปลี่ยนสถานะ ๑ รายการ (เสีย ๑)"

    assert send_line(agency, year_dir, 2565, text) is True
    assert send_line(agency, year_dir, 2565, text) is False  # the same notice: not pushed twice
    (req,) = line_api.requests
    assert req["body"] == {"to": "C-it-admin", "messages": [{"type": "text", "text": text}]}
    assert req["authorization"] == f"Bearer {TOKEN}"

    line_api.script = {"C-it-admin": [(500, {})]}
    assert send_line(agency, year_dir, 2565, text + " อีกครั้ง") is False  # reported, never raised
    ledger = json.loads((year_dir / "outbox" / "line.json").read_text())
    (failed,) = ledger["failed"].values()
    assert failed["unit"] == "admin" and failed["detail"].startswith("HTTP 500")


def test_a_steady_500_for_three_groups_costs_the_round_one_retry_budget(
    line_api, data_root, tmp_path, monkeypatch
):
    """The three units' groups are pushed side by side (``[ita] line_parallel``): every group gets its
    ``line_tries`` tries, and all first tries come before any second one (one after another, each group
    would add its own retry budget)."""
    from ita_monitor.airflow_layer.line import RetryBudget, push_forms
    from ita_monitor.airflow_layer.waiting import load_job

    agencies = shutil.copytree(AGENCIES, tmp_path / "agencies")
    profile = agencies / "mae-u-kho" / "agency.yaml"
    doc = yaml.safe_load(profile.read_text())
    doc["line"] = {"conn_id": "ita_line"}
    groups = {"palad": "C-palad", "finance": "C-finance", "pr": "C-pr"}
    for unit in doc["units"]:
        if unit["code"] in groups:
            unit["line_group"] = groups[unit["code"]]
    profile.write_text(yaml.safe_dump(doc, allow_unicode=True))
    monkeypatch.setenv("AIRFLOW__ITA__AGENCIES_DIR", str(agencies))
    line_api.script = {g: [(500, {})] for g in groups.values()}  # down for good, every group

    job = load_job("mae-u-kho", 2565, 12)
    result = push_forms(job)
    assert sorted(f["unit"] for f in result["failed"]) == sorted(groups) and not result["pushed"]
    assert {f["tries"] for f in result["failed"]} == {3}  # AIRFLOW__ITA__LINE_TRIES
    got = line_api.requests
    by_group = {g: [r for r in got if r["body"]["to"] == g] for g in groups.values()}
    assert all(len(rs) == 3 for rs in by_group.values())
    assert max(rs[0]["at"] for rs in by_group.values()) < min(rs[1]["at"] for rs in by_group.values())
    assert all(len({r["retry_key"] for r in rs}) == 1 for rs in by_group.values())
    ledger = json.loads((data_root / "mae-u-kho" / "2565" / "round-12" / "outbox" / "line.json").read_text())
    assert sorted(v["unit"] for v in ledger["failed"].values()) == sorted(groups)
    budget = RetryBudget.from_settings()
    assert (budget.tries, budget.base, budget.parallel) == (3, 0.2, 8)
    print(
        f"\nLINE steady 500, 3 groups: {got[-1]['at'] - got[0]['at']:.2f} s (one budget: {budget.seconds:.2f} s)"
    )
