"""
### ITA monitoring round (การติดตามผลการดำเนินการตามมาตรการส่งเสริมคุณธรรมและความโปร่งใส)

One DAG per agency in the agencies directory (`[ita] agencies_dir`), one run per monitoring round
(1, 3, 6, 9, 12 months into the fiscal year, as the agency's profile says), starting when the round
ends; the units then have `grace_days` to submit.  A run is one task, **run_round**, which does in
order:

1. **open** – write each responsible unit's prefilled form to `round-MM/outbox/<unit>/` and mail it
   (SMTP connection `[ita] smtp_conn_id`, once per form). A round of a fiscal year without a plan
   (`plans/<FY>.yaml`) is skipped, saying which file to add.
2. **wait** – deferred (no worker slot) until every submission is in or the due date (round end +
   `grace_days`) comes; mails a reminder `reminder_days` before the due date
3. **check** – read the inbox (keep every new file of `<data_root>/<agency>/<year>/round-MM/inbox/<unit>/`
   as a version under `received/`, then read every version: the latest valid one counts), then check
   that every measure due in the round has a filled-in row from each responsible unit; otherwise the
   task fails listing every missing (unit, measure) and nothing is published
4. **render** – the round report PDF (Thai, PDF/A-3b) and its memo, each read back (self-check)
5. **approve** – (agencies with `approval: true`, the default) a person approves in *Required actions*
   or on the ITA page (the task waits in *awaiting input*, no worker slot); Reject (with a reason)
   fails it and nothing is published
6. **publish** – to the agency's site, with the year's OIT index page

Runs are named after their round (`scheduled__FY2568-round-03_…`) and carry the note
"FY2568 round 3" once they start.  Rounds of one agency run side by side; two runs of the same round
never overlap (the second fails at once, naming the first).

Rerun a failed round after the missing files arrive (the task reads the inbox again): press
**rerun** on the round's ITA page, or *Clear* the failed `run_round`, or
`ita-monitor rerun --agency <agency> --fiscal-year <FY> --round <N>` (any run of the round, however it
was started).  Trigger by hand with *fiscal_year* and *round* to run any round (a logical date with
empty fields: the round that date ends), or `ita-monitor run-round` (with `--due` to catch up a past
round).
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import DAG

from ita_monitor.airflow_layer import tasks
from ita_monitor.airflow_layer.round_task import RunRound
from ita_monitor.airflow_layer.timetable import MonitoringRoundTimetable
from ita_monitor.model.names import round_dag_id
from ita_monitor.model.rounds import BANGKOK


def build(agency, problems: str) -> DAG:
    """The round DAG of one agency (``problems``: why its profile is invalid, "" when it is valid)."""
    with DAG(
        dag_id=round_dag_id(agency.slug),
        description=f"ITA monitoring rounds of {agency.short_name_th}" if agency.name_th else "",
        schedule=MonitoringRoundTimetable(agency.schedule.rounds, agency.schedule.grace_days),
        start_date=datetime(2020, 10, 1, tzinfo=BANGKOK),
        catchup=False,
        params=tasks.round_params(),
        default_args=tasks.DEFAULT_ARGS,
        doc_md=__doc__,
        tags=["ita", "round", agency.slug],
    ) as dag:
        if problems:
            tasks.report_config_problem(problems)
        else:
            RunRound(slug=agency.slug, approval=agency.approval)
    return dag
