"""The ITA page in a real Chromium against a real Airflow (api-server, scheduler, dag-processor and
triggerer on 127.0.0.1:8093, started by the tests' one harness, ``scheduler_cluster.SchedulerCluster``).

One story, in order: log in on Airflow's login page, open the ITA page from Airflow's navigation,
open the round (กองคลัง's file is missing), upload it on the page, run the round, see the run's tab,
approve the pending publish on the page (>= 8 s after it parked, see airflow-3.md), see it published.
A screenshot of every page is saved under var/artifacts/browser/.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest

from ita_monitor.model.names import APPROVAL_TASK, PUBLISH_TASK, REPORT_TASK
from tests.airflow.scheduler_cluster import SchedulerCluster
from tests.conftest import AGENCIES, ROOT, SAMPLES, drop_samples, skip_or_fail

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]
PORT = 8093
BASE = f"http://127.0.0.1:{PORT}"
DAG_ID = "ita_round__mae-u-kho"
PASSWORD = "ita-browser-test-pass"
SHOTS = ROOT / "var" / "artifacts" / "browser"
WAIT_AFTER_PARKING = 8.0


def _free(port: int) -> bool:
    import socket

    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


@pytest.fixture(scope="module")
def airflow_server(tmp_path_factory):
    for tool in ("/usr/bin/chromium", "/usr/bin/chromedriver"):
        if not Path(tool).exists():
            skip_or_fail(f"{tool} is not installed (Debian chromium, chromium-driver)")
    if not _free(PORT):
        skip_or_fail(f"port {PORT} is already in use")
    work = tmp_path_factory.mktemp("airflow-ui")
    data = work / "data"
    drop_samples(data, units={"palad", "pr"})  # กองคลัง's file comes through the page
    cluster = SchedulerCluster(
        work,
        AGENCIES,
        data,
        PORT,
        password=PASSWORD,
        env={
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
            "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",  # only the runs this test triggers
            "AIRFLOW__API_AUTH__JWT_SECRET": "ita-browser-tests-" + "y" * 64,
        },
    )
    try:
        cluster.start()
        yield {"data": data, "env": cluster.env, "cluster": cluster}
    finally:
        cluster.stop()


def api(method: str, path: str, token: str, body: dict | None = None) -> dict:
    req = urllib.request.Request(
        f"{BASE}{path}",
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read() or b"{}")


def api_token() -> str:
    req = urllib.request.Request(
        f"{BASE}/auth/token",
        data=json.dumps({"username": "admin", "password": PASSWORD}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=30) as resp:
        return json.loads(resp.read())["access_token"]


def wait_for(what: str, check, timeout: float = 300.0, every: float = 1.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def browser(airflow_server):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    profile = tempfile.mkdtemp(prefix="ita-chromium-")
    for arg in [
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--window-size=1400,1000",
        "--lang=th-TH",
    ]:
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def shot(driver, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SHOTS / f"{name}.png"))


def test_the_admin_works_a_round_in_the_browser(airflow_server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    d = browser
    wait = WebDriverWait(d, 60)
    data = airflow_server["data"]

    # 1. first contact: the ITA page without a login sends the browser to Airflow's own login page,
    #    and back to the ITA page after it
    d.get(f"{BASE}/ita/")
    wait.until(ec.presence_of_element_located((By.NAME, "username"))).send_keys("admin")
    assert "/auth/login" in d.current_url, d.current_url
    shot(d, "01a-airflow-login-from-the-ita-page")
    d.find_element(By.NAME, "password").send_keys(PASSWORD)
    d.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait.until(lambda drv: any(c["name"] == "_token" for c in drv.get_cookies()))
    wait.until(ec.presence_of_element_located((By.ID, "overview")))
    assert d.current_url == f"{BASE}/ita/", d.current_url
    d.get(f"{BASE}/")
    time.sleep(1)
    shot(d, "01-airflow-home")

    # 2. the ITA page, embedded in Airflow's UI from the navigation (Browse menu)
    wait.until(ec.element_to_be_clickable((By.XPATH, "//*[normalize-space(text())='Browse']"))).click()
    item = wait.until(ec.element_to_be_clickable((By.XPATH, "//*[contains(text(), 'ITA รอบติดตาม')]")))
    shot(d, "02a-browse-menu")
    item.click()
    wait.until(ec.url_contains("/plugin/ita"))
    frame = wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "iframe")))
    assert frame.get_attribute("src").endswith("/ita/")
    time.sleep(2)
    shot(d, "02-ita-page-in-airflow")
    d.switch_to.frame(frame)
    wait.until(ec.presence_of_element_located((By.ID, "overview")))
    assert "องค์การบริหารส่วนตำบลแม่อูคอ" in d.page_source
    d.switch_to.default_content()

    # 3. the round: กองคลัง (finance) has not sent M4 yet
    d.get(f"{BASE}/ita/a/mae-u-kho/2565/round-12")
    wait.until(ec.presence_of_element_located((By.ID, "matrix")))
    assert (
        d.find_element(By.CSS_SELECTOR, 'td[data-unit="finance"][data-measure="M4"]').get_attribute(
            "data-kind"
        )
        == "missing"
    )
    shot(d, "03-round-missing-finance")

    # 4. upload finance's file on the page; the intake runs and the page shows it received
    d.find_element(By.CSS_SELECTOR, '#upload-unit option[value="finance"]').click()
    sample = SAMPLES / "mae-u-kho" / "2565" / "round-12" / "finance" / "kong-klang-round12.csv"
    d.find_element(By.ID, "upload-file").send_keys(str(sample))
    d.find_element(By.ID, "upload-button").click()
    wait.until(ec.presence_of_element_located((By.ID, "message")))
    assert (
        d.find_element(By.CSS_SELECTOR, 'td[data-unit="finance"][data-measure="M4"]').get_attribute(
            "data-kind"
        )
        == "received"
    )
    shot(d, "04-round-after-upload")
    assert (
        data / "mae-u-kho" / "2565" / "round-12" / "inbox" / "finance" / "kong-klang-round12.csv"
    ).exists()

    # 5. run the round (as the admin would with Trigger) and wait until it asks for approval
    token = api_token()
    wait_for("the DAG to be parsed", lambda: _dag_exists(token), timeout=180)
    run = api(
        "POST",
        f"/api/v2/dags/{DAG_ID}/dagRuns",
        token,
        {"logical_date": None, "conf": {"fiscal_year": 2565, "round": 12}},
    )
    run_id = run["dag_run_id"]
    pending = wait_for("the approval to be asked for", lambda: _pending(token, run_id), timeout=600, every=2)

    # 6. the run's tab in Airflow's UI shows the round
    d.get(f"{BASE}/dags/{DAG_ID}/runs/{quote(run_id, safe='')}/plugin/ita_round")
    frame = wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, "iframe")))
    d.switch_to.frame(frame)
    wait.until(ec.presence_of_element_located((By.ID, "approval-form")))
    d.switch_to.default_content()
    time.sleep(1)
    shot(d, "05-run-tab-awaiting-approval")

    # Airflow's own Required actions page shows the same summary (the approval task's body)
    d.get(f"{BASE}/dags/{DAG_ID}/runs/{quote(run_id, safe='')}/tasks/{APPROVAL_TASK}/required_actions")
    wait.until(ec.presence_of_element_located((By.XPATH, "//*[contains(text(), 'ความครบถ้วน')]")))
    time.sleep(1)
    shot(d, "05b-airflow-required-action")

    # 7. approve on the ITA page, at least 8 s after the task parked
    time.sleep(max(0.0, WAIT_AFTER_PARKING - (time.time() - pending)))
    d.get(f"{BASE}/ita/a/mae-u-kho/2565/round-12")
    wait.until(ec.presence_of_element_located((By.ID, "approval-form")))
    assert "หน้า" in d.find_element(By.ID, "approval").text  # the PDFs with their pages
    shot(d, "06-approval-on-the-page")
    d.find_element(By.NAME, "comment").send_keys("ตรวจแล้ว ถูกต้อง / checked")
    d.find_element(By.ID, "approve").click()
    wait.until(ec.presence_of_element_located((By.ID, "message")))
    assert "อนุมัติแล้ว" in d.find_element(By.ID, "message").text
    shot(d, "07-approved")

    final = wait_for("the run to end", lambda: _run_done(token, run_id), timeout=300, every=2)
    assert final == "success"
    d.get(f"{BASE}/ita/a/mae-u-kho/2565/round-12")
    state = wait.until(ec.presence_of_element_located((By.ID, "state")))
    assert state.get_attribute("data-state") == "published"
    assert "ตรวจแล้ว ถูกต้อง / checked" in d.find_element(By.ID, "approval-record").text
    shot(d, "08-round-published")
    published = d.find_element(By.CSS_SELECTOR, "#documents a[href*='/ita/site/']").get_attribute("href")
    assert published.endswith(".pdf")
    d.get(f"{BASE}/ita/")
    wait.until(ec.presence_of_element_located((By.ID, "overview")))
    shot(d, "09-overview-published")

    # 7b. finance's file was the wrong one: withdraw it with a reason on the round page, then undo that
    d.get(f"{BASE}/ita/a/mae-u-kho/2565/round-12")
    row = wait.until(
        ec.presence_of_element_located(
            (By.CSS_SELECTOR, 'tr.version[data-unit="finance"][data-withdrawn="no"]')
        )
    )
    row.find_element(By.CSS_SELECTOR, "input.withdraw-reason").send_keys("ส่งผิดไฟล์ / wrong file")
    row.find_element(By.CSS_SELECTOR, "button.withdraw").click()
    wait.until(ec.staleness_of(row))  # the answer is a new page
    wait.until(ec.presence_of_element_located((By.ID, "message")))
    assert "withdrawn" in d.find_element(By.ID, "message").text
    row = d.find_element(By.CSS_SELECTOR, 'tr.version[data-unit="finance"]')
    assert row.get_attribute("data-withdrawn") == "yes" and "ส่งผิดไฟล์ / wrong file" in row.text
    assert d.find_element(By.ID, "state").get_attribute("data-state") == "changed_after_publication"
    cell = d.find_element(By.CSS_SELECTOR, 'td[data-unit="finance"][data-measure="M4"]')
    assert cell.get_attribute("data-kind") == "missing"  # it no longer counts
    shot(d, "09b-version-withdrawn")
    row.find_element(By.CSS_SELECTOR, "button.undo-withdraw").click()
    wait.until(ec.staleness_of(row))  # not the withdrawal's page, whose message is still there
    wait.until(ec.presence_of_element_located((By.ID, "message")))
    assert "undone" in d.find_element(By.ID, "message").text
    row = d.find_element(By.CSS_SELECTOR, 'tr.version[data-unit="finance"]')
    assert row.get_attribute("data-withdrawn") == "no"
    cell = d.find_element(By.CSS_SELECTOR, 'td[data-unit="finance"][data-measure="M4"]')
    assert cell.get_attribute("data-kind") == "received"
    manifest = json.loads(
        (data / "mae-u-kho" / "2565" / "round-12" / "received" / "manifest.json").read_text()
    )
    assert [w["action"] for w in manifest["withdrawals"]] == ["withdraw", "undo"]
    shot(d, "09c-withdrawal-undone")

    # 8. the operator links on the round's task: "Report PDF" opens the PDF, "Published page" the page
    d.get(f"{BASE}/dags/{DAG_ID}/runs/{quote(run_id, safe='')}/tasks/{REPORT_TASK}/details")
    link = wait.until(ec.presence_of_element_located((By.XPATH, "//a[contains(., 'Report PDF')]")))
    time.sleep(1)
    shot(d, "10-render-task-report-pdf-link")
    assert link.get_attribute("href") == f"{BASE}/ita/run/{DAG_ID}/{quote(run_id, safe='')}/report"
    d.get(link.get_attribute("href"))
    assert d.current_url.endswith("/report/ita-2565-round-12-report.pdf")
    d.get(f"{BASE}/dags/{DAG_ID}/runs/{quote(run_id, safe='')}/tasks/{PUBLISH_TASK}/details")
    link = wait.until(ec.presence_of_element_located((By.XPATH, "//a[contains(., 'Published page')]")))
    d.get(link.get_attribute("href"))
    assert d.current_url == f"{BASE}/ita/site/mae-u-kho/2565/ita-2565-round-12-report.pdf"


def test_a_unit_submits_by_its_own_link(airflow_server, browser):
    """The unit's link as the admin makes it (README: ita-monitor link), opened without any login."""
    from datetime import date, timedelta

    from selenium.webdriver.support.ui import WebDriverWait

    d = browser
    d.delete_all_cookies()  # no Airflow login: the link is the only key
    wait = WebDriverWait(d, 60)
    data, env = airflow_server["data"], airflow_server["env"]
    until = (date.today() + timedelta(days=30)).isoformat()

    def link(*extra: str) -> str:
        args = ["--agency", "mae-u-kho", "--fiscal-year", "2565", "--round", "6", "--unit", "finance"]
        made = subprocess.run(
            [str(ROOT / ".venv" / "bin" / "ita-monitor"), "link", *args, "--data-root", str(data), *extra],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        return made.stdout.strip().splitlines()[-1]

    round_dir = data / "mae-u-kho" / "2565" / "round-06"
    try:
        _unit_story(d, wait, data, link, link("--until", until))
    finally:  # round 6 is the year view's (a test below): leave it as this test found it
        shutil.rmtree(round_dir, ignore_errors=True)


def _unit_story(d, wait, data, link, url: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    assert url.startswith(f"{BASE}/ita/u/")

    # 1. the unit's page: only its own measure, no login
    d.get(url)
    wait.until(ec.presence_of_element_located((By.ID, "measures")))
    assert "กองคลัง" in d.find_element(By.ID, "unit-name").text
    assert d.find_element(By.CSS_SELECTOR, 'tr[data-measure="M4"] td[data-kind]').get_attribute(
        "data-kind"
    ) == ("missing")
    assert not d.find_elements(By.CSS_SELECTOR, 'tr[data-measure="M1"]')
    assert "สำนักปลัด" not in d.page_source and "งานประชาสัมพันธ์" not in d.page_source
    shot(d, "20-unit-link-page")

    # 2. upload its file: the outcome of this file at once, through the round's intake
    sample = SAMPLES / "mae-u-kho" / "2565" / "round-12" / "finance" / "kong-klang-round12.csv"
    d.find_element(By.ID, "unit-file").send_keys(str(sample))
    d.find_element(By.ID, "unit-upload").click()
    outcome = wait.until(ec.presence_of_element_located((By.ID, "outcome")))
    assert outcome.get_attribute("data-accepted") == "yes", d.page_source[-3000:]
    assert "ใช้ได้ ๑ แถว" in outcome.text
    assert d.find_element(By.CSS_SELECTOR, 'tr[data-measure="M4"] td[data-kind]').get_attribute(
        "data-kind"
    ) == ("received")
    shot(d, "21-unit-link-accepted")
    inbox = data / "mae-u-kho" / "2565" / "round-06" / "inbox"
    assert sorted(p.name for p in (inbox / "finance").iterdir()) == ["kong-klang-round12.csv"]

    # 3. another unit's file through this link: rejected with the reason, stored only as finance's
    d.find_element(By.ID, "unit-file").send_keys(
        str(SAMPLES / "mae-u-kho" / "2565" / "round-12" / "pr" / "pr-round12.json")
    )
    d.find_element(By.ID, "unit-upload").click()
    wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, '#outcome[data-accepted="no"]')))
    assert "แบบฟอร์มนี้เป็นของหน่วยงาน pr" in d.find_element(By.ID, "problems").text
    shot(d, "22-unit-link-rejected")
    assert sorted(p.name for p in inbox.iterdir()) == ["finance"]

    # 4. an altered link and an expired one are refused; the admin's pages stay behind the login
    token = url.rsplit("/", 1)[1]
    altered = token[:-3] + ("abc" if not token.endswith("abc") else "xyz")
    d.get(f"{BASE}/ita/u/{altered}")
    refused = wait.until(ec.presence_of_element_located((By.ID, "refused")))
    assert refused.get_attribute("data-code") == "invalid" and not d.find_elements(By.ID, "unit-file")
    shot(d, "23-unit-link-altered")
    d.get(link())  # without --until: expires at round 6's due date, long past
    assert (
        wait.until(ec.presence_of_element_located((By.ID, "refused"))).get_attribute("data-code") == "expired"
    )
    shot(d, "24-unit-link-expired")
    d.get(f"{BASE}/ita/a/mae-u-kho/2565/round-06")
    wait.until(lambda drv: "/auth/login" in drv.current_url)  # Airflow's login, then back
    assert "next=" in d.current_url and "round-06" in d.current_url, d.current_url


def _dag_exists(token: str) -> bool:
    try:
        api("GET", f"/api/v2/dags/{DAG_ID}", token)
        return True
    except urllib.error.HTTPError:
        return False


def _pending(token: str, run_id: str) -> float | None:
    """Epoch seconds when the run's approval parked, once it has."""
    from datetime import datetime

    found = api(
        "GET",
        f"/api/v2/dags/{DAG_ID}/dagRuns/{quote(run_id, safe='')}/hitlDetails?response_received=false",
        token,
    )
    for item in found.get("hitl_details", []):
        ti = item.get("task_instance", {})
        if ti.get("task_id") == APPROVAL_TASK and ti.get("state") == "awaiting_input":
            return datetime.fromisoformat(item["created_at"].replace("Z", "+00:00")).timestamp()
    state = api("GET", f"/api/v2/dags/{DAG_ID}/dagRuns/{quote(run_id, safe='')}", token)["state"]
    assert state != "failed", "the round failed before asking for approval"
    return None


def _run_done(token: str, run_id: str) -> str | None:
    state = api("GET", f"/api/v2/dags/{DAG_ID}/dagRuns/{quote(run_id, safe='')}", token)["state"]
    return state if state in ("success", "failed") else None


def _log_in(d, wait) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    d.get(f"{BASE}/ita/")
    if any(c["name"] == "_token" for c in d.get_cookies()):
        return
    d.get(f"{BASE}/auth/login")
    wait.until(ec.presence_of_element_located((By.NAME, "username"))).send_keys("admin")
    d.find_element(By.NAME, "password").send_keys(PASSWORD)
    d.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait.until(lambda drv: any(c["name"] == "_token" for c in drv.get_cookies()))


def test_the_year_and_the_agencies_in_the_browser(airflow_server, browser):
    """The agency's year (round 6 run with a late unit beside round 12) and the many-agency overview,
    opened from the rounds overview, filtered on the page; screenshots kept."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    from ita_monitor.model.config import AgenciesDir
    from ita_monitor.model.rounds import Round
    from ita_monitor.model.storage import DataRoot
    from ita_monitor.views.yearview import year_view
    from tests.views_data import SAMPLE_YEAR, run_round

    d = browser
    wait = WebDriverWait(d, 60)
    data = airflow_server["data"]
    agencies = AgenciesDir(AGENCIES)
    run_round(agencies, data, "mae-u-kho", Round(2565, 6), SAMPLE_YEAR[6])  # pr sends 4 days late
    _log_in(d, wait)

    # the year, from the fiscal year on the rounds overview
    d.get(f"{BASE}/ita/")
    wait.until(ec.element_to_be_clickable((By.CSS_SELECTOR, 'a[data-year="2565"]'))).click()
    percent = wait.until(ec.presence_of_element_located((By.ID, "year-percent")))
    view = year_view(agencies.agency("mae-u-kho"), agencies.plan("mae-u-kho", 2565), 2565, DataRoot(data))
    assert percent.text == f"{view.tally.percent:.1f}%"
    r6 = d.find_element(By.CSS_SELECTOR, '#rounds tr[data-round="6"] td.pct').text
    assert r6 == f"{next(r for r in view.rounds if r.months == 6).tally.percent:.1f}"
    pr6 = d.find_element(By.CSS_SELECTOR, '#items td[data-round="6"][data-unit="pr"][data-measure="M2"]')
    assert pr6.find_element(By.CSS_SELECTOR, "[data-kind]").get_attribute("data-kind") == "late"
    assert "ส่งช้า ๔ วัน" in pr6.text and "๑๙ เมษายน ๒๕๖๕ ๑๔:๓๐" in pr6.text
    bars = d.find_elements(By.CSS_SELECTOR, ".ita-completion svg rect")
    assert bars and all(b.size["height"] > 0 for b in bars[:3])  # the SVG chart is drawn
    d.set_window_size(1400, 2600)
    shot(d, "11-year-page")
    d.find_element(By.ID, "scores").location_once_scrolled_into_view  # noqa: B018
    marks = [e.text for e in d.find_elements(By.CSS_SELECTOR, "#score-table tr.repeat td:first-child")]
    assert [m.split(" ", 1)[0] for m in marks] == ["๗", "๘", "๑๐"]
    shot(d, "12-year-scores")
    href = d.find_element(By.ID, "export-year").get_attribute("href")
    assert href == f"{BASE}/ita/y/mae-u-kho/2565/export.xlsx"

    # many agencies, filtered on the page
    d.set_window_size(1400, 1000)
    d.get(f"{BASE}/ita/")
    wait.until(ec.element_to_be_clickable((By.ID, "agencies-link"))).click()
    wait.until(ec.presence_of_element_located((By.ID, "agencies")))
    assert len(d.find_elements(By.CSS_SELECTOR, "#agencies tr[data-agency]")) == 5
    shot(d, "13-agencies")
    d.find_element(By.CSS_SELECTOR, '#filters select[name="round"] option[value="6"]').click()
    d.find_element(By.CSS_SELECTOR, "#filters button[type=submit]").click()
    wait.until(ec.url_contains("round=6"))
    rows = d.find_elements(By.CSS_SELECTOR, "#agencies tr[data-agency]")
    assert [r.get_attribute("data-round") for r in rows] == ["6"]
    assert rows[0].find_element(By.CSS_SELECTOR, "td.pct").text == r6
    assert "round=6" in d.find_element(By.ID, "export-overview").get_attribute("href")
    shot(d, "14-agencies-round-6")
