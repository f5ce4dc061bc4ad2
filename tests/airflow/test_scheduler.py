"""Every documented rerun, against a real scheduler, dag-processor, triggerer and api-server.

The second agency (tests/fixtures/agencies/nong-bua-thong: a เทศบาล, rounds 3/6/9/12, M4 reported by
กองคลัง kk and กองช่าง kc) runs each round of FY 2568 the way the README describes: the round fails on
the one missing submission (กองช่าง, M4); the file is put in the inbox; the round is rerun one
documented way per round, and each ends published after the approval is answered over REST:

A round's run is one task (``run_round``): clearing it is the whole rerun, whichever way:

- round 3: *Clear* on the failed task with *Downstream*: the REST call the UI makes
- round 6: *Clear* on the failed task alone (no downstream): the same call
- round 9: the README's ``ita-monitor rerun`` line, run as a command
- round 12: the ITA page's rerun button, pressed twice at once; then a corrected file is uploaded
  after publication (the round stays published, "changed after publication") and the page's rerun
  republishes it

Before that, unpausing the DAG starts the latest due round, a round of a fiscal year without a plan:
it is skipped, saying which plan file to add, and its id and note say which round it is.

At the end, with a second agency (the sample, mae-u-kho) on the same scheduler: rounds of one agency
run side by side (one waits for submissions, deferred, while a rerun of another runs at once), a second
run of the same round stops at once naming the first, and an admin's rerun of one agency's round
leaves the other agency's run (awaiting approval) untouched.
"""

from __future__ import annotations

import json
import re
import threading
from datetime import UTC, datetime

import pytest

from ita_monitor.model.names import ROUND_TASK
from tests.airflow.scheduler_cluster import SchedulerCluster, _NoRedirect
from tests.conftest import skip_or_fail
from tests.fixtures import second_agency as fx

pytestmark = [pytest.mark.scheduler, pytest.mark.timeout(900)]
DAG_ID = f"ita_round__{fx.SLUG}"
PORT = 8095


def _free(port: int) -> bool:
    import socket

    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


@pytest.fixture(scope="module")
def airflow(tmp_path_factory):
    if not _free(PORT):
        skip_or_fail(f"port {PORT} is already in use")
    work = tmp_path_factory.mktemp("scheduler")
    agencies = fx.copy_agencies(work / "agencies")
    add_the_sample_agency(agencies)
    data = work / "data"
    data.mkdir()
    cluster = SchedulerCluster(work, agencies, data, PORT)
    try:
        cluster.start()
        cluster.wait_for_dag(DAG_ID)
        yield cluster
    finally:
        cluster.stop()


def add_the_sample_agency(agencies) -> None:
    import shutil

    from tests.conftest import AGENCIES

    shutil.copytree(AGENCIES / "mae-u-kho", agencies / "mae-u-kho")
    shutil.copy(AGENCIES / "catalogue" / "oit-2565.yaml", agencies / "catalogue")


def _status(data, months: int, fiscal_year: int = fx.FISCAL_YEAR) -> dict:
    path = data / fx.SLUG / str(fiscal_year) / f"round-{months:02d}" / "status.json"
    return json.loads(path.read_text(encoding="utf-8"))


def _round_end_utc(months: int) -> str:
    from ita_monitor.model.rounds import Round

    return Round(fx.FISCAL_YEAR, months).end_at().astimezone(UTC).isoformat()


def fail_on_the_gap(airflow, months: int) -> str:
    """Every unit but กองช่าง submits; the round is triggered and fails listing (kc, M4)."""
    airflow.api("PATCH", f"/api/v2/dags/{DAG_ID}", {"is_paused": False})  # as the first test does
    for unit in fx.due(months):
        if unit != "kc":
            fx.drop(airflow.data, unit, months)
    run = airflow.api(
        "POST",
        f"/api/v2/dags/{DAG_ID}/dagRuns",
        {
            "logical_date": _round_end_utc(months),
            "conf": {"fiscal_year": fx.FISCAL_YEAR, "round": months},
        },
    )
    run_id = run["dag_run_id"]
    assert airflow.wait_until_done(DAG_ID, run_id) == "failed"
    states = airflow.task_states(DAG_ID, run_id)
    assert states == {ROUND_TASK: "failed"}, states
    status = _status(airflow.data, months)
    assert status["state"] == "incomplete"
    assert [(g["unit"], g["measure_code"]) for g in status["completeness"]["gaps"]] == [("kc", "M4")]
    fx.drop(airflow.data, "kc", months)  # the missing file arrives after the failure
    return run_id


def ends_published(airflow, run_id: str, months: int) -> None:
    assert airflow.approve_until_done(DAG_ID, run_id) == "success", airflow.task_states(DAG_ID, run_id)
    states = airflow.task_states(DAG_ID, run_id)
    assert states == {ROUND_TASK: "success"}, states
    status = _status(airflow.data, months)
    assert status["state"] == "published" and status["completeness"]["complete"]
    site = airflow.data / "site" / fx.SLUG / str(fx.FISCAL_YEAR)
    assert (site / f"ita-{fx.FISCAL_YEAR}-round-{months:02d}-report.pdf").exists()
    run = airflow.api("GET", airflow.run_path(DAG_ID, run_id))
    assert run["note"].startswith(f"FY{fx.FISCAL_YEAR} round {months} ·"), run["note"]


def ui_clear(airflow, run_id: str, downstream: bool) -> dict:
    """The body Airflow's UI sends when *Clear* is pressed on one task instance."""
    return airflow.api(
        "POST",
        f"/api/v2/dags/{DAG_ID}/clearTaskInstances",
        {
            "dag_run_id": run_id,
            "dry_run": False,
            "include_downstream": downstream,
            "include_future": False,
            "include_past": False,
            "include_upstream": False,
            "only_failed": False,
            "run_on_latest_version": False,
            "task_ids": [ROUND_TASK],
        },
    )


def test_unpausing_starts_no_run_that_fails_for_want_of_a_plan(airflow):
    from ita_monitor.model.rounds import latest_round_before

    airflow.api("PATCH", f"/api/v2/dags/{DAG_ID}", {"is_paused": False})
    rnd = latest_round_before(datetime.now(UTC), (3, 6, 9, 12))  # a round of FY 2569 or later: no plan
    assert rnd.fiscal_year > fx.FISCAL_YEAR

    def scheduled():
        runs = airflow.api("GET", f"/api/v2/dags/{DAG_ID}/dagRuns?run_type=scheduled")["dag_runs"]
        return runs[0] if runs else None

    run = airflow.wait_for("the scheduled run", scheduled, 120)
    run_id = run["dag_run_id"]
    assert run_id.startswith(f"scheduled__FY{rnd.fiscal_year}-round-{rnd.months:02d}_"), run_id
    assert re.fullmatch(r"[A-Za-z0-9_.-]+", run_id)
    assert airflow.wait_until_done(DAG_ID, run_id) == "success"
    states = airflow.task_states(DAG_ID, run_id)
    assert set(states.values()) == {"skipped"}, states
    log = airflow.task_log(DAG_ID, run_id, ROUND_TASK)
    assert f"plans/{rnd.fiscal_year}.yaml" in log, log[-2000:]
    note = airflow.api("GET", airflow.run_path(DAG_ID, run_id))["note"]
    assert note.startswith(f"FY{rnd.fiscal_year} round {rnd.months} ·"), note
    listed = airflow.airflow("dags", "list-runs", DAG_ID).stdout
    assert f"scheduled__FY{rnd.fiscal_year}-round-{rnd.months:02d}" in listed
    # a round before the agency's first monitored year (its first plan, 2568) on the ITA page
    status, html = airflow.request("GET", f"/ita/a/{fx.SLUG}/2567/round-09")
    assert status == 200 and 'data-state="not_monitored"' in html, html[-2000:]
    assert "first monitored year 2568" in html  # the page escapes the apostrophe


def test_rerun_by_clear_with_downstream_reads_the_new_file(airflow):
    run_id = fail_on_the_gap(airflow, 3)
    cleared = ui_clear(airflow, run_id, downstream=True)
    assert [ti["task_id"] for ti in cleared["task_instances"]] == [ROUND_TASK]
    ends_published(airflow, run_id, 3)


def test_rerun_by_clear_of_the_failed_task_alone_goes_on_to_publish(airflow):
    run_id = fail_on_the_gap(airflow, 6)
    cleared = ui_clear(airflow, run_id, downstream=False)
    assert [ti["task_id"] for ti in cleared["task_instances"]] == [ROUND_TASK]
    ends_published(airflow, run_id, 6)


def test_rerun_by_the_readme_command_line(airflow):
    """The README's ``ita-monitor rerun`` (without --wait) on a run triggered with a logical date."""
    run_id = fail_on_the_gap(airflow, 9)
    done = airflow.command(
        "ita-monitor", "rerun", "--agency", fx.SLUG, "--fiscal-year", str(fx.FISCAL_YEAR), "--round", "9"
    )
    assert run_id in done.stdout and f"cleared from {ROUND_TASK}" in done.stdout, done.stdout
    ends_published(airflow, run_id, 9)
    # the round's page lists it, who and when, as it lists the page's own rerun button
    status = json.loads(
        (airflow.data / fx.SLUG / str(fx.FISCAL_YEAR) / "round-09" / "status.json").read_text()
    )
    reruns = [a for a in status["actions"] if a["what"] == "rerun"]
    assert len(reruns) == 1 and reruns[0]["detail"].startswith(run_id) and reruns[0]["by"], status["actions"]


def test_rerun_on_the_ita_page_pressed_twice_at_once(airflow):
    run_id = fail_on_the_gap(airflow, 12)
    page = f"/ita/a/{fx.SLUG}/{fx.FISCAL_YEAR}/round-12"
    csrf = airflow.csrf(page)
    answers: list = []

    def press():
        answers.append(airflow.request("POST", f"{page}/rerun", form={"csrf": csrf, "run_id": run_id}))

    presses = [threading.Thread(target=press) for _ in range(2)]
    for t in presses:
        t.start()
    for t in presses:
        t.join()
    assert [status for status, _ in answers] == [303, 303], answers
    locations = sorted(payload["location"] for _, payload in answers)
    codes = sorted(loc.split("?m=", 1)[1].split("&")[0] for loc in locations)
    assert codes == ["already_rerunning", "rerun"], locations  # one rerun, and a plain message
    run = airflow.api("GET", airflow.run_path(DAG_ID, run_id))
    assert run["state"] in ("queued", "running", "success")
    ends_published(airflow, run_id, 12)


def test_a_late_upload_keeps_the_round_published_until_the_rerun_republishes(airflow):
    """After round 12 is published a corrected file is uploaded on the ITA page: the round stays
    published and says "changed after publication: rerun to republish"; the page's rerun republishes."""
    import uuid

    page = f"/ita/a/{fx.SLUG}/{fx.FISCAL_YEAR}/round-12"
    csrf = airflow.csrf(page)
    body = fx.submission("kc", 12).replace("ครบถ้วน".encode(), "ครบถ้วน (ฉบับแก้ไข)".encode())
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in (("csrf", csrf), ("unit", "kc"))
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="kc-r12-corrected.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n".encode()
        + body
        + b"\r\n"
    )
    data = b"".join(parts) + f"--{boundary}--\r\n".encode()
    import urllib.request

    req = urllib.request.Request(
        f"{airflow.base}{page}/upload",
        data=data,
        method="POST",
        headers={
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Authorization": f"Bearer {airflow.token}",
            "Origin": airflow.base,  # as the browser sends it with the page's form
        },
    )
    try:
        urllib.request.build_opener(_NoRedirect).open(req, timeout=60)
    except urllib.error.HTTPError as err:
        assert err.code == 303 and "m=received" in (err.headers.get("Location") or ""), err.headers
    assert _status(airflow.data, 12)["state"] == "changed_after_publication"
    status, html = airflow.request("GET", page)
    assert 'data-state="changed_after_publication"' in html and "rerun to republish" in html
    assert "rerun-button" in html

    run_id = re.search(r'name="run_id" value="([^"]+)"', html).group(1)
    status, answer = airflow.request("POST", f"{page}/rerun", form={"csrf": csrf, "run_id": run_id})
    assert status == 303 and "m=rerun" in answer["location"], answer
    states = airflow.task_states(DAG_ID, run_id)
    assert states[ROUND_TASK] != "success", states
    ends_published(airflow, run_id, 12)
    status = _status(airflow.data, 12)
    assert status["approval"]["sha256"] == status["report"]["sha256"]  # the corrected report was approved
    history = _status(airflow.data, 12)["history"]
    assert [v["version"] for v in history if v["unit"] == "kc"] == [1, 2]


PLAN_DAG = f"ita_plan__{fx.SLUG}"
BAD_LINK = "https://www.nongbuathong.go.th/๒๕๖๘/ประกาศเจตจำนง.pdf"  # Thai digits in a web address


def test_the_plan_dag_skips_a_year_without_a_plan_and_a_failed_self_check_is_mended_as_the_readme_says(
    airflow,
):
    """Unpausing the plan DAG starts the latest 1 October's run, a fiscal year without a plan: skipped,
    naming the file.  A plan whose measures document fails the self-check (a web address typed with Thai
    digits) is never put to the approver; the plan is corrected, then the documented line
    ``ita-monitor rerun --agency <agency> --fiscal-year <FY> --plan`` renders it again and it ends
    published after the approval."""
    plan_file = airflow.agencies / fx.SLUG / "plans" / f"{fx.FISCAL_YEAR}.yaml"
    text = plan_file.read_text(encoding="utf-8")
    step = "นายกเทศมนตรีประกาศเจตจำนงสุจริตต่อสาธารณชนและเผยแพร่บนเว็บไซต์หลักของเทศบาล"
    assert step in text
    plan_file.write_text(text.replace(step, f"{step} {BAD_LINK}"), encoding="utf-8")

    airflow.api("PATCH", f"/api/v2/dags/{PLAN_DAG}", {"is_paused": False})

    def scheduled():
        runs = airflow.api("GET", f"/api/v2/dags/{PLAN_DAG}/dagRuns?run_type=scheduled")["dag_runs"]
        return runs[0] if runs else None

    run = airflow.wait_for("the plan's scheduled run", scheduled, 120)
    assert airflow.wait_until_done(PLAN_DAG, run["dag_run_id"]) == "success"
    assert set(airflow.task_states(PLAN_DAG, run["dag_run_id"]).values()) == {"skipped"}
    assert "plans/" in airflow.task_log(PLAN_DAG, run["dag_run_id"], "validate_plan")

    logical = "2024-09-30T17:00:00+00:00"  # midnight, 1 October 2567 in Bangkok: FY 2568 begins
    run_id = airflow.api(
        "POST",
        f"/api/v2/dags/{PLAN_DAG}/dagRuns",
        {"logical_date": logical, "conf": {"fiscal_year": fx.FISCAL_YEAR}},
    )["dag_run_id"]
    assert airflow.wait_until_done(PLAN_DAG, run_id) == "failed"
    states = airflow.task_states(PLAN_DAG, run_id)
    assert states["render_measures"] == "success" and states["approve_publish"] == "failed", states
    assert states["publish_measures"] == "upstream_failed", states
    assert "ลิงก์ไม่ถูกต้อง" in airflow.task_log(PLAN_DAG, run_id, "approve_publish")
    plan_status = airflow.data / fx.SLUG / str(fx.FISCAL_YEAR) / "plan" / "status.json"
    assert json.loads(plan_status.read_text(encoding="utf-8"))["selfcheck"]["ok"] is False

    plan_file.write_text(text, encoding="utf-8")  # the clerk corrects the plan
    done = airflow.command(
        "ita-monitor", "rerun", "--agency", fx.SLUG, "--fiscal-year", str(fx.FISCAL_YEAR), "--plan"
    )
    assert run_id in done.stdout and "cleared from validate_plan" in done.stdout, done.stdout
    assert airflow.approve_until_done(PLAN_DAG, run_id) == "success", airflow.task_states(PLAN_DAG, run_id)
    status = json.loads(plan_status.read_text(encoding="utf-8"))
    assert status["state"] == "published" and status["selfcheck"]["ok"] is True
    site = airflow.data / "site" / fx.SLUG / str(fx.FISCAL_YEAR)
    assert (site / f"ita-{fx.FISCAL_YEAR}-measures.pdf").exists()


SAMPLE_DAG = "ita_round__mae-u-kho"


def _trigger(airflow, dag_id: str, fiscal_year: int, months: int, logical_date: str | None = None) -> str:
    body = {"logical_date": logical_date, "conf": {"fiscal_year": fiscal_year, "round": months}}
    return airflow.api("POST", f"/api/v2/dags/{dag_id}/dagRuns", body)["dag_run_id"]


def _ti(airflow, dag_id: str, run_id: str) -> dict:
    [ti] = airflow.task_instances(dag_id, run_id)
    return ti


def _kept(ti: dict) -> tuple:
    return tuple(ti.get(k) for k in ("id", "state", "try_number", "start_date", "end_date"))


def test_rounds_run_side_by_side_one_round_never_twice_and_a_rerun_touches_no_other_agency(airflow):
    """Rounds of one agency never wait on each other: while FY 2570 round 3 waits for submissions
    (deferred until mid-January 2027) a rerun of round 3 of FY 2568 runs at once.  A second run of
    the same round stops at once, naming the first.  The other agency (mae-u-kho), its round awaiting
    approval, is untouched by the rerun: same task try, same state, same status.json."""
    import shutil

    plans = airflow.agencies / fx.SLUG / "plans"
    plan = (plans / "2568.yaml").read_text(encoding="utf-8")
    (plans / "2570.yaml").write_text(plan.replace("fiscal_year: 2568", "fiscal_year: 2570"), encoding="utf-8")
    catalogue = airflow.agencies / "catalogue"
    shutil.copy(catalogue / "oit-2568.yaml", catalogue / "oit-2570.yaml")
    text = (catalogue / "oit-2570.yaml").read_text(encoding="utf-8")
    (catalogue / "oit-2570.yaml").write_text(text.replace("fiscal_year: 2568", "fiscal_year: 2570"))
    airflow.api("PATCH", f"/api/v2/dags/{DAG_ID}", {"is_paused": False})

    waiting = _trigger(airflow, DAG_ID, 2570, 3)
    airflow.wait_for(
        "FY 2570 round 3 to wait", lambda: _ti(airflow, DAG_ID, waiting)["state"] == "deferred", 180
    )
    outbox = airflow.data / fx.SLUG / "2570" / "round-03" / "outbox"
    assert sorted(p.name for p in outbox.iterdir() if p.is_dir()) == sorted(fx.due(3))  # opened: the forms

    # the same round again: it stops at once, naming the run that holds the round
    twice = _trigger(airflow, DAG_ID, 2570, 3)
    assert airflow.wait_until_done(DAG_ID, twice) == "failed"
    assert waiting in airflow.task_log(DAG_ID, twice, ROUND_TASK)
    assert _ti(airflow, DAG_ID, waiting)["state"] == "deferred"

    # the other agency's round, complete, parks awaiting its approval
    airflow.wait_for_dag(SAMPLE_DAG)
    airflow.api("PATCH", f"/api/v2/dags/{SAMPLE_DAG}", {"is_paused": False})
    from tests.conftest import drop_samples

    drop_samples(airflow.data)
    other = _trigger(airflow, SAMPLE_DAG, 2565, 12)
    airflow.wait_for(
        "mae-u-kho to await approval",
        lambda: _ti(airflow, SAMPLE_DAG, other)["state"] == "awaiting_input",
        240,
    )
    other_status = airflow.data / "mae-u-kho" / "2565" / "round-12" / "status.json"
    before = (_kept(_ti(airflow, SAMPLE_DAG, other)), other_status.read_bytes())
    before_waiting = _ti(airflow, DAG_ID, waiting)

    # the admin reruns nong-bua-thong's published round 3 (cleared on the REST API as the UI does): it
    # runs at once, without queueing behind anything, to its approval, and is published again
    [published] = [
        r
        for r in airflow.api("GET", f"/api/v2/dags/{DAG_ID}/dagRuns?state=success")["dag_runs"]
        if (r.get("conf") or {}).get("round") == 3
        and (r.get("conf") or {}).get("fiscal_year") == fx.FISCAL_YEAR
    ]
    rerun = published["dag_run_id"]
    cleared = ui_clear(airflow, rerun, downstream=False)
    assert [ti["task_id"] for ti in cleared["task_instances"]] == [ROUND_TASK]
    assert airflow.approve_until_done(DAG_ID, rerun) == "success"
    assert _ti(airflow, DAG_ID, rerun)["try_number"] >= 2  # cleared (an approval answered too soon retries)

    after = (_kept(_ti(airflow, SAMPLE_DAG, other)), other_status.read_bytes())
    assert after == before  # the other agency's run: nothing changed
    assert airflow.run_state(SAMPLE_DAG, other) == "running"
    now_waiting = _ti(airflow, DAG_ID, waiting)
    assert (now_waiting["state"], now_waiting["try_number"]) == ("deferred", before_waiting["try_number"])

    assert airflow.approve_until_done(SAMPLE_DAG, other) == "success"
