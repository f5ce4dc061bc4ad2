"""status.json through ``status.py``: a data root written before the status models existed is read
and updated without a manual step; labels for every state; bad values never hide the rest."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

from ita_monitor.flow.pipeline import RoundJob, check_round, collect
from ita_monitor.model import status
from ita_monitor.model.config import AgenciesDir
from ita_monitor.model.revisions import revisions_dir
from ita_monitor.model.rounds import Round
from ita_monitor.model.states import LABELS, State
from ita_monitor.model.status import RoundStatus
from ita_monitor.model.storage import DataRoot
from ita_monitor.views.dashboard import overview
from ita_monitor.views.round_detail import round_detail
from tests.conftest import AGENCIES

# A data root written by the version before issue 14 (round 12 of 2565 collected, approved and
# published to a static site; the year's plan published); PDFs replaced by stand-ins except the
# published ones on the site, which the next publish keeps as earlier versions.
LEGACY = Path(__file__).parent / "data" / "legacy-root"
R12 = Round(2565, 12)
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _legacy(tmp_path: Path) -> Path:
    root = tmp_path / "data"
    shutil.copytree(LEGACY, root)
    return root


def _raw(root: Path, *parts: str) -> dict:
    return json.loads((root.joinpath(*parts)).read_text(encoding="utf-8"))


def test_every_state_has_a_thai_and_an_english_label():
    assert set(LABELS) == set(State)
    assert all(s.th and s.en for s in State)
    assert State.NOT_MONITORED.th == "ไม่ได้ติดตาม"
    assert State.CHANGED_AFTER_PUBLICATION.en == "changed after publication: rerun to republish"
    assert State.NOTHING_DUE.en == "nothing due this round"


def test_status_files_of_the_previous_version_load_as_they_were_written(tmp_path):
    root = _legacy(tmp_path)
    data = DataRoot(root)
    written = status.load_round(data, "mae-u-kho", R12)
    assert written.known_state is State.PUBLISHED
    assert written.approval.decision == "approved" and written.approval.by == "admin"
    assert len(written.files) == 3 and all(f.accepted for f in written.files)
    assert {v.unit for v in written.history} == {"palad", "pr", "finance"}
    assert written.completeness.complete and len(written.completeness.due) == 4
    assert written.published is not None and written.published.index_url == "2565/index.html"
    plan = status.load_plan(data, "mae-u-kho", 2565)
    assert plan.known_state is State.PUBLISHED and plan.measures and plan.measures.bytes == 33191
    # nothing is lost: what was read is what would be written back, key for key
    raw = _raw(root, "mae-u-kho", "2565", "round-12", "status.json")
    assert written.as_json() == raw
    assert plan.as_json() == _raw(root, "mae-u-kho", "2565", "plan", "status.json")


def test_the_page_shows_an_old_data_root_and_the_steps_go_on_from_it(tmp_path):
    root = _legacy(tmp_path)
    data = DataRoot(root)
    agencies = AgenciesDir(AGENCIES)
    agency, plan = agencies.agency("mae-u-kho"), agencies.plan("mae-u-kho", 2565)
    d = round_detail(agency, plan, R12, data, now=NOW)
    assert d.state == State.PUBLISHED and d.approval.decision == "approved"
    assert d.counts["received"] == 4 and d.counts["missing"] == 0
    assert [p["url"] for p in d.published] == ["2565/ita-2565-round-12-report.pdf", "2565/index.html"]
    assert [r.path.rsplit("/", 1)[-1] for r in d.reports] == [
        "ita-2565-round-12-report.pdf",
        "ita-2565-round-12-memo.pdf",
    ]
    rows = overview([(agency, [2565])], data, now=NOW)
    assert rows[0].plans[2565].label_en == "published"
    assert {r.months: r.state for r in rows[0].years[2565]}[12] == State.PUBLISHED

    # a rerun of collect and check on the old root: same versions, every old key kept
    before = _raw(root, "mae-u-kho", "2565", "round-12", "status.json")
    job = RoundJob.load(agencies, "mae-u-kho", R12, data)
    assert collect(job)["new_versions"] == 0
    check_round(job)
    after = _raw(root, "mae-u-kho", "2565", "round-12", "status.json")
    assert set(before) <= set(after)
    assert after["state"] == "complete" and after["approval"] == before["approval"]
    assert after["published"] == before["published"] and after["report"] == before["report"]

    # and publishing goes on from the old published.json: the report (a stand-in PDF here, so other
    # bytes) replaces the old one, which stays listed as an earlier version; the measures stay
    from ita_monitor.documents.render import Renderer
    from ita_monitor.flow.pipeline import publish_report
    from ita_monitor.publish.factory import publisher_for

    old = _raw(root, "mae-u-kho", "2565", "published.json")
    publish_report(job, publisher_for(agency, data, Renderer()))
    new = _raw(root, "mae-u-kho", "2565", "published.json")
    assert new["documents"]["measures"] == old["documents"]["measures"]
    earlier = new["documents"]["round-12"]["earlier"]
    assert [e["sha256"] for e in earlier] == [old["documents"]["round-12"]["sha256"]]
    assert status.load_round(data, "mae-u-kho", R12).known_state is State.PUBLISHED


def test_values_of_the_wrong_shape_are_dropped_and_unknown_keys_kept(tmp_path):
    data = DataRoot(tmp_path)
    path = status.round_path(data, "x", R12)
    path.parent.mkdir(parents=True)
    path.write_text(
        json.dumps(
            {
                "state": "a-state-from-a-newer-version",
                "published": "oops",
                "history": [1, {"unit": "pr", "version": 2, "name": "a.csv"}, None],
                "files": [{"unit": "pr", "rows": "many", "problems": [{"th": "ผิด", "en": "wrong"}, 7]}],
                "approval": ["not", "a", "record"],
                "from_the_future": {"kept": True},
            }
        ),
        encoding="utf-8",
    )
    written = status.load_round(data, "x", R12)
    assert written.known_state is None and written.published is None and written.approval.decision == ""
    assert [(v.unit, v.version) for v in written.history] == [("pr", 2)]
    assert written.files[0].unit == "pr" and written.files[0].rows == 0
    assert [str(p) for p in written.files[0].problems] == ["ผิด / wrong"]
    updated = status.update_round(data, "x", R12, state=State.COLLECTED)
    assert updated.known_state is State.COLLECTED
    assert json.loads(path.read_text(encoding="utf-8"))["from_the_future"] == {"kept": True}
    assert RoundStatus.coerce("{not a dict") == RoundStatus()
    path.write_text("{broken json", encoding="utf-8")
    # the revision the update claimed is still there (storage.update_json): it is read instead
    assert status.load_round(data, "x", R12).known_state is State.COLLECTED
    shutil.rmtree(revisions_dir(path))
    assert status.load_round(data, "x", R12) == RoundStatus()
