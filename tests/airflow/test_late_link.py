"""A late link (``ita-monitor link --until``): the unit's page shows its due date, and the round's page
offers the late link to copy, not the expired original."""

from __future__ import annotations

import html as html_lib
import re

import pytest

from tests.airflow.approvals import api_client, token_for

pytestmark = pytest.mark.airflow
ROUND = "/ita/a/mae-u-kho/2565/round-12"


@pytest.fixture(scope="module")
def client(airflow_db):
    client = api_client()
    client.headers["Origin"] = "http://testserver"
    return client


def test_a_late_link_shows_its_own_due_date_and_is_the_one_offered(client, data_root, capsys):
    from ita_monitor.cli import main

    args = ["link", "--agency", "mae-u-kho", "--fiscal-year", "2565", "--round", "12", "--unit", "finance"]
    common = ["--data-root", str(data_root), "--base-url", "http://testserver"]
    assert main([*args, *common, "--until", "2099-01-31", "--by", "admin"]) == 0
    late = capsys.readouterr().out.strip().splitlines()[-1]
    page = client.get(late.removeprefix("http://testserver"))
    assert page.status_code == 200
    assert re.search(r'<b id="last-day">๓๑ มกราคม ๒๖๔๒</b>', page.text) and 'id="late-link"' in page.text
    headers = {"Authorization": f"Bearer {token_for('admin', 'admin')}"}
    round_page = client.get(ROUND, headers=headers).text
    row = re.search(r'<tr data-unit="finance">(.*?)</tr>', round_page, re.S).group(1)
    assert f'value="{html_lib.escape(late)}"' in row or f'value="{late}"' in row
    assert 'data-late-link="finance"' in row and "หมดอายุ" not in row
    other = re.search(r'<tr data-unit="palad">(.*?)</tr>', round_page, re.S).group(1)
    assert "หมดอายุ" in other  # the original links of a past round: expired
