"""The admin's actions on a round beyond approve and rerun: run this round (catching up a past one
with a new last day to submit) and withdraw (or put back) a received version.

    POST /ita/a/{agency}/{fy}/{round}/run        a run of this round (REST API as the user; due)
    POST /ita/a/{agency}/{fy}/{round}/withdraw   withdraw / undo a unit's version, with a reason

Both need the login and access to act on the agency's DAG (``auth.Actor``) before the body is read,
and the page's form token.  The run goes through Airflow's REST API as the user (permissions, audit
log); its id and note name the round (``model.runs``).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, date, datetime
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from ita_monitor.airflow_layer.webapp.auth import Actor, username
from ita_monitor.airflow_layer.webapp.runs import action_form, call_api, latest_runs
from ita_monitor.airflow_layer.webapp.sources import agencies_dir, data_root, load_agency
from ita_monitor.airflow_layer.webapp.urls import parse_round, redirect_round
from ita_monitor.model.names import round_dag_id
from ita_monitor.model.runs import CONF_DUE, due_problem, manual_run_id, round_note

log = logging.getLogger(__name__)
router = APIRouter()


@router.post("/a/{slug}/{fy}/{rnd}/run")
async def run_round(request: Request, user: Actor, slug: str, fy: int, rnd: str) -> Response:
    """Run this round now (a round that never ran, or a past one caught up with a new due date)."""
    form = await action_form(request, user)
    the_round = parse_round(fy, rnd)
    agency = load_agency(slug)
    if the_round.months not in agency.schedule.rounds:
        raise HTTPException(404, "รอบนี้ไม่อยู่ในรอบติดตามของหน่วยงาน / not a round of the agency's schedule")
    due: date | None = None
    if form.get("due", "").strip():
        try:
            due = date.fromisoformat(form["due"].strip())
        except ValueError:
            return redirect_round(request, slug, the_round, "bad_due")
        if due_problem(due, datetime.now(UTC)):
            return redirect_round(request, slug, the_round, "due_in_past")
    run = latest_runs({slug: agency}).get((slug, the_round.fiscal_year, the_round.months))
    if run is not None and run.state in ("queued", "running"):
        return redirect_round(request, slug, the_round, "already_running")
    conf: dict = {"fiscal_year": the_round.fiscal_year, "round": the_round.months}
    if due is not None:
        conf[CONF_DUE] = due.isoformat()
    body = {
        "dag_run_id": manual_run_id(the_round, datetime.now(UTC)),
        "logical_date": None,
        "conf": conf,
        "note": round_note(the_round, due),
    }
    status, payload = await call_api(
        request, "POST", f"/api/v2/dags/{quote(round_dag_id(slug), safe='')}/dagRuns", body
    )
    if status >= 300:
        log.warning("run %s %s: Airflow answered %s: %s", slug, the_round, status, str(payload)[:300])
        return redirect_round(request, slug, the_round, "api_error", status)
    return redirect_round(request, slug, the_round, "run_started")


@router.post("/a/{slug}/{fy}/{rnd}/withdraw")
async def withdraw(request: Request, user: Actor, slug: str, fy: int, rnd: str) -> Response:
    """Withdraw a unit's version with a reason, or undo that (``undo=1``); the round is collected again."""
    from ita_monitor.flow.pipeline import RoundJob, withdraw_version
    from ita_monitor.intake.versions import WithdrawRefused
    from ita_monitor.model.errors import InputError

    form = await action_form(request, user)
    the_round = parse_round(fy, rnd)
    agency = load_agency(slug)
    unit, version = form.get("unit", ""), form.get("version", "")
    if unit not in agency.unit_codes or not version.isdigit() or len(version) > 6:
        return redirect_round(request, slug, the_round, "no_such_version")
    undo = form.get("undo", "") == "1"
    try:
        job = RoundJob.load(agencies_dir(), slug, the_round, data_root())
    except InputError as exc:
        raise HTTPException(409, str(exc)) from exc
    try:
        await asyncio.to_thread(
            withdraw_version, job, unit, int(version), form.get("reason", ""), username(user), undo
        )
    except WithdrawRefused as exc:
        return redirect_round(request, slug, the_round, exc.code)
    return redirect_round(request, slug, the_round, "withdraw_undone" if undo else "withdrawn")
