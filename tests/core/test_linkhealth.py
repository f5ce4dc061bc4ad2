"""Link health: each state from a real local web server, the record of changes (notified once),
the ITAS readiness sheet, and the per-host bound on connections."""

from __future__ import annotations

import csv
import hashlib
import io

import pytest

from ita_monitor.links.checker import CheckSettings, HostStats, Outcome, check, check_async
from ita_monitor.links.readiness import readiness_csv, readiness_rows
from ita_monitor.links.record import LinkHealth, mark_notified, pending_notice, record
from ita_monitor.links.targets import Link, links_to_check
from ita_monitor.model.catalogue import OitLinks
from ita_monitor.model.config import AgenciesDir
from tests.conftest import AGENCIES
from tests.linkserver import FaultyServer

A, B = b"%PDF-1.4 approved measures\n", b"%PDF-1.4 approved report\n"
FAST = CheckSettings(timeout=1.0, slow=0.3, per_host=4, rate_per_host=0)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def server(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "measures.pdf").write_bytes(A)
    (site / "report.pdf").write_bytes(b"%PDF-1.4 someone else's bytes\n")
    (site / "index.html").write_text('<a href="X/measures.pdf">m</a>', encoding="utf-8")
    for name in ("err.pdf", "loop.pdf", "slow.pdf", "late.pdf"):
        (site / name).write_bytes(A)
    with FaultyServer(site) as srv:
        srv.fail("/err.pdf", "500")
        srv.fail("/loop.pdf", "loop")
        srv.fail("/slow.pdf", "slow:2")  # longer than the 1 s timeout
        srv.fail("/late.pdf", "slow:0.5")  # over the 0.3 s "slow" mark, under the timeout
        yield srv


def test_each_state_is_told_apart(server):
    u = server.url
    links = [
        Link("document:measures", "document", f"{u}/measures.pdf", "O42", "m", sha(A)),
        Link("document:round-12", "document", f"{u}/report.pdf", "O43", "r", sha(B)),
        Link("document:gone", "document", f"{u}/gone.pdf", "O43", "g", sha(B)),
        Link("document:err", "document", f"{u}/err.pdf", "O43", "e", sha(A)),
        Link("document:loop", "document", f"{u}/loop.pdf", "O43", "l", sha(A)),
        Link("document:timeout", "document", f"{u}/slow.pdf", "O43", "t", sha(A)),
        Link("document:late", "document", f"{u}/late.pdf", "O43", "s", sha(A)),
        Link("index", "index", f"{u}/index.html", "", "i", links_to=("X/measures.pdf", "X/report.pdf")),
        Link("other:O1", "other", "relative/only.html", "O1", "o"),
        Link("other:O2", "other", "http://127.0.0.1:9/refused", "O2", "o"),
    ]
    out = check(links, FAST)
    got = {k: o.state for k, o in out.items()}
    assert got == {
        "document:measures": "ok",
        "document:round-12": "changed",
        "document:gone": "missing",
        "document:err": "failing",
        "document:loop": "failing",
        "document:timeout": "failing",
        "document:late": "slow",
        "index": "changed",
        "other:O1": "unchecked",
        "other:O2": "failing",
    }
    assert out["document:gone"].http_status == 404
    assert out["document:err"].http_status == 500
    assert "redirect loop" in out["document:loop"].detail
    assert "timeout" in out["document:timeout"].detail
    assert "X/report.pdf" in out["index"].detail and "X/measures.pdf" not in out["index"].detail
    assert out["document:round-12"].sha256 == sha(b"%PDF-1.4 someone else's bytes\n")


def test_no_more_than_n_connections_to_one_host(server):
    server.fail("/late.pdf", "slow:0.2")
    links = [Link(f"document:{i}", "document", f"{server.url}/late.pdf", "", "", sha(A)) for i in range(24)]
    stats: dict[str, HostStats] = {}
    import asyncio

    settings = CheckSettings(timeout=5, slow=10, per_host=3, rate_per_host=0)
    out = asyncio.run(check_async(links, settings, stats))
    assert all(o.state == "ok" for o in out.values())
    # overlapped, never more than 3 from the client; the server's handler thread counts a request done
    # only after the client already has the whole answer and may start the next, so it can see one more
    assert 3 <= server.max_in_flight <= 4
    assert stats[server.url].max_in_flight == 3 and stats[server.url].requests == 24


def test_the_rate_per_host_spaces_requests(server):
    import time

    links = [
        Link(f"document:{i}", "document", f"{server.url}/measures.pdf", "", "", sha(A)) for i in range(6)
    ]
    started = time.monotonic()
    check(links, CheckSettings(timeout=5, slow=10, per_host=6, rate_per_host=10))
    assert time.monotonic() - started >= 0.5  # 6 starts at 10 a second: the last one 0.5 s after the first


def _outcomes(**states) -> dict[str, Outcome]:
    return {k.replace("_", ":"): Outcome(v) for k, v in states.items()}


def test_a_change_of_state_is_noticed_once_and_recovery_too():
    links = [
        Link("document:measures", "document", "http://x/m.pdf", "O42", "m", "a"),
        Link("index", "index", "http://x/", "", "i"),
    ]
    first = record(
        None, "ag", 2565, links, {"document:measures": Outcome("ok"), "index": Outcome("ok")}, "t1"
    )
    assert pending_notice(first) == []  # new and working: nothing to tell
    assert first.links["document:measures"].last_ok == "t1"
    second = record(
        first, "ag", 2565, links, {"document:measures": Outcome("missing"), "index": Outcome("slow")}, "t2"
    )
    told = pending_notice(second)
    assert [(c.id, c.from_state, c.to) for c in told] == [
        ("document:measures", "ok", "missing")
    ]  # ok->slow: not mailed
    assert second.links["document:measures"].last_ok == "t1"
    assert second.links["document:measures"].since == "t2"
    second = mark_notified(second, "t2")
    third = record(
        second, "ag", 2565, links, {"document:measures": Outcome("missing"), "index": Outcome("ok")}, "t3"
    )
    assert pending_notice(third) == []  # still missing: not told again
    assert third.links["document:measures"].since == "t2"
    fourth = record(
        third, "ag", 2565, links, {"document:measures": Outcome("ok"), "index": Outcome("ok")}, "t4"
    )
    assert [(c.from_state, c.to) for c in pending_notice(fourth)] == [("missing", "ok")]
    assert [h.checked_at for h in fourth.history] == ["t1", "t2", "t3", "t4"]


def test_links_and_readiness_from_catalogue_manifest_and_the_admins_urls():
    catalogue = AgenciesDir(AGENCIES).catalogue(2565)
    oit = OitLinks(urls={"O1": "https://agency.example/structure"})
    manifest = {
        "index_url": "https://agency.example/ita/2565/index.html",
        "documents": {
            "measures": {
                "key": "measures",
                "document": "measures",
                "title_th": "มาตรการ",
                "url": "https://agency.example/ita/2565/m.pdf",
                "sha256": "a" * 64,
                "published_at": "t",
            },
        },
    }
    links = links_to_check(catalogue, manifest, oit)
    assert [(link.id, link.oit_item) for link in links] == [
        ("document:measures", "O42"),
        ("index", ""),
        ("other:O1", "O1"),
    ]
    health = record(
        None,
        "ag",
        2565,
        links,
        {"document:measures": Outcome("changed", "bytes"), "index": Outcome("ok"), "other:O1": Outcome("ok")},
        "t1",
    )
    rows = readiness_rows(catalogue, manifest, health, oit)
    by_item = {r["oit_item"]: r for r in rows}
    assert (
        by_item["O42"]["published"],
        by_item["O42"]["reachable"],
        by_item["O42"]["matching"],
        by_item["O42"]["ready"],
    ) == ("yes", "yes", "no", "no")
    assert (by_item["O43"]["published"], by_item["O43"]["ready"]) == ("no", "no")
    assert (by_item["O1"]["managed"], by_item["O1"]["url"], by_item["O1"]["reachable"]) == (
        "no",
        "https://agency.example/structure",
        "yes",
    )
    assert (by_item["O2"]["managed"], by_item["O2"]["url"]) == ("no", "")
    sheet = list(csv.DictReader(io.StringIO(readiness_csv(rows).decode("utf-8-sig"))))
    assert [r["oit_item"] for r in sheet] == ["O42", "O43", "O1", "O2"]
    assert sheet[0]["oit_name"] == "มาตรการส่งเสริมคุณธรรมและความโปร่งใสภายในหน่วยงาน"


def test_the_assessment_period_comes_from_the_agency_else_the_catalogue(tmp_path):
    import shutil
    from datetime import date

    from ita_monitor.links.year import YearLinks, in_assessment
    from ita_monitor.model.storage import DataRoot

    agencies = tmp_path / "agencies"
    shutil.copytree(AGENCIES, agencies)
    year = YearLinks.load(AgenciesDir(agencies), "mae-u-kho", 2565, DataRoot(tmp_path))
    assert in_assessment(year, date(2022, 4, 1)) and in_assessment(year, date(2022, 8, 31))
    assert not in_assessment(year, date(2022, 9, 1))
    (agencies / "mae-u-kho" / "oit" / "2565.yaml").write_text(
        "assessment: {start: 2022-09-01, end: 2022-09-30}\n", encoding="utf-8"
    )
    year = YearLinks.load(AgenciesDir(agencies), "mae-u-kho", 2565, DataRoot(tmp_path))
    assert in_assessment(year, date(2022, 9, 1)) and not in_assessment(year, date(2022, 4, 1))

    from ita_monitor.links.year import years_to_check

    def fys(day, wanted=None, scheduled=True):
        return [
            y.fiscal_year
            for y in years_to_check(
                AgenciesDir(agencies), "mae-u-kho", DataRoot(tmp_path), day, wanted, scheduled
            )
        ]

    assert fys(date(2022, 9, 5)) == [2565]  # a weekly run in the period checks that year
    assert fys(date(2022, 10, 5)) == []  # outside it: nothing
    assert fys(date(2022, 10, 5), scheduled=False) == [2566]  # on demand: the current fiscal year
    assert fys(date(2022, 10, 5), wanted=2565) == [2565]


OLD_LINKS_JSON = {  # as the loose dicts of an earlier version wrote it, with a key this one does not know
    "agency": "ag",
    "fiscal_year": 2565,
    "checked_at": "t1",
    "counts": {"ok": 1, "missing": 1},
    "links": {
        "document:measures": {
            "id": "document:measures",
            "kind": "document",
            "url": "http://x/m.pdf",
            "oit_item": "O42",
            "label": "m",
            "expected_sha256": "a",
            "state": "missing",
            "detail": "HTTP 404",
            "http_status": 404,
            "elapsed": 0.01,
            "sha256": None,
            "final_url": "http://x/m.pdf",
            "checked_at": "t1",
            "since": "t1",
            "last_ok": None,
            "note_of_a_newer_version": "kept",
        },
    },
    "changes": [{"id": "document:measures", "from": "ok", "to": "missing", "notify": True, "at": "t1"}],
    "history": [{"checked_at": "t1", "counts": {"missing": 1}, "changes": []}, "not a record"],
    "notices": [
        {"at": "t1", "changes": [{"id": "document:measures", "from": "ok", "to": "missing"}], "sent_at": None}
    ],
    "repairs": [{"republished": ["index"], "index_url": "http://x/", "not_repairable": [], "at": "t0"}],
}


def test_an_old_links_json_loads_and_is_written_back_as_it_was():
    health = LinkHealth.coerce(OLD_LINKS_JSON)
    assert health.links["document:measures"].state == "missing"
    assert [(c.from_state, c.to) for c in pending_notice(health)] == [("ok", "missing")]
    assert health.repairs[0].republished == ["index"]
    written = health.as_json()
    assert written["links"]["document:measures"]["note_of_a_newer_version"] == "kept"
    assert written["changes"][0]["from"] == "ok" and "from_state" not in written["changes"][0]
    assert written["history"] == OLD_LINKS_JSON["history"][:1]  # the value of the wrong shape is dropped
    assert {k: v for k, v in written.items() if k != "history"} == {
        k: v for k, v in OLD_LINKS_JSON.items() if k != "history"
    }
    links = [Link("document:measures", "document", "http://x/m.pdf", "O42", "m", "a")]
    again = record(health, "ag", 2565, links, {"document:measures": Outcome("ok")}, "t2")
    assert [(c.from_state, c.to) for c in pending_notice(again)] == [("ok", "missing"), ("missing", "ok")]
    assert again.links["document:measures"].since == "t2" and again.repairs == health.repairs
