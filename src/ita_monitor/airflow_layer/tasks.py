"""The steps of the round's task (``round_task.RunRound``), each a thin call into ``ita_monitor.flow``
for one agency's round, and what the round DAG shares: default args, the trigger form, the stand-in
task of an agency whose profile is invalid."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from airflow.sdk import Param, get_current_context, task
from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

from ita_monitor.airflow_layer import settings

log = logging.getLogger(__name__)


def record_failure(context: Any) -> None:
    """A round's task failed for good: status.json says "failed" with the reason, so ``ita-monitor
    status`` and the ITA page say it even without asking Airflow.  A failure the step recorded itself
    (a gap: incomplete; a rejection; a refused self-check) is kept as it is."""
    from ita_monitor.model.names import agency_of_round_dag
    from ita_monitor.model.status import State, update_round

    try:
        dag_run = context["dag_run"]
        slug = agency_of_round_dag(str(dag_run.dag_id))
        if slug is None:
            return
        job = _job(slug, ctx=context)
        from ita_monitor.model.status import load_round

        before = load_round(job.data, slug, job.rnd).known_state
        if before in (State.INCOMPLETE, State.REJECTED, State.FAILED):
            return
        ti = context.get("ti") or context.get("task_instance")
        reason = str(context.get("exception") or "")[:2000]
        update_round(
            job.data,
            slug,
            job.rnd,
            state=State.FAILED,
            error=f"{getattr(ti, 'task_id', 'a task')}: {reason}".strip(": "),
        )
    except Exception:  # never hide the task's own failure behind this one
        log.exception("could not record the failure in status.json")


DEFAULT_ARGS: dict[str, Any] = {
    "owner": "ita",
    "retries": 2,
    "retry_delay": 60,
    "retry_exponential_backoff": 2.0,
    "on_failure_callback": record_failure,  # round DAGs only (it looks at the DAG id)
}


def fiscal_year_param(empty_th: str, empty_en: str) -> Param:
    """The trigger form's fiscal year; ``empty_*`` says what leaving it empty means."""
    return Param(
        None,
        type=["null", "integer"],
        minimum=2560,
        maximum=2700,
        title="ปีงบประมาณ พ.ศ. / Fiscal year (BE)",
        description=f"เช่น 2565 (ว่าง = {empty_th}) / e.g. 2565; empty = {empty_en}",
    )


def round_params() -> dict[str, Param]:
    """The trigger form: which round to run (empty = the round of the run's data interval)."""
    return {
        "fiscal_year": fiscal_year_param("ตามรอบของการรัน", "the run's round"),
        "round": Param(
            None,
            type=["null", "integer"],
            enum=[None, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
            title="รอบ (เดือน) / Round (months)",
            description="๑ ๓ ๖ ๙ หรือ ๑๒ เดือน / 1, 3, 6, 9 or 12 months into the fiscal year",
        ),
    }


def _job(slug: str, skip_without_plan: bool = False, ctx: Any = None):
    from ita_monitor.flow.pipeline import RoundJob, recorded_due
    from ita_monitor.model.config import AgenciesDir
    from ita_monitor.model.errors import InputError
    from ita_monitor.model.runs import due_of_conf, round_of_run

    ctx = ctx if ctx is not None else get_current_context()
    params = ctx.get("params") or {}
    agencies: AgenciesDir = settings.agencies_dir()
    try:
        agency = agencies.agency(slug)
        interval_end: datetime | None = ctx.get("data_interval_end")
        dag_run = ctx["dag_run"]
        rnd = round_of_run(
            {**(dag_run.conf or {}), **{k: params.get(k) for k in ("fiscal_year", "round")}},
            run_type=getattr(dag_run, "run_type", ""),
            logical_date=getattr(dag_run, "logical_date", None),
            interval_end=interval_end,
            run_after=dag_run.run_after,
            rounds=agency.schedule.rounds,
        )
        log.info("Agency %s, %s (fiscal year %s)", slug, rnd.label_th, rnd.fiscal_year)
        if skip_without_plan:
            _skip_without_plan(agencies, slug, rnd.fiscal_year)
        data = settings.data()
        due = due_of_conf(dag_run.conf) or recorded_due(data, slug, rnd)
        return RoundJob.load(agencies, slug, rnd, data, agency, due=due)
    except (InputError, ValueError) as exc:
        # Bad config or params will not fix themselves on retry: fail now, saying where.
        raise AirflowFailException(f"ตั้งค่าไม่ถูกต้อง / configuration problem:\n{exc}") from exc


def _skip_without_plan(agencies, slug: str, fiscal_year: int) -> None:
    """Skip the whole run (not fail it) when the fiscal year has no plan: a scheduled round of a
    year the agency has not planned yet, or one before its first monitored year, is nobody's error.
    The message names the file to add."""
    path = agencies.root / slug / "plans" / f"{fiscal_year}.yaml"
    if path.exists():
        return
    years = agencies.plan_years(slug)
    if years and fiscal_year < min(years):
        raise AirflowSkipException(
            f"ไม่ได้ติดตาม: ปีงบประมาณ {fiscal_year} อยู่ก่อนปีแรกที่ติดตาม ({min(years)}) / "
            f"not monitored: fiscal year {fiscal_year} is before the agency's first monitored year {min(years)}"
        )
    raise AirflowSkipException(
        f"ข้ามรอบนี้: ยังไม่มีแผนมาตรการปีงบประมาณ {fiscal_year} เพิ่มไฟล์ {path} แล้วสั่งรันรอบนี้ใหม่ "
        f"(Trigger: fiscal_year {fiscal_year} และ round) / round skipped: no measure plan for fiscal year "
        f"{fiscal_year}; add {path}, then trigger this round again (fiscal_year {fiscal_year} and round)"
    )


def open_round(job) -> dict:
    """Write each responsible unit's prefilled form to its outbox and mail it (once per form content
    and link: ``outbox/sent.json``), with the unit's own upload link; LINE notices likewise."""
    from ita_monitor.airflow_layer.line import push_forms
    from ita_monitor.airflow_layer.mail import send
    from ita_monitor.airflow_layer.websecurity import NoSecret, unit_link_maker
    from ita_monitor.flow.pipeline import mark_waiting
    from ita_monitor.intake.notify import open_round as write_forms

    try:
        link_for = unit_link_maker(job)
    except NoSecret as exc:
        raise AirflowFailException(str(exc)) from exc
    if link_for is None:
        log.warning(
            "ไม่ได้ตั้ง [api] base_url จึงไม่มีลิงก์อัปโหลดของหน่วยงานในอีเมล / [api] base_url is not set: "
            "the form mails go without the units' upload links"
        )
    mails = write_forms(job, link_for)
    mark_waiting(job.data, job.agency, job.rnd, job.due_at.isoformat(), job.due)
    sent = send(job, mails)
    log.info("Forms written; mailed %d of %d pending", len(sent), len(mails))
    line = push_forms(job)
    return {"pending": len(mails), "sent": sent, "line": line}


def check_completeness(job) -> dict:
    """Read the round's inbox, then fail with every missing (unit, measure) if the round is not complete.

    Reading is idempotent: a file already kept (same sha256) is not stored again, so the rerun (the
    round's task cleared) reads exactly the files that arrived since."""
    from ita_monitor.flow.pipeline import RoundIncomplete, check_round, collect

    summary = collect(job)
    log.info("Collected %s", summary)
    try:
        result = check_round(job)
    except RoundIncomplete as exc:
        # Retrying cannot help until a unit submits: fail at once; clear the task to rerun.
        raise AirflowFailException(str(exc)) from exc
    if not result.due:
        raise AirflowSkipException("ไม่มีมาตรการที่ต้องรายงานในรอบนี้ / no measure reports in this round")
    log.info(result.message())
    return {**result.as_dict(), "collected": summary}


def render_report(job) -> dict:
    """Render the round report PDF and its memo under the data root, each self-checked."""
    from ita_monitor.flow.pipeline import render_report as render

    return render(job, settings.renderer())


def publish_report(job) -> dict:
    """Publish the report to the agency's site and update the year's index page.

    A target that is down or erroring is retried inside the task with backoff, then by the task's
    retries; refused credentials or settings fail at once.  Each message says which target, what
    failed and what to do.  With the agency's ``publish.dry_run`` only the plan is logged.
    """
    from ita_monitor.airflow_layer.remotes import MissingConnection, remote_for
    from ita_monitor.flow.pipeline import publish_report as publish
    from ita_monitor.model.errors import InputError
    from ita_monitor.publish.base import PublishFailed
    from ita_monitor.publish.factory import publisher_for

    dry_run = job.agency.publish.dry_run
    try:
        remote = remote_for(job.agency)
        publisher = publisher_for(job.agency, job.data, settings.renderer(), remote)
    except (MissingConnection, InputError) as exc:
        raise AirflowFailException(str(exc)) from exc
    try:
        result = publish(job, publisher, dry_run=dry_run)
    except PublishFailed as exc:
        if not exc.transient:
            raise AirflowFailException(str(exc)) from exc
        raise  # the task's retries try again later, with backoff
    finally:
        if remote is not None and remote.close is not None:
            remote.close()
    if dry_run:
        log.info("Dry run for %s (nothing was sent to the site); would:", result["target"])
        for line in result["changes"]:
            log.info("  - %s", line)
    log.info("Published: %s", result)
    return result


@task
def report_config_problem(problems: str) -> None:
    """Stands in for the round of an agency whose profile is invalid, so the admin sees why."""
    raise AirflowFailException(problems)
