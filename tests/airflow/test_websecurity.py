"""Keys, form tokens, the Origin check and rate limits of the ITA pages (no server needed, but the
Redis test: the machine's own Redis, as production shares the rate limits across hosts)."""

from __future__ import annotations

import pytest

from ita_monitor.airflow_layer import websecurity as ws
from tests.conftest import skip_or_fail


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
    now = [1_800_000_000.0]  # a clock the test moves

    def clock() -> float:
        return now[0]

    token = ws.form_token("admin", secret)
    assert ws.form_token_problem("admin", token, secret=secret) == ""
    assert ws.form_token_problem("viewer", token, secret=secret) == "form_invalid"
    assert ws.form_token_problem("admin", token + "x", secret=secret) == "form_invalid"
    assert ws.form_token_problem("admin", "", secret=secret) == "form_invalid"
    assert ws.form_token_problem("admin", token, secret=b"u" * 32) == "form_invalid"
    issued = ws.form_token("admin", secret, clock=clock)
    now[0] += ws.FORM_TOKEN_MAX_AGE
    assert ws.form_token_problem("admin", issued, secret=secret, clock=clock) == ""
    now[0] += 1  # one second past a working day
    assert ws.form_token_problem("admin", issued, secret=secret, clock=clock) == "form_expired"
    assert ws.form_token_problem("viewer", issued, secret=secret, clock=clock) == "form_expired"


ORIGINS = ws.allowed_origins("https://ita.example.test", "https://ita.province.example, http://10.0.0.5:8080")


@pytest.mark.parametrize(
    ("headers", "ok"),
    [
        ({"host": "ita.example.test", "origin": "https://ita.example.test"}, True),
        ({"host": "ita.example.test", "origin": "https://ITA.example.test:443"}, True),  # same origin
        ({"host": "internal:8080", "origin": "https://ita.example.test"}, True),  # [api] base_url
        ({"host": "x", "origin": "https://ita.province.example"}, True),  # [ita] allowed_origins
        ({"host": "x", "origin": "http://10.0.0.5:8080"}, True),
        ({"host": "ita.example.test", "referer": "https://ita.example.test/ita/a/x"}, True),
        ({"host": "ita.example.test", "origin": "http://ita.example.test"}, False),  # another scheme
        ({"host": "ita.example.test", "origin": "https://ita.example.test:8443"}, False),  # another port
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
        # the request's own Host and X-Forwarded-Host are never trusted (anyone can send them)
        ({"host": "evil.example", "origin": "https://evil.example"}, False),
        (
            {
                "host": "ita.example.test",
                "x-forwarded-host": "evil.example",
                "origin": "https://evil.example",
            },
            False,
        ),
        ({"host": "127.0.0.1:8093", "origin": "http://127.0.0.1:8093"}, False),  # not configured
    ],
)
def test_state_changing_requests_must_come_from_our_own_pages(headers, ok):
    assert ws.same_origin(headers, ORIGINS) is ok


def test_allowed_origins_come_from_configuration_only(monkeypatch):
    monkeypatch.setenv("AIRFLOW__API__BASE_URL", "https://ita.example.test/")
    monkeypatch.setenv("AIRFLOW__ITA__ALLOWED_ORIGINS", "https://ita.province.example")
    assert ws.configured_origins() == {"https://ita.example.test", "https://ita.province.example"}
    monkeypatch.delenv("AIRFLOW__API__BASE_URL")
    monkeypatch.setenv("AIRFLOW__ITA__ALLOWED_ORIGINS", "")
    monkeypatch.setenv("AIRFLOW__API__PORT", "8093")  # neither set: the api-server on this machine
    assert ws.configured_origins() == {"http://localhost:8093", "http://127.0.0.1:8093"}


def _hits(uri: str, key: str, count: int, barrier) -> list[float]:
    from ita_monitor.airflow_layer.ratelimit import RateLimit

    limit = RateLimit("test", 10, 600, uri=uri)
    barrier.wait()
    return [limit.hit(key) for _ in range(count)]


def test_the_rate_limit_is_counted_by_every_process_together(tmp_path):
    """Four processes (as four api-server workers) hit one key: 10 pass in all, not 10 each."""
    import multiprocessing

    uri = f"ita-sqlite://{tmp_path / 'limits.sqlite'}"
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Manager().Barrier(4)
    with ctx.Pool(4) as pool:
        waits = [w for r in pool.starmap(_hits, [(uri, "a", 5, barrier)] * 4) for w in r]
    assert sum(1 for w in waits if w == 0) == 10 and len(waits) == 20
    assert all(0 < w <= 600 for w in waits if w)  # the refused are told how long to wait
    from ita_monitor.airflow_layer.ratelimit import RateLimit

    assert RateLimit("test", 10, 600, uri=uri).hit("b") == 0  # another key is not affected
    assert RateLimit("other", 10, 600, uri=uri).hit("a") == 0  # nor another limit


@pytest.mark.redis
def test_the_rate_limit_in_redis_is_counted_by_every_process_together():
    """Production's storage, ``[ita] rate_limit_storage = redis://...``: four processes (workers of two
    hosts) hit one key of the machine's Redis; 10 pass in all."""
    import multiprocessing
    import socket
    import uuid

    with socket.socket() as probe:
        probe.settimeout(1)
        if probe.connect_ex(("127.0.0.1", 6379)) != 0:
            skip_or_fail("Redis is not running on 127.0.0.1:6379")
    uri, key = "redis://127.0.0.1:6379/5", f"test-{uuid.uuid4().hex}"  # a key of this run alone
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Manager().Barrier(4)
    with ctx.Pool(4) as pool:
        waits = [w for r in pool.starmap(_hits, [(uri, key, 5, barrier)] * 4) for w in r]
    assert sum(1 for w in waits if w == 0) == 10 and len(waits) == 20
    assert all(0 < w <= 600 for w in waits if w)


def test_the_rate_limit_storage_is_the_configured_one(monkeypatch, tmp_path):
    from ita_monitor.airflow_layer import ratelimit

    monkeypatch.delenv("AIRFLOW__ITA__RATE_LIMIT_STORAGE", raising=False)
    assert ratelimit.configured_uri() == ratelimit.default_uri()
    assert ratelimit.default_uri().endswith("ita-rate-limits.sqlite")
    monkeypatch.setenv("AIRFLOW__ITA__RATE_LIMIT_STORAGE", "redis://127.0.0.1:6379/5")
    assert ratelimit.configured_uri() == "redis://127.0.0.1:6379/5"


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
