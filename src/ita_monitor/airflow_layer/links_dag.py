"""
### ITA link health (ลิงก์ OIT ที่ผู้ประเมินเปิด)

One DAG per agency. Weekly (`[ita] link_check_cron`, Bangkok time) during the year's assessment
period (`assessment` in the OIT catalogue, or the agency's `oit/<year>.yaml`), and on demand: every
link of the year is fetched – the documents ita-monitor published (compared by sha256 with what was
approved), the year's index page, and the URLs the admin entered for the other OIT items.

1. **check_links** – each link ok / slow / changed / missing / failing, kept in
   `<data_root>/<agency>/<year>/links.json`; the ITAS readiness sheet `itas-readiness.csv|.html`
2. **repair_links** – only when triggered with *repair*: broken documents are published again (same
   place; WordPress: a new media item, page updated), then checked again
3. **notify_admin** – a change of state is mailed once to `[ita] admin_email`

Trigger by hand with *fiscal_year* (empty = the current fiscal year) to check now.
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import DAG
from airflow.timetables.trigger import CronTriggerTimetable

from ita_monitor.airflow_layer import link_tasks, settings, tasks
from ita_monitor.model.names import links_dag_id
from ita_monitor.model.rounds import BANGKOK


def build(agency, problems: str) -> DAG:
    """The link-health DAG of one agency (``problems``: why its profile is invalid, "" when valid)."""
    with DAG(
        dag_id=links_dag_id(agency.slug),
        description=f"OIT link health of {agency.short_name_th}" if agency.name_th else "",
        schedule=CronTriggerTimetable(settings.get("link_check_cron"), timezone="Asia/Bangkok"),
        start_date=datetime(2020, 10, 1, tzinfo=BANGKOK),
        catchup=False,
        max_active_runs=1,
        params=link_tasks.link_params(),
        default_args={**tasks.DEFAULT_ARGS, "retries": 1},
        doc_md=__doc__,
        tags=["ita", "links", agency.slug],
    ) as dag:
        if problems:
            tasks.report_config_problem(problems)
        else:
            checked = link_tasks.check_links(agency.slug)
            repaired = link_tasks.repair_links(agency.slug)
            checked >> repaired >> link_tasks.notify_admin(agency.slug)
    return dag
