"""The ITA page's overview for ITA_BENCH_VIEW_AGENCIES (default 200) agencies x 5 rounds: rendered
by the api-server (GET /ita/ through Airflow's real app, with login, access filter, run lookup, a
status file per agency and round, and the template).

Synthetic data in a temp folder: copies of the sample agency (profile + plan 2565) and a
status.json for each of their 5 rounds, in a mix of states.  Prints figures; asserts nothing.
Target: under 0.5 s on the server (warm: profiles are parsed once per change of their file).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = Path(tempfile.mkdtemp(prefix="ita-bench-dashboard-"))
AGENCIES = WORK / "agencies"
DATA = WORK / "data"
N_AGENCIES = int(os.environ.get("ITA_BENCH_VIEW_AGENCIES", "200"))  # 7850: every Thai local government
os.environ.update(
    AIRFLOW_HOME=str(WORK / "airflow"),
    AIRFLOW__CORE__DAGS_FOLDER=str(WORK / "no-dags"),
    AIRFLOW__CORE__PLUGINS_FOLDER=str(ROOT / "plugins"),  # the ITA page is registered there only
    AIRFLOW__CORE__LOAD_EXAMPLES="False",
    AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{WORK}/airflow/airflow.db",
    AIRFLOW__API_AUTH__JWT_SECRET="ita-monitor-bench-" + "x" * 64,
    AIRFLOW__ITA__AGENCIES_DIR=str(AGENCIES),
    AIRFLOW__ITA__DATA_ROOT=DATA.as_uri(),
)
STATES = ["published", "incomplete", "collected", "awaiting_approval", "rendered"]


def make_data() -> None:
    from ita_monitor.model.rounds import Round
    from ita_monitor.model.status import update_round
    from ita_monitor.model.storage import DataRoot

    shutil.copytree(ROOT / "include" / "agencies" / "catalogue", AGENCIES / "catalogue")
    sample = ROOT / "include" / "agencies" / "mae-u-kho"
    for i in range(N_AGENCIES):
        slug = f"synth-{i:04d}"
        shutil.copytree(sample, AGENCIES / slug, ignore=shutil.ignore_patterns("*.png", "*.jpg"))
        for j, months in enumerate((1, 3, 6, 9, 12)):
            update_round(
                DataRoot(DATA),
                slug,
                Round(2565, months),
                agency=slug,
                round=months,
                state=STATES[(i + j) % 5],
            )


def main() -> None:
    make_data()
    (WORK / "airflow").mkdir()
    (WORK / "no-dags").mkdir()
    subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], check=True, capture_output=True)
    from airflow.api_fastapi.app import create_app, get_auth_manager
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser
    from fastapi.testclient import TestClient

    client = TestClient(create_app(apps="core"))
    token = get_auth_manager().generate_jwt(SimpleAuthManagerUser(username="admin", role="admin"))
    headers = {"Authorization": f"Bearer {token}"}

    t0 = time.perf_counter()
    first = client.get("/ita/", headers=headers)
    cold = time.perf_counter() - t0
    assert first.status_code == 200, first.text[:500]
    cells = first.text.count('data-state="')
    warm, warm_cpu = [], []
    for _ in range(max(2, 2000 // max(N_AGENCIES, 200))):  # 10 at 200 agencies, fewer for more
        t0, c0 = time.perf_counter(), time.process_time()  # the app runs in this process
        resp = client.get("/ita/", headers=headers)
        warm.append(time.perf_counter() - t0)
        warm_cpu.append(time.process_time() - c0)
        assert resp.status_code == 200
    print(
        f"overview GET /ita/: {N_AGENCIES} agencies, {cells} round cells, {len(first.content) / 1024:.0f} KB of HTML"
    )
    print(f"  first request (parses {N_AGENCIES} profiles): {cold:.3f} s")
    print(
        f"  warm, median of {len(warm)}: {statistics.median(warm):.3f} s (min {min(warm):.3f}, max {max(warm):.3f}), "
        f"CPU {statistics.median(warm_cpu):.3f} s  target < 0.5 s at 200 agencies, < 1 s at 7,850"
    )

    page = client.get("/ita/a/synth-0007/2565/round-12", headers=headers)
    t0 = time.perf_counter()
    for _ in range(5):
        page = client.get("/ita/a/synth-0007/2565/round-12", headers=headers)
    print(f"  one round page: {(time.perf_counter() - t0) / 5:.3f} s (status {page.status_code})")
    shutil.rmtree(WORK, ignore_errors=True)


if __name__ == "__main__":
    main()
