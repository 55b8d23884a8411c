"""Reads of tasks."""

from __future__ import annotations

from django.db.models import QuerySet

from kclinic.web.accounts.models import User
from kclinic.web.accounts.policy import Action, allowed
from kclinic.web.patients.models import Patient
from kclinic.web.patients.selectors import visible_patients
from kclinic.web.tasks.models import Task, TaskStatus


def open_safety_task_count(patient: Patient) -> int:
    return patient.tasks.filter(kind="safety", status=TaskStatus.OPEN).count()


def open_tasks_for(user: User) -> QuerySet[Task]:
    """The clinic task list: open tasks for every patient the user may see."""
    if not allowed(user, Action.VIEW_CLINICAL):
        return Task.objects.none()
    return (
        Task.objects.filter(status=TaskStatus.OPEN, patient__in=visible_patients(user))
        .select_related("patient")
        .order_by("created_at")
    )


def tasks_of(patient: Patient) -> QuerySet[Task]:
    return patient.tasks.select_related("resolved_by").order_by("status", "-created_at")
