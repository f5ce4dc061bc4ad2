"""Push LINE notices through the Messaging API (``POST /v2/bot/message/push``) with the HTTP provider.

The agency's ``line.conn_id`` is an Airflow HTTP connection: host = ``https://api.line.me`` (tests point
it at a local server), password = the channel access token (sent as ``Authorization: Bearer``).  A
push answered 429 or 5xx, or not answered, is tried again (``Retry-After`` honoured, otherwise waits
doubling from ``[ita] line_retry_seconds``) up to ``[ita] line_tries`` times, then reported in the
task log and in ``<round>/outbox/line.json``.  LINE never fails a round: every error stops here.
"""

from __future__ import annotations

import logging
import time

from ita_monitor.airflow_layer import settings

log = logging.getLogger(__name__)


def _push_one(hook, token: str, notice) -> tuple[bool, str, int]:
    from ita_monitor.intake.line import PUSH_PATH, retry_delay

    tries = int(settings.get("line_tries"))
    base = float(settings.get("line_retry_seconds"))
    detail = ""
    for attempt in range(1, tries + 1):
        status, retry_after = None, None
        try:
            response = hook.run(
                endpoint=PUSH_PATH,
                json=notice.body(),
                headers={
                    "Authorization": f"Bearer {token}",
                    "Content-Type": "application/json",
                    "X-Line-Retry-Key": notice.retry_key,
                },
                extra_options={"check_response": False, "timeout": 30},
            )
            status, retry_after = response.status_code, response.headers.get("Retry-After")
            # 409 with a retry key: LINE already accepted this very push
            if status == 200 or (status == 409 and response.headers.get("x-line-accepted-request-id")):
                return True, f"HTTP {status}", attempt
            detail = f"HTTP {status}: {response.text[:300]}"
        except Exception as exc:  # no answer at all
            detail = f"{type(exc).__name__}: {exc}"
        wait = retry_delay(status, retry_after, attempt, base)
        if wait is None or attempt == tries:
            return False, detail, attempt
        log.info("LINE push %s: %s; again in %.1f s", notice.key, detail, wait)
        time.sleep(wait)
    return False, detail, tries


def push(agency, round_dir, notices) -> dict:
    """Push each notice not pushed yet; {"pushed": [...], "failed": [{"key", "unit", "detail"}]}."""
    from ita_monitor.intake.line import pending, record

    result: dict = {"pushed": [], "failed": []}
    if agency.line is None:
        return result
    todo = pending(round_dir, notices)
    if not todo:
        return result
    try:
        from airflow.providers.http.hooks.http import HttpHook
        from airflow.sdk import BaseHook

        token = BaseHook.get_connection(agency.line.conn_id).password or ""
        hook = HttpHook(method="POST", http_conn_id=agency.line.conn_id)
    except Exception as exc:
        for n in todo:
            result["failed"].append({"key": n.key, "unit": n.unit, "detail": f"{type(exc).__name__}: {exc}"})
        _report(result)
        return result
    for notice in todo:
        ok, detail, tries = _push_one(hook, token, notice)
        try:
            record(round_dir, notice, ok, detail, tries)
        except Exception:  # the ledger is bookkeeping: the push itself happened or not
            log.exception("LINE ledger not written")
        (result["pushed"] if ok else result["failed"]).append(
            {"key": notice.key, "unit": notice.unit, "detail": detail, "tries": tries}
        )
    _report(result)
    return result


def _report(result: dict) -> None:
    for f in result["failed"]:
        log.warning(
            "ส่ง LINE ไม่สำเร็จ (รอบยังดำเนินต่อ) / LINE push failed, the round goes on: %s to %s: %s",
            f["key"],
            f["unit"],
            f["detail"],
        )
    if result["pushed"]:
        log.info("LINE: pushed %d notice(s)", len(result["pushed"]))


def safely(fn, *args) -> dict:
    """Run a push helper; whatever goes wrong is logged, never raised (LINE never fails a round)."""
    try:
        return fn(*args)
    except Exception:
        log.exception("LINE notices not sent (the round goes on)")
        return {"pushed": [], "failed": []}


def push_forms(job) -> dict:
    from ita_monitor.intake.line import form_notice
    from ita_monitor.intake.unit_forms import form_for, responsible_units

    def run():
        grace = job.agency.schedule.grace_days
        notices = [
            form_notice(job, unit, form_for(job.agency, job.plan, job.rnd, unit, grace, job.last_day))
            for unit in responsible_units(job.agency, job.plan, job.rnd)
        ]
        return push(job.agency, job.data.round_dir(job.slug, job.rnd), notices)

    return safely(run)


def push_reminders(job, gaps) -> dict:
    from ita_monitor.intake.line import reminder_notice

    def run():
        by_unit: dict = {}
        for g in gaps:
            by_unit.setdefault(g.unit, []).append(g)
        notices = [reminder_notice(job, unit, unit_gaps) for unit, unit_gaps in by_unit.items()]
        return push(job.agency, job.data.round_dir(job.slug, job.rnd), notices)

    return safely(run)


def push_outcomes(job, outcomes) -> dict:
    """What became of each file sent by mail, to its unit's group (in the round it was matched to)."""
    from ita_monitor.intake.line import outcome_notices
    from ita_monitor.model.rounds import Round

    def run():
        total: dict = {"pushed": [], "failed": []}
        by_round: dict = {}
        for o in outcomes:
            for n in outcome_notices(job.agency, o):
                f = next(f for f in o.files if f.matched and f.sha256[:12] in n.key)
                by_round.setdefault((f.matched["fiscal_year"], f.matched["months"]), []).append(n)
        for (fy, months), notices in by_round.items():
            got = push(job.agency, job.data.round_dir(job.slug, Round(fy, months)), notices)
            total["pushed"] += got["pushed"]
            total["failed"] += got["failed"]
        return total

    return safely(run)
