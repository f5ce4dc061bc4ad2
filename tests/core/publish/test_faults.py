"""Failures of a target: one try, classified, with a message that says which target, what failed and
what to do.  Retrying is Airflow's (the task's retries with backoff), not done here."""

import pytest

from ita_monitor.publish.base import PublishFailed, call_target


def _classify(exc):
    if isinstance(exc, ConnectionError):
        return True
    if isinstance(exc, PermissionError):
        return False
    return None


def test_a_transient_failure_is_tried_once_and_reported_for_the_tasks_retries():
    calls = []

    def down():
        calls.append(1)
        raise ConnectionError("connection refused")

    with pytest.raises(PublishFailed) as failed:
        call_target("SFTP sftp://web@host:22", "uploading /www/2565/a.pdf", down, _classify)
    assert len(calls) == 1
    err = failed.value
    assert err.transient and err.attempts == 1
    text = str(err)
    assert "SFTP sftp://web@host:22" in text and "uploading /www/2565/a.pdf" in text
    assert "ConnectionError: connection refused" in text
    assert "what to do: check that the site/server is up" in text and "clear the failed task" in text
    assert "วิธีแก้" in text


def test_a_call_that_works_returns_its_result():
    assert call_target("WordPress https://x", "uploading", lambda: "ok", _classify) == "ok"


def test_refusals_say_to_check_the_connection():
    def refused():
        raise PermissionError("401 unauthorized")

    with pytest.raises(PublishFailed) as failed:
        call_target("WordPress https://x", "uploading a.pdf", refused, _classify)
    assert not failed.value.transient
    assert "check this target's Airflow connection" in str(failed.value)


def test_errors_that_are_not_about_the_target_pass_through():
    def bug():
        raise KeyError("oops")

    with pytest.raises(KeyError):
        call_target("WordPress https://x", "x", bug, _classify)
