"""What only Airflow knows, and acting on it as the user.

Reading: the latest DAG run of each round and whether it awaits approval, from the metadata DB through
the one adapter of Airflow internals (``airflow_layer/internals.py``, which says why).
Acting: answering an approval and clearing a run's failed tasks go through Airflow's public REST API
in this api-server (``root_app.RootAppRecorder`` keeps Airflow's root app in the request scope), with the
user's own token, so Airflow's permissions and audit log apply.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from starlette.formparsers import MultiPartException

from ita_monitor.airflow_layer import websecurity as ws
from ita_monitor.airflow_layer.webapp.auth import Actor, check_csrf, may_approve, user_token, username
from ita_monitor.airflow_layer.webapp.root_app import ROOT_APP_KEY
from ita_monitor.airflow_layer.webapp.sources import data_root, load_agency
from ita_monitor.airflow_layer.webapp.urls import parse_round, redirect_round
from ita_monitor.model.agency import Agency
from ita_monitor.model.names import CHECK_TASK, agency_of_round_dag, hitl_path, round_dag_id
from ita_monitor.model.rounds import Round
from ita_monitor.model.runs import RoundRefused, round_of_run
from ita_monitor.views.round_state import RunInfo

log = logging.getLogger(__name__)
router = APIRouter()


# --- what the metadata DB knows (through airflow_layer/internals.py) ----------------------------------------------------------------------


def _round_of_run(
    agency: Agency, conf: dict | None, run_type, logical_date, interval_end, run_after
) -> Round | None:
    try:
        return round_of_run(
            conf,
            run_type=str(getattr(run_type, "value", run_type) or ""),
            logical_date=logical_date,
            interval_end=interval_end,
            run_after=run_after,
            rounds=agency.schedule.rounds,
        )
    except RoundRefused:
        return None


def latest_runs(agencies: dict[str, Agency]) -> dict[tuple[str, int, int], RunInfo]:
    """The latest DAG run of each (agency, fiscal year, round), with whether it awaits approval."""
    from ita_monitor.airflow_layer import internals

    by_dag = {round_dag_id(s): a for s, a in agencies.items()}
    if not by_dag:
        return {}
    pending = internals.pending_approvals(list(by_dag))
    out: dict[tuple[str, int, int], RunInfo] = {}
    for row in internals.run_rows(list(by_dag)):
        agency = by_dag[row.dag_id]
        rnd = _round_of_run(
            agency, row.conf, row.run_type, row.logical_date, row.data_interval_end, row.run_after
        )
        if rnd is None:
            continue
        out[(agency.slug, rnd.fiscal_year, rnd.months)] = RunInfo(
            row.dag_id, row.run_id, row.state, (row.dag_id, row.run_id) in pending
        )
    return out


def run_round(dag_id: str, run_id: str) -> tuple[Agency, Round]:
    """The agency and round a DAG run is about; 404 when it is no ITA round run."""
    from ita_monitor.airflow_layer import internals

    slug = agency_of_round_dag(dag_id)
    if slug is None:
        raise HTTPException(404, "ไม่ใช่ DAG ของรอบติดตาม ITA / not an ITA round DAG")
    agency = load_agency(slug)
    row = internals.run_row(dag_id, run_id)
    if row is None:
        raise HTTPException(404, "ไม่พบการรันนี้ / no such DAG run")
    rnd = _round_of_run(
        agency, row.conf, row.run_type, row.logical_date, row.data_interval_end, row.run_after
    )
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


def _question(detail: Any, run_id: str) -> str:
    """The key of one approval question: the run, the task instance and when it was asked (a
    cleared task asks a new question)."""
    ti = detail.get("task_instance") or {}
    return f"{run_id}|{ti.get('id', '')}|{ti.get('try_number', '')}|{detail.get('created_at', '')}"


def _answered(detail: Any) -> dict[str, str]:
    """Who answered the question, when and how, as Airflow's HITL detail says."""
    user = detail.get("responded_by_user") or {}
    chosen = detail.get("chosen_options") or []
    return {
        "by": str(user.get("name") or user.get("id") or ""),
        "at": str(detail.get("responded_at") or ""),
        "decision": "Approve" if chosen == ["Approve"] else "Reject",
    }


def _told(request: Request, slug: str, the_round: Round, key: str, who: dict) -> Response:
    """The loser of an approval: told who decided, how and when (from the claim, not the address)."""
    code = "already_approved" if who.get("decision") == "Approve" else "already_rejected"
    return redirect_round(request, slug, the_round, code, claim=key)


@router.post("/a/{slug}/{fy}/{rnd}/approve")
async def approve(request: Request, user: Actor, slug: str, fy: int, rnd: str) -> Response:
    """Answer the round's approval: the question must still be open, and the answer claims it
    (``flow.claims``, an exclusive create in the data root) before Airflow is told, so of two answers
    at the same moment, from any workers or hosts, exactly one is sent and recorded; the other is
    told who decided and when, and nothing of it is kept."""
    from ita_monitor.flow import claims

    form = await action_form(request, user)
    the_round = parse_round(fy, rnd)
    run_id, decision = form.get("run_id", ""), form.get("decision", "")
    if not run_id or decision not in ("Approve", "Reject"):
        raise HTTPException(400, "ตัวเลือกไม่ถูกต้อง / decision must be Approve or Reject")
    comment = form.get("comment", "").strip()[:500]
    if decision == "Reject" and not comment:
        return redirect_round(request, slug, the_round, "reason_needed")
    if not may_approve(user, slug):  # a clerk acts on the round but does not answer its approval
        raise HTTPException(403, "ผู้มีสิทธิ์อนุมัติของหน่วยงานเป็นผู้ตอบ / only the agency's approver answers this")
    if decision == "Approve" and _selfcheck_refusal(slug, the_round):
        return redirect_round(request, slug, the_round, "selfcheck_failed")  # the page lists the findings
    path = hitl_path(round_dag_id(slug), run_id)
    status, detail = await call_api(request, "GET", path, None)
    if status >= 300 or not isinstance(detail, dict):
        return redirect_round(request, slug, the_round, "not_asked" if status == 404 else "api_error", status)
    key = _question(detail, run_id)
    data = data_root()
    if detail.get("response_received"):  # answered before this request (here or in Airflow)
        if claims.holder(data, slug, the_round, "approval", key) is None:
            claims.claim(data, slug, the_round, "approval", key, _answered(detail))
        return _told(
            request, slug, the_round, key, claims.holder(data, slug, the_round, "approval", key) or {}
        )
    me = {"by": username(user), "decision": decision, "at": claims.now_iso()}
    held = claims.claim(data, slug, the_round, "approval", key, me)
    if held is not None:
        return _told(request, slug, the_round, key, held)
    status, payload = await call_api(
        request, "PATCH", path, {"chosen_options": [decision], "params_input": {"comment": comment}}
    )
    if status == 409:  # answered in Airflow's own Required actions a moment before
        _, now = await call_api(request, "GET", path, None)
        claims.settle(data, slug, the_round, "approval", key, _answered(now if isinstance(now, dict) else {}))
        return _told(
            request, slug, the_round, key, claims.holder(data, slug, the_round, "approval", key) or {}
        )
    if status >= 300:
        claims.release(data, slug, the_round, "approval", key)
        log.warning("approve %s %s: Airflow answered %s: %s", slug, run_id, status, str(payload)[:300])
        return redirect_round(request, slug, the_round, "api_error", status)
    answered = _answered(payload) if isinstance(payload, dict) else {}
    claims.settle(data, slug, the_round, "approval", key, {**me, "at": answered.get("at") or me["at"]})
    # the approval task records the decision in the round's actions when it resumes (approval.py), so
    # an answer given in Airflow's own Required actions is recorded the same way
    return redirect_round(request, slug, the_round, "approved" if decision == "Approve" else "rejected")


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
    """Rerun the round's run once: the press claims the run as it ended (``flow.claims``, keyed by
    its end time) before clearing it, so of several presses at once, from any workers or hosts, one
    clears and the others are told it is already being rerun."""
    from ita_monitor.flow import claims
    from ita_monitor.model import status as statuses

    form = await action_form(request, user)
    the_round = parse_round(fy, rnd)
    run_id = form.get("run_id", "")
    if not run_id:
        raise HTTPException(400, "ไม่ได้ระบุการรัน / no run given")
    dag_id = round_dag_id(slug)
    run_path = f"/api/v2/dags/{quote(dag_id, safe='')}/dagRuns/{quote(run_id, safe='')}"
    status, run = await call_api(request, "GET", run_path, None)
    if status >= 300:
        log.warning("rerun %s %s: Airflow answered %s: %s", slug, run_id, status, str(run)[:300])
        return redirect_round(request, slug, the_round, "api_error", status)
    if run.get("state") in ("queued", "running"):
        return redirect_round(request, slug, the_round, "already_rerunning")
    key = f"{run_id}|{run.get('end_date') or ''}"
    data = data_root()
    me = {"by": username(user), "at": claims.now_iso()}
    if claims.claim(data, slug, the_round, "rerun", key, me) is not None:
        return redirect_round(request, slug, the_round, "already_rerunning", claim=key)
    status, payload = await call_api(
        request,
        "POST",
        f"/api/v2/dags/{quote(dag_id, safe='')}/clearTaskInstances",
        clear_body(run_id, str(run.get("state"))),
    )
    if status >= 300:
        claims.release(data, slug, the_round, "rerun", key)
        again, now = await call_api(request, "GET", run_path, None)
        if again < 300 and now.get("state") in ("queued", "running"):  # cleared in Airflow meanwhile
            return redirect_round(request, slug, the_round, "already_rerunning")
        log.warning("rerun %s %s: Airflow answered %s: %s", slug, run_id, status, str(payload)[:300])
        return redirect_round(request, slug, the_round, "api_error", status)
    cleared = len(payload.get("task_instances", [])) if isinstance(payload, dict) else 0
    statuses.record_action(data, slug, the_round, "rerun", username(user), detail=f"{run_id}: {cleared}")
    return redirect_round(request, slug, the_round, "rerun", cleared)
