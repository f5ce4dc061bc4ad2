"""On S3 too, every received file gets its own version: several processes at once, one bucket.

The claims are created with the conditional ``PutObject`` ``If-None-Match: *`` (SeaweedFS honours
it, as AWS S3 does); the store is checked to really refuse a second create before it is trusted.
"""

from __future__ import annotations

import multiprocessing

import pytest

from ita_monitor.intake.inbox import deliver
from ita_monitor.intake.versions import history, receive
from ita_monitor.model.rounds import Round
from ita_monitor.model.storage import DataRoot, conditional_writes_hold, create_exclusive
from tests.integration.test_s3_data_root import BUCKET, _get, _keys, s3, s3_root, s3_server  # noqa: F401

pytestmark = [pytest.mark.s3, pytest.mark.airflow]
R12 = Round(2565, 12)
SLUG = "mae-u-kho"


def _root(url: str) -> DataRoot:
    from airflow.sdk import ObjectStoragePath

    return DataRoot(ObjectStoragePath(url))


def _work(url: str, worker: int, each: int, barrier) -> list[tuple[str, int, bool]]:
    data = _root(url)
    barrier.wait(timeout=300)
    out = []
    for i in range(each):
        name = deliver(data, SLUG, R12, "pr", "ผลการดำเนินงาน.csv", f"upload {worker}-{i}".encode())
        v, new = receive(data, SLUG, R12, "palad", "same.xlsx", f"payload {worker}-{i}".encode())
        out.append((name, v.version, new))
    receive(data, SLUG, R12, "palad", "shared.xlsx", b"the same bytes from every process")
    return out


@pytest.mark.timeout(
    600
)  # processes that wait on each other: a lost one fails the test, never hangs the suite
def test_concurrent_processes_on_s3_each_keep_their_own_file_and_version(s3, s3_root):  # noqa: F811
    url = f"s3://ita_s3@{BUCKET}/{s3_root}"
    data = _root(url)
    assert conditional_writes_hold(data.root)
    probe = data.root / "probe" / "x"
    assert create_exclusive(probe, b"first") and not create_exclusive(probe, b"second")
    assert probe.read_bytes() == b"first"

    workers, each = 4, 5
    ctx = multiprocessing.get_context("spawn")  # fsspec's event loop thread does not survive a fork
    barrier = ctx.Manager().Barrier(workers)
    with ctx.Pool(workers) as pool:
        results = pool.starmap(_work, [(url, w, each, barrier) for w in range(workers)])
    names = [n for r in results for n, _, _ in r]
    assert len(set(names)) == workers * each  # no upload name given twice
    inbox = {k for k in _keys(s3, s3_root) if k.startswith("mae-u-kho/2565/round-12/inbox/pr/")}
    bodies = {_get(s3, f"{s3_root}/{k}") for k in inbox}
    assert bodies == {f"upload {w}-{i}".encode() for w in range(workers) for i in range(each)}

    versions = [v for v in history(_root(url), SLUG, R12) if v.unit == "palad"]
    assert sorted(v.version for v in versions) == list(range(1, workers * each + 2))
    assert len({v.sha256 for v in versions}) == workers * each + 1  # the shared bytes: one version
    for v in versions:
        assert _get(s3, f"{s3_root}/mae-u-kho/2565/round-12/{v.stored_as}") != b""


def _revoke_on_s3(url: str, unit: str, barrier) -> None:
    from ita_monitor.intake.unit_links import LinkScope, revoke

    data = _root(url)
    barrier.wait(timeout=300)
    revoke(data, LinkScope(SLUG, 2565, 12, unit), by=f"admin-{unit}")


@pytest.mark.timeout(600)
def test_revocations_and_status_changes_at_once_on_s3_are_all_kept(s3, s3_root):  # noqa: F811
    """unit-links.json and status.json claim their next revision on S3 too (If-None-Match: *)."""
    from ita_monitor.intake.unit_links import revoked

    url = f"s3://ita_s3@{BUCKET}/{s3_root}"
    units = [f"u{i}" for i in range(6)]
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Manager().Barrier(len(units))
    with ctx.Pool(len(units)) as pool:
        pool.starmap(_revoke_on_s3, [(url, u, barrier) for u in units])
    assert sorted(e["unit"] for e in revoked(_root(url), SLUG)) == units
    import json

    assert len(json.loads(_get(s3, f"{s3_root}/{SLUG}/unit-links.json"))["revoked"]) == len(units)
