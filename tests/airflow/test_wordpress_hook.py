"""WordPressHook reads an HTTP-type Airflow connection the way the README tells the admin to write it
(from AIRFLOW_CONN_* here); the session is made once per hook and carries the credentials."""

from __future__ import annotations

import json

import pytest

from ita_monitor.airflow_layer.wordpress_hook import WordPressHook


@pytest.mark.parametrize(
    ("conn", "url"),
    [
        ({"host": "127.0.0.1", "port": 8091, "schema": "http"}, "http://127.0.0.1:8091"),
        ({"host": "http://127.0.0.1", "port": 8091}, "http://127.0.0.1:8091"),
        ({"host": "https://www.example.go.th/"}, "https://www.example.go.th"),
    ],
)
def test_the_site_url_and_credentials_come_from_the_connection(monkeypatch, conn, url):
    body = {"conn_type": "http", "login": "ita-admin", "password": "abcd efgh ijkl", **conn}
    monkeypatch.setenv("AIRFLOW_CONN_ITA_WP_HOOK", json.dumps(body))
    hook = WordPressHook(wordpress_conn_id="ita_wp_hook")
    assert hook.base_url == url
    session = hook.get_conn()
    assert session is hook.get_conn() and session.auth == ("ita-admin", "abcd efgh ijkl")
    hook.close()
    assert hook.get_conn() is not session  # a new session after close


def test_the_hook_has_the_providers_shape():
    assert WordPressHook.conn_name_attr == "wordpress_conn_id"
    assert WordPressHook.default_conn_name == "wordpress_default"
    assert WordPressHook.conn_type == "http"
    assert WordPressHook().wordpress_conn_id == "wordpress_default"


def test_a_connection_without_the_application_password_is_refused(monkeypatch):
    monkeypatch.setenv(
        "AIRFLOW_CONN_ITA_WP_NOPW", json.dumps({"conn_type": "http", "host": "x", "login": "u"})
    )
    with pytest.raises(ValueError, match="Application Password"):
        WordPressHook(wordpress_conn_id="ita_wp_nopw").get_conn()
