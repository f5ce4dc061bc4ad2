"""Unit upload links: signed, scoped, expiring, revocable."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ita_monitor.intake.unit_links import (
    LinkRefused,
    LinkScope,
    check_revoked,
    expiry,
    generation,
    link_for,
    make_token,
    read_token,
    revoke,
)
from ita_monitor.model.rounds import Round
from ita_monitor.model.storage import DataRoot

SECRET = b"k" * 32
SCOPE = LinkScope("mae-u-kho", 2565, 12, "finance")
EXPIRES = datetime(2022, 10, 16, tzinfo=UTC)
BEFORE = EXPIRES - timedelta(days=3)


def test_a_token_reads_back_its_scope_until_it_expires():
    token = make_token(SECRET, SCOPE, EXPIRES)
    link = read_token(SECRET, token, now=BEFORE)
    assert link.scope == SCOPE and link.generation == 0 and link.expires_at == EXPIRES
    with pytest.raises(LinkRefused) as exc:
        read_token(SECRET, token, now=EXPIRES)
    assert exc.value.code == "expired"


def test_the_due_date_is_when_links_expire():
    assert expiry(Round(2565, 12), 15) == Round(2565, 12).due_at(15)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # the signature
        lambda t: t[:5] + ("x" if t[5] != "x" else "y") + t[6:],  # the payload
        lambda t: t.split(".")[0],  # no signature
        lambda t: "",
        lambda t: t + "." + "a" * 600,
    ],
)
def test_an_altered_token_is_refused(tamper):
    token = make_token(SECRET, SCOPE, EXPIRES)
    with pytest.raises(LinkRefused) as exc:
        read_token(SECRET, tamper(token), now=BEFORE)
    assert exc.value.code == "invalid"


def test_a_token_for_another_unit_cannot_be_made_without_the_secret():
    import base64
    import json

    token = make_token(SECRET, SCOPE, EXPIRES)
    payload, sig = token.rsplit(".", 1)
    doc = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    doc["u"] = "palad"
    forged = base64.urlsafe_b64encode(json.dumps(doc).encode()).decode().rstrip("=") + "." + sig
    with pytest.raises(LinkRefused):
        read_token(SECRET, forged, now=BEFORE)
    with pytest.raises(LinkRefused):  # signed with another secret
        read_token(SECRET, make_token(b"other" * 8, SCOPE, EXPIRES), now=BEFORE)


def test_revoking_refuses_the_old_link_and_the_next_one_works(tmp_path):
    data = DataRoot(tmp_path)
    first = link_for(SECRET, data, SCOPE, 15, "https://ita.example.test/")
    assert first.startswith("https://ita.example.test/ita/u/")
    assert link_for(SECRET, data, SCOPE, 15, "https://ita.example.test") == first  # stable: no new mail
    old = read_token(SECRET, first.rsplit("/", 1)[1], now=BEFORE)
    check_revoked(data, old)
    other_unit = LinkScope("mae-u-kho", 2565, 12, "palad")
    other = read_token(SECRET, link_for(SECRET, data, other_unit, 15, "h://x").rsplit("/", 1)[1], now=BEFORE)

    entry = revoke(data, SCOPE, by="admin", reason="lost phone")
    assert entry["generation"] == 0 and (tmp_path / "mae-u-kho" / "unit-links.json").exists()
    with pytest.raises(LinkRefused) as exc:
        check_revoked(data, old)
    assert exc.value.code == "revoked"
    check_revoked(data, other)  # other units keep theirs
    assert generation(data, SCOPE) == 1
    second = link_for(SECRET, data, SCOPE, 15, "https://ita.example.test")
    assert second != first
    check_revoked(data, read_token(SECRET, second.rsplit("/", 1)[1], now=BEFORE))
    # a second press from the page that showed the first link, arriving late, does not revoke the new one
    again = revoke(data, SCOPE, by="admin-2", shown=0)
    assert again == entry and generation(data, SCOPE) == 1
    check_revoked(data, read_token(SECRET, second.rsplit("/", 1)[1], now=BEFORE))
    revoke(data, SCOPE)
    with pytest.raises(LinkRefused):
        check_revoked(data, read_token(SECRET, second.rsplit("/", 1)[1], now=BEFORE))
    with pytest.raises(LinkRefused):
        check_revoked(data, old)


# --- revocations made at the same moment by several processes (api-server workers, hosts) ----------


def _revoke_at_once(root: str, unit: str, by: str, barrier) -> int:
    from pathlib import Path

    data = DataRoot(Path(root))
    barrier.wait()
    # each admin's page showed generation 0 (the page posts it), as two admins' pages would
    return revoke(data, LinkScope("mae-u-kho", 2565, 12, unit), by=by, shown=0)["generation"]


def test_revocations_at_the_same_moment_are_all_kept(tmp_path):
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    units = [f"u{i:02d}" for i in range(20)]
    jobs = [(str(tmp_path), u, f"admin-{u}") for u in units]
    # and two admins revoking the same unit's link at once: it is revoked once, both see that entry
    jobs += [(str(tmp_path), "twice", "admin-a"), (str(tmp_path), "twice", "admin-b")]
    barrier = ctx.Manager().Barrier(len(jobs))
    with ctx.Pool(len(jobs)) as pool:
        generations = pool.starmap(_revoke_at_once, [(*j, barrier) for j in jobs])
    assert generations == [0] * len(jobs)
    data = DataRoot(tmp_path)
    entries = __import__("ita_monitor.intake.unit_links", fromlist=["revoked"]).revoked(data, "mae-u-kho")
    assert sorted(e["unit"] for e in entries) == sorted([*units, "twice"])
    assert {e["by"] for e in entries if e["unit"] == "twice"} <= {"admin-a", "admin-b"}
    for unit in [*units, "twice"]:
        assert generation(data, LinkScope("mae-u-kho", 2565, 12, unit)) == 1
    import json

    on_disk = json.loads((tmp_path / "mae-u-kho" / "unit-links.json").read_text(encoding="utf-8"))
    assert len(on_disk["revoked"]) == len(units) + 1  # the file itself holds them all
