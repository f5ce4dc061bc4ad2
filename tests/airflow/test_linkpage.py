"""The ITA page's link health of an agency-year (real Airflow api-server app, real tokens): states and
what changed from a real link-DAG run, the ITAS readiness sheet as CSV, and *check now* / *repair*
starting a run of the agency's link DAG through Airflow's REST API as the user."""

from __future__ import annotations

import csv
import io
import re

import pytest

from ita_monitor.documents.render import Renderer
from ita_monitor.publish.factory import publisher_for
from tests.airflow.approvals import api_client, token_for
from tests.conftest import ROOT
from tests.integration.links.conftest import FY, agencies_with_target, publish_approved, year_of
from tests.linkserver import FaultyServer

pytestmark = [pytest.mark.airflow, pytest.mark.links]
SLUG = "mae-u-kho"
PAGE = f"/ita/links/{SLUG}/{FY}"


def _auth(role: str | None = "admin", user: str = "admin") -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(user, role)}"}


def test_link_page_shows_health_and_readiness_and_starts_a_check_or_repair(
    airflow_db, data_root, tmp_path, monkeypatch
):
    from airflow.dag_processing.dagbag import DagBag
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from sqlalchemy import select

    site = data_root / "site" / SLUG
    site.mkdir(parents=True)
    with FaultyServer(site) as server:
        agencies = agencies_with_target(
            tmp_path, SLUG, target="static", path=f"site/{SLUG}", base_url=server.url
        )
        year = year_of(agencies, SLUG, data_root, {"O1": f"{server.url}/structure.html"})
        publish_approved(year, publisher_for(year.agency, year.data, Renderer()))
        (site / str(FY) / f"ita-{FY}-measures.pdf").unlink()
        monkeypatch.setenv("AIRFLOW__ITA__AGENCIES_DIR", str(agencies))
        monkeypatch.setenv("AIRFLOW__ITA__LINK_RATE_PER_HOST", "0")
        dag = DagBag(dag_folder=str(ROOT / "dags")).dags[f"ita_links__{SLUG}"]
        assert dag.test(run_conf={"fiscal_year": FY}).state == "success"

    client = api_client()
    assert client.get(PAGE).status_code == 401
    assert client.get(PAGE, headers=_auth(None, "nobody")).status_code == 403
    page = client.get(PAGE, headers=_auth())
    assert page.status_code == 200, page.text
    states = dict(re.findall(r'data-link="([^"]+)" data-state="([^"]+)"', page.text))
    assert states["document:measures"] == "missing" and states["document:round-12"] == "ok"
    assert states["other:O1"] == "missing" and states["index"] == "ok"
    changes = page.text.split('id="changes"')[1].split("</ul>")[0]
    assert "ไม่พบ (404)" in changes and "(new → missing)" in changes
    assert 'id="repair"' in page.text  # something is broken: the repair button is offered
    ready = dict(re.findall(r'data-item="([^"]+)" data-ready="([^"]+)"', page.text))
    assert ready == {"O42": "no", "O43": "yes", "O1": "-", "O2": "-"}

    sheet = client.get(f"{PAGE}/itas-readiness.csv", headers=_auth())
    rows = list(csv.DictReader(io.StringIO(sheet.content.decode("utf-8-sig"))))
    assert [(r["oit_item"], r["managed"], r["ready"]) for r in rows][:2] == [
        ("O42", "yes", "no"),
        ("O43", "yes", "yes"),
    ]
    assert "ความพร้อมกรอกระบบ ITAS" in client.get(f"{PAGE}/itas-readiness.html", headers=_auth()).text

    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    client.headers["Origin"] = "http://testserver"  # as a browser sends it with every POST of the page
    viewer = _auth("viewer", "viewer")
    assert client.post(f"{PAGE}/check", headers=viewer, data={"csrf": token}).status_code == 403
    resp = client.post(
        f"{PAGE}/check", headers=_auth(), data={"csrf": token, "repair": "1"}, follow_redirects=False
    )
    assert resp.status_code == 303 and resp.headers["location"].endswith("?m=repair_started"), resp.headers[
        "location"
    ]
    assert "สั่งซ่อมแล้ว" in client.get(resp.headers["location"], headers=_auth()).text  # the app's own message
    spoofed = client.get(f"{PAGE}?msg=โปรดโอนเงิน&err=x&m=nonsense", headers=_auth()).text
    assert "โปรดโอนเงิน" not in spoofed  # only messages the app issued are shown
    with create_session() as session:
        confs = (
            session.execute(select(DagRun.conf).where(DagRun.dag_id == f"ita_links__{SLUG}")).scalars().all()
        )
    assert {"fiscal_year": FY, "repair": True} in confs
    assert "(ซ่อม / repair)" in client.get(PAGE, headers=_auth()).text
