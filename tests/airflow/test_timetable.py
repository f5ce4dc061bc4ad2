"""The round timetable, without a database (as Airflow's own workday timetable tests do)."""

import pendulum
import pytest
from airflow.timetables.base import DataInterval, TimeRestriction

from ita_monitor.airflow_layer.timetable import MonitoringRoundTimetable

UTC = pendulum.UTC
BKK = pendulum.timezone("Asia/Bangkok")
TT = MonitoringRoundTimetable((1, 3, 6, 9, 12), grace_days=15)


def bkk(*args) -> pendulum.DateTime:
    return pendulum.datetime(*args, tz=BKK)


@pytest.mark.parametrize(
    ("last_end", "start", "end", "run_after"),
    [
        # after round 12 of FY 2564 comes round 1 of FY 2565: the whole of October
        # the run starts when the round ends (forms out, then it waits out the 15-day window)
        (bkk(2021, 10, 1), bkk(2021, 10, 1), bkk(2021, 11, 1), bkk(2021, 11, 1)),
        (bkk(2021, 11, 1), bkk(2021, 11, 1), bkk(2022, 1, 1), bkk(2022, 1, 1)),  # round 3
        (bkk(2022, 1, 1), bkk(2022, 1, 1), bkk(2022, 4, 1), bkk(2022, 4, 1)),  # round 6
        (bkk(2022, 4, 1), bkk(2022, 4, 1), bkk(2022, 7, 1), bkk(2022, 7, 1)),  # round 9
        (bkk(2022, 7, 1), bkk(2022, 7, 1), bkk(2022, 10, 1), bkk(2022, 10, 1)),  # round 12
    ],
)
def test_next_round_follows_the_last(last_end, start, end, run_after):
    info = TT.next_dagrun_info(
        last_automated_data_interval=DataInterval(last_end.subtract(months=1), last_end),
        restriction=TimeRestriction(earliest=bkk(2020, 10, 1), latest=None, catchup=True),
    )
    assert info.data_interval == DataInterval(start, end)
    assert info.run_after == run_after


def test_every_round_of_a_year_has_its_own_logical_date():
    restriction = TimeRestriction(earliest=bkk(2021, 10, 1), latest=bkk(2022, 10, 1), catchup=True)
    infos, last = [], None
    while (
        info := TT.next_dagrun_info(last_automated_data_interval=last, restriction=restriction)
    ) is not None:
        infos.append(info)
        last = info.data_interval
    assert [i.data_interval.end for i in infos] == [
        bkk(2021, 11, 1),
        bkk(2022, 1, 1),
        bkk(2022, 4, 1),
        bkk(2022, 7, 1),
        bkk(2022, 10, 1),
    ]
    assert len({i.logical_date for i in infos}) == 5


def test_first_run_with_catchup_starts_at_the_first_round_after_start_date():
    info = TT.next_dagrun_info(
        last_automated_data_interval=None,
        restriction=TimeRestriction(earliest=bkk(2021, 12, 5), latest=None, catchup=True),
    )
    assert info.data_interval == DataInterval(bkk(2021, 11, 1), bkk(2022, 1, 1))


def test_no_start_date_means_no_schedule_and_latest_bounds_it():
    assert (
        TT.next_dagrun_info(
            last_automated_data_interval=None,
            restriction=TimeRestriction(earliest=None, latest=None, catchup=True),
        )
        is None
    )
    assert (
        TT.next_dagrun_info(
            last_automated_data_interval=DataInterval(bkk(2022, 7, 1), bkk(2022, 10, 1)),
            restriction=TimeRestriction(earliest=bkk(2021, 10, 1), latest=bkk(2022, 10, 15), catchup=True),
        )
        is None
    )


class _At(MonitoringRoundTimetable):
    """The timetable on a scheduler whose clock says ``at``."""

    def __init__(self, at: pendulum.DateTime):
        super().__init__((1, 3, 6, 9, 12), grace_days=15)
        self.at = at

    def now(self) -> pendulum.DateTime:
        return self.at


@pytest.mark.parametrize(
    ("now", "run_after"),
    [
        (bkk(2022, 5, 3), bkk(2022, 4, 1)),  # round 6 of FY 2565 ended on 1 April
        (bkk(2022, 4, 1), bkk(2022, 4, 1)),  # the very moment it ends
        (bkk(2022, 3, 31, 23, 59), bkk(2022, 1, 1)),  # a minute before: round 3
        (bkk(2022, 10, 20), bkk(2022, 10, 1)),  # round 12 of FY 2565 (ended 1 October)
        (bkk(2021, 10, 20), bkk(2021, 10, 1)),  # round 12 of FY 2564
    ],
)
def test_without_catchup_the_first_run_is_the_latest_round_already_due(now, run_after):
    info = _At(now).next_dagrun_info(
        last_automated_data_interval=None,
        restriction=TimeRestriction(earliest=bkk(2020, 10, 1), latest=None, catchup=False),
    )
    assert info.run_after == run_after


def test_without_catchup_a_start_date_in_the_future_waits_for_its_first_round():
    info = _At(bkk(2022, 5, 3)).next_dagrun_info(
        last_automated_data_interval=None,
        restriction=TimeRestriction(earliest=bkk(2022, 8, 15), latest=None, catchup=False),
    )
    assert info.run_after == bkk(2022, 10, 1)


@pytest.mark.parametrize(
    ("run_after", "end"),
    [
        (bkk(2022, 5, 3), bkk(2022, 4, 1)),
        (bkk(2022, 4, 1), bkk(2022, 4, 1)),
        (bkk(2021, 10, 20), bkk(2021, 10, 1)),
    ],
)
def test_manual_run_is_about_the_latest_round_that_has_ended(run_after, end):
    assert TT.infer_manual_data_interval(run_after=run_after).end == end


def test_rounds_of_a_custom_schedule_and_grace():
    tt = MonitoringRoundTimetable((6, 12), grace_days=30)
    info = tt.next_dagrun_info(
        last_automated_data_interval=DataInterval(bkk(2021, 10, 1), bkk(2022, 4, 1)),
        restriction=TimeRestriction(earliest=bkk(2020, 10, 1), latest=None, catchup=True),
    )
    assert info.data_interval == DataInterval(bkk(2022, 4, 1), bkk(2022, 10, 1))
    assert info.run_after == bkk(2022, 10, 1)


def test_serialize_round_trips_and_summary_is_readable():
    tt = MonitoringRoundTimetable((12, 6), grace_days=7)
    assert MonitoringRoundTimetable.deserialize(tt.serialize()) == tt
    assert tt.serialize() == {"rounds": [6, 12], "grace_days": 7}
    assert "รอบ ๖, ๑๒ เดือน" in tt.summary and "6, 12" in tt.summary


def test_run_ids_name_the_round_and_stay_url_safe():
    import re

    from airflow.utils.types import DagRunType

    tt = MonitoringRoundTimetable((3, 6, 9, 12), grace_days=15)
    r3 = tt.info_of(__import__("ita_monitor.model.rounds", fromlist=["Round"]).Round(2568, 3))
    run_id = tt.generate_run_id(
        run_type=DagRunType.SCHEDULED, run_after=r3.run_after, data_interval=r3.data_interval
    )
    assert run_id == "scheduled__FY2568-round-03_20250101T000000"
    # the logical date (interval start) of round 3 reads 2024-09-30 in UTC; the id says the round
    assert r3.data_interval.start == bkk(2024, 10, 1)
    manual = tt.generate_run_id(
        run_type=DagRunType.MANUAL, run_after=bkk(2026, 11, 30, 8, 1, 2), data_interval=None
    )
    assert manual == "manual__20261130T080102.000000"
    for rid in (run_id, manual):
        assert re.fullmatch(r"[A-Za-z0-9_.-]+", rid)
