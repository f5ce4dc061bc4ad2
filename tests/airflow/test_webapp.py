"""The ITA page through Airflow's real api-server app (create_app + TestClient): login, access,
files, upload, run tab, links, rerun and approval, with real tokens of the simple auth manager."""

from __future__ import annotations

import json
import re
import shutil
import threading
import time
from urllib.parse import quote

import pytest
from airflow.dag_processing.dagbag import DagBag

from ita_monitor.model.names import APPROVAL_TASK, PUBLISH_TASK, REPORT_TASK, ROUND_TASK
from ita_monitor.model.thai import thai_digits
from tests.airflow.approvals import api_client, pending, token_for
from tests.conftest import ROOT, drop_samples

pytestmark = pytest.mark.airflow
DAG_ID = "ita_round__mae-u-kho"
ROUND = "/ita/a/mae-u-kho/2565/round-12"


@pytest.fixture(scope="module")
def client(airflow_db):
    client = api_client()
    client.headers["Origin"] = "http://testserver"  # as a browser sends it with every POST of the page
    return client


@pytest.fixture(scope="module")
def dag(airflow_db):
    return DagBag(dag_folder=str(ROOT / "dags")).dags[DAG_ID]


def auth(role: str | None = "admin", user: str = "admin") -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(user, role)}"}


def csrf(client, headers) -> str:
    page = client.get(ROUND, headers=headers)
    assert page.status_code == 200, page.text
    return re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)


ROUTES = [
    ("GET", "/ita/"),
    ("GET", ROUND),
    ("GET", f"/ita/run/{DAG_ID}/manual__x"),
    ("GET", f"/ita/run/{DAG_ID}/manual__x/report"),
    ("GET", "/ita/files/mae-u-kho/2565/round-12/report/r.pdf"),
    ("GET", "/ita/site/mae-u-kho/2565/index.html"),
    ("POST", f"{ROUND}/upload"),
    ("POST", f"{ROUND}/approve"),
    ("POST", f"{ROUND}/rerun"),
    ("POST", f"{ROUND}/revoke-link"),
    ("POST", f"{ROUND}/run"),
    ("POST", f"{ROUND}/withdraw"),
]


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_every_route_needs_a_login(client, data_root, method, path):
    resp = client.request(method, path)
    assert resp.status_code == 401
    assert "เข้าสู่ระบบ" in resp.text  # says so in Thai, with English
    assert client.request(method, path, headers={"Authorization": "Bearer not-a-jwt"}).status_code in (
        401,
        403,
    )


@pytest.mark.parametrize("path", ["/ita/", ROUND, "/ita/y/mae-u-kho/2565?x=1"])
def test_a_browser_without_a_login_goes_to_airflows_login_and_back(client, data_root, path):
    """A page asked for by a browser (Accept: text/html) without a login: Airflow's login, which sends
    the browser back to the page after it; API clients still get the 401."""
    resp = client.get(path, headers={"Accept": "text/html,application/xhtml+xml"}, follow_redirects=False)
    assert resp.status_code == 303
    assert resp.headers["location"] == "/api/v2/auth/login?" + __import__("urllib.parse").parse.urlencode(
        {"next": path}
    )
    login = client.get(resp.headers["location"], follow_redirects=False)  # Airflow's own login route
    assert login.status_code in (302, 303, 307) and quote(path, safe="") in login.headers["location"]
    assert client.get(path, headers={"Accept": "application/json"}).status_code == 401
    post = client.post(f"{ROUND}/withdraw", headers={"Accept": "text/html"})
    assert post.status_code == 401  # only page requests are sent to the login


def test_withdraw_and_undo_a_version_on_the_round_page(client, data_root):
    """The page's withdraw button sets a version aside with the reason (it stays listed, marked, and
    no longer counts); undo is a second recorded action."""
    from ita_monitor.airflow_layer import settings
    from ita_monitor.flow.pipeline import RoundJob, collect
    from ita_monitor.model.rounds import Round

    drop_samples(data_root)
    collect(RoundJob.load(settings.agencies_dir(), "mae-u-kho", Round(2565, 12), settings.data()))
    admin = auth()
    page = client.get(ROUND, headers=admin).text
    unit, version = re.search(
        r'class="version" data-unit="([^"]+)" data-version="(\d+)" data-withdrawn="no"', page
    ).groups()
    token = csrf(client, admin)
    no_reason = client.post(
        f"{ROUND}/withdraw",
        headers=admin,
        follow_redirects=False,
        data={"csrf": token, "unit": unit, "version": version},
    )
    assert no_reason.status_code == 303 and "m=withdraw_reason" in no_reason.headers["location"]
    done = client.post(
        f"{ROUND}/withdraw",
        headers=admin,
        follow_redirects=False,
        data={"csrf": token, "unit": unit, "version": version, "reason": "ส่งผิดไฟล์ wrong file"},
    )
    assert done.status_code == 303 and "m=withdrawn" in done.headers["location"]
    page = client.get(done.headers["location"], headers=admin).text
    row = re.search(
        rf'<tr class="version" data-unit="{unit}" data-version="{version}" data-withdrawn="yes">.*?</tr>',
        page,
        re.S,
    )
    assert row and "ส่งผิดไฟล์ wrong file" in row.group(0) and "admin" in row.group(0)
    undone = client.post(
        f"{ROUND}/withdraw",
        headers=admin,
        follow_redirects=False,
        data={"csrf": token, "unit": unit, "version": version, "undo": "1"},
    )
    assert "m=withdraw_undone" in undone.headers["location"]
    assert (
        f'data-unit="{unit}" data-version="{version}" data-withdrawn="no"'
        in client.get(ROUND, headers=admin).text
    )


def test_run_this_round_refuses_a_last_day_in_the_past(client, data_root):
    admin = auth()
    token = csrf(client, admin)
    past = client.post(
        f"{ROUND}/run", headers=admin, follow_redirects=False, data={"csrf": token, "due": "2020-01-01"}
    )
    assert past.status_code == 303 and "m=due_in_past" in past.headers["location"]
    page = client.get(past.headers["location"], headers=admin).text
    assert "today or later" in page and 'id="run-round-button"' in page
    bad = client.post(
        f"{ROUND}/run", headers=admin, follow_redirects=False, data={"csrf": token, "due": "31/12/2026"}
    )
    assert "m=bad_due" in bad.headers["location"]


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_a_user_without_access_to_the_dag_is_forbidden(client, data_root, method, path):
    assert client.request(method, path, headers=auth(None, "nobody")).status_code == 403


@pytest.mark.parametrize(("method", "path"), [r for r in ROUTES if r[0] == "POST"])
def test_a_viewer_may_look_but_not_act(client, data_root, method, path):
    viewer = auth("viewer", "viewer")
    assert client.get(ROUND, headers=viewer).status_code == 200
    data = {"csrf": csrf(client, viewer), "unit": "pr", "run_id": "x", "decision": "Approve"}
    files = {"file": ("a.json", b"[]", "application/json")} if path.endswith("upload") else None
    assert client.post(path, headers=viewer, data=data, files=files).status_code == 403


@pytest.mark.parametrize(("method", "path"), [r for r in ROUTES if r[0] == "POST"])
@pytest.mark.parametrize(
    "origin",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Origin": "", "Referer": "https://evil.example/"},
    ],
)
def test_a_state_changing_request_from_another_site_is_refused(client, data_root, method, path, origin):
    headers = {**auth(), **origin}
    data = {"csrf": csrf(client, auth()), "unit": "pr", "run_id": "x", "decision": "Approve"}
    resp = client.post(path, headers=headers, data=data)
    assert resp.status_code == 403 and "did not come from this site" in resp.text
    assert not (data_root / "mae-u-kho").exists()


def test_the_login_cookie_works_like_the_token(client, data_root):
    client.cookies.set("_token", token_for())
    try:
        assert client.get("/ita/").status_code == 200
    finally:
        client.cookies.clear()


def test_overview_shows_every_round_with_state_and_due_date(client, data_root):
    rd = data_root / "mae-u-kho" / "2565" / "round-12"
    rd.mkdir(parents=True)
    (rd / "status.json").write_text(json.dumps({"state": "published"}))
    resp = client.get("/ita/", headers=auth())
    assert resp.status_code == 200
    html = resp.text
    assert "องค์การบริหารส่วนตำบลแม่อูคอ" in html and "เผยแพร่แล้ว" in html and "published" in html
    assert html.count('data-state="') == 10  # rounds 1, 3, 6, 9, 12 of 2565 and of the current year
    assert "ส่งภายใน / due by ๑๕ ตุลาคม ๒๕๖๕" in html
    assert html.count('data-plan-state="not_open"') == 2  # no yearly plan made yet for either year
    assert resp.headers["x-frame-options"] == "SAMEORIGIN"


def test_round_page_matrix_documents_history_and_escaping(client, data_root):
    drop_samples(data_root, units={"palad", "pr"})
    evil = data_root / "mae-u-kho" / "2565" / "round-12" / "inbox" / "finance" / "<svg onload=alert(1)>.csv"
    evil.parent.mkdir(parents=True)
    evil.write_text("รหัสมาตรการ,<img src=x onerror=alert(1)>\nM4,x\n", encoding="utf-8")
    from ita_monitor.flow.pipeline import RoundJob, collect
    from ita_monitor.model.config import AgenciesDir
    from ita_monitor.model.rounds import Round
    from ita_monitor.model.storage import DataRoot

    collect(
        RoundJob.load(
            AgenciesDir(ROOT / "include" / "agencies"), "mae-u-kho", Round(2565, 12), DataRoot(data_root)
        )
    )
    report = data_root / "mae-u-kho" / "2565" / "round-12" / "report"
    report.mkdir()
    (report / "ita-2565-round-12-report.pdf").write_bytes(b"%PDF-1.4\n<< /Type /Page >>\n")
    html = client.get(ROUND, headers=auth()).text
    assert 'data-unit="palad" data-measure="M1" data-kind="received"' in html
    assert 'data-unit="finance" data-measure="M4" data-kind="rejected"' in html
    assert "<svg onload" not in html and "&lt;svg onload=alert(1)&gt;.csv" in html
    assert "<img src=x" not in html
    assert "/ita/files/mae-u-kho/2565/round-12/report/ita-2565-round-12-report.pdf" in html
    assert "ประวัติการส่ง" in html and "pr-round12.json" in html


def test_files_are_served_and_path_tricks_refused(client, data_root):
    report = data_root / "mae-u-kho" / "2565" / "round-12" / "report"
    report.mkdir(parents=True)
    (report / "r.pdf").write_bytes(b"%PDF-1.4 report")
    (data_root / "secret.pdf").write_bytes(b"%PDF secret")
    (data_root / "mae-u-kho" / ".hidden.pdf").write_bytes(b"%PDF hidden")
    ok = client.get("/ita/files/mae-u-kho/2565/round-12/report/r.pdf", headers=auth())
    assert ok.status_code == 200 and ok.content == b"%PDF-1.4 report"
    assert ok.headers["content-type"] == "application/pdf"
    assert ok.headers["content-disposition"] == 'inline; filename="r.pdf"'
    received = data_root / "mae-u-kho" / "2565" / "round-12" / "received" / "pr"
    received.mkdir(parents=True)
    (received / "001-ab12cd34-ผลการดำเนินงาน.csv").write_bytes("รหัส,ผล\n".encode())
    thai = client.get(
        f"/ita/files/mae-u-kho/2565/round-12/received/pr/{quote('001-ab12cd34-ผลการดำเนินงาน.csv')}",
        headers=auth(),
    )
    assert thai.status_code == 200 and thai.content == "รหัส,ผล\n".encode()
    # Starlette's FileResponse: RFC 6266 for a name that is not plain ASCII
    assert thai.headers["content-disposition"] == (
        f"attachment; filename*=utf-8''{quote('001-ab12cd34-ผลการดำเนินงาน.csv')}"
    )
    for path in [
        "/ita/files/mae-u-kho/../secret.pdf",
        "/ita/files/mae-u-kho/2565/..%2f..%2fsecret.pdf",
        "/ita/files/mae-u-kho/%2e%2e/secret.pdf",
        "/ita/files/mae-u-kho/2565%2Fround-12%2Freport%2Fr.pdf",
        "/ita/files/mae-u-kho/2565%5Cround-12%5Creport%5Cr.pdf",
        "/ita/files/mae-u-kho//etc/passwd.pdf",
        "/ita/files/mae-u-kho/%252e%252e/secret.pdf",
        "/ita/files/mae-u-kho/.hidden.pdf",
        "/ita/files/mae-u-kho/2565/round-12/report/r.pdf%00.pdf",
        "/ita/files/mae-u-kho/2565/round-12/status.py",
        "/ita/files/..%2fmae-u-kho/2565/round-12/report/r.pdf",
        "/ita/files/nope/2565/round-12/report/r.pdf",
        "/ita/site/mae-u-kho/../../secret.pdf",
    ]:
        resp = client.get(path, headers=auth())
        assert resp.status_code in (400, 403, 404), path
        assert b"secret" not in resp.content and b"hidden" not in resp.content, path


def test_upload_goes_to_the_inbox_and_the_page_shows_this_files_outcome(client, data_root):
    headers = auth()
    token = csrf(client, headers)
    sample = (
        ROOT / "include" / "sample_submissions" / "mae-u-kho" / "2565" / "round-12" / "pr" / "pr-round12.json"
    )
    locations = []
    for body in (sample.read_bytes(), sample.read_bytes(), sample.read_bytes() + b"\n"):
        resp = client.post(
            f"{ROUND}/upload",
            headers=headers,
            data={"csrf": token, "unit": "pr"},
            files={"file": ("../../pr-round12.json", body, "application/json")},
            follow_redirects=False,
        )
        assert resp.status_code == 303, resp.text
        locations.append(resp.headers["location"])
    inbox = data_root / "mae-u-kho" / "2565" / "round-12" / "inbox" / "pr"
    # the same bytes again are the same version (not stored twice); other bytes never overwrite
    assert sorted(p.name for p in inbox.iterdir()) == ["pr-round12-2.json", "pr-round12.json"]
    assert locations[:2] == [f"{ROUND}?m=received&unit=pr&v=1"] * 2 and locations[2].endswith("v=2")
    page = client.get(locations[0], headers=headers).text
    assert 'id="upload-outcome" data-accepted="yes"' in page and "pr-round12.json" in page
    assert 'data-unit="pr" data-measure="M2" data-kind="received"' in page
    status = json.loads((data_root / "mae-u-kho" / "2565" / "round-12" / "status.json").read_text())
    assert [v["unit"] for v in status["history"]] == ["pr", "pr"]

    # a file the intake rejects: stored as a version, and the page lists this file's problems
    resp = client.post(
        f"{ROUND}/upload",
        headers=headers,
        data={"csrf": token, "unit": "finance"},
        files={"file": ("pr.json", sample.read_bytes(), "application/json")},
        follow_redirects=False,
    )
    page = client.get(resp.headers["location"], headers=headers).text
    assert 'id="upload-outcome" data-accepted="no"' in page and "this form is for unit pr" in page


def test_only_messages_the_app_issued_are_shown(client, data_root):
    headers = auth()
    spoof = "โปรดโอนเงินค่าธรรมเนียมไปที่บัญชี 123 / pay the fee to account 123"
    page = client.get(f"{ROUND}?msg={quote(spoof)}&err={quote(spoof)}&m={quote(spoof)}&n=x", headers=headers)
    assert page.status_code == 200 and "โปรดโอนเงิน" not in page.text and "account 123" not in page.text
    assert 'id="message"' not in page.text and 'id="error"' not in page.text
    page = client.get(f"{ROUND}?m=rerun&n=3", headers=headers).text
    assert "สั่งรันใหม่แล้ว (๓ งาน)" in page and "3 task(s) cleared" in page
    page = client.get(f"{ROUND}?m=rerun&n=<b>x</b>", headers=headers).text
    assert "<b>x</b>" not in page and "&lt;b&gt;" not in page
    page = client.get(f"{ROUND}?m=received&unit=../../etc&v=1", headers=headers).text
    assert 'id="upload-outcome"' not in page


def test_upload_is_checked(client, data_root):
    from ita_monitor.intake.sniff import MAX_FILE_BYTES

    headers = auth()
    token = csrf(client, headers)

    def up(name, body, unit="pr", tok=token, path=ROUND, extra=None):
        return client.post(
            f"{path}/upload",
            headers={**headers, **(extra or {})},
            data={"csrf": tok, "unit": unit},
            files={"file": (name, body, "application/octet-stream")},
            follow_redirects=False,
        )

    assert up("a.json", b"[]", tok="forged").status_code == 403
    assert up("a.json", b"[]", unit="../../etc").status_code == 400
    assert up("a.json", b"[]", extra={"Origin": "https://evil.example"}).status_code == 403
    # one size limit, the intake's: past it the upload is cut off while it is read
    assert up("big.csv", b"x" * (MAX_FILE_BYTES + 1)).status_code == 413
    assert up("huge.csv", b"x" * (MAX_FILE_BYTES * 3)).status_code == 413  # refused before it is read
    for name, body in [
        ("a.exe", b"MZ"),
        ("fake.xlsx", b"not a zip"),
        ("zip.csv", b"PK\x03\x04..."),
        ("e.json", b""),
    ]:
        resp = up(name, body)
        assert resp.status_code == 400 and 'id="refused-problems"' in resp.text, name
    # a round that is not in the agency's schedule (1/3/6/9/12): refused, no folder made
    assert up("a.json", b"[]", path="/ita/a/mae-u-kho/2565/round-02").status_code == 404
    assert not (data_root / "mae-u-kho").exists()


def test_a_form_token_expires(client, data_root, monkeypatch):
    from ita_monitor.airflow_layer import websecurity

    headers = auth()
    token = csrf(client, headers)
    monkeypatch.setattr(websecurity, "FORM_TOKEN_MAX_AGE", -1)
    resp = client.post(
        f"{ROUND}/rerun", headers=headers, data={"csrf": token, "run_id": "x"}, follow_redirects=False
    )
    assert resp.status_code == 403 and "the form has expired" in resp.text
    other = csrf(client, auth("admin", "someone-else"))
    monkeypatch.setattr(websecurity, "FORM_TOKEN_MAX_AGE", 3600)
    resp = client.post(f"{ROUND}/rerun", headers=headers, data={"csrf": other, "run_id": "x"})
    assert resp.status_code == 403  # another user's token


def test_run_tab_links_and_rerun_of_a_failed_round(client, dag, data_root):
    drop_samples(data_root, units={"palad", "pr"})  # กองคลัง has not sent M4: the check fails
    run = dag.test(run_conf={"fiscal_year": 2565, "round": 12})  # fails before asking for approval
    assert run.state == "failed"
    tab = client.get(f"/ita/run/{DAG_ID}/{quote(run.run_id, safe='')}", headers=auth())
    assert tab.status_code == 200
    assert 'data-state="incomplete"' in tab.text and "ยังไม่ส่ง" in tab.text
    assert "rerun-button" in tab.text
    other = client.get("/ita/run/some_other_dag/x", headers=auth())
    assert other.status_code == 200 and "ไม่ใช่รอบติดตาม ITA" in other.text

    links = client.get(
        f"/api/v2/dags/{DAG_ID}/dagRuns/{quote(run.run_id, safe='')}/taskInstances/{REPORT_TASK}/links",
        headers=auth(),
    ).json()["extra_links"]
    assert links["Report PDF"] == f"/ita/run/{DAG_ID}/{quote(run.run_id, safe='')}/report"
    assert links["Published page"] == f"/ita/run/{DAG_ID}/{quote(run.run_id, safe='')}/published"
    assert client.get(links["Report PDF"], headers=auth()).status_code == 404  # not rendered yet
    assert client.get(links["Published page"], headers=auth()).status_code == 404  # nor published

    resp = client.post(
        f"{ROUND}/rerun",
        headers=auth(),
        data={"csrf": csrf(client, auth()), "run_id": run.run_id},
        follow_redirects=False,
    )
    assert resp.status_code == 303 and "m=rerun" in resp.headers["location"], resp.headers["location"]
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert states == {ROUND_TASK: None}  # the round's one task, cleared: the whole rerun


def test_approve_on_the_page_answers_through_the_rest_api_and_publishes(client, dag, data_root):
    drop_samples(data_root)
    result: dict = {}

    def approve_when_parked() -> None:
        for _ in range(240):
            found = pending(DAG_ID)
            if found:  # parked: awaiting_input (see tests/airflow/approvals.py)
                page = client.get(ROUND, headers=auth())
                result["page"] = page.text
                token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
                resp = client.post(
                    f"{ROUND}/approve",
                    headers=auth(),
                    data={"csrf": token, "run_id": found[0][0], "decision": "Approve", "comment": "ok"},
                    follow_redirects=False,
                )
                result["location"] = resp.headers.get("location", "")
                # a second approver answers the same question a moment later: told who decided
                other = auth(user="approver-b")
                late = client.post(
                    f"{ROUND}/approve",
                    headers=other,
                    data={
                        "csrf": csrf(client, other),
                        "run_id": found[0][0],
                        "decision": "Reject",
                        "comment": "ยังไม่ครบ",
                    },
                    follow_redirects=False,
                )
                result["late"] = late.headers.get("location", "")
                result["late_page"] = client.get(result["late"], headers=other).text
                return
            time.sleep(0.5)

    thread = threading.Thread(target=approve_when_parked, daemon=True)
    thread.start()
    run = dag.test(run_conf={"fiscal_year": 2565, "round": 12})
    thread.join(5)
    from ita_monitor.views.pdf_files import pdf_pages

    report = data_root / "mae-u-kho" / "2565" / "round-12" / "report" / "ita-2565-round-12-report.pdf"
    pages = pdf_pages(report.read_bytes())  # the 12-month report ends with the year's completion chart
    assert 'id="approval-form"' in result["page"] and f"{thai_digits(pages)} หน้า" in result["page"]
    assert "m=approved" in result["location"], result["location"]
    assert run.state == "success"
    status = json.loads((data_root / "mae-u-kho" / "2565" / "round-12" / "status.json").read_text())
    assert status["state"] == "published" and status["approval"]["by"] == "admin"
    assert "m=already_approved" in result["late"], result["late"]
    assert "already approved by admin at " in result["late_page"]
    assert "อนุมัติโดย admin เมื่อ" in result["late_page"]
    # nothing of the late answer is recorded: one approval, by admin, in Airflow and on the page
    assert [(a["what"], a["by"]) for a in status["actions"]] == [("approved", "admin")]
    assert "ยังไม่ครบ" not in json.dumps(status, ensure_ascii=False)
    hitl = client.get(
        f"/api/v2/dags/{DAG_ID}/dagRuns/{quote(run.run_id, safe='')}/taskInstances/{APPROVAL_TASK}/-1/hitlDetails",
        headers=auth(),
    ).json()
    assert hitl["chosen_options"] == ["Approve"] and hitl["responded_by_user"]["name"] == "admin"
    page = client.get(ROUND, headers=auth()).text
    assert '<tr class="action" data-what="approved">' in page and '<td class="by">admin</td>' in page
    assert 'id="approval-record"' in page and "/ita/site/mae-u-kho/2565/ita-2565-round-12-report.pdf" in page
    links = client.get(
        f"/api/v2/dags/{DAG_ID}/dagRuns/{quote(run.run_id, safe='')}/taskInstances/{PUBLISH_TASK}/links",
        headers=auth(),
    ).json()["extra_links"]
    published = client.get(links["Published page"], headers=auth(), follow_redirects=False)
    assert published.status_code == 303
    pdf = client.get(published.headers["location"], headers=auth())
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_reject_needs_a_reason_and_only_approve_or_reject_is_accepted(client, data_root):
    headers = auth()
    token = csrf(client, headers)
    form = {"csrf": token, "run_id": "manual__x", "decision": "Reject", "comment": "  "}
    resp = client.post(f"{ROUND}/approve", headers=headers, data=form, follow_redirects=False)
    assert resp.status_code == 303 and "m=reason_needed" in resp.headers["location"]
    form.update(decision="Maybe")
    assert client.post(f"{ROUND}/approve", headers=headers, data=form).status_code == 400
    form.update(decision="Approve")  # nothing is asked for that run: said so, nothing is sent
    resp = client.post(f"{ROUND}/approve", headers=headers, data=form, follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"].endswith("m=not_asked&n=404")
    assert "nothing is waiting for approval now" in client.get(resp.headers["location"], headers=headers).text


def test_the_page_is_rendered_from_the_templates_dir_setting(client, data_root, tmp_path, monkeypatch):
    """``[ita] templates_dir`` is the one place the documents' and the page's templates come from
    (docker-compose.yaml sets it to the mounted include/templates)."""
    from ita_monitor.documents.render import DEFAULT_TEMPLATES

    own = tmp_path / "templates"
    shutil.copytree(DEFAULT_TEMPLATES, own, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    base = own / "ui" / "base.html.j2"
    base.write_text(base.read_text(encoding="utf-8").replace("· ita-monitor</title>", "· ของจังหวัด</title>"))
    assert "· ของจังหวัด</title>" not in client.get("/ita/", headers=auth()).text
    monkeypatch.setenv("AIRFLOW__ITA__TEMPLATES_DIR", str(own))
    assert "· ของจังหวัด</title>" in client.get("/ita/", headers=auth()).text


def test_round_page_shows_the_self_check_and_refuses_to_approve_a_failed_one(client, data_root):
    from ita_monitor.documents.render import Renderer
    from ita_monitor.flow.pipeline import RoundJob, check_round, collect, render_report
    from ita_monitor.model.config import AgenciesDir
    from ita_monitor.model.rounds import Round
    from ita_monitor.model.storage import DataRoot

    inbox = drop_samples(data_root)
    job = RoundJob.load(
        AgenciesDir(ROOT / "include" / "agencies"), "mae-u-kho", Round(2565, 12), DataRoot(data_root)
    )
    collect(job)
    check_round(job)
    render_report(job, Renderer())
    html = client.get(ROUND, headers=auth()).text
    assert 'id="selfcheck" data-ok="true"' in html and "ตัวอักษรตรงครบ" in html

    path = inbox / "pr" / "pr-round12.json"  # a unit sends a link typed with Thai digits
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["rows"][0]["หมายเหตุ"] = "หลักฐาน https://www.maeukho.go.th/๒๕๖๕/pr.pdf"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    collect(job)
    render_report(job, Renderer())
    html = client.get(ROUND, headers=auth()).text
    assert 'id="selfcheck" data-ok="false"' in html
    findings = re.search(r'<ul class="reasons" id="selfcheck-findings">(.*?)</ul>', html, re.S).group(1)
    assert "report: หน้า" in findings and "https://www.maeukho.go.th/๒๕๖๕/pr.pdf" in findings
    headers = auth()
    resp = client.post(
        f"{ROUND}/approve",
        data={"run_id": "manual__x", "decision": "Approve", "csrf": csrf(client, headers)},
        headers=headers,
        follow_redirects=True,
    )
    assert "ไม่ผ่านการตรวจก่อนอนุมัติ" in resp.text and 'id="error"' in resp.text


def test_overview_lists_quarantined_mail_escaped(client, data_root):
    """Mail that matched no unit (mail-in) is listed for the admin, never read into a round."""
    from email.message import EmailMessage

    from ita_monitor.intake.mailin import process_message
    from ita_monitor.model.config import AgenciesDir
    from ita_monitor.model.rounds import Round
    from ita_monitor.model.storage import DataRoot
    from tests.conftest import AGENCIES

    agencies = AgenciesDir(AGENCIES)
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Message-ID"] = "stranger@elsewhere.example", "ita@x.example", "<q1@x>"
    msg["Subject"] = "ผลงาน <script>alert(1)</script>"
    msg.set_content("แนบ")
    msg.add_attachment(b"a,b\n", maintype="text", subtype="csv", filename="งาน.csv")
    out = process_message(
        DataRoot(data_root), agencies, agencies.agency("mae-u-kho"), msg.as_bytes(), Round(2565, 12)
    )
    assert out.state == "quarantined"
    html = client.get("/ita/", headers=auth()).text
    row = re.search(r'<tr data-quarantined="mae-u-kho">(.*?)</tr>', html, re.S).group(1)
    assert "stranger@elsewhere.example" in row and "งาน.csv" in row and "unknown sender" in row
    assert "ผลงาน &lt;script&gt;alert(1)&lt;/script&gt;" in row and "<script>alert" not in html
    assert f"mae-u-kho/mail/quarantine/{out.sha256}.eml" in row
    assert not (data_root / "mae-u-kho" / "2565" / "round-12" / "received").exists()


def test_the_round_page_lists_files_received_late_for_the_admin_to_rerun(client, data_root):
    """A unit's mail that comes after the due date is taken (kept as a version) and listed on the round."""
    from email.message import EmailMessage

    from ita_monitor.intake.mailin import process_message
    from ita_monitor.model.config import AgenciesDir
    from ita_monitor.model.rounds import Round
    from ita_monitor.model.storage import DataRoot
    from tests.conftest import AGENCIES

    agencies = AgenciesDir(AGENCIES)
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Message-ID"] = "palad@maeukho.example", "ita@x.example", "<late@x>"
    msg["Subject"] = "ส่งผลรอบ 12"
    msg.set_content("แนบ")
    csv = "รหัสมาตรการ,รายละเอียดการดำเนินงาน\nM1,ทำแล้ว\n"
    msg.add_attachment(csv.encode(), maintype="text", subtype="csv", filename="<b>ช้า</b>.csv")
    out = process_message(
        DataRoot(data_root), agencies, agencies.agency("mae-u-kho"), msg.as_bytes(), Round(2565, 12)
    )
    assert out.files[0].late  # 2565's round 12 was due on 15 October 2022
    html = client.get(ROUND, headers=auth()).text
    row = re.search(r'<tr data-late="palad">(.*?)</tr>', html, re.S).group(1)
    assert "&lt;b&gt;ช้า&lt;_b&gt;.csv" in row and "palad@maeukho.example" in row  # its safe name, escaped
    assert "รันรอบนี้ใหม่เพื่อนำเข้ารายงาน" in html
