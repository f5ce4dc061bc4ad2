"""What only Airflow knows, and acting on it as the user.

Reading: the latest DAG run of each round and whether it awaits approval, from the metadata DB.
Acting: answering an approval and clearing a run's failed tasks go through Airflow's public REST API
in this api-server (``root_app.RootAppRecorder`` keeps Airflow's root app in the request scope), with the
user's own token, so Airflow's permissions and audit log apply.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from starlette.formparsers import MultiPartException

from ita_monitor.airflow_layer import websecurity as ws
from ita_monitor.airflow_layer.webapp.auth import Actor, check_csrf, user_token
from ita_monitor.airflow_layer.webapp.root_app import ROOT_APP_KEY
from ita_monitor.airflow_layer.webapp.sources import data_root, load_agency
from ita_monitor.airflow_layer.webapp.urls import parse_round, redirect_round
from ita_monitor.model.agency import Agency
from ita_monitor.model.names import CHECK_TASK, agency_of_round_dag, hitl_path, round_dag_id
from ita_monitor.model.rounds import Round, resolve_round
from ita_monitor.views.round_state import RunInfo

log = logging.getLogger(__name__)
router = APIRouter()


# --- what the metadata DB knows ----------------------------------------------------------------------


def _round_of_run(agency: Agency, conf: dict | None, interval_end, run_after) -> Round | None:
    conf = conf or {}
    try:
        fy = conf.get("fiscal_year")
        months = conf.get("round")
        return resolve_round(
            int(fy) if fy not in (None, "") else None,
            int(months) if months not in (None, "") else None,
            interval_end,
            run_after,
            agency.schedule.rounds,
        )
    except (ValueError, TypeError):
        return None


def latest_runs(agencies: dict[str, Agency]) -> dict[tuple[str, int, int], RunInfo]:
    """The latest DAG run of each (agency, fiscal year, round), with whether it awaits approval."""
    from airflow.models.dagrun import DagRun
    from airflow.models.hitl import HITLDetail
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from sqlalchemy import select

    by_dag = {round_dag_id(s): a for s, a in agencies.items()}
    if not by_dag:
        return {}
    out: dict[tuple[str, int, int], RunInfo] = {}
    with create_session() as session:
        pending = set(
            session.execute(
                select(TaskInstance.dag_id, TaskInstance.run_id)
                .join(HITLDetail, HITLDetail.ti_id == TaskInstance.id)
                .where(TaskInstance.dag_id.in_(by_dag), HITLDetail.responded_at.is_(None))
            ).all()
        )
        rows = session.execute(
            select(
                DagRun.dag_id,
                DagRun.run_id,
                DagRun.state,
                DagRun.conf,
                DagRun.data_interval_end,
                DagRun.run_after,
            )
            .where(DagRun.dag_id.in_(by_dag))
            .order_by(DagRun.run_after)
        ).all()
    for dag_id, run_id, state, conf, interval_end, run_after in rows:
        agency = by_dag[dag_id]
        rnd = _round_of_run(agency, conf, interval_end, run_after)
        if rnd is None:
            continue
        out[(agency.slug, rnd.fiscal_year, rnd.months)] = RunInfo(
            dag_id, run_id, str(getattr(state, "value", state)), (dag_id, run_id) in pending
        )
    return out


def run_round(dag_id: str, run_id: str) -> tuple[Agency, Round]:
    """The agency and round a DAG run is about; 404 when it is no ITA round run."""
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from sqlalchemy import select

    slug = agency_of_round_dag(dag_id)
    if slug is None:
        raise HTTPException(404, "ไม่ใช่ DAG ของรอบติดตาม ITA / not an ITA round DAG")
    agency = load_agency(slug)
    with create_session() as session:
        row = session.execute(
            select(DagRun.conf, DagRun.data_interval_end, DagRun.run_after).where(
                DagRun.dag_id == dag_id, DagRun.run_id == run_id
            )
        ).first()
    if row is None:
        raise HTTPException(404, "ไม่พบการรันนี้ / no such DAG run")
    rnd = _round_of_run(agency, *row)
    if rnd is None:
        raise HTTPException(404, "บอกไม่ได้ว่าการรันนี้เป็นรอบใด / cannot tell which round this run is about")
    return agency, rnd


# --- acting through the REST API ---------------------------------------------------------------------


async def call_api(request: Request, method: str, path: str, body: dict | None) -> tuple[int, Any]:
    """Call Airflow's public REST API in this api-server, as the logged-in user (their own token)."""
    import httpx

    root = request.scope.get(ROOT_APP_KEY)
    if root is None:
        raise HTTPException(
            503, "เรียก REST API ของ Airflow ไม่ได้ / Airflow's REST API is not reachable from here"
        )
    transport = httpx.ASGITransport(app=root)
    async with httpx.AsyncClient(transport=transport, base_url="http://airflow-api") as client:
        resp = await client.request(
            method, path, json=body, headers={"Authorization": f"Bearer {user_token(request)}"}
        )
    try:
        payload = resp.json()
    except ValueError:
        payload = resp.text
    return resp.status_code, payload


async def action_form(request: Request, user: Any) -> dict[str, str]:
    """The small form of an action, read only now (after the login and access were checked) and at
    most 64 KiB; 403 unless it carries the user's fresh form token."""
    try:
        form = await ws.read_form(request, 0, max_fields=8)
    except ws.BodyTooLarge as exc:
        raise HTTPException(413, "คำขอใหญ่เกินไป / request too large") from exc
    except (MultiPartException, ValueError, KeyError) as exc:
        raise HTTPException(400, "คำขอไม่ถูกต้อง / bad request") from exc
    try:
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
    finally:
        await form.close()
    check_csrf(user, fields.get("csrf", ""))
    return fields


def _selfcheck_refusal(slug: str, the_round: Round) -> str:
    """Why the round's report may not be approved: its failed self-check ("" when it passed)."""
    from ita_monitor.documents.selfcheck import refusal
    from ita_monitor.model import status

    return refusal(status.load_round(data_root(), slug, the_round).selfcheck, "รายงาน", "the report")


@router.post("/a/{slug}/{fy}/{rnd}/approve")
async def approve(request: Request, user: Actor, slug: str, fy: int, rnd: str) -> Response:
    form = await action_form(request, user)
    the_round = parse_round(fy, rnd)
    run_id, decision = form.get("run_id", ""), form.get("decision", "")
    if not run_id or decision not in ("Approve", "Reject"):
        raise HTTPException(400, "ตัวเลือกไม่ถูกต้อง / decision must be Approve or Reject")
    comment = form.get("comment", "").strip()[:500]
    if decision == "Reject" and not comment:
        return redirect_round(request, slug, the_round, "reason_needed")
    if decision == "Approve" and _selfcheck_refusal(slug, the_round):
        return redirect_round(request, slug, the_round, "selfcheck_failed")  # the page lists the findings
    status, payload = await call_api(
        request,
        "PATCH",
        hitl_path(round_dag_id(slug), run_id),
        {"chosen_options": [decision], "params_input": {"comment": comment}},
    )
    if status >= 300:
        log.warning("approve %s %s: Airflow answered %s: %s", slug, run_id, status, str(payload)[:300])
        return redirect_round(request, slug, the_round, "api_error", status)
    return redirect_round(request, slug, the_round, "approved" if decision == "Approve" else "rejected")


# One rerun at a time per run in this api-server: a second press (or a double click) waits for the
# first, then sees the run queued and is told so, instead of clearing again or racing the first
# clear in the metadata DB.
_rerun_locks: dict[tuple[str, str], asyncio.Lock] = {}


def clear_body(run_id: str, run_state: str) -> dict:
    """What to clear: a failed run's failed tasks (and those they held back); a successful run (a
    file arrived after publication) from the check on, so the round is read, approved and published
    again."""
    if run_state == "failed":
        return {"dry_run": False, "dag_run_id": run_id, "only_failed": True, "reset_dag_runs": True}
    return {
        "dry_run": False,
        "dag_run_id": run_id,
        "only_failed": False,
        "task_ids": [CHECK_TASK],
        "include_downstream": True,
        "reset_dag_runs": True,
    }


@router.post("/a/{slug}/{fy}/{rnd}/rerun")
async def rerun(request: Request, user: Actor, slug: str, fy: int, rnd: str) -> Response:
    form = await action_form(request, user)
    the_round = parse_round(fy, rnd)
    run_id = form.get("run_id", "")
    if not run_id:
        raise HTTPException(400, "ไม่ได้ระบุการรัน / no run given")
    dag_id = round_dag_id(slug)
    run_path = f"/api/v2/dags/{quote(dag_id, safe='')}/dagRuns/{quote(run_id, safe='')}"
    lock = _rerun_locks.setdefault((dag_id, run_id), asyncio.Lock())
    async with lock:
        status, run = await call_api(request, "GET", run_path, None)
        if status >= 300:
            log.warning("rerun %s %s: Airflow answered %s: %s", slug, run_id, status, str(run)[:300])
            return redirect_round(request, slug, the_round, "api_error", status)
        if run.get("state") in ("queued", "running"):
            return redirect_round(request, slug, the_round, "already_rerunning")
        status, payload = await call_api(
            request,
            "POST",
            f"/api/v2/dags/{quote(dag_id, safe='')}/clearTaskInstances",
            clear_body(run_id, str(run.get("state"))),
        )
        if status >= 300:
            # another api-server worker may have cleared it a moment before: say so plainly
            again, now = await call_api(request, "GET", run_path, None)
            if again < 300 and now.get("state") in ("queued", "running"):
                return redirect_round(request, slug, the_round, "already_rerunning")
            log.warning("rerun %s %s: Airflow answered %s: %s", slug, run_id, status, str(payload)[:300])
            return redirect_round(request, slug, the_round, "api_error", status)
    cleared = len(payload.get("task_instances", [])) if isinstance(payload, dict) else 0
    return redirect_round(request, slug, the_round, "rerun", cleared)
