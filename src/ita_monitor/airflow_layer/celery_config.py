"""Celery settings for ita-monitor workers: Airflow's defaults, and a worker that starts warm.

    [celery] celery_config_options = ita_monitor.airflow_layer.celery_config.CELERY_CONFIG

Every Airflow task runs in a process forked from the Celery worker.  The worker therefore imports
the round's modules, WeasyPrint and the fonts, and renders one small document, once, before its
pool starts: every task forked from it starts with all of that in memory (shared copy-on-write)
instead of paying for it again.  Nothing heavy is imported when this module is imported (the
scheduler and api-server import it too); a failed warm-up is logged and only costs speed.
"""

from __future__ import annotations

import logging
import time

from airflow.providers.celery.executors.default_celery import DEFAULT_CELERY_CONFIG
from celery.signals import worker_init

log = logging.getLogger(__name__)

CELERY_CONFIG = dict(DEFAULT_CELERY_CONFIG)

WARM_UP_HTML = "<html lang='th'><body><h1>ทดสอบ</h1><p>รายงานผลการดำเนินการ ๑๒ เดือน</p></body></html>"


def warm_up() -> float:
    """Import what tasks use and render a small Thai page with the configured renderer; seconds taken."""
    started = time.perf_counter()
    from ita_monitor.airflow_layer import settings, tasks  # noqa: F401
    from ita_monitor.flow import pipeline  # noqa: F401  (config, submissions, completeness, storage)
    from ita_monitor.publish import factory  # noqa: F401

    settings.renderer().pdf(WARM_UP_HTML)
    return time.perf_counter() - started


@worker_init.connect
def _warm_worker(**_kwargs) -> None:
    try:
        log.info("ita-monitor: worker warmed up in %.1f s", warm_up())
    except Exception:  # a cold worker still works
        log.warning("ita-monitor: warm-up failed; tasks will start cold", exc_info=True)
