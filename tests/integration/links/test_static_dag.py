"""The link-health DAG (dag.test() on the real metadata DB) against a static site served by a local web
server that misbehaves on demand, mailing the admin through the real SMTP server.

A file removed (404), a file replaced by other bytes (changed), a 500, an answer slower than the timeout
and a redirect loop: each reported as such, mailed once, repaired by one run with *repair*, then ok.
The 500, the slow answer and the loop stand for a broken copy of the file on the server (a cache):
they last until the file is written again, which is what the repair's republish to the same place does.
"""

from __future__ import annotations

import csv
import io
import json

import pytest
import requests

from ita_monitor.documents.render import Renderer
from ita_monitor.publish.factory import publisher_for
from tests.conftest import ROOT
from tests.integration.links.conftest import (
    FY,
    agencies_with_target,
    documents,
    pdf,
    publish_approved,
    year_of,
)
from tests.integration.test_unit_mail import subject
from tests.linkserver import FaultyServer

pytestmark = [pytest.mark.links, pytest.mark.smtp, pytest.mark.airflow]
SLUG = "links-static"


def _health(data_root) -> dict:
    return json.loads((data_root / SLUG / str(FY) / "links.json").read_text(encoding="utf-8"))


def _html(msg) -> str:
    part = next(p for p in msg.walk() if p.get_content_type() == "text/html")
    return part.get_payload(decode=True).decode("utf-8")


def test_broken_links_are_reported_mailed_once_and_repaired_in_one_action(
    airflow_db, data_root, inbox_of_mail, tmp_path, monkeypatch
):
    from airflow.dag_processing.dagbag import DagBag

    site = data_root / "site" / SLUG
    site.mkdir(parents=True)
    (site / "structure.html").write_text("<h1>โครงสร้าง</h1>", encoding="utf-8")
    with FaultyServer(site) as server:
        agencies = agencies_with_target(
            tmp_path, SLUG, target="static", path=f"site/{SLUG}", base_url=server.url
        )
        year = year_of(agencies, SLUG, data_root, {"O1": f"{server.url}/structure.html"})
        publish_approved(year, publisher_for(year.agency, year.data, Renderer()))
        for key, value in {
            "AGENCIES_DIR": str(agencies),
            "ADMIN_EMAIL": "it-admin@maeukho.example",
            "LINK_TIMEOUT_SECONDS": "1",
            "LINK_SLOW_SECONDS": "0.8",
            "LINK_RATE_PER_HOST": "0",
        }.items():
            monkeypatch.setenv(f"AIRFLOW__ITA__{key}", value)

        folder = site / str(FY)
        (folder / f"ita-{FY}-measures.pdf").unlink()  # removed: 404
        (folder / f"ita-{FY}-round-12-report.pdf").write_bytes(pdf("replaced by hand"))  # other bytes
        server.fail(f"/{FY}/ita-{FY}-round-03-report.pdf", "500", until_rewritten=True)
        server.fail(f"/{FY}/ita-{FY}-round-06-report.pdf", "slow:3", until_rewritten=True)
        server.fail(f"/{FY}/ita-{FY}-round-09-report.pdf", "loop", until_rewritten=True)

        dag = DagBag(dag_folder=str(ROOT / "dags")).dags[f"ita_links__{SLUG}"]
        run = dag.test(run_conf={"fiscal_year": FY})
        assert run.state == "success", {ti.task_id: str(ti.state) for ti in run.get_task_instances()}
        links = _health(data_root)["links"]
        got = {k: (v["state"], v["http_status"]) for k, v in links.items()}
        assert got == {
            "document:measures": ("missing", 404),
            "document:round-03": ("failing", 500),
            "document:round-06": ("failing", None),
            "document:round-09": ("failing", None),
            "document:round-12": ("changed", 200),
            "index": ("ok", 200),
            "other:O1": ("ok", 200),
        }
        assert "timeout" in links["document:round-06"]["detail"]
        assert "redirect loop" in links["document:round-09"]["detail"]
        assert links["document:measures"]["last_ok"] is None  # never worked since it is watched

        assert len(inbox_of_mail) == 1
        mail = next(iter(inbox_of_mail.values()))
        assert mail["To"] == "it-admin@maeukho.example"
        assert "ลิงก์ OIT อบต.แม่อูคอ ปี ๒๕๖๕: เปลี่ยนสถานะ ๕ รายการ (เสีย ๕)" in subject(mail)
        body = _html(mail)
        for name in ("measures", "round-03-report", "round-06-report", "round-09-report", "round-12-report"):
            assert f"{server.url}/{FY}/ita-{FY}-{name}.pdf" in body
        assert "structure.html" not in body  # working and unchanged: not in the mail

        again = dag.test(run_conf={"fiscal_year": FY})  # still broken: checked, not mailed again
        assert again.state == "success"
        assert len(inbox_of_mail) == 1
        assert len(_health(data_root)["history"]) == 2

        repaired = dag.test(run_conf={"fiscal_year": FY, "repair": True})
        assert repaired.state == "success", {
            ti.task_id: str(ti.state) for ti in repaired.get_task_instances()
        }
        health = _health(data_root)
        assert {k: v["state"] for k, v in health["links"].items()} == dict.fromkeys(got, "ok")
        assert sorted(health["repairs"][-1]["republished"]) == [
            "document:measures",
            "document:round-03",
            "document:round-06",
            "document:round-09",
            "document:round-12",
        ]
        for doc in documents(SLUG):  # the approved bytes, served again at the same URL
            assert requests.get(f"{server.url}/{FY}/{doc.filename}", timeout=5).content == doc.data
        kept = [p for p in (folder / "earlier").iterdir() if "round-12" in p.name]
        assert [p.read_bytes() for p in kept] == [pdf("replaced by hand")]  # the hand change is kept

        assert len(inbox_of_mail) == 2  # the recovery, once
        recovery = [m for m in inbox_of_mail.values() if m is not mail and "(เสีย ๐)" in subject(m)]
        assert len(recovery) == 1 and "เปลี่ยนสถานะ ๕ รายการ" in subject(recovery[0])

        sheet = (data_root / SLUG / str(FY) / "itas-readiness.csv").read_bytes().decode("utf-8-sig")
        rows = list(csv.DictReader(io.StringIO(sheet)))
        managed = [r for r in rows if r["managed"] == "yes"]
        assert len(managed) == 5 and {r["ready"] for r in managed} == {"yes"}
        others = {r["oit_item"]: r for r in rows if r["managed"] == "no"}
        assert others["O1"]["url"] == f"{server.url}/structure.html" and others["O1"]["reachable"] == "yes"
        assert others["O2"]["url"] == "" and "no URL entered" in others["O2"]["detail"]
        html = (data_root / SLUG / str(FY) / "itas-readiness.html").read_text(encoding="utf-8")
        assert "หน่วยงานดูแลเอง (not managed here)" in html and "ข้อมูลผู้บริหาร" in html
