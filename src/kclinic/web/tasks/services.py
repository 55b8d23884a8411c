"""Opening and resolving tasks."""

from __future__ import annotations

import uuid

from django.db import transaction
from django.utils import timezone

from kclinic.domain.errors import ValidationError
from kclinic.web.accounts.policy import Action, require
from kclinic.web.audit.services import Actor, record
from kclinic.web.patients.models import Patient
from kclinic.web.tasks.models import ResolutionAction, Task, TaskStatus

FLAG_TITLES = {
    "suicidal_ideation": "Suicidal ideation reported: assess risk (C-SSRS) before the visit ends",
    "suicidal_behaviour": "Suicidal behaviour reported: assess risk and review the safety plan",
    "loss_of_consciousness": "Loss of consciousness recorded: review the session",
}


def open_safety_task(
    actor: Actor, patient: Patient, flag: str, source_type: str, source_public_id: uuid.UUID
) -> Task:
    """Open a safety task for a flag. Called inside the transaction that stores the source, so a
    flagged answer can never be stored without its task."""
    task = Task.objects.create(
        patient=patient,
        kind="safety",
        flag=flag,
        title=FLAG_TITLES.get(flag, f"Safety flag {flag}: review"),
        source_type=source_type,
        source_public_id=source_public_id,
    )
    record(
        actor,
        "create",
        patient_public_id=patient.public_id,
        object_type="task",
        object_id=task.public_id,
        detail={"flag": flag, "source": str(source_public_id)},
    )
    return task


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
