"""Keys, form tokens, the Origin check and rate limits of the ITA pages (no server needed)."""

from __future__ import annotations

import time

import pytest

from ita_monitor.airflow_layer import websecurity as ws


def test_keys_come_from_a_secret_and_never_from_a_constant(monkeypatch, tmp_path):
    monkeypatch.setenv("AIRFLOW__ITA__LINK_SECRET", "l" * 64)
    from_link_secret = ws.derived_key("form-tokens")
    assert ws.derived_key("unit-links") != from_link_secret  # one key per use
    monkeypatch.delenv("AIRFLOW__ITA__LINK_SECRET")
    from_jwt = ws.derived_key("form-tokens")  # tests set [api_auth] jwt_secret
    assert from_jwt != from_link_secret
    monkeypatch.setenv("AIRFLOW__API_AUTH__JWT_SECRET", "")  # JWTs signed with a private key instead
    key = tmp_path / "jwt.pem"
    key.write_bytes(b"-----BEGIN PRIVATE KEY-----\nsecret\n-----END PRIVATE KEY-----\n")
    monkeypatch.setenv("AIRFLOW__API_AUTH__JWT_PRIVATE_KEY_PATH", str(key))
    from_key = ws.derived_key("form-tokens")
    assert from_key not in (from_jwt, from_link_secret)
    monkeypatch.setenv("AIRFLOW__API_AUTH__JWT_PRIVATE_KEY_PATH", "")
    with pytest.raises(ws.NoSecret, match="link_secret"):
        ws.derived_key("form-tokens")
    with pytest.raises(ws.NoSecret):
        ws.form_token("admin")


def test_form_tokens_are_bound_to_their_subject_and_expire():
    secret = b"t" * 32
    token = ws.form_token("admin", secret)
    assert ws.form_token_problem("admin", token, secret=secret) == ""
    assert ws.form_token_problem("viewer", token, secret=secret) == "form_invalid"
    assert ws.form_token_problem("admin", token + "x", secret=secret) == "form_invalid"
    assert ws.form_token_problem("admin", "", secret=secret) == "form_invalid"
    assert ws.form_token_problem("admin", token, secret=b"u" * 32) == "form_invalid"
    time.sleep(1.1)
    assert ws.form_token_problem("admin", token, max_age=0, secret=secret) == "form_expired"


@pytest.mark.parametrize(
    ("headers", "ok"),
    [
        ({"host": "ita.example.test", "origin": "https://ita.example.test"}, True),
        ({"host": "127.0.0.1:8093", "origin": "http://127.0.0.1:8093"}, True),
        ({"host": "ita.example.test", "referer": "https://ita.example.test/ita/a/x"}, True),
        ({"host": "ita.example.test", "origin": "https://evil.example"}, False),
        ({"host": "ita.example.test", "origin": "null"}, False),
        (
            {
                "host": "ita.example.test",
                "origin": "https://evil.example",
                "referer": "https://ita.example.test/",
            },
            False,
        ),
        ({"host": "ita.example.test", "referer": "https://ita.example.test.evil.example/"}, False),
        ({"host": "ita.example.test"}, False),  # neither: refused
        ({"host": "internal:8080", "origin": "https://ita.example.test"}, True),  # [api] base_url's host
    ],
)
def test_state_changing_requests_must_come_from_our_own_pages(headers, ok):
    assert ws.same_origin(headers, base_url="https://ita.example.test") is ok


def test_the_rate_limiter_counts_per_key_in_a_sliding_window():
    limiter = ws.RateLimiter(limit=3, window=60)
    assert [limiter.hit("a", now=t) for t in (0, 1, 2)] == [0, 0, 0]
    assert limiter.hit("a", now=3) == pytest.approx(57)
    assert limiter.hit("b", now=3) == 0  # another key is not affected
    assert limiter.hit("a", now=60.5) == 0  # the first one left the window


def test_the_admin_prints_revokes_and_reissues_a_units_link(tmp_path, capsys):
    """README: ita-monitor link ... [--revoke]; the printed link is the one the page accepts."""
    from ita_monitor.cli import main
    from ita_monitor.intake.unit_links import LinkRefused, check_revoked, read_token
    from ita_monitor.model.storage import DataRoot

    args = ["link", "--agency", "mae-u-kho", "--fiscal-year", "2565", "--round", "6", "--unit", "finance"]
    common = ["--data-root", str(tmp_path), "--base-url", "https://ita.example.test", "--until", "2099-01-31"]
    assert main([*args, *common]) == 0
    first = capsys.readouterr().out.strip().splitlines()[-1]
    assert first.startswith("https://ita.example.test/ita/u/")
    link = read_token(ws.link_secret(), first.rsplit("/", 1)[1])
    assert (link.scope.unit, link.scope.months, link.expires_at.year) == ("finance", 6, 2099)
    assert main([*args, *common, "--revoke", "--reason", "sent to the wrong address"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert "revoked" in out[0] and out[-1] != first
    with pytest.raises(LinkRefused):
        check_revoked(DataRoot(tmp_path), link)
    check_revoked(DataRoot(tmp_path), read_token(ws.link_secret(), out[-1].rsplit("/", 1)[1]))
    assert main([*args[:-3], "2", "--unit", "finance", *common]) == 2  # round 2 is not scheduled
    assert main([*args[:-1], "nobody", *common]) == 2


def test_form_mail_links_need_a_base_url_and_a_secret(monkeypatch, tmp_path):
    from types import SimpleNamespace

    from ita_monitor.model.config import AgenciesDir
    from ita_monitor.model.rounds import Round
    from ita_monitor.model.storage import DataRoot
    from tests.conftest import AGENCIES

    agency = AgenciesDir(AGENCIES).agency("mae-u-kho")
    rnd = Round(2565, 12)
    job = SimpleNamespace(
        slug="mae-u-kho", rnd=rnd, agency=agency, data=DataRoot(tmp_path), due_at=rnd.due_at(15)
    )  # the link expires when the round's wait ends
    monkeypatch.delenv("AIRFLOW__API__BASE_URL", raising=False)
    assert ws.unit_link_maker(job) is None  # no base URL: the mails go without links
    monkeypatch.setenv("AIRFLOW__API__BASE_URL", "https://ita.example.test")
    assert ws.unit_link_maker(job)("finance").startswith("https://ita.example.test/ita/u/")
    monkeypatch.setenv("AIRFLOW__API_AUTH__JWT_SECRET", "")
    with pytest.raises(ws.NoSecret, match=r"\[ita\] link_secret"):  # open_round fails saying what to set
        ws.unit_link_maker(job)
