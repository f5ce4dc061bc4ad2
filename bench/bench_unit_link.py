"""A unit's link page through Airflow's real app (create_app + TestClient): the page (link checked,
revocation list read, the round's state for that unit, the template) and an upload until the unit sees
its file's outcome (body read against the limit, form token, inbox, the round collected, the page).

Sample agency, round 12 of 2565 with the other units' files already in.  Prints figures; asserts nothing
beyond the answers being right.  Target: the outcome shown under 1 s after the upload starts.
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = Path(tempfile.mkdtemp(prefix="ita-bench-unit-link-"))
DATA = WORK / "data"
os.environ.update(
    AIRFLOW_HOME=str(WORK / "airflow"),
    AIRFLOW__CORE__DAGS_FOLDER=str(WORK / "no-dags"),
    AIRFLOW__CORE__PLUGINS_FOLDER=str(ROOT / "plugins"),
    AIRFLOW__CORE__LOAD_EXAMPLES="False",
    AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{WORK}/airflow/airflow.db",
    AIRFLOW__API_AUTH__JWT_SECRET="ita-monitor-bench-" + "x" * 64,
    AIRFLOW__ITA__AGENCIES_DIR=str(ROOT / "include" / "agencies"),
    AIRFLOW__ITA__DATA_ROOT=DATA.as_uri(),
)
SAMPLE = ROOT / "include" / "sample_submissions" / "mae-u-kho" / "2565" / "round-12"


def main() -> None:
    for unit in ("palad", "pr"):
        shutil.copytree(SAMPLE / unit, DATA / "mae-u-kho" / "2565" / "round-12" / "inbox" / unit)
    (WORK / "airflow").mkdir()
    (WORK / "no-dags").mkdir()
    subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], check=True, capture_output=True)
    from airflow.api_fastapi.app import create_app
    from fastapi.testclient import TestClient

    from ita_monitor.airflow_layer.webapp import unit as unit_page
    from ita_monitor.airflow_layer.websecurity import link_secret
    from ita_monitor.intake.unit_links import LinkScope, make_token

    client = TestClient(create_app(apps="core"))
    token = make_token(
        link_secret(), LinkScope("mae-u-kho", 2565, 12, "finance"), datetime.now(UTC) + timedelta(days=1)
    )
    url = f"/ita/u/{token}"
    body = (SAMPLE / "finance" / "kong-klang-round12.csv").read_bytes()

    def fresh_limits() -> None:
        for limiter in (unit_page.PER_ADDRESS, unit_page.PER_LINK, unit_page.UPLOADS_PER_LINK):
            limiter._events.clear()

    pages, uploads = [], []
    for i in range(10):
        fresh_limits()
        t0 = time.perf_counter()
        page = client.get(url)
        pages.append(time.perf_counter() - t0)
        assert page.status_code == 200, page.text[:300]
        found = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert found, page.text[-1500:]
        csrf = found.group(1)
        t0 = time.perf_counter()
        resp = client.post(
            f"{url}/upload",
            data={"csrf": csrf},
            files={"file": (f"finance-{i}.csv", body + b"\n" * i, "text/csv")},
            headers={"Origin": "http://testserver"},
        )
        uploads.append(time.perf_counter() - t0)
        assert resp.status_code == 200 and 'data-accepted="yes"' in resp.text, resp.text[-500:]
    print("unit link page GET /ita/u/<token> (sample round, 3 units' files):")
    print(f"  median of 10: {statistics.median(pages) * 1000:.0f} ms (first {pages[0] * 1000:.0f} ms)")
    print(
        "upload to outcome (POST, intake and collect of the round, redirect, page with this file's outcome):"
    )
    print(
        f"  median of 10: {statistics.median(uploads) * 1000:.0f} ms (first {uploads[0] * 1000:.0f} ms, "
        f"the round then holds up to {10 + 2} versions)  target < 1000 ms"
    )
    shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
