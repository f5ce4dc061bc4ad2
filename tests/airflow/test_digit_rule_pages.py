"""One digit rule on every page a person reads Thai on: the overview, a round, the agency's year, the
many-agency overview, link health and a unit's own page, with a sample round collected (files,
versions, a late file, gaps).  No Latin digit inside Thai prose (``tests/digit_rule.py``)."""

from __future__ import annotations

import pytest

from tests.airflow.approvals import api_client, token_for
from tests.conftest import drop_samples
from tests.digit_rule import latin_in_thai

pytestmark = pytest.mark.airflow


@pytest.fixture(scope="module")
def client(airflow_db):
    return api_client()


def test_every_page_follows_the_digit_rule(client, data_root):
    from ita_monitor.flow.pipeline import RoundIncomplete, RoundJob, check_round, collect
    from ita_monitor.model.config import AgenciesDir
    from ita_monitor.model.rounds import Round
    from ita_monitor.model.storage import DataRoot
    from tests.airflow.test_unit_page import token
    from tests.conftest import AGENCIES

    drop_samples(data_root, units=["palad", "finance"])  # pr still missing
    job = RoundJob.load(AgenciesDir(AGENCIES), "mae-u-kho", Round(2565, 12), DataRoot(data_root))
    collect(job)
    with pytest.raises(RoundIncomplete):  # the round's page then shows its gaps
        check_round(job)
    headers = {"Authorization": f"Bearer {token_for('admin', 'admin')}"}
    pages = {
        "overview": "/ita/",
        "round": "/ita/a/mae-u-kho/2565/round-12",
        "year": "/ita/y/mae-u-kho/2565",
        "agencies": "/ita/agencies?fy=2565",
        "links": "/ita/links/mae-u-kho/2565",
    }
    found = {}
    for name, path in pages.items():
        resp = client.get(path, headers=headers)
        assert resp.status_code == 200, (name, resp.status_code)
        if bad := latin_in_thai(resp.text):
            found[name] = bad
    unit = client.get(f"/ita/u/{token()}")
    assert unit.status_code == 200
    if bad := latin_in_thai(unit.text):
        found["unit"] = bad
    assert found == {}, "\n".join(f"{page}: {where}" for page, bad in found.items() for where in bad)
