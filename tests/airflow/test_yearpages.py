"""The year page, the many-agency overview and their exports through Airflow's real api-server app
(create_app + TestClient, real tokens of the simple auth manager), over rounds run by the pipeline."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import datetime

import pytest

from ita_monitor.model.config import AgenciesDir
from ita_monitor.model.storage import DataRoot
from ita_monitor.model.thai import thai_digits
from ita_monitor.views.yearview import year_view
from tests.airflow.approvals import api_client, token_for
from tests.conftest import AGENCIES
from tests.views_data import province, sample_year

pytestmark = pytest.mark.airflow
YEAR = "/ita/y/mae-u-kho/2565"


@pytest.fixture(scope="module")
def client(airflow_db):
    return api_client()


def auth(role: str | None = "admin", user: str = "admin") -> dict[str, str]:
    return {"Authorization": f"Bearer {token_for(user, role)}"}


@pytest.fixture
def sample(data_root):
    sample_year(AGENCIES, data_root)
    return data_root


@pytest.fixture(scope="module")
def many_dirs(tmp_path_factory):
    work = tmp_path_factory.mktemp("pages-many")
    slugs = province(work / "agencies", work / "data")
    return work / "agencies", work / "data", slugs


@pytest.fixture
def many(many_dirs, monkeypatch):
    agencies, data, slugs = many_dirs
    monkeypatch.setenv("AIRFLOW__ITA__AGENCIES_DIR", str(agencies))
    monkeypatch.setenv("AIRFLOW__ITA__DATA_ROOT", data.as_uri())
    return agencies, data, slugs


@pytest.mark.parametrize(
    "path", [YEAR, f"{YEAR}/export.xlsx", f"{YEAR}/items.csv", "/ita/agencies", "/ita/agencies/export.xlsx"]
)
def test_pages_need_a_login_and_access(client, data_root, path):
    assert client.get(path).status_code == 401
    assert client.get(path, headers=auth(None, "nobody")).status_code == 403


def test_year_page_shows_the_year(client, sample):
    page = client.get(YEAR, headers=auth())
    assert page.status_code == 200, page.text
    agencies = AgenciesDir(AGENCIES)
    view = year_view(agencies.agency("mae-u-kho"), agencies.plan("mae-u-kho", 2565), 2565, DataRoot(sample))
    t = view.tally
    assert (
        f'<b id="year-percent">{t.percent:.1f}%</b> ({thai_digits(t.complete)} / {thai_digits(t.due)})'
        in page.text
    )
    for r in view.rounds:
        row = page.text.split(f'<tr data-round="{r.months}">', 1)[1].split("</tr>", 1)[0]
        pct = f"{r.tally.percent:.1f}" if r.tally.percent is not None else "–"
        assert f'<td class="pct">{pct}</td>' in row
    assert 'data-kind="late"' in page.text and "๗ วัน" in page.text  # pr, round 12
    # the scores over the years, repeat failures marked, and both charts
    assert "ต่ำกว่าเกณฑ์ ๓ ปี" in page.text and "ต่ำกว่าเกณฑ์ ๒ ปี" in page.text
    assert page.text.count('class="ita-chart') == 2
    assert "งานประชาสัมพันธ์" in page.text.split('id="late-units"', 1)[1]


def test_year_exports(client, sample):
    from openpyxl import load_workbook

    resp = client.get(f"{YEAR}/export.xlsx", headers=auth())
    assert resp.status_code == 200
    assert resp.headers["content-disposition"] == 'attachment; filename="ita-mae-u-kho-2565-year.xlsx"'
    wb = load_workbook(io.BytesIO(resp.content))
    ws = wb["รายการส่งทุกรอบ"]
    assert ws.freeze_panes == "A2"
    header = [c.value for c in ws[1]]
    assert header[:3] == ["รอบ (เดือน)", "รหัสมาตรการ", "มาตรการ"]
    rows = [dict(zip(header, (c for c in r), strict=True)) for r in ws.iter_rows(min_row=2)]
    pr12 = next(r for r in rows if r["รอบ (เดือน)"].value == 12 and r["รหัสหน่วยงาน"].value == "pr")
    assert pr12["จำนวนวันที่ช้า"].value == 7 and isinstance(pr12["จำนวนวันที่ช้า"].value, int)
    assert pr12["เวลาที่ได้รับ"].value == datetime(2022, 10, 22, 8, 15)  # Bangkok time
    assert pr12["เวลาที่ได้รับ"].number_format == "[$-7041E]d mmm yyyy hh:mm"
    assert ws.column_dimensions["C"].width > ws.column_dimensions["A"].width
    items = list(csv.DictReader(io.StringIO(client.get(f"{YEAR}/items.csv", headers=auth()).text)))
    assert len(items) == ws.max_row - 1
    assert {r["received_at"] for r in items if r["unit"] == "pr" and r["round"] == "12"} == {
        "2022-10-22T08:15:00+07:00"
    }


def test_many_agencies_page_and_export(client, many):
    _, data, slugs = many
    page = client.get("/ita/agencies?fy=2565", headers=auth())
    assert page.status_code == 200, page.text
    rows = [line for line in page.text.splitlines() if line.startswith("<tr data-agency=")]
    order = list(dict.fromkeys(r.split('"')[1] for r in rows))
    assert len(rows) == 5 * len(slugs)
    assert set(order[: len(slugs) // 3]) == {s for i, s in enumerate(slugs) if i % 3 == 2}  # 2 units out
    csv_rows = list(
        csv.DictReader(io.StringIO(client.get("/ita/agencies/export.csv?fy=2565", headers=auth()).text))
    )
    assert [(r["agency"], r["round"]) for r in csv_rows] == [(r.split('"')[1], r.split('"')[3]) for r in rows]
    for r in csv_rows:
        if r["round"] in ("6", "12"):
            comp = json.loads(
                (data / r["agency"] / "2565" / f"round-{int(r['round']):02d}" / "status.json").read_text()
            )["completeness"]
            assert (int(r["due"]), int(r["complete"])) == (
                len(comp["due"]),
                len(comp["due"]) - len(comp["gaps"]),
            )
    # filters: district, state, round; the export follows them
    pai = client.get("/ita/agencies?fy=2565&district=ปาย&round=12", headers=auth()).text
    shown = [line for line in pai.splitlines() if line.startswith("<tr data-agency=")]
    assert len(shown) == len(slugs) // 3 and all('data-round="12"' in line for line in shown)
    assert 'href="/ita/agencies/export.xlsx?fy=2565&amp;district=' in pai
    incomplete = client.get("/ita/agencies?fy=2565&state=incomplete", headers=auth()).text
    assert {
        line.split('data-state="')[1].split('"')[0]
        for line in incomplete.splitlines()
        if line.startswith("<tr data-agency=")
    } == {"incomplete"}
    assert client.get("/ita/agencies?state=nonsense", headers=auth()).status_code == 404
    xlsx = client.get("/ita/agencies/export.xlsx?fy=2565&round=12", headers=auth())
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_the_overview_links_the_year_and_the_agencies(client, sample):
    page = client.get("/ita/", headers=auth()).text
    assert 'href="/ita/y/mae-u-kho/2565"' in page and 'href="/ita/agencies"' in page


def test_the_overview_opens_on_the_newest_planned_year(client, sample):
    page = client.get("/ita/agencies", headers=auth()).text  # the sample plans only 2565
    assert "<option selected>2565</option>" in page
    assert 'href="/ita/agencies/export.xlsx?fy=2565"' in page
    assert page.count("<tr data-agency=") == 5 and '<td class="pct">75.0</td>' in page


def _walk_pages(client, url: str, size: int, total: int, agencies_on) -> list[str]:
    """Follow the *next* links from ``url``: each page numbered, at most ``size`` agencies; every
    agency shown in page order."""
    seen: list[str] = []
    for number in range(1, total + 2):
        page = client.get(url, headers=auth()).text
        nav = re.search(r'<nav id="pages" data-page="(\d+)" data-pages="(\d+)">', page)
        assert nav and int(nav.group(1)) == number and int(nav.group(2)) == -(-total // size)
        shown = list(dict.fromkeys(agencies_on(page)))
        assert 1 <= len(shown) <= size
        seen += shown
        following = re.search(r'<a rel="next" href="([^"]+)"', page)
        if not following:
            return seen
        url = following.group(1).replace("&amp;", "&")
        assert f"page={number + 1}" in url
    raise AssertionError(f"more pages than {total} agencies")


def test_many_agencies_come_a_page_at_a_time_and_the_export_holds_all(client, many, monkeypatch):
    _, _, slugs = many
    monkeypatch.setenv("AIRFLOW__ITA__OVERVIEW_PAGE_AGENCIES", "2")

    def agencies_on(page: str) -> list[str]:
        assert 'href="/ita/agencies/export.csv?fy=2565&amp;round=12"' in page  # every page, not this one
        assert 'name="round"' in page and '<option value="12" selected>' in page  # the filter kept
        return [line.split('"')[1] for line in page.splitlines() if line.startswith("<tr data-agency=")]

    seen = _walk_pages(client, "/ita/agencies?fy=2565&round=12", 2, len(slugs), agencies_on)
    exported = list(
        csv.DictReader(
            io.StringIO(client.get("/ita/agencies/export.csv?fy=2565&round=12", headers=auth()).text)
        )
    )
    assert seen == [r["agency"] for r in exported] and sorted(seen) == sorted(slugs)
    assert client.get("/ita/agencies?fy=2565&page=0", headers=auth()).status_code == 422


def test_the_rounds_overview_comes_a_page_of_agencies_at_a_time(client, many, monkeypatch):
    _, _, slugs = many
    monkeypatch.setenv("AIRFLOW__ITA__OVERVIEW_PAGE_AGENCIES", "4")

    def agencies_on(page: str) -> list[str]:
        return re.findall(r'<span class="small">([a-z0-9-]+)</span></td>', page)

    seen = _walk_pages(client, "/ita/", 4, len(slugs), agencies_on)
    assert sorted(seen) == sorted(slugs) and len(seen) == len(slugs)
    monkeypatch.setenv("AIRFLOW__ITA__OVERVIEW_PAGE_AGENCIES", "100")
    assert 'id="pages"' not in client.get("/ita/", headers=auth()).text  # one page: no links
