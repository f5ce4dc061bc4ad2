"""Names shared by the DAG files, the tasks, the ITA page and the operator links.

One place for the DAG ids (``<family>__<agency slug>``), the task ids other code refers to, and the
ITA page's URLs; pure (no Airflow import), so the core and the Airflow layer agree on them.  The
absolute base URL of the Airflow UI is Airflow's own ``[api] base_url``
(``ita_monitor.airflow_layer.settings.base_url``), never written here.
"""

from __future__ import annotations

from urllib.parse import quote

ROUND_DAG_PREFIX = "ita_round__"
PLAN_DAG_PREFIX = "ita_plan__"
LINKS_DAG_PREFIX = "ita_links__"

# A round's run is one task: it opens the round (forms and mails), waits deferred for the submissions,
# reads and checks them, renders and self-checks the report, asks for the approval (parked, no worker
# slot) and publishes.  Every role below is that task: clearing it is the whole rerun.
ROUND_TASK = "run_round"
CHECK_TASK = ROUND_TASK  # reads the inbox and fails on a gap: the task a rerun clears
APPROVAL_TASK = ROUND_TASK  # the round's human-in-the-loop task (its approval of the report)
REPORT_TASK = ROUND_TASK  # renders the report ("Report PDF" link)
PUBLISH_TASK = ROUND_TASK  # publishes it ("Published page" link)
PLAN_APPROVAL_TASK = "approve_publish"  # the yearly plan's human-in-the-loop task
PLAN_CHECK_TASK = "validate_plan"  # reads the year's plan: the task a plan's rerun clears

ITA_PREFIX = "/ita"  # where the plugin mounts the ITA page in Airflow's api-server


def round_dag_id(slug: str) -> str:
    """The DAG of an agency's monitoring rounds."""
    return f"{ROUND_DAG_PREFIX}{slug}"


def plan_dag_id(slug: str) -> str:
    """The DAG of an agency's yearly plan."""
    return f"{PLAN_DAG_PREFIX}{slug}"


def links_dag_id(slug: str) -> str:
    """The DAG of an agency's link health (OIT links checked, repaired)."""
    return f"{LINKS_DAG_PREFIX}{slug}"


def links_url(base: str, slug: str, fiscal_year: int) -> str:
    """The ITA page's link health of an agency-year."""
    return f"{base.rstrip('/')}{ITA_PREFIX}/links/{slug}/{fiscal_year}"


def agency_of_round_dag(dag_id: str) -> str | None:
    """The agency slug of a round DAG id, or None for any other DAG."""
    return dag_id.removeprefix(ROUND_DAG_PREFIX) if dag_id.startswith(ROUND_DAG_PREFIX) else None


def slug_of_dag(dag_id: str) -> str | None:
    """The agency slug of any ita-monitor DAG id (``<family>__<slug>``)."""
    return dag_id.split("__", 1)[1] if dag_id and "__" in dag_id else None


def files_url(base: str, slug: str) -> str:
    """The ITA page's route serving the files of an agency's data-root folder."""
    return f"{base.rstrip('/')}{ITA_PREFIX}/files/{slug}"


def run_link_url(base: str, dag_id: str, run_id: str, what: str) -> str:
    """The ITA page's redirect to a run's report PDF (``report``) or published page (``published``)."""
    return f"{base.rstrip('/')}{ITA_PREFIX}/run/{quote(dag_id, safe='')}/{quote(run_id, safe='')}/{what}"


def hitl_path(dag_id: str, run_id: str, task_id: str = APPROVAL_TASK) -> str:
    """Airflow's REST path of a run's pending human-in-the-loop answer."""
    return (
        f"/api/v2/dags/{quote(dag_id, safe='')}/dagRuns/{quote(run_id, safe='')}"
        f"/taskInstances/{task_id}/-1/hitlDetails"
    )


def round_page_url(base: str, slug: str, fiscal_year: int, months: int) -> str:
    """The ITA page of one round: ``<base>/ita/a/<agency>/<FY>/round-MM``."""
    return f"{base.rstrip('/')}{ITA_PREFIX}/a/{slug}/{fiscal_year}/round-{months:02d}"


def grid_url(base: str, dag_id: str, run_id: str) -> str:
    """Airflow's own page of a DAG run (the Grid view with the run selected)."""
    return f"{base.rstrip('/')}/dags/{quote(dag_id, safe='')}/runs/{quote(run_id, safe='')}"
