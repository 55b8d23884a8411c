"""Opening, assigning and resolving tasks.

A task is opened once per finding. `open_task` returns the OPEN task the patient already has
for the same kind, flag and source (a retried request, a second save of the same answer)
instead of opening a duplicate; new assignees are added to it and its priority is raised if
the new call asks for more (never lowered). Inside `continuing(source)` an open task raised
earlier from that source for the same patient and flag is taken over by the new source: a
self-report answer saved before the form was submitted opens a task (source: the link), and
the assessment the submission stores continues it (source: the assessment) rather than
opening a second one. Each change is in the audit trail, so the earlier source stays known.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import transaction
from django.utils import timezone

from kclinic.domain.errors import ValidationError
from kclinic.web.accounts.models import User
from kclinic.web.accounts.policy import Action, require
from kclinic.web.audit.services import Actor, record
from kclinic.web.patients.models import Patient
from kclinic.web.tasks.models import Priority, ResolutionAction, Task, TaskStatus
from kclinic.web.tasks.priority import flag_priority

FLAG_TITLES = {
    "suicidal_ideation": "Suicidal ideation reported: assess risk (C-SSRS) before the visit ends",
    "suicidal_behaviour": "Suicidal behaviour reported: assess risk and review the safety plan",
    "loss_of_consciousness": "Loss of consciousness recorded: review the session",
}
TITLE_MAX = 200
_RANK: dict[str, int] = {Priority.URGENT: 0, Priority.ROUTINE: 1}

# A context variable rather than a parameter: the tasks are opened by record_assessment, whose
# callers (the portal's submission) know the earlier source but should not have to thread it
# through every service between them and open_safety_task.
_continued: ContextVar[tuple[str, uuid.UUID] | None] = ContextVar("continued", default=None)


@contextmanager
def continuing(source_type: str, source_public_id: uuid.UUID) -> Iterator[None]:
    """Within the block, a task opened for a patient and flag continues the open task raised
    earlier from this source for the same patient, kind and flag (see the module docstring)."""
    token = _continued.set((source_type, source_public_id))
    try:
        yield
    finally:
        _continued.reset(token)


def _higher(current: str, wanted: str) -> str:
    return wanted if _RANK.get(wanted, 1) < _RANK.get(current, 1) else current


def _people(users: Iterable[User | None]) -> list[User]:
    return list({user.pk: user for user in users if user is not None}.values())


def _update(
    actor: Actor,
    task: Task,
    *,
    priority: str | None = None,
    assignees: Iterable[User | None] = (),
    title: str | None = None,
    source: tuple[str, uuid.UUID] | None = None,
    why: str,
) -> Task:
    """Raise the priority, add assignees, retitle or re-source an open task; audited when
    anything changes (a retry that changes nothing writes nothing)."""
    changed: dict[str, Any] = {}
    fields: dict[str, Any] = {}
    if priority is not None and _higher(task.priority, priority) != task.priority:
        changed["priority"] = [task.priority, priority]
        fields["priority"] = priority
    if title is not None and title[:TITLE_MAX] != task.title:
        changed["title"] = title[:TITLE_MAX]
        fields["title"] = title[:TITLE_MAX]
    if source is not None and source != (task.source_type, task.source_public_id):
        changed["previous_source"] = {
            "type": task.source_type,
            "id": str(task.source_public_id) if task.source_public_id else None,
        }
        changed["source"] = {"type": source[0], "id": str(source[1])}
        fields["source_type"], fields["source_public_id"] = source
    known = set(task.assigned_to.values_list("pk", flat=True))
    added = [user for user in _people(assignees) if user.pk not in known]
    if added:
        task.assigned_to.add(*added)
        changed["assigned"] = [user.username for user in added]
    if fields:
        Task.objects.filter(pk=task.pk).update(**fields)
        for name, value in fields.items():
            setattr(task, name, value)
    if changed:
        record(
            actor,
            "update",
            patient_public_id=task.patient.public_id,
            object_type="task",
            object_id=task.public_id,
            detail={"why": why, **changed},
        )
    return task


def open_task(
    actor: Actor,
    patient: Patient,
    *,
    kind: str,
    flag: str,
    title: str,
    source_type: str,
    source_public_id: uuid.UUID,
    priority: str = Priority.ROUTINE,
    assignees: Iterable[User | None] = (),
    audit_detail: Mapping[str, Any] | None = None,
) -> Task:
    """Open a task, or return the open one this patient, kind, flag and source already have
    (see the module docstring). Runs in the caller's transaction if there is one, so a task
    is stored exactly when its source is. `None` assignees are skipped."""
    if priority not in Priority.values:
        raise ValidationError("priority", priority, ", ".join(Priority.values))
    people = _people(assignees)
    with transaction.atomic():
        # One writer per patient at a time, so two requests raising the same finding at once
        # cannot both miss the other's task (PostgreSQL; SQLite serialises writes anyway).
        list(Patient.objects.select_for_update().filter(pk=patient.pk).values_list("pk"))
        same = Task.objects.filter(patient=patient, kind=kind, flag=flag, status=TaskStatus.OPEN)
        existing = same.filter(source_type=source_type, source_public_id=source_public_id).first()
        if existing is not None:
            return _update(actor, existing, priority=priority, assignees=people, why="raised again")
        earlier = _continued.get()
        if earlier is not None:
            found = (
                same.filter(source_type=earlier[0], source_public_id=earlier[1])
                .order_by("created_at", "pk")
                .first()
            )
            if found is not None:
                return _update(
                    actor,
                    found,
                    priority=priority,
                    assignees=people,
                    source=(source_type, source_public_id),
                    why="continued",
                )
        task = Task.objects.create(
            patient=patient,
            kind=kind,
            flag=flag,
            title=title[:TITLE_MAX],
            source_type=source_type,
            source_public_id=source_public_id,
            priority=priority,
        )
        if people:
            task.assigned_to.add(*people)
        record(
            actor,
            "create",
            patient_public_id=patient.public_id,
            object_type="task",
            object_id=task.public_id,
            detail={
                "flag": flag,
                "source": str(source_public_id),
                "priority": priority,
                "assigned_to": [user.username for user in people],
                **(audit_detail or {}),
            },
        )
    return task


def open_safety_task(
    actor: Actor,
    patient: Patient,
    flag: str,
    source_type: str,
    source_public_id: uuid.UUID,
    *,
    priority: str | None = None,
    assignees: Iterable[User | None] = (),
    title: str | None = None,
) -> Task:
    """Open a safety task for a flag (or return the open one for the same flag and source).
    Called inside the transaction that stores the source, so a flagged answer can never be
    stored without its task. The priority defaults to the flag's (kclinic.web.tasks.priority)."""
    return open_task(
        actor,
        patient,
        kind="safety",
        flag=flag,
        title=title or FLAG_TITLES.get(flag, f"Safety flag {flag}: review"),
        source_type=source_type,
        source_public_id=source_public_id,
        priority=priority or flag_priority(flag),
        assignees=assignees,
    )


def assign_task(
    actor: Actor,
    task: Task,
    *,
    assignees: Iterable[User | None] = (),
    priority: str | None = None,
    title: str | None = None,
) -> Task:
    """Add assignees to an open task and raise its priority (never lower it); `title` replaces
    the title (e.g. to say which self-report answer raised it). Audited if anything changed."""
    if priority is not None and priority not in Priority.values:
        raise ValidationError("priority", priority, ", ".join(Priority.values))
    with transaction.atomic():
        current = Task.objects.select_for_update().get(pk=task.pk)
        if current.status != TaskStatus.OPEN:
            raise ValidationError("task", str(task.public_id), "an open task (already resolved)")
        _update(actor, current, priority=priority, assignees=assignees, title=title, why="assigned")
    return current


def resolve_task(actor: Actor, task: Task, action: str, note: str) -> Task:
    """Resolve with a documented action and note. Only prescribers may resolve safety tasks."""
    if actor.user is None:
        raise PermissionError("no signed-in user")
    require(actor.user, Action.RESOLVE_SAFETY_TASK, task.patient.site)
    if action not in ResolutionAction.values:
        raise ValidationError("action", action, ", ".join(ResolutionAction.values))
    if len(note.strip()) < 10:
        raise ValidationError("note", note, "a note of at least 10 characters saying what was done")
    with transaction.atomic():
        updated = Task.objects.filter(pk=task.pk, status=TaskStatus.OPEN).update(
            status=TaskStatus.RESOLVED,
            resolved_at=timezone.now(),
            resolved_by=actor.user,
            resolution_action=action,
            resolution_note=note.strip(),
        )
        if not updated:
            raise ValidationError("task", str(task.public_id), "an open task (already resolved)")
        record(
            actor,
            "resolve",
            patient_public_id=task.patient.public_id,
            object_type="task",
            object_id=task.public_id,
            detail={"action": action},
        )
    task.refresh_from_db()
    return task
