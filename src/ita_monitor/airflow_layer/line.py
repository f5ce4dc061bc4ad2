"""Push LINE notices through the Messaging API (``POST /v2/bot/message/push``) with the HTTP provider.

The agency's ``line.conn_id`` is an Airflow HTTP connection: host = ``https://api.line.me`` (tests point
it at a local server), password = the channel access token (sent as ``Authorization: Bearer``).  A
push answered 429 or 5xx, or not answered, is tried again by the hook's ``run_with_advanced_retry``
(tenacity; ``Retry-After`` honoured, otherwise waits doubling from ``[ita] line_retry_seconds``) up to
``[ita] line_tries`` times, then reported in the task log and in ``<round>/outbox/line.json``.  The
pushes of one call run ``[ita] line_parallel`` at a time and share one deadline (one notice's
waits), so a LINE that fails for every group costs a round one retry budget, not one per group.
LINE never fails a round: every error stops here.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from ita_monitor.airflow_layer import settings

log = logging.getLogger(__name__)
ANSWER_SECONDS = 2.0  # what a try may take within the budget (an answer, not the 30 s timeout)


@dataclass(frozen=True)
class RetryBudget:
    """``[ita] line_tries`` tries per notice, waits doubling from ``[ita] line_retry_seconds`` (or as
    ``Retry-After`` says, which is always honoured up to ``MAX_RETRY_AFTER``); every push of one call
    shares one deadline, the doubling waits of one notice's tries, so a LINE that keeps failing costs a
    round that once however many groups there are (``[ita] line_parallel`` at a time)."""

    tries: int
    base: float
    parallel: int

    @classmethod
    def from_settings(cls) -> RetryBudget:
        return cls(
            max(1, int(settings.get("line_tries"))),
            float(settings.get("line_retry_seconds")),
            max(1, int(settings.get("line_parallel"))),
        )

    @property
    def seconds(self) -> float:
        """One notice's tries: their doubling waits, and ``ANSWER_SECONDS`` a try for LINE to answer."""
        return sum(self.base * 2**a for a in range(self.tries - 1)) + self.tries * ANSWER_SECONDS


def _accepted(response) -> bool:
    # 409 with a retry key: LINE already accepted this very push
    status = response.status_code
    return status == 200 or (status == 409 and bool(response.headers.get("x-line-accepted-request-id")))


def _detail(outcome) -> str:
    """What one try came to: ``HTTP 500: ...`` or the exception when nothing answered."""
    if outcome.failed:
        exc = outcome.exception()
        return f"{type(exc).__name__}: {exc}"
    response = outcome.result()
    return (
        f"HTTP {response.status_code}"
        if _accepted(response)
        else f"HTTP {response.status_code}: {response.text[:300]}"
    )


def _push_one(
    conn_id: str, token: str, notice, budget: RetryBudget, deadline: float
) -> tuple[bool, str, int]:
    """Push one notice through the HTTP hook's ``run_with_advanced_retry`` (tenacity): 429, 5xx and no
    answer are tried again, until ``budget.tries`` or the shared ``deadline``; (pushed?, detail, tries)."""
    from airflow.providers.http.hooks.http import HttpHook

    from ita_monitor.intake.line import PUSH_PATH, retry_after_seconds, retry_delay

    def answer(rs) -> tuple[int | None, str | None]:
        if rs.outcome.failed:  # no answer at all
            return None, None
        response = rs.outcome.result()
        return response.status_code, response.headers.get("Retry-After")

    def retryable(rs) -> bool:
        if not rs.outcome.failed and _accepted(rs.outcome.result()):
            return False
        return retry_delay(*answer(rs), rs.attempt_number, budget.base) is not None

    def wait(rs) -> float:
        return retry_delay(*answer(rs), rs.attempt_number, budget.base) or 0.0

    def stop(rs) -> bool:
        if rs.attempt_number >= budget.tries:
            return True
        asked = retry_after_seconds(answer(rs)[1]) is not None  # LINE's own wait is kept
        return not asked and time.monotonic() + rs.upcoming_sleep > deadline

    last: dict = {}

    def after(rs) -> None:
        last["tries"], last["detail"] = rs.attempt_number, _detail(rs.outcome)

    def before_sleep(rs) -> None:
        log.info("LINE push %s: %s; again in %.1f s", notice.key, last["detail"], rs.upcoming_sleep)

    hook = HttpHook(method="POST", http_conn_id=conn_id)  # one per push: the hook keeps its retry state
    try:
        response = hook.run_with_advanced_retry(
            {
                "retry": retryable,
                "wait": wait,
                "stop": stop,
                "after": after,
                "before_sleep": before_sleep,
                "retry_error_callback": lambda rs: rs.outcome.result(),  # the last answer, or its exception
            },
            endpoint=PUSH_PATH,
            json=notice.body(),
            headers={
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/json",
                "X-Line-Retry-Key": notice.retry_key,
            },
            extra_options={"check_response": False, "timeout": 30},
        )
    except Exception as exc:  # no answer at the last try
        return False, f"{type(exc).__name__}: {exc}", last.get("tries", 1)
    return _accepted(response), last.get("detail", ""), last.get("tries", 1)


def push(agency, round_dir, notices) -> dict:
    """Push each notice not pushed yet, ``[ita] line_parallel`` at a time within one retry budget;
    {"pushed": [...], "failed": [{"key", "unit", "detail"}]}."""
    from ita_monitor.intake.line import pending, record

    result: dict = {"pushed": [], "failed": []}
    if agency.line is None:
        return result
    todo = pending(round_dir, notices)
    if not todo:
        return result
    try:
        from airflow.sdk import BaseHook

        token = BaseHook.get_connection(agency.line.conn_id).password or ""
        budget = RetryBudget.from_settings()
    except Exception as exc:
        for n in todo:
            result["failed"].append({"key": n.key, "unit": n.unit, "detail": f"{type(exc).__name__}: {exc}"})
        _report(result)
        return result
    deadline = time.monotonic() + budget.seconds

    def one(notice) -> tuple:
        try:
            return notice, *_push_one(agency.line.conn_id, token, notice, budget, deadline)
        except Exception as exc:  # never raised: LINE never fails a round
            return notice, False, f"{type(exc).__name__}: {exc}", 0

    with ThreadPoolExecutor(max_workers=min(budget.parallel, len(todo)), thread_name_prefix="line") as pool:
        outcomes = list(pool.map(one, todo))
    for notice, ok, detail, tries in outcomes:  # the ledger written by this thread only, in order
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
