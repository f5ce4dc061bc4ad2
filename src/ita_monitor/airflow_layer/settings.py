"""The ``[ita]`` section of Airflow's config (``AIRFLOW__ITA__*`` environment variables work too).

[ita]
agencies_dir = /opt/ita/agencies        # the admin's agency profiles, plans and OIT catalogues
data_root = file:///opt/ita/data        # inbox, status, reports, static site (any ObjectStoragePath URL)
templates_dir = /opt/ita/templates      # documents' and page's templates (default: shipped in the package)
font_regular = /usr/share/fonts/truetype/tlwg/Laksaman.ttf
font_bold = /usr/share/fonts/truetype/tlwg/Laksaman-Bold.ttf
font_scale = 0.6656                     # size of the font per official TH Sarabun point
smtp_conn_id = ita_smtp                 # Airflow SMTP connection that mails forms and reminders to units
submission_poll_seconds = 3600          # how often the waiting round looks for new submissions
mail_poll_seconds = 300                 # how often it looks at the agency's ITA mailbox (mail_in)
line_tries = 4                          # LINE pushes: tries per notice (429/5xx/no answer are retried)
line_retry_seconds = 2                  # first wait between tries, doubling (unless Retry-After says)
line_parallel = 8                       # LINE pushes at a time (all of a call share one retry budget)
admin_email =                           # who is told when a published link changes state (comma-separated)
link_check_cron = 0 7 * * 1             # link health: when it runs in the assessment period (Bangkok)
link_timeout_seconds = 20               # link health: one whole answer (redirects and body included)
link_slow_seconds = 5                   # link health: slower than this is "slow"
link_connections_per_host = 2           # link health: connections open at once to one site
link_rate_per_host = 2                  # link health: requests started per second to one site (0 = no limit)
link_secret =                           # key of the units' links and the pages' form tokens (websecurity.py;
                                        # empty: derived from [api_auth] jwt_secret or the JWT private key)
max_submission_bytes = 5242880          # the one size limit of a unit's file: inbox, upload, mail-in, link-in
dag_shards = 1                          # DAG files the agencies are spread over (`ita-monitor dags sync`);
                                        # about one per 100 agencies (docs/production.md)
allowed_origins =                       # where the page is served besides [api] base_url (comma-separated
                                        # https://name[:port], for more names behind a proxy); the Origin
                                        # check of every POST (websecurity.py), never the request's Host
rate_limit_storage =                    # where the unit page's rate limits count (a `limits` storage URI,
                                        # redis://host:6379/2 for several hosts); empty: a SQLite file
                                        # $AIRFLOW_HOME/ita-rate-limits.sqlite, shared by one host's workers
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from airflow.sdk import conf

from ita_monitor.documents.render import (
    DEFAULT_FONT_BOLD,
    DEFAULT_FONT_REGULAR,
    DEFAULT_FONT_SCALE,
    DEFAULT_TEMPLATES,
    Font,
)
from ita_monitor.model.config import AgenciesDir
from ita_monitor.model.limits import DEFAULT_MAX_SUBMISSION_BYTES

# Without settings, the admin's files and the data live beside Airflow's own (the package may be
# installed anywhere, so nothing defaults to a source tree; `make` and the image set both).
AIRFLOW_HOME = Path(os.environ.get("AIRFLOW_HOME") or "~/airflow").expanduser()
DEFAULTS = {
    "agencies_dir": str(AIRFLOW_HOME / "ita" / "agencies"),
    "data_root": (AIRFLOW_HOME / "ita" / "data").as_uri(),
    "templates_dir": str(DEFAULT_TEMPLATES),
    "font_regular": DEFAULT_FONT_REGULAR,
    "font_bold": DEFAULT_FONT_BOLD,
    "font_scale": str(DEFAULT_FONT_SCALE),
    "smtp_conn_id": "ita_smtp",
    "submission_poll_seconds": "3600",
    "mail_poll_seconds": "300",
    "line_tries": "4",
    "line_retry_seconds": "2",
    "line_parallel": "8",
    "admin_email": "",
    "link_check_cron": "0 7 * * 1",
    "link_timeout_seconds": "20",
    "link_slow_seconds": "5",
    "link_connections_per_host": "2",
    "link_rate_per_host": "2",
    "max_submission_bytes": str(DEFAULT_MAX_SUBMISSION_BYTES),
    "dag_shards": "1",
    "overview_page_agencies": "100",
    "allowed_origins": "",
    "rate_limit_storage": "",
}


def get(key: str) -> str:
    return conf.get("ita", key, fallback=DEFAULTS[key])


def base_url() -> str:
    """Airflow's ``[api] base_url`` without the trailing slash, or "" when it is not set to an http(s)
    URL: links are then relative and open on whatever host the user reached Airflow by."""
    base = (conf.get("api", "base_url", fallback="") or "").rstrip("/")
    return base if base.startswith(("http://", "https://")) else ""


def agencies_dir() -> AgenciesDir:
    return AgenciesDir(get("agencies_dir"))


def data_root():
    """The data root as an ObjectStoragePath (``file://...``, ``s3://conn_id@bucket/...``)."""
    from airflow.sdk import ObjectStoragePath

    return ObjectStoragePath(get("data_root"))


def open_root(url: str):
    """A data-root setting as a folder: local paths and ``file://`` through pathlib (much faster than
    fsspec), anything else (``s3://...``) as an ObjectStoragePath."""
    from ita_monitor.model.storage import local_path

    local = local_path(url)
    if local is not None:
        return local
    from airflow.sdk import ObjectStoragePath

    return ObjectStoragePath(url)


def max_submission_bytes() -> int:
    """``[ita] max_submission_bytes``: the one size limit for every way a unit's file comes in."""
    return int(get("max_submission_bytes"))


def overview_page_agencies() -> int:
    """``[ita] overview_page_agencies``: agencies on one page of the many-agency overview (at least 1)."""
    return max(1, int(get("overview_page_agencies")))


def data():
    """The data root with the size limit: what every task and page that takes in files uses."""
    from ita_monitor.model.storage import DataRoot

    return DataRoot(data_root(), max_submission_bytes())


@lru_cache(maxsize=1)
def renderer():
    """One renderer per worker process: WeasyPrint's first document is the slow one."""
    from ita_monitor.documents.render import Renderer

    font = Font(get("font_regular"), get("font_bold"), float(get("font_scale")))
    return Renderer(get("templates_dir"), font)


def link_check_settings():
    """How the link check fetches (``[ita] link_*``)."""
    from ita_monitor.links.checker import CheckSettings

    return CheckSettings(
        timeout=float(get("link_timeout_seconds")),
        slow=float(get("link_slow_seconds")),
        per_host=int(get("link_connections_per_host")),
        rate_per_host=float(get("link_rate_per_host")),
    )
