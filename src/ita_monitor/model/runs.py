"""Which Airflow run is a round's, how a run names its round, and what a rerun clears.

Pure (no Airflow import): the ITA page (metadata DB rows), the listener (the run being started), the
round's tasks (their context) and the command line (REST API answers) all read a run the same way
through ``round_of_run``, so every place agrees on which round a run is about:

- the trigger's ``fiscal_year`` and ``round`` (conf), when given;
- else a manual run that has a logical date runs the round that date ends (the round's end, midnight
  in Bangkok on the first of the next month, or any time on the round's last day); a logical date
  that ends no round of the schedule is refused, naming the round the run's data interval would have
  given (``RoundRefused``);
- else the round ending at the data interval's end (scheduled runs);
- else (a manual run without a logical date) the latest round that has ended.

A run made here (the ITA page's "run this round", ``ita-monitor run-round``) has the round in its id,
``manual__FY2568-round-06_<time>``; every run gets the note "FY2568 round 6 · …" (``round_note``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from ita_monitor.model.names import CHECK_TASK
from ita_monitor.model.rounds import (
    BANGKOK,
    DEFAULT_ROUNDS,
    Round,
    fiscal_year_of,
    latest_round_before,
    resolve_round,
    round_ending_at,
)
from ita_monitor.model.thai import thai_digits

# conf keys of a round's run: which round, and (catching up a past round) the new last day to submit
CONF_FISCAL_YEAR = "fiscal_year"
CONF_ROUND = "round"
CONF_DUE = "due"  # "YYYY-MM-DD" (CE), the last day units have


class RoundRefused(ValueError):
    """A run whose round cannot be told (bad conf, a logical date that ends no round); says why."""


def parse_time(value: Any) -> datetime | None:
    """A time from the REST API (ISO text, ``Z`` allowed) or the DB (datetime); None for anything else."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    return None


def _int(value: Any) -> int | None:
    if value in (None, ""):
        return None
    return int(value)


def round_of_logical_date(logical_date: datetime, rounds: tuple[int, ...] = DEFAULT_ROUNDS) -> Round | None:
    """The scheduled round a logical date ends: the round's exclusive end (Bangkok midnight on the
    first of the next month) or any time on its last day; None when it ends none of ``rounds``."""
    local = logical_date.astimezone(BANGKOK)
    candidates: list[Round] = []
    if (local.day, local.hour, local.minute, local.second, local.microsecond) == (1, 0, 0, 0, 0):
        candidates.append(round_ending_at(local))
    try:
        candidates.append(
            round_ending_at(datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), BANGKOK))
        )
    except ValueError:
        pass
    return next((r for r in candidates if r.months in rounds), None)


def round_of_run(
    conf: Mapping[str, Any] | None,
    *,
    run_type: str = "",
    logical_date: datetime | None = None,
    interval_end: datetime | None = None,
    run_after: datetime | None = None,
    rounds: tuple[int, ...] = DEFAULT_ROUNDS,
) -> Round:
    """The round a run is about (see the module's docstring); ``RoundRefused`` saying why when it
    cannot be told."""
    conf = conf or {}
    try:
        fy, months = _int(conf.get(CONF_FISCAL_YEAR)), _int(conf.get(CONF_ROUND))
    except (TypeError, ValueError) as exc:
        raise RoundRefused(
            "fiscal_year และ round ต้องเป็นตัวเลข / fiscal_year and round must be numbers"
        ) from exc
    kind = str(getattr(run_type, "value", run_type) or "")
    try:
        if months is None and fy is None and kind == "manual" and logical_date is not None:
            found = round_of_logical_date(logical_date, rounds)
            if found is None:
                would = latest_round_before(logical_date, rounds)
                day = logical_date.astimezone(BANGKOK).date().isoformat()
                raise RoundRefused(
                    f"วันที่ {day} ไม่ใช่วันสิ้นรอบติดตามใด (จะได้ปีงบประมาณ {would.fiscal_year} รอบ {would.months} "
                    f"เดือน): ระบุ fiscal_year และ round / logical date {day} ends no round of the schedule "
                    f"{list(rounds)} (it would have run FY{would.fiscal_year} round {would.months}): "
                    f"fill in fiscal_year and round, or use a round's end as the logical date"
                )
            return found
        return resolve_round(fy, months, interval_end, run_after, rounds)
    except RoundRefused:
        raise
    except ValueError as exc:
        raise RoundRefused(str(exc)) from exc


def round_label(rnd: Round) -> str:
    """``FY2568-round-06``: the round in run ids."""
    return f"FY{rnd.fiscal_year}-{rnd.slug}"


def round_note(rnd: Round, due: date | None = None) -> str:
    """The note of a round's run: ``FY2568 round 6 · ปีงบประมาณ ๒๕๖๘ รอบ ๖ เดือน`` (+ the new last day
    to submit of a caught-up round)."""
    note = f"FY{rnd.fiscal_year} round {rnd.months} · " + thai_digits(
        f"ปีงบประมาณ {rnd.fiscal_year} รอบ {rnd.months} เดือน"
    )
    if due is not None:
        note += f" · due {due.isoformat()}"
    return note


def plan_note(fiscal_year: int) -> str:
    """The note of a yearly plan's run: ``FY2568 plan · แผนมาตรการปีงบประมาณ ๒๕๖๘``."""
    return f"FY{fiscal_year} plan · " + thai_digits(f"แผนมาตรการปีงบประมาณ {fiscal_year}")


def plan_year_of_run(
    conf: Mapping[str, Any] | None, logical_date: datetime | None, run_after: datetime | None
) -> int | None:
    """The fiscal year of a plan run: its conf, else the fiscal year its logical date (or start) falls in."""
    try:
        fy = _int((conf or {}).get(CONF_FISCAL_YEAR))
    except (TypeError, ValueError):
        return None
    if fy is not None:
        return fy
    moment = logical_date or run_after
    return fiscal_year_of(moment.astimezone(BANGKOK).date()) if moment else None


def manual_run_id(rnd: Round, now: datetime) -> str:
    """The id of a run started here for ``rnd``: ``manual__FY2568-round-06_20261205T150000.123456``."""
    local = now.astimezone(BANGKOK)
    return f"manual__{round_label(rnd)}_{local.strftime('%Y%m%dT%H%M%S.%f')}"


# --- a round's runs ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunRecord:
    """One DAG run, as the REST API or the metadata DB gives it."""

    dag_id: str
    run_id: str
    state: str
    run_type: str = ""
    conf: dict = field(default_factory=dict)
    logical_date: datetime | None = None
    data_interval_end: datetime | None = None
    run_after: datetime | None = None
    note: str = ""

    @classmethod
    def from_api(cls, run: Mapping[str, Any]) -> RunRecord:
        """A run of ``GET /api/v2/dags/{dag_id}/dagRuns``."""
        return cls(
            dag_id=str(run.get("dag_id", "")),
            run_id=str(run.get("dag_run_id", "")),
            state=str(run.get("state") or ""),
            run_type=str(run.get("run_type") or ""),
            conf=dict(run.get("conf") or {}),
            logical_date=parse_time(run.get("logical_date")),
            data_interval_end=parse_time(run.get("data_interval_end")),
            run_after=parse_time(run.get("run_after")),
            note=str(run.get("note") or ""),
        )

    def round(self, rounds: tuple[int, ...] = DEFAULT_ROUNDS) -> Round | None:
        """The round of this run, or None when it cannot be told."""
        try:
            return round_of_run(
                self.conf,
                run_type=self.run_type,
                logical_date=self.logical_date,
                interval_end=self.data_interval_end,
                run_after=self.run_after,
                rounds=rounds,
            )
        except RoundRefused:
            return None

    def due(self) -> date | None:
        """The last day to submit the run was given (catching up a past round), if any."""
        return due_of_conf(self.conf)


def latest_run_of(
    runs: Iterable[RunRecord], rnd: Round, rounds: tuple[int, ...] = DEFAULT_ROUNDS
) -> RunRecord | None:
    """The latest (by ``run_after``) of ``runs`` that is about ``rnd``, however it was started."""
    mine = [r for r in runs if r.round(rounds) == rnd]
    if not mine:
        return None
    floor = datetime.min.replace(tzinfo=BANGKOK)
    return max(mine, key=lambda r: (r.run_after or floor, r.run_id))


def latest_plan_run_of(runs: Iterable[RunRecord], fiscal_year: int) -> RunRecord | None:
    """The latest of a plan DAG's ``runs`` that is about ``fiscal_year``."""
    mine = [r for r in runs if plan_year_of_run(r.conf, r.logical_date, r.run_after) == fiscal_year]
    if not mine:
        return None
    floor = datetime.min.replace(tzinfo=BANGKOK)
    return max(mine, key=lambda r: (r.run_after or floor, r.run_id))


def rerun_clear_body(run_id: str, task_id: str = CHECK_TASK) -> dict[str, Any]:
    """The REST body of ``POST /api/v2/dags/{dag_id}/clearTaskInstances`` that reruns a round's run:
    the check (which reads the inbox again) and every task after it, the run set back to queued."""
    return {
        "dry_run": False,
        "dag_run_id": run_id,
        "task_ids": [task_id],
        "include_downstream": True,
        "include_upstream": False,
        "include_future": False,
        "include_past": False,
        "only_failed": False,
        "reset_dag_runs": True,
    }


# --- catching up a past round: a new last day to submit ---------------------------------------------


def due_of_conf(conf: Mapping[str, Any] | None) -> date | None:
    """The last day to submit a run's conf names (``due``), or None."""
    value = (conf or {}).get(CONF_DUE)
    if not value:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def due_at_of(day: date) -> datetime:
    """When the wait ends for a last day to submit ``day``: midnight in Bangkok after it."""
    return datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=BANGKOK)


def due_problem(day: date, now: datetime) -> str:
    """Why ``day`` cannot be a round's new last day to submit ('' when it can): not in the past."""
    today = now.astimezone(BANGKOK).date()
    if day < today:
        return (
            f"วันสุดท้ายที่ส่ง {thai_digits(day.isoformat())} ผ่านมาแล้ว: เลือกวันนี้หรือวันหลังจากนี้ / "
            f"the last day to submit {day.isoformat()} is in the past: choose today ({today.isoformat()}) or a later day"
        )
    return ""
