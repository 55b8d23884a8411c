"""Reads of tasks: urgent before routine everywhere, and the signed-in user's own first."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Exists, IntegerField, OuterRef, Prefetch, QuerySet, Value, When

from kclinic.web.accounts.models import User
from kclinic.web.accounts.policy import Action, allowed
from kclinic.web.patients.models import Patient
from kclinic.web.patients.selectors import visible_patients
from kclinic.web.tasks.models import Priority, Task, TaskStatus

# Sorting by the stored text would put "routine" before "urgent"; rank explicitly.
URGENT_FIRST = Case(
    When(priority=Priority.URGENT, then=Value(0)), default=Value(1), output_field=IntegerField()
)


def assignees_prefetch(lookup: str = "assigned_to") -> Prefetch[Any]:
    """Assignees in a stable order (a many-to-many has none of its own)."""
    return Prefetch(lookup, queryset=User.objects.order_by("last_name", "first_name", "pk"))


def open_safety_task_count(patient: Patient) -> int:
    return patient.tasks.filter(kind="safety", status=TaskStatus.OPEN).count()


def open_tasks_for(user: User) -> QuerySet[Task]:
    """The clinic task list: open tasks for every patient the user may see, urgent first,
    then the oldest first. `mine` says whether the task is assigned to the user."""
    if not allowed(user, Action.VIEW_CLINICAL):
        return Task.objects.none()
    assigned = Task.assigned_to.through.objects.filter(task_id=OuterRef("pk"), user_id=user.pk)
    return (
        Task.objects.filter(status=TaskStatus.OPEN, patient__in=visible_patients(user))
        .select_related("patient")
        .prefetch_related(assignees_prefetch())
        .annotate(rank=URGENT_FIRST, mine=Exists(assigned))
        .order_by("rank", "created_at", "pk")
    )


@dataclass(frozen=True)
class TaskList:
    mine: list[Task]  # assigned to the signed-in user
    others: list[Task]  # everyone else's and unassigned (empty when only `mine` is asked for)

    @property
    def patients(self) -> set[uuid.UUID]:
        return {task.patient.public_id for task in (*self.mine, *self.others)}


def task_list(user: User, *, only_mine: bool = False) -> TaskList:
    """The open tasks the user may see, theirs first; each part urgent first, oldest first."""
    tasks = list(open_tasks_for(user))
    mine = [task for task in tasks if getattr(task, "mine", False)]
    others = [] if only_mine else [task for task in tasks if not getattr(task, "mine", False)]
    return TaskList(mine, others)


def tasks_of(patient: Patient) -> QuerySet[Task]:
    """A patient's tasks: open before resolved, urgent first, newest first."""
    return (
        patient.tasks.select_related("resolved_by")
        .prefetch_related(assignees_prefetch())
        .annotate(rank=URGENT_FIRST)
        .order_by("status", "rank", "-created_at", "-pk")
    )
