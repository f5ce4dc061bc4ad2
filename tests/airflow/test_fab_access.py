"""A province office hosting two agencies on one Airflow with the FAB auth manager, tried on a real
api-server at ``--workers 4`` (with scheduler, dag-processor and triggerer: tests/airflow/scheduler_cluster.py).

- ``ita-monitor roles sync --users ...`` (docs/production.md) makes the roles and users: a clerk of
  each agency, an approver of each, a province reader.  Every ITA route and export x each user: a
  clerk of agency A gets 403 (or only A) for everything of B and never sees B's name in a page or an
  export; the province reads both and acts on neither; a clerk cannot answer an approval.
- Approve and Reject pressed at the same moment by two approvers, 10 times: exactly one decision,
  one success message, the other told who decided; Airflow's HITL detail and the page agree.
- Three rerun presses at once: one rerun, two "already being rerun".
- 20 revocations at once: all kept.  The unit page's rate limit counts across the 4 workers.
- A foreign Origin with ``X-Forwarded-Host`` set to it is refused on every action route.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import threading
import time
import urllib.parse
import zipfile
from datetime import UTC
from functools import partial
from html import unescape
from pathlib import Path

import pytest

from ita_monitor.model.names import APPROVAL_TASK
from tests.airflow.scheduler_cluster import WAIT_AFTER_PARKING, SchedulerCluster
from tests.conftest import AGENCIES, ROOT, skip_or_fail
from tests.fixtures import second_agency as fx

pytestmark = [pytest.mark.fab, pytest.mark.timeout(1500)]
PORT = 8097
A, FY_A = "mae-u-kho", 2565
B, FY_B = fx.SLUG, fx.FISCAL_YEAR
B_DAG = f"ita_round__{B}"
NAMES = {
    A: ("องค์การบริหารส่วนตำบลแม่อูคอ", "อบต.แม่อูคอ", A),
    B: ("หนองบัวทอง", B),
}
PASSWORD = "ita-fab-test-pass-1"
USERS = {  # username -> what the users file gives
    "clerk-a": {"clerk": [A]},
    "clerk-b": {"clerk": [B]},
    "approver-b1": {"approver": [B]},
    "approver-b2": {"approver": [B]},
    "province": {"province": True},
}


class FabCluster(SchedulerCluster):
    """The scheduler tests' Airflow, with the FAB auth manager and four api-server workers."""

    def __init__(self, work: Path, agencies: Path, data: Path, port: int):
        super().__init__(work, agencies, data, port)
        for key in (
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE",
        ):
            self.env.pop(key, None)
        self.env.update(
            AIRFLOW__CORE__AUTH_MANAGER="airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager",
            AIRFLOW__API__WORKERS="4",
            AIRFLOW__FAB__CACHE_TTL="0",  # the roles just synced count at once
        )
        self.tokens: dict[str, str] = {}
        self.sync_output = ""

    def cli(self, line: str, answer: str = "") -> str:
        """A command line of docs/production.md, run as written (``answer``: what the admin types
        at its password prompts; no terminal, so ``getpass`` reads them from stdin)."""
        import shlex
        import subprocess

        args = shlex.split(line)
        done = subprocess.run(
            [str(Path(self.env["PATH"].split(":")[0]) / args[0]), *args[1:]],
            env=self.env,
            cwd=ROOT,
            input=f"{answer}\n{answer}\n" if answer else "",
            capture_output=True,
            text=True,
            timeout=300,
            start_new_session=True,
        )
        assert done.returncode == 0, f"{line} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
        return done.stdout

    def prepare(self) -> None:
        # docs/production.md's lines, as written (after `airflow db migrate`, which start() ran)
        self.cli(
            "airflow users create --role Admin --username admin --firstname ITA --lastname Admin "
            "--email admin@example.org",
            answer=self.password,
        )
        first = self.cli("ita-monitor roles sync --users include/agencies/users.yaml")
        assert "user clerk-mae-u-kho: created" in first, first
        self.cli("airflow users reset-password --username clerk-mae-u-kho", answer=PASSWORD)
        # then the test's own users file: two agencies, a clerk of each, two approvers, the province
        users = self.work / "users.yaml"
        users.write_text(
            json.dumps({"users": [{"username": u, "name": f"ผู้ใช้ {u}", **v} for u, v in USERS.items()]}),
            encoding="utf-8",
        )
        self.sync_output = self.cli(f"ita-monitor roles sync --users {users}")
        for user in USERS:
            self.cli(f"airflow users reset-password --username {user}", answer=PASSWORD)

    def login(self, user: str) -> str:
        status, body = self.request(
            "POST", "/auth/token", {"username": user, "password": PASSWORD}, auth=False
        )
        assert status in (200, 201), (user, status, body)
        return body["access_token"]

    def token_of(self, user: str) -> str:
        if user == "admin":
            return self.token
        if user not in self.tokens:
            self.tokens[user] = self.login(user)
        return self.tokens[user]

    def as_user(self, user: str, method: str, path: str, **kw):
        return self.request(method, path, token=self.token_of(user), **kw)

    def form_token(self, user: str, page: str) -> str:
        status, html = self.as_user(user, "GET", page)
        assert status == 200, (user, page, status, str(html)[:500])
        return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def _free(port: int) -> bool:
    import socket

    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


def _agencies(dest: Path) -> Path:
    shutil.copytree(AGENCIES, dest, ignore=shutil.ignore_patterns("users.yaml"))
    shutil.copytree(fx.AGENCIES / B, dest / B)
    return dest


@pytest.fixture(scope="module")
def airflow(tmp_path_factory):
    if not _free(PORT):
        skip_or_fail(f"port {PORT} is already in use")
    work = tmp_path_factory.mktemp("fab")
    agencies = _agencies(work / "agencies")
    data = work / "data"
    data.mkdir()
    cluster = FabCluster(work, agencies, data, PORT)
    try:
        cluster.start()
        cluster.wait_for_dag(B_DAG)
        cluster.data = data
        yield cluster
    finally:
        cluster.stop()


# --- data both agencies have, so every route has something to show ---------------------------------


def _seed(data: Path) -> None:
    report = data / A / str(FY_A) / "round-12" / "report"
    report.mkdir(parents=True, exist_ok=True)
    (report / f"ita-{FY_A}-round-12-report.pdf").write_bytes(b"%PDF-1.4 A's report")
    site = data / "site" / A / str(FY_A)
    site.mkdir(parents=True, exist_ok=True)
    (site / "index.html").write_text("<p>A</p>", encoding="utf-8")
    report = data / B / str(FY_B) / "round-03" / "report"
    report.mkdir(parents=True, exist_ok=True)
    (report / f"ita-{FY_B}-round-03-report.pdf").write_bytes(b"%PDF-1.4 B's report")
    site = data / "site" / B / str(FY_B)
    site.mkdir(parents=True, exist_ok=True)
    (site / "index.html").write_text("<p>B</p>", encoding="utf-8")


def _reads(slug: str, fy: int, months: int) -> list[str]:
    """Every GET route of one agency."""
    r = f"round-{months:02d}"
    return [
        f"/ita/a/{slug}/{fy}/{r}",
        f"/ita/y/{slug}/{fy}",
        f"/ita/y/{slug}/{fy}/export.xlsx",
        f"/ita/y/{slug}/{fy}/items.csv",
        f"/ita/links/{slug}/{fy}",
        f"/ita/links/{slug}/{fy}/itas-readiness.csv",
        f"/ita/links/{slug}/{fy}/itas-readiness.html",
        f"/ita/files/{slug}/{fy}/{r}/report/ita-{fy}-{r}-report.pdf",
        f"/ita/site/{slug}/{fy}/index.html",
    ]


def _actions(slug: str, fy: int, months: int) -> list[tuple[str, dict]]:
    """Every action route of one agency, with a form that would be valid."""
    r = f"/ita/a/{slug}/{fy}/round-{months:02d}"
    unit = "pr" if slug == A else "kk"
    return [
        (f"{r}/upload", {"unit": unit}),
        (f"{r}/approve", {"run_id": "manual__x", "decision": "Approve"}),
        (f"{r}/rerun", {"run_id": "manual__x"}),
        (f"{r}/revoke-link", {"unit": unit}),
        (f"/ita/links/{slug}/{fy}/check", {}),
    ]


OVERVIEWS = [
    "/ita/",
    f"/ita/agencies?fy={FY_A}",
    f"/ita/agencies/export.xlsx?fy={FY_A}",
    f"/ita/agencies/export.csv?fy={FY_A}",
    f"/ita/agencies?fy={FY_B}",
    f"/ita/agencies/export.xlsx?fy={FY_B}",
    f"/ita/agencies/export.csv?fy={FY_B}",
]


def _text(body) -> str:
    """What a person could read in a response: the page, or every part of a workbook."""
    if isinstance(body, bytes) and body.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(body)) as z:
            return "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
    if isinstance(body, bytes):
        return body.decode("utf-8", "replace")
    return json.dumps(body, ensure_ascii=False) if not isinstance(body, str) else body


def _names_in(text: str, slug: str) -> list[str]:
    return [n for n in NAMES[slug] if n in text]


def test_each_user_sees_and_does_only_what_their_role_allows(airflow):
    assert "role ita-clerk-nong-bua-thong" in airflow.sync_output
    assert "user clerk-mae-u-kho: not in the users file" in airflow.sync_output  # the file is the truth
    _seed(airflow.data)
    a_reads, b_reads = _reads(A, FY_A, 12), _reads(B, FY_B, 3)
    may_read = {
        "admin": {A, B},
        "clerk-a": {A},
        "clerk-b": {B},
        "approver-b1": {B},
        "province": {A, B},
    }
    for user, readable in may_read.items():
        for slug, paths in ((A, a_reads), (B, b_reads)):
            for path in paths:
                status, body = airflow.as_user(user, "GET", path, raw=True)
                if slug in readable:
                    assert status == 200, (user, path, status, body[:300])
                else:
                    assert status == 403, (user, path, status, body[:300])
                    thai_names = [n for n in NAMES[slug] if n != slug]
                    assert not [n for n in thai_names if n in _text(body)], (user, path)
        for path in OVERVIEWS:
            status, body = airflow.as_user(user, "GET", path, raw=True)
            assert status == 200, (user, path, status, body[:300])
            text = _text(body)
            for slug in (A, B):
                if slug not in readable:  # never a name, a count or a link of the other agency
                    assert not _names_in(text, slug), (user, path, _names_in(text, slug))
            if path == "/ita/":
                assert all(_names_in(text, s) for s in readable), (user, readable)
    # a DAG run's tab of the other agency: 403 (before anything of the run is read)
    status, _ = airflow.as_user("clerk-a", "GET", f"/ita/run/{B_DAG}/manual__x")
    assert status == 403

    # acting: only on one's own agency; the province acts on none; a clerk does not approve
    may_act = {"admin": {A, B}, "clerk-a": {A}, "clerk-b": {B}, "approver-b1": {B}, "province": set()}
    for user, actable in may_act.items():
        own = A if A in may_read[user] else B
        csrf = airflow.form_token(user, f"/ita/a/{own}/{FY_A if own == A else FY_B}/round-12")
        for slug, fy, months in ((A, FY_A, 12), (B, FY_B, 3)):
            for path, form in _actions(slug, fy, months):
                status, body = airflow.as_user(user, "POST", path, form={**form, "csrf": csrf})
                if slug not in actable:
                    assert status == 403, (user, path, status, str(body)[:300])
                else:
                    assert status != 403 or (path.endswith("/approve") and user.startswith("clerk")), (
                        user,
                        path,
                        status,
                        str(body)[:300],
                    )
    status, body = airflow.as_user(
        "clerk-b", "POST", f"/ita/a/{B}/{FY_B}/round-03/approve",
        form={"run_id": "manual__x", "decision": "Approve", "csrf": airflow.form_token("clerk-b", f"/ita/a/{B}/{FY_B}/round-03")},
    )  # fmt: skip
    assert status == 403 and "only the agency's approver answers this" in unescape(str(body))


def test_a_foreign_origin_is_refused_even_with_x_forwarded_host(airflow):
    for path, form in _actions(B, FY_B, 3):
        csrf = airflow.form_token("admin", f"/ita/a/{B}/{FY_B}/round-03")
        status, body = airflow.request(
            "POST",
            path,
            form={**form, "csrf": csrf},
            headers={"Origin": "https://evil.example", "X-Forwarded-Host": "evil.example"},
        )
        assert status == 403 and "this request did not come from this site" in str(body), (path, status)


def test_revocations_at_once_across_workers_are_all_kept(airflow):
    import yaml

    agency = yaml.safe_load((AGENCIES / A / "agency.yaml").read_text(encoding="utf-8"))
    units = [u["code"] for u in agency["units"]]
    scopes = [(months, unit) for months in agency["schedule"]["rounds"] for unit in units][:20]
    assert len(scopes) == 20
    shown_before = airflow.request("GET", f"/ita/a/{A}/{FY_A}/round-12")[1].count('data-what="link_revoked"')
    tokens = {
        m: airflow.form_token("admin", f"/ita/a/{A}/{FY_A}/round-{m:02d}") for m in {m for m, _ in scopes}
    }
    barrier = threading.Barrier(len(scopes))
    answers: list = [None] * len(scopes)

    def revoke(i: int, months: int, unit: str) -> None:
        barrier.wait()
        answers[i] = airflow.request(
            "POST",
            f"/ita/a/{A}/{FY_A}/round-{months:02d}/revoke-link",
            form={"csrf": tokens[months], "unit": unit, "reason": f"test {i}"},
        )

    threads = [threading.Thread(target=revoke, args=(i, m, u)) for i, (m, u) in enumerate(scopes)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert all(a and a[0] == 303 and "m=link_revoked" in a[1]["location"] for a in answers), answers
    kept = json.loads((airflow.data / A / "unit-links.json").read_text(encoding="utf-8"))["revoked"]
    ours = [e for e in kept if e["reason"].startswith("test ")]
    assert sorted((e["round"], e["unit"]) for e in ours) == sorted(scopes)
    assert sorted(e["reason"] for e in ours) == sorted(f"test {i}" for i in range(len(scopes)))
    # each shows on its round's page: who revoked, when
    status, html = airflow.request("GET", f"/ita/a/{A}/{FY_A}/round-12")
    shown = html.count('data-what="link_revoked"') - shown_before
    assert shown == sum(1 for m, _ in scopes if m == 12)


def test_the_link_pages_rate_limit_counts_across_workers(airflow):
    from ita_monitor.airflow_layer.webapp.unit import PER_ADDRESS

    statuses = [
        airflow.request("GET", "/ita/u/not-a-link", auth=False)[0] for _ in range(PER_ADDRESS.limit + 5)
    ]
    # 4 workers, one count: the limit holds for the address, not 4 times the limit
    assert statuses.count(403) == PER_ADDRESS.limit, statuses
    assert statuses[PER_ADDRESS.limit :] == [429] * 5


# --- one decision per approval, and one rerun per press burst, at --workers 4 ------------------------


def _pending(airflow, run_id: str) -> dict | None:
    found = airflow.api("GET", airflow.run_path(B_DAG, run_id) + "/hitlDetails?response_received=false")
    for item in found.get("hitl_details", []):
        ti = item.get("task_instance", {})
        if ti.get("task_id") == APPROVAL_TASK and ti.get("state") == "awaiting_input":
            return item
    return None


def _wait_parked(airflow, run_id: str) -> dict:
    item = airflow.wait_for("the approval to park", lambda: _pending(airflow, run_id), 300, 1.0)
    seen = time.monotonic()
    # answering sooner races the scheduler (airflow-3.md; scheduler_cluster.WAIT_AFTER_PARKING)
    airflow.wait_for("the approval to settle", lambda: time.monotonic() - seen >= WAIT_AFTER_PARKING, 30, 0.5)
    return item


def _at_once(calls) -> list:
    barrier = threading.Barrier(len(calls))
    out: list = [None] * len(calls)

    def run(i, call):
        barrier.wait()
        out[i] = call()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return out


def test_one_decision_per_approval_and_one_rerun_per_burst(airflow):
    airflow.api("PATCH", f"/api/v2/dags/{B_DAG}", {"is_paused": False})
    for unit in fx.due(12):
        fx.drop(airflow.data, unit, 12)
    from ita_monitor.model.rounds import Round

    run = airflow.api(
        "POST",
        f"/api/v2/dags/{B_DAG}/dagRuns",
        {
            "logical_date": Round(FY_B, 12).end_at().astimezone(UTC).isoformat(),
            "conf": {"fiscal_year": FY_B, "round": 12},
        },
    )
    run_id = run["dag_run_id"]
    page = f"/ita/a/{B}/{FY_B}/round-12"
    wins: list[tuple[str, str]] = []
    for i in range(10):
        _wait_parked(airflow, run_id)
        forms = {u: airflow.form_token(u, page) for u in ("approver-b1", "approver-b2")}
        answers = _at_once(
            [
                partial(airflow.as_user, user, "POST", f"{page}/approve", form=form)
                for user, form in (
                    ("approver-b1", {"csrf": forms["approver-b1"], "run_id": run_id, "decision": "Approve", "comment": f"approve-comment-{i}"}),
                    ("approver-b2", {"csrf": forms["approver-b2"], "run_id": run_id, "decision": "Reject", "comment": f"reject-comment-{i}"}),
                )
            ]
        )  # fmt: skip
        codes = [
            urllib.parse.parse_qs(urllib.parse.urlsplit(a[1]["location"]).query)["m"][0] for a in answers
        ]
        won = [c for c in codes if c in ("approved", "rejected")]
        told = [c for c in codes if c.startswith("already_")]
        assert len(won) == 1 and len(told) == 1, (i, codes, answers)
        winner = "approver-b1" if codes[0] in ("approved", "rejected") else "approver-b2"
        loser = "approver-b2" if winner == "approver-b1" else "approver-b1"
        decision = "Approve" if won[0] == "approved" else "Reject"
        assert told[0] == ("already_approved" if decision == "Approve" else "already_rejected")
        loser_location = answers[0 if loser == "approver-b1" else 1][1]["location"]
        status, html = airflow.as_user(loser, "GET", loser_location.removeprefix(airflow.base))
        said = "already approved by" if decision == "Approve" else "already rejected by"
        assert f"{said} {winner} at " in html, html[:3000]
        # Airflow's Required actions and the page agree: one answer, the winner's
        detail = airflow.api(
            "GET", airflow.run_path(B_DAG, run_id) + f"/taskInstances/{APPROVAL_TASK}/-1/hitlDetails"
        )
        assert detail["chosen_options"] == [decision] and detail["responded_by_user"]["name"] == winner, (
            detail
        )
        end = airflow.wait_until_done(B_DAG, run_id)
        assert end == ("success" if decision == "Approve" else "failed"), airflow.task_states(B_DAG, run_id)
        status_doc = json.loads(
            (airflow.data / B / str(FY_B) / "round-12" / "status.json").read_text("utf-8")
        )
        assert status_doc["approval"]["by"] == winner
        assert status_doc["approval"]["decision"] == ("approved" if decision == "Approve" else "rejected")
        loser_comment = f"reject-comment-{i}" if winner == "approver-b1" else f"approve-comment-{i}"
        assert loser_comment not in json.dumps(status_doc, ensure_ascii=False)  # nothing of it recorded
        wins.append((winner, decision))
        if i == 0:  # three rerun presses at once: one rerun, two told it is already being rerun
            token = airflow.form_token("approver-b1", page)
            press = partial(
                airflow.as_user,
                "approver-b1",
                "POST",
                f"{page}/rerun",
                form={"csrf": token, "run_id": run_id},
            )
            presses = _at_once([press] * 3)
            codes = sorted(
                urllib.parse.parse_qs(urllib.parse.urlsplit(p[1]["location"]).query)["m"][0] for p in presses
            )
            assert codes == ["already_rerunning", "already_rerunning", "rerun"], presses
            loser_page = next(p for p in presses if "already_rerunning" in p[1]["location"])[1]["location"]
            html = airflow.as_user("approver-b1", "GET", loser_page.removeprefix(airflow.base))[1]
            assert "this round is already being rerun" in html
        else:  # ask again: clear the approval (and what follows) as Airflow's UI does
            airflow.api(
                "POST",
                f"/api/v2/dags/{B_DAG}/clearTaskInstances",
                {
                    "dag_run_id": run_id,
                    "dry_run": False,
                    "task_ids": [APPROVAL_TASK],
                    "include_downstream": True,
                    "only_failed": False,
                    "reset_dag_runs": True,
                },
            )
    # every decision (and the rerun) shows on the round's page with who and when
    html = airflow.request("GET", page)[1]
    assert html.count('data-what="approved"') + html.count('data-what="rejected"') == 10
    assert html.count('data-what="rerun"') == 1
    for winner, _ in wins:
        assert f'<td class="by">{winner}</td>' in html
