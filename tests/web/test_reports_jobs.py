"""The nightly safety follow-up: the worker keeps one run queued for the next night, and a run
queues the following one."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from kclinic.web.reports.jobs import (
    ensure_nightly_followup,
    next_run_after,
    nightly_safety_followup,
)

PATH = nightly_safety_followup.module_path


@pytest.fixture(autouse=True)
def _worker_keeps_the_test_connection(monkeypatch):
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        ("2026-11-21T01:59", "2026-11-21T02:00"),
        ("2026-11-21T02:00", "2026-11-22T02:00"),
        ("2026-11-21T23:30", "2026-11-22T02:00"),
    ],
)
def test_the_next_run_is_the_next_2am_in_clinic_time(settings, now, expected):
    settings.TIME_ZONE = "America/New_York"
    zone = ZoneInfo("America/New_York")
    with timezone.override(zone):
        at = dt.datetime.fromisoformat(now).replace(tzinfo=zone)
        assert next_run_after(at) == dt.datetime.fromisoformat(expected).replace(tzinfo=zone)


def test_the_worker_start_queues_one_nightly_run(db):
    assert ensure_nightly_followup() is True
    assert ensure_nightly_followup() is False  # one is already waiting
    (queued,) = DBTaskResult.objects.filter(task_path=PATH, status="READY")
    assert queued.run_after > timezone.now()


def test_a_run_evaluates_every_patient_and_queues_tomorrows(clinic):
    result = nightly_safety_followup.enqueue()
    call_command("db_worker", batch=True, reload=False, startup_delay=False, verbosity=0)
    result.refresh()
    assert result.return_value.endswith("tasks opened")
    (tomorrow,) = DBTaskResult.objects.filter(task_path=PATH, status="READY")
    assert tomorrow.run_after == next_run_after(result.finished_at)
