"""The admin's every path (issue 21) on running Airflow processes (scheduler, dag-processor, triggerer,
api-server: ``tests/airflow/scheduler_cluster.py``) with the second agency and a real SMTP server:

1. a trigger with a logical date and empty fields runs the round that date ends (the Trigger form's
   way, REST); ``airflow dags trigger -l`` with a date that ends no round is refused, naming the round
   it would have run;
2. a round triggered by hand (no logical date: the Trigger form's default) fails on a gap; the
   README's ``ita-monitor rerun ... --wait`` completes it to approval; it is approved and published;
3. a past round caught up with ``ita-monitor run-round ... --due <tomorrow>``: a due date in the past
   is refused; the forms mailed say the new date; the round waits; a file uploaded on the page shows
   as progress; the rest arrives and it goes on to approval and publication.

At every stage ``ita-monitor status`` and the ITA page's overview say the same state as Airflow.
"""

from __future__ import annotations

import email.header
import json
import re
import socket
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from ita_monitor.model.names import CHECK_TASK
from ita_monitor.model.rounds import BANGKOK, Round
from ita_monitor.model.thai import thai_date
from tests.airflow.scheduler_cluster import SchedulerCluster, _NoRedirect
from tests.conftest import skip_or_fail
from tests.fixtures import second_agency as fx

pytestmark = [pytest.mark.scheduler, pytest.mark.smtp, pytest.mark.timeout(1500)]
PORT = 8095
DAG_ID = f"ita_round__{fx.SLUG}"
FY = fx.FISCAL_YEAR


def _subject(msg) -> str:
    return str(email.header.make_header(email.header.decode_header(msg["Subject"])))


def _body(msg) -> str:
    part = next(p for p in msg.walk() if p.get_content_type() == "text/html")
    return part.get_payload(decode=True).decode("utf-8")


def _status(cluster: SchedulerCluster, months: int) -> dict:
    """``ita-monitor status --json`` as the admin runs it beside Airflow."""
    done = cluster.command(
        "ita-monitor",
        "status",
        "--agency",
        fx.SLUG,
        "--fiscal-year",
        str(FY),
        "--round",
        str(months),
        "--json",
    )
    return json.loads(done.stdout)


def _overview(cluster: SchedulerCluster, months: int) -> str:
    status, html = cluster.request("GET", "/ita/")
    assert status == 200, html
    found = re.search(rf'/a/{fx.SLUG}/{FY}/round-{months:02d}" data-state="(\w+)"', html)
    assert found, html[-3000:]
    return found.group(1)


def _agree(cluster: SchedulerCluster, months: int, state: str) -> dict:
    """The command line and the overview both say ``state``; the status report."""
    report = _status(cluster, months)
    assert report["airflow"] == "asked", report
    assert (report["state"], _overview(cluster, months)) == (state, state), report
    return report


def _upload(cluster: SchedulerCluster, months: int, unit: str) -> None:
    page = f"/ita/a/{fx.SLUG}/{FY}/round-{months:02d}"
    csrf = cluster.csrf(page)
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in (("csrf", csrf), ("unit", unit))
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{unit}-r{months}.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n".encode()
        + fx.submission(unit, months)
        + b"\r\n"
    )
    import urllib.error
    import urllib.request

    req = urllib.request.Request(
        f"{cluster.base}{page}/upload",
        data=b"".join(parts) + f"--{boundary}--\r\n".encode(),
        method="POST",
        headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Authorization": f"Bearer {cluster.token}",
            "Origin": cluster.base,
        },
    )
    try:
        urllib.request.build_opener(_NoRedirect).open(req, timeout=60)
    except urllib.error.HTTPError as err:
        assert err.code == 303 and "m=received" in (err.headers.get("Location") or ""), err.headers


def test_the_admins_every_path_on_running_airflow(tmp_path, inbox_of_mail):
    import os

    with socket.socket() as s:
        if s.connect_ex(("127.0.0.1", PORT)) == 0:
            skip_or_fail(f"port {PORT} is already in use")
    agencies = fx.copy_agencies(tmp_path / "agencies")
    data = tmp_path / "data"
    data.mkdir()
    (tmp_path / "airflow").mkdir()
    cluster = SchedulerCluster(
        tmp_path / "airflow",
        agencies,
        data,
        PORT,
        env={
            "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",  # only the runs this test starts
            "AIRFLOW_CONN_ITA_SMTP": os.environ["AIRFLOW_CONN_ITA_SMTP"],  # the real SMTP server
        },
    )
    try:
        cluster.start()
        cluster.wait_for_dag(DAG_ID)
        cluster.airflow("dags", "unpause", DAG_ID)

        # 1. the Trigger form with a logical date (round 3's end) and empty fields: round 3
        end3 = Round(FY, 3).end_at().astimezone(UTC).isoformat()
        run3 = cluster.api(
            "POST",
            f"/api/v2/dags/{DAG_ID}/dagRuns",
            {"logical_date": end3, "conf": {"fiscal_year": None, "round": None}},
        )["dag_run_id"]
        assert cluster.wait_until_done(DAG_ID, run3) == "failed"  # nothing was sent: it fails on the gaps
        note = cluster.api("GET", cluster.run_path(DAG_ID, run3))["note"]
        assert note.startswith(f"FY{FY} round 3 ·"), note
        assert json.loads((data / fx.SLUG / str(FY) / "round-03" / "status.json").read_text())["round"] == 3
        _agree(cluster, 3, "incomplete")
        #    `airflow dags trigger -l` with a date that ends no round: refused, naming the round
        cluster.airflow("dags", "trigger", DAG_ID, "-l", "2025-01-15T00:00:00+07:00")
        runs = cluster.api("GET", f"/api/v2/dags/{DAG_ID}/dagRuns?order_by=-run_after&limit=1")["dag_runs"]
        refused = runs[0]["dag_run_id"]
        assert cluster.wait_until_done(DAG_ID, refused) == "failed"
        first = next(t for t, state in cluster.task_states(DAG_ID, refused).items() if state == "failed")
        log = cluster.task_log(DAG_ID, refused, first)  # the round's first task refuses it
        assert "ends no round" in log and "FY2568 round 3" in log, log[-2000:]

        # 2. round 6 triggered by hand (no logical date) fails on the one gap (kc, M4)
        for unit in fx.due(6):
            if unit != "kc":
                fx.drop(data, unit, 6)
        run6 = cluster.api(
            "POST",
            f"/api/v2/dags/{DAG_ID}/dagRuns",
            {"logical_date": None, "conf": {"fiscal_year": FY, "round": 6}},
        )["dag_run_id"]
        assert run6.startswith("manual__")
        assert cluster.wait_until_done(DAG_ID, run6) == "failed"
        report = _agree(cluster, 6, "incomplete")
        assert report["run"] == {"run_id": run6, "state": "failed"}
        assert [(m["unit"], m["measure"]) for m in report["missing"]] == [("kc", "M4")]
        fx.drop(data, "kc", 6)  # the missing file arrives
        #    the README's command-line rerun, exactly as written there
        done = cluster.command(
            "ita-monitor", "rerun", "--agency", fx.SLUG, "--fiscal-year", str(FY), "--round", "6", "--wait"
        )
        out = done.stdout
        assert run6 in out and f"cleared from {CHECK_TASK}:" in out, out
        assert f"{CHECK_TASK} (was failed)" in out, out
        assert "awaiting approval" in out, out
        assert f"{cluster.base}/ita/a/{fx.SLUG}/{FY}/round-06" in out
        assert f"{cluster.base}/dags/{DAG_ID}/runs/{run6}" in out
        report = _agree(cluster, 6, "awaiting_approval")
        assert report["missing"] == []
        assert cluster.approve_until_done(DAG_ID, run6) == "success"
        _agree(cluster, 6, "published")

        # 3. catching up round 9 (its due date long past): a new last day to submit
        past = cluster.command(
            "ita-monitor", "run-round", "--agency", fx.SLUG, "--fiscal-year", str(FY), "--round", "9",
            "--due", "2025-07-10", check=False,
        )  # fmt: skip
        assert past.returncode == 2 and "is in the past" in past.stderr and "ผ่านมาแล้ว" in past.stderr
        tomorrow = (datetime.now(BANGKOK) + timedelta(days=1)).date()
        started = cluster.command(
            "ita-monitor", "run-round", "--agency", fx.SLUG, "--fiscal-year", str(FY), "--round", "9",
            "--due", tomorrow.isoformat(), "--wait",
        )  # fmt: skip
        assert "waiting for submissions" in started.stdout, started.stdout
        run9 = re.search(r"started: \S+ (manual__FY2568-round-09_\S+)", started.stdout).group(1)
        note = cluster.api("GET", cluster.run_path(DAG_ID, run9))["note"]
        assert note == f"FY{FY} round 9 · ปีงบประมาณ ๒๕๖๘ รอบ ๙ เดือน · due {tomorrow.isoformat()}"
        forms = [m for m in inbox_of_mail.values() if "๙ เดือน" in _subject(m)]
        sent_to = " ".join(str(m["To"]) for m in forms)
        assert all(f"{u}@nongbuathong.example" in sent_to for u in fx.due(9)), sent_to
        assert all(thai_date(tomorrow) in _body(m) for m in forms), _body(forms[0])[:2000]
        report = _agree(cluster, 9, "waiting")
        assert report["last_day_to_submit"] == tomorrow.isoformat()
        units = sorted(fx.due(9))
        _upload(cluster, 9, units[0])  # one unit's file comes through the page while the round waits
        report = _agree(cluster, 9, "waiting")
        assert report["received"] > 0 and report["missing"], report
        assert f"received {report['received']} of {report['due']}" in report["detail"]
        status, page = cluster.request("GET", f"/ita/a/{fx.SLUG}/{FY}/round-09")
        assert f"received {report['received']} of {report['due']}" in page
        for unit in units[1:]:
            fx.drop(data, unit, 9)
        cluster.wait_for(
            "round 9 to ask for approval", lambda: _status(cluster, 9)["state"] == "awaiting_approval"
        )
        _agree(cluster, 9, "awaiting_approval")
        assert cluster.approve_until_done(DAG_ID, run9) == "success"
        _agree(cluster, 9, "published")
    finally:
        cluster.stop()
