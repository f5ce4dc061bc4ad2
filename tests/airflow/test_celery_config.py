"""The Celery settings of ita-monitor workers: Airflow's defaults plus a warm start."""

from __future__ import annotations

import sys

from celery.signals import worker_init

from ita_monitor.airflow_layer import celery_config, settings


def test_the_config_is_airflows_default_celery_config():
    from airflow.providers.celery.executors.default_celery import DEFAULT_CELERY_CONFIG

    assert celery_config.CELERY_CONFIG == DEFAULT_CELERY_CONFIG
    assert celery_config.CELERY_CONFIG is not DEFAULT_CELERY_CONFIG


def test_warm_up_leaves_a_ready_renderer_for_the_tasks_forked_afterwards():
    settings.renderer.cache_clear()
    assert celery_config.warm_up() > 0
    assert settings.renderer.cache_info().currsize == 1
    assert "weasyprint" in sys.modules


def test_the_worker_warms_up_when_celery_starts_it():
    responses = worker_init.send(sender=None)
    assert any(receiver is celery_config._warm_worker for receiver, _ in responses)
