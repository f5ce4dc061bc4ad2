"""Uploads through the ITA page go through intake.deliver: any name is stored under a safe, bounded
name (the long Thai one, ``..csv``), never over another file, and the round is collected."""

from __future__ import annotations

import json

import pytest

from tests.airflow.test_webapp import ROUND, auth, client, csrf  # noqa: F401
from tests.core.bad_files import GOOD, LONG_THAI_NAME, csv_text

pytestmark = pytest.mark.airflow


def test_a_long_thai_name_and_dots_only_are_stored_safely_and_collected(client, data_root):  # noqa: F811
    headers = auth()
    token = csrf(client, headers)
    body = csv_text(GOOD).encode()
    for name, content in ((LONG_THAI_NAME, body), ("..csv", body + b"\n"), ("....csv", body + b"\n\n")):
        resp = client.post(
            f"{ROUND}/upload",
            headers=headers,
            data={"csrf": token, "unit": "palad"},
            files={"file": (name, content, "text/csv")},
            follow_redirects=False,
        )
        assert resp.status_code == 303, resp.text
    inbox = data_root / "mae-u-kho" / "2565" / "round-12" / "inbox" / "palad"
    names = sorted(p.name for p in inbox.iterdir())
    assert len(names) == 3 and "file.csv" in names and "file-2.csv" in names
    long = next(n for n in names if n.startswith("รายงานผล"))
    assert long.endswith(".csv") and len(long.encode()) <= 120
    status = json.loads((data_root / "mae-u-kho" / "2565" / "round-12" / "status.json").read_text())
    assert [f["accepted"] for f in status["files"]] == [True, True, True]


def test_an_upload_above_the_one_limit_is_refused_and_not_kept(client, data_root, monkeypatch):  # noqa: F811
    monkeypatch.setenv("AIRFLOW__ITA__MAX_SUBMISSION_BYTES", "1000")
    headers = auth()
    resp = client.post(
        f"{ROUND}/upload",
        headers=headers,
        data={"csrf": csrf(client, headers), "unit": "palad"},
        files={"file": ("a.csv", b"x" * 1001, "text/csv")},
        follow_redirects=False,
    )
    assert resp.status_code == 413 and "1,001" in resp.text and "1,000" in resp.text
    assert not (data_root / "mae-u-kho" / "2565" / "round-12" / "inbox" / "palad").exists()
