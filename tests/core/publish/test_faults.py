"""Retries with backoff, and failure messages that say which target, what failed and what to do."""

import pytest

from ita_monitor.publish.base import PublishFailed, Retry


def _classify(exc):
    if isinstance(exc, ConnectionError):
        return True
    if isinstance(exc, PermissionError):
        return False
    return None


def test_transient_failures_are_retried_with_backoff_then_reported(monkeypatch):
    slept, calls, reconnects = [], [], []
    monkeypatch.setattr("ita_monitor.publish.base.time.sleep", slept.append)

    def down():
        calls.append(1)
        raise ConnectionError("connection refused")

    with pytest.raises(PublishFailed) as failed:
        Retry(attempts=4, backoff=1, max_backoff=3).call(
            "SFTP sftp://web@host:22",
            "uploading /www/2565/a.pdf",
            down,
            _classify,
            lambda: reconnects.append(1),
        )
    assert len(calls) == 4 and slept == [1, 2, 3] and len(reconnects) == 3
    err = failed.value
    assert err.transient and err.attempts == 4
    text = str(err)
    assert "SFTP sftp://web@host:22" in text and "uploading /www/2565/a.pdf" in text
    assert "ConnectionError: connection refused" in text
    assert "what to do: check that the site/server is up" in text and "clear the publish_report task" in text
    assert "วิธีแก้" in text


def test_a_call_that_recovers_returns_its_result(monkeypatch):
    monkeypatch.setattr("ita_monitor.publish.base.time.sleep", lambda s: None)
    answers = iter([ConnectionError("reset"), "ok"])

    def flaky():
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert Retry(attempts=3).call("WordPress https://x", "uploading", flaky, _classify) == "ok"


def test_refusals_are_not_retried_and_say_to_check_the_connection():
    calls = []

    def refused():
        calls.append(1)
        raise PermissionError("401 unauthorized")

    with pytest.raises(PublishFailed) as failed:
        Retry(attempts=5).call("WordPress https://x", "uploading a.pdf", refused, _classify)
    assert len(calls) == 1 and not failed.value.transient
    assert "check this target's Airflow connection" in str(failed.value)


def test_errors_that_are_not_about_the_target_pass_through():
    def bug():
        raise KeyError("oops")

    with pytest.raises(KeyError):
        Retry().call("WordPress https://x", "x", bug, _classify)
