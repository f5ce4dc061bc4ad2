"""Operator extra links on the round tasks: "Report PDF" (render_report) and "Published page"
(publish_report).  Computed by the api-server on request: they point at the ITA page's run routes,
which find the round's PDF or published URL in its status under the data root."""

from __future__ import annotations

from urllib.parse import quote

from airflow.sdk import BaseOperatorLink

DAG_PREFIX = "ita_round__"


def _base() -> str:
    from airflow.configuration import conf

    base = (conf.get("api", "base_url", fallback="") or "").rstrip("/")
    return "" if base.startswith("http://localhost:8080") or not base.startswith("http") else base


class _RoundLink(BaseOperatorLink):
    task_id = ""
    what = ""

    def get_link(self, operator, *, ti_key) -> str:
        if not ti_key.dag_id.startswith(DAG_PREFIX) or operator.task_id != self.task_id:
            return ""
        return (
            f"{_base()}/ita/run/{quote(ti_key.dag_id, safe='')}/{quote(ti_key.run_id, safe='')}/{self.what}"
        )


class ReportPdfLink(_RoundLink):
    name = "Report PDF"
    task_id = "render_report"
    what = "report"


class PublishedPageLink(_RoundLink):
    name = "Published page"
    task_id = "publish_report"
    what = "published"
