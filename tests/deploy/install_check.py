"""Run inside a virtualenv where the ita-monitor wheel is installed (not editable), from a folder
outside the source tree: what production does, checked.  Called by test_install.py.

Reads only the installed package plus copies of dags/, plugins/, the sample agency and its sample
submissions (paths in the environment).  Prints one JSON line with what it found.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

DAG, PLAN = "ita_round__mae-u-kho", "ita_plan__mae-u-kho"
ROUND = "/ita/a/mae-u-kho/2565/round-12"


def _state(run) -> str:
    return str(getattr(run.state, "value", run.state))


def _text(pdf: Path) -> str:
    out = subprocess.run(["pdftotext", "-raw", str(pdf), "-"], capture_output=True, check=True).stdout
    return "".join(out.decode("utf-8").split())


def main() -> dict:
    import ita_monitor
    from ita_monitor.documents.render import DEFAULT_TEMPLATES

    source_tree = Path(os.environ["ITA_SOURCE_TREE"])
    data = Path(os.environ["AIRFLOW__ITA__DATA_ROOT"].removeprefix("file://"))
    out: dict = {
        "package": ita_monitor.__file__,
        "templates": str(DEFAULT_TEMPLATES),
        "in_source_tree": source_tree in Path(ita_monitor.__file__).resolve().parents,
        "templates_exist": (DEFAULT_TEMPLATES / "ui" / "round.html.j2").is_file(),
    }

    # the units' files, as they would drop them
    inbox = data / "mae-u-kho" / "2565" / "round-12" / "inbox"
    shutil.copytree(os.environ["ITA_SAMPLES"], inbox)

    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
    out["import_errors"] = dict(bag.import_errors)
    # the agency's copy publishes without approval (test_install.py): nobody is there to answer
    round_run = bag.dags[DAG].test(run_conf={"fiscal_year": 2565, "round": 12})
    plan_run = bag.dags[PLAN].test(run_conf={"fiscal_year": 2565})
    out["runs"] = {DAG: _state(round_run), PLAN: _state(plan_run)}

    # every document
    year = data / "mae-u-kho" / "2565"
    documents = {
        "report": year / "round-12" / "report" / "ita-2565-round-12-report.pdf",
        "round_memo": year / "round-12" / "report" / "ita-2565-round-12-memo.pdf",
        "measures": year / "plan" / "ita-2565-measures.pdf",
        "approval_memo": year / "plan" / "ita-2565-approval-memo.pdf",
    }
    out["documents"] = {k: ("องค์การบริหารส่วนตำบลแม่อูคอ" in _text(p)) for k, p in documents.items()}
    out["forms"] = sorted(p.parent.name for p in (year / "round-12" / "outbox").glob("*/*.xlsx"))
    out["site"] = sorted(
        str(p.relative_to(data / "site")) for p in (data / "site").rglob("*.html") if p.is_file()
    )
    out["link_sheet"] = sorted(p.name for p in year.glob("oit-links.*"))

    # every route of the ITA page, through Airflow's api-server app with the plugin loaded
    from airflow.api_fastapi.app import create_app, get_auth_manager
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser
    from fastapi.testclient import TestClient

    client = TestClient(create_app(apps="core"), follow_redirects=False)
    token = get_auth_manager().generate_jwt(SimpleAuthManagerUser(username="admin", role="admin"))
    # the Origin a browser sends with the page's forms (every state-changing route checks it)
    headers = {"Authorization": f"Bearer {token}", "Origin": "http://testserver"}
    run_id = round_run.run_id
    page = client.get(ROUND, headers=headers)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    routes = {
        "GET /ita/ (no login)": client.get("/ita/"),
        "GET /ita/": client.get("/ita/", headers=headers),
        f"GET {ROUND}": page,
        "GET /ita/run/{dag}/{run}": client.get(f"/ita/run/{DAG}/{run_id}", headers=headers),
        "GET /ita/run/{dag}/{run}/report": client.get(f"/ita/run/{DAG}/{run_id}/report", headers=headers),
        "GET /ita/run/{dag}/{run}/published": client.get(
            f"/ita/run/{DAG}/{run_id}/published", headers=headers
        ),
        "GET /ita/files/...": client.get(
            "/ita/files/mae-u-kho/2565/round-12/report/ita-2565-round-12-report.pdf", headers=headers
        ),
        "GET /ita/site/...": client.get("/ita/site/mae-u-kho/2565/index.html", headers=headers),
        f"POST {ROUND}/upload": client.post(
            f"{ROUND}/upload",
            headers=headers,
            data={"csrf": csrf, "unit": "pr"},
            files={"file": ("pr-again.json", (inbox / "pr" / "pr-round12.json").read_bytes())},
        ),
        f"POST {ROUND}/approve": client.post(
            f"{ROUND}/approve",
            headers=headers,
            data={"csrf": csrf, "run_id": run_id, "decision": "Approve"},
        ),
        f"POST {ROUND}/rerun": client.post(
            f"{ROUND}/rerun", headers=headers, data={"csrf": csrf, "run_id": run_id}
        ),
    }
    out["routes"] = {
        name: {
            "status": r.status_code,
            "location": r.headers.get("location", ""),
            "type": r.headers.get("content-type", ""),
            "thai": "แม่อูคอ" in r.text or "เข้าสู่ระบบ" in r.text,
        }
        for name, r in routes.items()
    }
    return out


if __name__ == "__main__":
    print("ITA-INSTALL-CHECK " + json.dumps(main(), ensure_ascii=False), flush=True)
    sys.exit(0)
