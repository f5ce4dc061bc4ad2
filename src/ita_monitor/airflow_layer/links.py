"""Operator extra links on the round's task (``run_round``, which renders and publishes): "Report PDF"
and "Published page".  Computed by the api-server on request: they point at the ITA page's run routes,
which find the round's PDF or published URL in its status under the data root."""

from __future__ import annotations

from airflow.sdk import BaseOperatorLink

from ita_monitor.airflow_layer.settings import base_url
from ita_monitor.model.names import PUBLISH_TASK, REPORT_TASK, agency_of_round_dag, run_link_url


class _RoundLink(BaseOperatorLink):
    task_id = ""
    what = ""

    def get_link(self, operator, *, ti_key) -> str:
        if agency_of_round_dag(ti_key.dag_id) is None or operator.task_id != self.task_id:
            return ""
        return run_link_url(base_url(), ti_key.dag_id, ti_key.run_id, self.what)


class ReportPdfLink(_RoundLink):
    name = "Report PDF"
    task_id = REPORT_TASK
    what = "report"


class PublishedPageLink(_RoundLink):
    name = "Published page"
    task_id = PUBLISH_TASK
    what = "published"
