"""The wait for submissions: trigger events and serialization, without a database."""

from __future__ import annotations

import asyncio
import importlib

from ita_monitor.airflow_layer.waiting import SubmissionsTrigger, WaitForSubmissionsOperator, look
from tests.conftest import drop_samples


def first_event(trigger: SubmissionsTrigger) -> dict:
    async def run():
        agen = trigger.run()
        try:
            return (await agen.__anext__()).payload
        finally:
            await agen.aclose()

    return asyncio.run(run())


def test_trigger_serializes_to_something_the_triggerer_can_rebuild():
    t = SubmissionsTrigger("mae-u-kho", 2565, 12, reminded=True, poll_seconds=30, mail_poll_seconds=300)
    path, kwargs = t.serialize()
    module, name = path.rsplit(".", 1)
    again = getattr(importlib.import_module(module), name)(**kwargs)
    assert again.serialize() == t.serialize()
    assert kwargs == {
        "slug": "mae-u-kho",
        "fiscal_year": 2565,
        "months": 12,
        "reminded": True,
        "poll_seconds": 30.0,
        "mail_poll_seconds": 300.0,
    }


def test_a_past_round_fires_due_at_once_and_a_complete_one_fires_complete(data_root):
    assert first_event(SubmissionsTrigger("mae-u-kho", 2565, 12)) == {"status": "due", "reminded": False}
    state = look("mae-u-kho", 2565, 12)
    assert state.due_passed and not state.complete and len(state.completeness.gaps) == 4
    drop_samples(data_root)
    assert first_event(SubmissionsTrigger("mae-u-kho", 2565, 12)) == {"status": "complete", "reminded": False}


def test_the_operator_returns_at_once_when_the_due_date_has_passed(data_root):
    op = WaitForSubmissionsOperator(task_id="wait_for_submissions", slug="mae-u-kho")
    summary = op._step(2565, 12, reminded=False)
    assert summary == {
        "complete": False,
        "due_passed": True,
        "missing": 4,
        "due_at": "2022-10-16T00:00:00+07:00",
    }
