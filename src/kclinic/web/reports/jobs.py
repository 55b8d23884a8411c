"""The nightly long-term safety follow-up as a background job of `kclinic worker`.

Each run evaluates every patient (idempotent: a finding opens its task once) and queues the
next run for the following night, so one pending job always exists while a worker runs;
`ensure_nightly_followup()` (called when the worker starts) queues the first one.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_tasks import task

# Clinic time at which the follow-up runs: after the day's sessions, before the morning list.
NIGHTLY_AT = dt.time(2, 0)


def next_run_after(now: dt.datetime) -> dt.datetime:
    """The next NIGHTLY_AT in the clinic's time zone, strictly after `now`."""
    local = timezone.localtime(now)
    candidate = local.replace(
        hour=NIGHTLY_AT.hour, minute=NIGHTLY_AT.minute, second=0, microsecond=0
    )
    return candidate if candidate > local else candidate + dt.timedelta(days=1)


@task()
def nightly_safety_followup() -> str:
    """Evaluate the safety follow-up rules for every patient, then queue tomorrow's run."""
    from kclinic.web.reports.safety import run_safety_followup

    run = run_safety_followup()
    nightly_safety_followup.using(run_after=next_run_after(timezone.now())).enqueue()
    return f"{run.patients} patients evaluated, {run.opened} tasks opened"


def ensure_nightly_followup() -> bool:
    """Queue the next nightly run unless one is already waiting; True when one was queued."""
    from django_tasks import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.filter(
        task_path=nightly_safety_followup.module_path, status=TaskResultStatus.READY
    )
    if waiting.exists():
        return False
    nightly_safety_followup.using(run_after=next_run_after(timezone.now())).enqueue()
    return True
