"""A unit's own page by its link, through Airflow's real api-server app (create_app + TestClient):
no login, only its own unit and round, the intake's outcome at once, refused when altered, expired,
revoked, forged, cross-site, too large or too fast."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from tests.airflow.approvals import api_client
from tests.conftest import SAMPLES

pytestmark = pytest.mark.airflow
ROUND_DIR = ("mae-u-kho", "2565", "round-12")
SAMPLE = SAMPLES / "mae-u-kho" / "2565" / "round-12"
FINANCE = (SAMPLE / "finance" / "kong-klang-round12.csv").read_bytes()
PR = (SAMPLE / "pr" / "pr-round12.json").read_bytes()
ORIGIN = {"Origin": "http://testserver"}


@pytest.fixture(scope="module")
def client(airflow_db):
    return api_client()


@pytest.fixture(autouse=True)
def fresh_limits(tmp_path, monkeypatch):
    """Counters of this test's own (``[ita] rate_limit_storage``)."""
    monkeypatch.setenv("AIRFLOW__ITA__RATE_LIMIT_STORAGE", f"ita-sqlite://{tmp_path / 'limits.sqlite'}")


def token(
    unit: str = "finance", months: int = 12, expires: datetime | None = None, generation: int = 0
) -> str:
    from ita_monitor.airflow_layer.websecurity import link_secret
    from ita_monitor.intake.unit_links import LinkScope, make_token

    expires = expires or datetime.now(UTC) + timedelta(days=2)
    return make_token(link_secret(), LinkScope("mae-u-kho", 2565, months, unit), expires, generation)


def form_token(client, url: str) -> str:
    page = client.get(url)
    assert page.status_code == 200, page.text
    return re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)


def upload(client, tok: str, name: str, body: bytes, csrf: str | None = None, headers=None, data=None):
    url = f"/ita/u/{tok}"
    fields = {"csrf": form_token(client, url) if csrf is None else csrf, **(data or {})}
    return client.post(
        f"{url}/upload",
        data=fields,
        files={"file": (name, body, "application/octet-stream")},
        headers=ORIGIN if headers is None else headers,
        follow_redirects=False,
    )


def inbox(root, unit: str):
    folder = root.joinpath(*ROUND_DIR, "inbox", unit)
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_the_link_opens_the_units_own_page_without_a_login(client, data_root):
    resp = client.get(f"/ita/u/{token()}")
    assert resp.status_code == 200
    html = resp.text
    assert "กองคลัง" in html and "องค์การบริหารส่วนตำบลแม่อูคอ" in html
    assert 'data-measure="M4"' in html and 'data-kind="missing"' in html
    for other in ('data-measure="M1"', 'data-measure="M2"', "สำนักปลัด", "งานประชาสัมพันธ์", "palad"):
        assert other not in html  # nothing of any other unit
    assert "๑๕ ตุลาคม ๒๕๖๕" in html  # the last day to submit
    assert (
        resp.headers["cache-control"] == "no-store"
        and "frame-ancestors 'none'" in resp.headers["content-security-policy"]
    )


def test_a_unit_uploads_and_sees_this_files_outcome_at_once(client, data_root):
    tok = token()
    resp = upload(client, tok, "kong-klang-round12.csv", FINANCE)
    assert resp.status_code == 303, resp.text
    assert inbox(data_root, "finance") == ["kong-klang-round12.csv"]
    page = client.get(resp.headers["location"]).text
    assert 'id="outcome" data-accepted="yes" data-version="1"' in page
    assert "ใช้ได้ ๑ แถว" in page and "1 row(s) taken" in page
    assert 'data-measure="M4"' in page and 'data-kind="received"' in page

    # a file that is not this unit's: rejected, every problem in Thai and English, nothing counted
    resp = upload(client, tok, "pr-round12.json", PR)
    page = client.get(resp.headers["location"]).text
    assert 'data-accepted="no" data-version="2"' in page
    assert "แบบฟอร์มนี้เป็นของหน่วยงาน pr" in page and "this form is for unit pr" in page
    assert 'data-kind="received"' in page  # version 1 still counts


def test_files_that_cannot_be_submissions_are_refused_with_the_intakes_reasons(client, data_root):
    resp = upload(client, token(), "fake.xlsx", b"not a zip")
    assert resp.status_code == 400
    assert 'id="refused" data-code="bad_file"' in resp.text and "save it again as .xlsx" in resp.text
    assert inbox(data_root, "finance") == []


def test_the_link_reaches_no_other_unit(client, data_root):
    # a unit field in the form is ignored: the link's unit is the only one
    resp = upload(client, token(), "kong-klang-round12.csv", FINANCE, data={"unit": "palad"})
    assert resp.status_code == 303
    assert inbox(data_root, "finance") == ["kong-klang-round12.csv"] and inbox(data_root, "palad") == []
    # another unit's link is another page; a link's form token is not valid for another link
    palad = client.get(f"/ita/u/{token('palad')}").text
    assert "สำนักปลัด" in palad and "kong-klang" not in palad and "กองคลัง" not in palad
    forged = upload(client, token("palad"), "x.csv", FINANCE, csrf=form_token(client, f"/ita/u/{token()}"))
    assert forged.status_code == 403 and inbox(data_root, "palad") == []
    # the admin's routes stay behind the login
    assert client.get("/ita/a/mae-u-kho/2565/round-12").status_code == 401
    assert (
        client.get("/ita/files/mae-u-kho/2565/round-12/inbox/finance/kong-klang-round12.csv").status_code
        == 401
    )


@pytest.mark.parametrize(
    ("make", "status", "code"),
    [
        (lambda: token()[:-2] + "xx", 403, "invalid"),
        (lambda: token().replace(".", "x.", 1), 403, "invalid"),
        (lambda: "not-a-token", 403, "invalid"),
        (lambda: token(expires=datetime(2022, 10, 16, tzinfo=UTC)), 410, "expired"),
        (lambda: token(months=2), 404, "unknown"),  # round 2 is not in the agency's schedule
        (lambda: token(unit="nobody"), 404, "unknown"),
    ],
)
def test_an_altered_expired_or_unscheduled_link_is_refused(client, data_root, make, status, code):
    tok = make()
    resp = client.get(f"/ita/u/{tok}")
    assert resp.status_code == status and f'data-code="{code}"' in resp.text
    assert 'name="csrf"' not in resp.text
    up = client.post(
        f"/ita/u/{tok}/upload", files={"file": ("a.csv", FINANCE)}, data={"csrf": "x"}, headers=ORIGIN
    )
    assert up.status_code == status
    assert not data_root.joinpath("mae-u-kho").exists()  # nothing stored, no folder made


def test_a_revoked_link_is_refused_and_the_next_one_works(client, data_root):
    from ita_monitor.intake.unit_links import LinkScope, revoke
    from ita_monitor.model.storage import DataRoot

    assert client.get(f"/ita/u/{token()}").status_code == 200
    revoke(DataRoot(data_root), LinkScope("mae-u-kho", 2565, 12, "finance"), by="admin")
    resp = client.get(f"/ita/u/{token()}")
    assert resp.status_code == 403 and 'data-code="revoked"' in resp.text
    assert client.get(f"/ita/u/{token(generation=1)}").status_code == 200


def test_uploads_need_our_origin_and_a_fresh_form_token(client, data_root, monkeypatch):
    tok = token()
    for headers in (
        {},
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Referer": "https://evil.example/x"},
    ):
        resp = upload(client, tok, "kong-klang-round12.csv", FINANCE, headers=headers)
        assert resp.status_code == 403 and 'data-code="origin"' in resp.text, headers
    resp = upload(client, tok, "a.csv", FINANCE, headers={"Referer": f"http://testserver/ita/u/{tok}"})
    assert resp.status_code == 303  # an old browser without Origin sends our Referer
    for csrf, code in (("", "form_invalid"), ("forged", "form_invalid")):
        resp = upload(client, tok, "b.csv", FINANCE + b"\n", csrf=csrf)
        assert resp.status_code == 403 and f'data-code="{code}"' in resp.text
    from ita_monitor.airflow_layer import websecurity

    old = form_token(client, f"/ita/u/{tok}")
    monkeypatch.setattr(websecurity, "FORM_TOKEN_MAX_AGE", -1)
    resp = upload(client, tok, "c.csv", FINANCE + b"\n\n", csrf=old)
    assert resp.status_code == 403 and 'data-code="form_expired"' in resp.text
    assert inbox(data_root, "finance") == ["a.csv"]


def test_one_size_limit_checked_while_reading(client, data_root):
    from ita_monitor.intake.sniff import MAX_FILE_BYTES

    tok = token()
    resp = upload(client, tok, "big.csv", b"x" * (MAX_FILE_BYTES + 1))
    assert resp.status_code == 413 and 'data-code="too_large"' in resp.text
    resp = upload(client, tok, "huge.csv", b"x" * (MAX_FILE_BYTES * 3))
    assert resp.status_code == 413
    assert inbox(data_root, "finance") == []


def test_requests_are_rate_limited_per_link_and_per_address(client, data_root):
    from ita_monitor.airflow_layer.webapp import unit as unit_page

    tok = token()
    statuses = [client.get(f"/ita/u/{tok}").status_code for _ in range(unit_page.PER_LINK.limit + 1)]
    assert statuses[:-1] == [200] * unit_page.PER_LINK.limit and statuses[-1] == 429
    resp = client.get(f"/ita/u/{tok}")
    assert 'data-code="rate_limited"' in resp.text and int(resp.headers["retry-after"]) > 0
    assert client.get(f"/ita/u/{token('palad')}").status_code == 200  # another link is not affected
    for _ in range(unit_page.PER_ADDRESS.limit):
        client.get("/ita/u/garbage")
    assert client.get(f"/ita/u/{token('pr')}").status_code == 429  # this address sent too many


def test_the_admin_sees_each_units_link_and_revokes_one_on_the_round_page(client, data_root):
    from ita_monitor.airflow_layer.websecurity import link_secret
    from ita_monitor.intake.unit_links import LinkRefused, check_revoked, read_token
    from ita_monitor.model.storage import DataRoot
    from tests.airflow.approvals import token_for

    admin = {"Authorization": f"Bearer {token_for()}"}
    page = client.get("/ita/a/mae-u-kho/2565/round-12", headers=admin).text
    links = dict(re.findall(r'<tr data-unit="(\w+)">.*?class="unit-link" value="([^"]+)"', page, re.S))
    assert sorted(links) == ["finance", "palad", "pr"] and links["finance"].startswith(
        "http://testserver/ita/u/"
    )
    before = datetime(2022, 10, 1, tzinfo=UTC)
    old = read_token(link_secret(), links["finance"].rsplit("/", 1)[1], now=before)
    assert old.scope.unit == "finance" and "หมดอายุ" in page  # round 12 of 2565 is long past its due date
    viewer = {"Authorization": f"Bearer {token_for('viewer', 'viewer')}"}
    assert 'id="unit-links"' not in client.get("/ita/a/mae-u-kho/2565/round-12", headers=viewer).text

    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    shown = dict(
        re.findall(r'name="unit" value="(\w+)"><input type="hidden" name="generation" value="(\d+)"', page)
    )
    assert shown == {"finance": "0", "palad": "0", "pr": "0"}  # the form names the link it showed
    pressed = {"csrf": csrf, "unit": "finance", "generation": shown["finance"]}
    resp = client.post(
        "/ita/a/mae-u-kho/2565/round-12/revoke-link",
        headers={**admin, **ORIGIN},
        data=pressed,
        follow_redirects=False,
    )
    assert resp.status_code == 303 and resp.headers["location"].endswith("?m=link_revoked")
    with pytest.raises(LinkRefused):
        check_revoked(DataRoot(data_root), old)
    page = client.get(resp.headers["location"], headers=admin).text
    assert "ยกเลิกลิงก์เดิมของหน่วยงานย่อยแล้ว" in page
    new = dict(re.findall(r'<tr data-unit="(\w+)">.*?class="unit-link" value="([^"]+)"', page, re.S))
    assert new["finance"] != links["finance"] and new["palad"] == links["palad"]
    check_revoked(
        DataRoot(data_root), read_token(link_secret(), new["finance"].rsplit("/", 1)[1], now=before)
    )
    # the same press again (a second admin's page, a double click): the link it showed is already revoked,
    # the new one keeps working
    resp = client.post(
        "/ita/a/mae-u-kho/2565/round-12/revoke-link", headers={**admin, **ORIGIN}, data=pressed
    )
    assert resp.status_code == 200
    check_revoked(
        DataRoot(data_root), read_token(link_secret(), new["finance"].rsplit("/", 1)[1], now=before)
    )
    assert (
        client.post(
            "/ita/a/mae-u-kho/2565/round-12/revoke-link",
            headers={**viewer, **ORIGIN},
            data={"csrf": csrf, "unit": "palad"},
        ).status_code
        == 403
    )


def test_without_any_secret_the_page_says_so_and_accepts_nothing(client, data_root, monkeypatch):
    tok = token()
    monkeypatch.setenv("AIRFLOW__API_AUTH__JWT_SECRET", "")
    monkeypatch.delenv("AIRFLOW__ITA__LINK_SECRET", raising=False)
    resp = client.get(f"/ita/u/{tok}")
    assert resp.status_code == 503 and 'data-code="no_secret"' in resp.text
    assert upload(client, tok, "a.csv", FINANCE, csrf="x").status_code == 503
    assert inbox(data_root, "finance") == []
