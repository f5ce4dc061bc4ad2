"""The yearly plan's tasks: each a thin call into ``ita_monitor.flow.yearly`` for one agency's fiscal year."""

from __future__ import annotations

import logging

from airflow.sdk import Param, get_current_context, task
from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

from ita_monitor.airflow_layer import settings
from ita_monitor.airflow_layer.tasks import fiscal_year_param

log = logging.getLogger(__name__)


def plan_params() -> dict[str, Param]:
    """The trigger form: which fiscal year (empty = the fiscal year the run starts in)."""
    return {"fiscal_year": fiscal_year_param("ปีงบประมาณของวันที่รัน", "the run's fiscal year")}


def _job(slug: str):
    from ita_monitor.flow.yearly import YearJob
    from ita_monitor.model.errors import InputError
    from ita_monitor.model.runs import plan_year_of_run

    ctx = get_current_context()
    dag_run = ctx["dag_run"]
    # A scheduled run starts at midnight on 1 October in Bangkok: the fiscal year that begins; a run
    # triggered with a logical date: that date's fiscal year (the run's note says the same).
    fiscal_year = plan_year_of_run(
        {"fiscal_year": ctx["params"].get("fiscal_year")},
        getattr(dag_run, "logical_date", None),
        dag_run.run_after,
    )
    log.info("Agency %s, plan of fiscal year %s", slug, fiscal_year)
    agencies = settings.agencies_dir()
    if int(fiscal_year) not in agencies.plan_years(slug):
        # Unpausing the DAG starts the latest 1 October's run: a year the agency has not planned yet is
        # nobody's error.  Skip it (every task after it too), naming the file to add.
        path = agencies.root / slug / "plans" / f"{fiscal_year}.yaml"
        raise AirflowSkipException(
            f"ข้าม: ยังไม่มีแผนมาตรการปีงบประมาณ {fiscal_year} เพิ่มไฟล์ {path} แล้วสั่งรัน (Trigger) "
            f"ด้วย fiscal_year {fiscal_year} / skipped: no measure plan for fiscal year {fiscal_year}; add "
            f"{path}, then trigger this DAG with fiscal_year {fiscal_year}"
        )
    try:
        return YearJob.load(agencies, slug, int(fiscal_year), settings.data())
    except InputError as exc:
        # A plan that is wrong will not fix itself on retry: fail now, saying where.
        raise AirflowFailException(f"แผนหรือการตั้งค่าไม่ถูกต้อง / plan or configuration problem:\n{exc}") from exc


@task
def validate_plan(slug: str) -> list[dict]:
    """Check the plan, its analysis of last year's ITA result and its memo; log every warning."""
    from ita_monitor.flow.yearly import validate

    warnings = validate(_job(slug))
    for w in warnings:
        log.warning("%s", w)
    return [w.as_dict() for w in warnings]


@task
def render_measures(slug: str) -> dict:
    """Render the measures document (O42-type) under the data root."""
    from ita_monitor.flow.yearly import render_measures as render

    return render(_job(slug), settings.renderer())


@task
def render_approval_memo(slug: str) -> dict:
    """Render the approval memo (บันทึกข้อความ) for the executive to sign."""
    from ita_monitor.flow.yearly import render_approval_memo as render

    return render(_job(slug), settings.renderer())


@task
def publish_measures(slug: str) -> dict:
    """Publish the measures on the agency's site under the year's OIT item."""
    from ita_monitor.flow.yearly import publish_measures as publish
    from ita_monitor.publish.factory import publisher_for

    job = _job(slug)
    result = publish(
        job, publisher_for(job.agency, job.data, settings.renderer()), dry_run=job.agency.publish.dry_run
    )
    log.info("Published: %s", result)
    return result
