"""The agency's year, ITA scores over the years and the many-agency overview (pure core) against
real rounds run by the pipeline (tests/views_data.py): the figures equal status.json and the manifests."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ita_monitor.model.config import AgenciesDir
from ita_monitor.model.parsing import parse_plan
from ita_monitor.model.storage import DataRoot
from ita_monitor.views.agencies_overview import overview
from ita_monitor.views.scores import score_history
from ita_monitor.views.yearview import year_view
from tests.conftest import AGENCIES
from tests.views_data import DISTRICTS, province, sample_year

NOW = datetime(2022, 11, 1, tzinfo=UTC)  # after round 12's last day (15 October 2565)


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("views-sample")
    sample_year(AGENCIES, data)
    return data


@pytest.fixture(scope="module")
def many(tmp_path_factory) -> tuple[Path, Path, list[str]]:
    work = tmp_path_factory.mktemp("views-many")
    slugs = province(work / "agencies", work / "data")
    return work / "agencies", work / "data", slugs


def _status(data: Path, slug: str, months: int) -> dict:
    return json.loads((data / slug / "2565" / f"round-{months:02d}" / "status.json").read_text())


def _manifest(data: Path, slug: str, months: int) -> dict:
    return json.loads(
        (data / slug / "2565" / f"round-{months:02d}" / "received" / "manifest.json").read_text()
    )


def test_year_view_equals_status_and_manifests(sample):
    agencies = AgenciesDir(AGENCIES)
    view = year_view(
        agencies.agency("mae-u-kho"), agencies.plan("mae-u-kho", 2565), 2565, DataRoot(sample), NOW
    )
    by_months = {r.months: r for r in view.rounds}
    for months in (6, 12):
        status = _status(sample, "mae-u-kho", months)
        comp = status["completeness"]
        t = by_months[months].tally
        assert t.due == len(comp["due"])
        assert t.complete == len(comp["due"]) - len(comp["gaps"])
        assert {(g["unit"], g["measure_code"]) for g in comp["gaps"]} == {
            (i.unit, i.measure_code) for i in by_months[months].items if not i.complete
        }
        times = {
            v["unit"]: datetime.fromisoformat(v["received_at"])
            for v in _manifest(sample, "mae-u-kho", months)["versions"]
        }
        for item in by_months[months].items:
            if item.complete:
                assert item.received_at == times[item.unit]
                assert item.version == 1
    r6, r12 = by_months[6], by_months[12]
    kinds6 = {(i.measure_code, i.unit): (i.kind, i.days_late) for i in r6.items}
    assert kinds6 == {
        ("M1", "palad"): ("on_time", 0),
        ("M2", "pr"): ("late", 4),  # 19 April, last day 15 April
        ("M3", "palad"): ("on_time", 0),
        ("M4", "finance"): ("missing", 200),  # 15 April -> 1 November 2565: overdue so far
    }
    kinds12 = {(i.measure_code, i.unit): (i.kind, i.days_late) for i in r12.items}
    assert kinds12[("M4", "finance")] == ("on_time", 0)  # 23:59 on the last day
    assert kinds12[("M2", "pr")] == ("late", 7)
    assert (r6.tally.percent, r12.tally.percent) == (75.0, 100.0)
    # rounds 1, 3 and 9 never ran: what was due is missing
    assert [by_months[m].tally.missing for m in (1, 3, 9)] == [1, 1, 1]
    # the year per measure: M2 (pr) due in 3, 6, 9, 12; in on time never
    m2 = next(m for m in view.measures if m.code == "M2")
    assert (m2.tally.due, m2.tally.complete, m2.tally.late, m2.tally.percent) == (4, 2, 2, 50.0)
    # who was late: pr in every round it owed, then finance (1, 6)
    assert [(u.code, u.late_rounds) for u in view.late_units] == [("pr", [3, 6, 9, 12]), ("finance", [1, 6])]
    # the chart's matrix: palad owes nothing in rounds 1, 3, 9
    palad = next(cells for code, _, cells in view.matrix() if code == "palad")
    assert [c.percent if c else None for c in palad] == [None, None, 100.0, None, 100.0]


def test_scores_over_the_years_from_plans():
    agencies = AgenciesDir(AGENCIES)
    plan = agencies.plan("mae-u-kho", 2565)
    history = score_history([plan], 85)
    assert history.years == (2562, 2563, 2564)
    assert [i.number for i in history.repeat_failures] == [7, 8, 10]
    assert history.indicators[2].failed_years == (2564,)  # การใช้อำนาจ: only last year
    assert history.overall[2564] == 84.57
    # a newer plan speaks for a year it repeats
    newer = plan.model_copy(
        update={"fiscal_year": 2566, "analysis": plan.analysis.model_copy(update={"year": 2565})}
    )
    corrected = plan.ita_results[1].model_copy(update={"overall": 83.5})
    newer = newer.model_copy(update={"ita_results": (plan.ita_results[0], corrected)})
    merged = score_history([newer, plan], 85)
    assert merged.years == (2562, 2563, 2564, 2565)
    assert merged.overall[2563] == 83.5


def test_ita_results_checked(tmp_path):
    text = (AGENCIES / "mae-u-kho" / "plans" / "2565.yaml").read_text(encoding="utf-8")
    bad = tmp_path / "2565.yaml"
    bad.write_text(text.replace("  - year: 2563\n", "  - year: 2564\n"), encoding="utf-8")
    agency = AgenciesDir(AGENCIES).agency("mae-u-kho")
    plan, problems = parse_plan(bad, agency)
    assert plan is not None
    assert [p.where for p in problems] == ["ita_results #2 (2564) > year"]
    assert "2564" in problems[0].en and "analysis" in problems[0].en
    bad.write_text(text.replace("  - year: 2563\n", "  - year: 2562\n"), encoding="utf-8")
    plan, problems = parse_plan(bad, agency)
    assert plan is None and problems[0].where == "ita_results" and "2562" in problems[0].en


def test_overview_filters_and_furthest_behind_first(many):
    agencies_dir, data, slugs = many
    agencies = AgenciesDir(agencies_dir)
    pairs = [(agencies.agency(s), agencies.plan(s, 2565)) for s in slugs]
    ov = overview(pairs, 2565, DataRoot(data), NOW)
    assert ov.agencies == len(slugs) and len(ov.rows) == 5 * len(slugs)
    assert ov.districts == sorted(DISTRICTS)
    for row in ov.rows:
        if row.months in (6, 12):
            comp = _status(data, row.slug, row.months)["completeness"]
            assert (row.due, row.complete) == (len(comp["due"]), len(comp["due"]) - len(comp["gaps"]))
    # furthest behind first: lowest completion of the due rounds, then most days late
    keys = [ov.behind[s].key() for s in dict.fromkeys(r.slug for r in ov.rows)]
    assert keys == sorted(keys)
    first, last = ov.rows[0].slug, ov.rows[-1].slug
    assert ov.behind[first].percent < ov.behind[last].percent
    # round 6 of agency i came i days after its last day (agency 0 on the last day itself)
    r6 = {r.slug: r for r in ov.rows if r.months == 6}
    assert [r6[s].days_late for s in slugs] == list(range(len(slugs)))
    assert [r6[s].late for s in slugs] == [0] + [4] * (len(slugs) - 1)
    # filters
    pai = overview(pairs, 2565, DataRoot(data), NOW, district="ปาย")
    assert {r.district for r in pai.rows} == {"ปาย"} and pai.agencies == len(slugs) // 3
    only12 = overview(pairs, 2565, DataRoot(data), NOW, months=12)
    assert {r.months for r in only12.rows} == {12} and len(only12.rows) == len(slugs)
    incomplete = overview(pairs, 2565, DataRoot(data), NOW, state="incomplete")
    assert incomplete.rows and {r.state for r in incomplete.rows} == {"incomplete"}
    assert {r.slug for r in incomplete.rows} == {s for i, s in enumerate(slugs) if i % 3}


def test_overview_pages_keep_the_order_and_every_row(many):
    agencies_dir, data, slugs = many
    agencies = AgenciesDir(agencies_dir)
    pairs = [(agencies.agency(s), agencies.plan(s, 2565)) for s in slugs]
    ov = overview(pairs, 2565, DataRoot(data), NOW)
    size = 4
    assert len(slugs) > size
    pages = [ov.page(n, size) for n in range(1, ov.page(1, size).pages + 1)]
    assert len(pages) == -(-len(slugs) // size) and all(p.pages == len(pages) for p in pages)
    assert [r for p in pages for r in p.rows] == ov.rows  # every row once, in the overview's order
    assert [(p.first, p.last) for p in pages] == [
        (1 + size * i, min(size * (i + 1), len(slugs))) for i in range(len(pages))
    ]
    assert all(len({r.slug for r in p.rows}) == p.last - p.first + 1 for p in pages)
    assert ov.page(999, size) == pages[-1] and ov.page(0, size) == pages[0]  # out of range: the nearest
    empty = overview(pairs, 2565, DataRoot(data), NOW, district="nowhere")
    assert empty.page(1, size) == type(pages[0])(1, 1, 0, 0, [])
