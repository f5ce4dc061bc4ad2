"""The many-agency overview and its export for ITA_BENCH_VIEW_AGENCIES (default 200) agencies x 5
rounds, and one agency's year page, served by the api-server (GET through Airflow's real app, with
login, access filter, run lookup).

Synthetic data in a temp folder: the agencies from scripts/generate_agencies.py; one real round of the
sample agency run by the pipeline (collect, check) gives collected.json and status.json, copied to
every agency x round with units left out and receipt times moved (on time, late) so the figures vary.
Prints figures; asserts nothing.  Targets: overview page < 0.5 s warm, its export < 2 s.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = Path(tempfile.mkdtemp(prefix="ita-bench-views-"))
AGENCIES = WORK / "agencies"
DATA = WORK / "data"
N_AGENCIES = int(os.environ.get("ITA_BENCH_VIEW_AGENCIES", "200"))  # 7850: every Thai local government
ROUNDS = (1, 3, 6, 9, 12)
os.environ.update(
    AIRFLOW_HOME=str(WORK / "airflow"),
    AIRFLOW__CORE__DAGS_FOLDER=str(WORK / "no-dags"),
    AIRFLOW__CORE__LOAD_EXAMPLES="False",
    AIRFLOW__CORE__PLUGINS_FOLDER=str(ROOT / "plugins"),  # the ITA page's plugin
    AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{WORK}/airflow/airflow.db",
    AIRFLOW__API_AUTH__JWT_SECRET="ita-monitor-bench-" + "x" * 64,
    AIRFLOW__ITA__AGENCIES_DIR=str(AGENCIES),
    AIRFLOW__ITA__DATA_ROOT=DATA.as_uri(),
)
STATES = ["published", "incomplete", "collected", "awaiting_approval", "rendered"]


def make_data() -> list[str]:
    sys.path.insert(0, str(ROOT / "scripts"))
    from generate_agencies import generate

    from ita_monitor.flow.pipeline import RoundIncomplete, RoundJob, check_round, collect
    from ita_monitor.model.config import AgenciesDir
    from ita_monitor.model.rounds import Round
    from ita_monitor.model.storage import DataRoot

    slugs = generate(N_AGENCIES, AGENCIES)
    template = WORK / "template"
    samples = ROOT / "include" / "sample_submissions" / "mae-u-kho" / "2565" / "round-12"
    shutil.copytree(samples, template / slugs[0] / "2565" / "round-12" / "inbox")
    job = RoundJob.load(AgenciesDir(AGENCIES), slugs[0], Round(2565, 12), DataRoot(template))
    collect(job)
    try:
        check_round(job)
    except RoundIncomplete:
        pass
    folder = template / slugs[0] / "2565" / "round-12"
    collected = json.loads((folder / "collected.json").read_text())
    status = json.loads((folder / "status.json").read_text())
    units = sorted({r["unit"] for r in collected["rows"]})
    for i, slug in enumerate(slugs):
        for j, months in enumerate(ROUNDS):
            rnd = Round(2565, months)
            due = rnd.due_at(15)
            out = [u for k, u in enumerate(units) if (i + j + k) % 5 != 0]  # some units out
            files = []
            for k, f in enumerate(collected["files"]):
                at = due + timedelta(days=(i + k) % 9 - 5, hours=3)  # some before, some after the due time
                files.append({**f, "received_at": at.isoformat()})
            doc = {"rows": [r for r in collected["rows"] if r["unit"] in out], "files": files}
            rd = DATA / slug / "2565" / rnd.slug
            rd.mkdir(parents=True)
            (rd / "collected.json").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
            st = {**status, "agency": slug, "round": months, "state": STATES[(i + j) % 5], "files": files}
            if st["state"] == "published":
                st["published"] = {"index_url": f"https://{slug}.example/ita/2565/", "documents": []}
            (rd / "status.json").write_text(json.dumps(st, ensure_ascii=False), encoding="utf-8")
    return slugs


LAST_CPU: list[float] = []


def timed(fn, n: int = 10) -> tuple[float, list[float]]:
    """First call, then n warm calls (fewer for many agencies): wall seconds; their CPU seconds in
    this process (the app runs in it) are left in LAST_CPU, robust to other load on the machine."""
    n = max(2, n * 200 // max(N_AGENCIES, 200))
    first_t = time.perf_counter()
    fn()
    first = time.perf_counter() - first_t
    warm = []
    LAST_CPU.clear()
    for _ in range(n):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        warm.append(time.perf_counter() - t0)
        LAST_CPU.append(time.process_time() - c0)
    return first, warm


def cpu() -> str:
    return f"CPU {statistics.median(LAST_CPU):.3f} s"


def main() -> None:
    t0 = time.perf_counter()
    slugs = make_data()
    print(f"data: {N_AGENCIES} agencies x {len(ROUNDS)} rounds in {time.perf_counter() - t0:.1f} s")

    # the pure core first (no server): the overview and its workbook
    from ita_monitor.model.config import AgenciesDir
    from ita_monitor.model.storage import DataRoot
    from ita_monitor.views import export
    from ita_monitor.views.agencies_overview import overview

    agencies = AgenciesDir(AGENCIES)
    pairs = [(agencies.agency(s), agencies.plan(s, 2565)) for s in slugs]
    first, warm = timed(lambda: overview(pairs, 2565, DataRoot(DATA)), 5)
    ov = overview(pairs, 2565, DataRoot(DATA))
    print(
        f"core overview(): {len(ov.rows)} rows, first {first:.3f} s, warm median {statistics.median(warm):.3f} s, "
        + cpu()
    )
    first, warm = timed(lambda: export.overview_workbook(ov), 3)
    print(
        f"core overview_workbook(): first {first:.3f} s (imports pandas), warm median {statistics.median(warm):.3f} s, "
        + cpu()
    )

    (WORK / "airflow").mkdir()
    (WORK / "no-dags").mkdir()
    subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], check=True, capture_output=True)
    from airflow.api_fastapi.app import create_app, get_auth_manager
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser
    from fastapi.testclient import TestClient

    client = TestClient(create_app(apps="core"))
    token = get_auth_manager().generate_jwt(SimpleAuthManagerUser(username="admin", role="admin"))
    headers = {"Authorization": f"Bearer {token}"}

    def get(path: str):
        resp = client.get(path, headers=headers)
        assert resp.status_code == 200, resp.text[:500]
        return resp

    os.environ["AIRFLOW__ITA__OVERVIEW_PAGE_AGENCIES"] = str(N_AGENCIES)  # before paging: every agency
    page = get("/ita/agencies?fy=2565")
    first, warm = timed(lambda: get("/ita/agencies?fy=2565"))
    rows = page.text.count("<tr data-agency=")
    assert rows == len(ov.rows), f"the ITA page is not served: {page.text[:300]}"
    print(
        f"GET /ita/agencies, every agency on one page: {rows} rows, {len(page.content) / 1024:.0f} KB of HTML"
    )
    print(f"  warm, median of {len(warm)}: {statistics.median(warm):.3f} s, " + cpu())
    del os.environ["AIRFLOW__ITA__OVERVIEW_PAGE_AGENCIES"]  # the default page
    page = get("/ita/agencies?fy=2565")
    first, warm = timed(lambda: get("/ita/agencies?fy=2565"))
    rows = page.text.count("<tr data-agency=")
    assert rows == len(ov.page(1).rows), f"the ITA page is not served: {page.text[:300]}"
    print(f"GET /ita/agencies, its first page: {rows} rows, {len(page.content) / 1024:.0f} KB of HTML")
    print(
        f"  warm, median of {len(warm)}: {statistics.median(warm):.3f} s (min {min(warm):.3f}, max {max(warm):.3f}), "
        + cpu()
        + "  target < 0.5 s at 200 agencies, < 1 s at 7,850"
    )
    first, warm = timed(lambda: get("/ita/agencies?fy=2565&round=12&district=ขุนยวม"), 5)
    print(f"  filtered (round 12), warm median: {statistics.median(warm):.3f} s, " + cpu())
    first, warm = timed(lambda: get("/ita/agencies/export.xlsx?fy=2565"), 5)
    size = len(get("/ita/agencies/export.xlsx?fy=2565").content)
    print(
        f"GET /ita/agencies/export.xlsx: {size / 1024:.0f} KB, first {first:.3f} s,"
        f" warm median {statistics.median(warm):.3f} s, " + cpu() + "  target < 2 s"
    )
    first, warm = timed(lambda: get("/ita/agencies/export.csv?fy=2565"), 5)
    print(f"GET /ita/agencies/export.csv: warm median {statistics.median(warm):.3f} s, " + cpu())
    year = f"/ita/y/{slugs[7]}/2565"
    first, warm = timed(lambda: get(year), 10)
    print(
        f"GET {year} (one agency's year): first {first:.3f} s, warm median {statistics.median(warm):.3f} s, "
        + cpu()
    )
    first, warm = timed(lambda: get(f"{year}/export.xlsx"), 5)
    print(f"GET {year}/export.xlsx: warm median {statistics.median(warm):.3f} s")
    shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
