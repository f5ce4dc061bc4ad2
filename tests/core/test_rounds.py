from datetime import UTC, date, datetime, timedelta

import pytest

from ita_monitor.model.rounds import (
    BANGKOK,
    Round,
    fiscal_year_of,
    fiscal_year_start,
    latest_round_before,
    previous_round,
    resolve_round,
    round_ending_at,
    rounds_after,
)


@pytest.mark.parametrize(
    ("day", "fy"),
    [
        (date(2021, 10, 1), 2565),
        (date(2021, 9, 30), 2564),
        (date(2022, 9, 30), 2565),
        (date(2022, 1, 10), 2565),
    ],
)
def test_fiscal_year_is_named_by_the_be_year_it_ends_in(day, fy):
    assert fiscal_year_of(day) == fy


def test_fiscal_year_starts_on_1_october_of_the_previous_ce_year():
    assert fiscal_year_start(2565) == date(2021, 10, 1)


@pytest.mark.parametrize(
    ("months", "last_day", "label"),
    [
        (1, date(2021, 10, 31), "รอบ ๑ เดือน (ตุลาคม ๒๕๖๔ – ตุลาคม ๒๕๖๔)"),
        (3, date(2021, 12, 31), "รอบ ๓ เดือน (ตุลาคม ๒๕๖๔ – ธันวาคม ๒๕๖๔)"),
        (6, date(2022, 3, 31), "รอบ ๖ เดือน (ตุลาคม ๒๕๖๔ – มีนาคม ๒๕๖๕)"),
        (9, date(2022, 6, 30), "รอบ ๙ เดือน (ตุลาคม ๒๕๖๔ – มิถุนายน ๒๕๖๕)"),
        (12, date(2022, 9, 30), "รอบ ๑๒ เดือน (ตุลาคม ๒๕๖๔ – กันยายน ๒๕๖๕)"),
    ],
)
def test_round_covers_the_year_start_to_the_end_of_month_n(months, last_day, label):
    rnd = Round(2565, months)
    assert rnd.start == date(2021, 10, 1)
    assert rnd.last_day == last_day
    assert rnd.end == last_day + timedelta(days=1)
    assert rnd.label_th == label


@pytest.mark.parametrize("months", [0, 13, -1])
def test_round_outside_the_year_is_refused(months):
    with pytest.raises(ValueError):
        Round(2565, months)


def test_round_ends_at_midnight_in_bangkok_not_utc():
    end = Round(2565, 6).end_at()
    assert end.isoformat() == "2022-04-01T00:00:00+07:00"
    assert end.astimezone(UTC).isoformat() == "2022-03-31T17:00:00+00:00"
    assert Round(2565, 6).due_at(15) == end + timedelta(days=15)
    # units read the last whole day: round 12 ends 30 September, 15 days later is 15 October
    assert Round(2565, 12).last_day_to_submit(15) == date(2022, 10, 15)
    assert Round(2565, 12).last_day_to_submit(0) == Round(2565, 12).last_day == date(2022, 9, 30)


@pytest.mark.parametrize("months", [1, 2, 3, 6, 9, 11, 12])
def test_round_ending_at_inverts_end_at(months):
    rnd = Round(2566, months)
    assert round_ending_at(rnd.end_at()) == rnd
    assert round_ending_at(rnd.end_at().astimezone(UTC)) == rnd


def test_round_ending_at_refuses_a_moment_that_is_no_round_end():
    with pytest.raises(ValueError):
        round_ending_at(datetime(2022, 4, 1, 0, 0, tzinfo=UTC))  # 07:00 in Bangkok


def test_latest_round_before_and_rounds_after():
    moment = datetime(2022, 5, 3, tzinfo=BANGKOK)
    assert latest_round_before(moment) == Round(2565, 6)
    assert rounds_after(moment) == Round(2565, 9)
    assert latest_round_before(datetime(2021, 10, 15, tzinfo=BANGKOK)) == Round(2564, 12)
    assert rounds_after(datetime(2022, 10, 1, tzinfo=BANGKOK)) == Round(2566, 1)


def test_previous_round_is_within_the_same_year():
    assert previous_round(Round(2565, 6)) == Round(2565, 3)
    assert previous_round(Round(2565, 1)) is None
    assert previous_round(Round(2565, 12), (6, 12)) == Round(2565, 6)


def test_resolve_round_prefers_params_then_interval_then_latest():
    end = Round(2565, 9).end_at()
    assert resolve_round(2565, 12, end, None) == Round(2565, 12)
    assert resolve_round(None, 3, None, datetime(2022, 5, 1, tzinfo=BANGKOK)) == Round(2565, 3)
    assert resolve_round(None, None, end, None) == Round(2565, 9)
    assert resolve_round(None, None, None, datetime(2022, 5, 1, tzinfo=BANGKOK)) == Round(2565, 6)
    with pytest.raises(ValueError, match="round"):
        resolve_round(2565, None, end, None)
