"""
### ITA yearly plan (มาตรการส่งเสริมคุณธรรมและความโปร่งใส ประจำปี)

One DAG per agency in the agencies directory (`[ita] agencies_dir`), one run per fiscal year, at
midnight on 1 October in Bangkok (the start of the fiscal year). It works from the agency's plan
`<agency>/plans/<year>.yaml`: the measures, the analysis of last year's ITA result and the memo.

1. **validate_plan** – the plan, its analysis (scores of the 10 ITA indicators) and its memo; fails
   naming file and field; warns when an indicator below the pass level has no measure
2. **render_measures** – the measures document (O42-type: analysis, then the table of measures)
3. **render_approval_memo** – the บันทึกข้อความ asking the นายก to approve them (printed and signed)
   - **approve_publish** – (agencies with `approval: true`, the default) once the executive has signed
     the approval memo, a person approves in *Required actions*; Reject (with a reason) fails it and
     nothing is published
4. **publish_measures** – the measures on the agency's site, under the year's OIT item

The PDFs are written to `<data_root>/<agency>/<year>/plan/`. Trigger by hand with *fiscal_year* to
render a year again after fixing the plan (rerunning gives the same files).
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import DAG
from airflow.timetables.trigger import CronTriggerTimetable

from ita_monitor.airflow_layer import plan_tasks, tasks
from ita_monitor.airflow_layer.approval import ApproveMeasures
from ita_monitor.model.names import plan_dag_id
from ita_monitor.model.rounds import BANGKOK


def build(agency, problems: str) -> DAG:
    """The yearly plan DAG of one agency (``problems``: why its profile is invalid, "" when valid)."""
    with DAG(
        dag_id=plan_dag_id(agency.slug),
        description=f"ITA yearly plan of {agency.short_name_th}" if agency.name_th else "",
        # Midnight, 1 October, Bangkok: the first day of the fiscal year.
        schedule=CronTriggerTimetable("0 0 1 10 *", timezone="Asia/Bangkok"),
        start_date=datetime(2020, 10, 1, tzinfo=BANGKOK),
        catchup=False,
        max_active_runs=1,
        params=plan_tasks.plan_params(),
        default_args=tasks.DEFAULT_ARGS,
        doc_md=__doc__,
        tags=["ita", "plan", agency.slug],
    ) as dag:
        if problems:
            tasks.report_config_problem(problems)
        else:
            validated = plan_tasks.validate_plan(agency.slug)
            measures = plan_tasks.render_measures(agency.slug)
            memo = plan_tasks.render_approval_memo(agency.slug)
            published = plan_tasks.publish_measures(agency.slug)
            validated >> [measures, memo]
            if agency.approval:  # published once the executive's signature is in
                [measures, memo] >> ApproveMeasures(slug=agency.slug) >> published
            else:
                measures >> published
    return dag
