"""A task for a clinician about a patient. Safety tasks come from instrument safety flags,
follow-up tasks from the long-term safety rules (reports app).

A task has a priority (urgent or routine; kclinic.web.tasks.priority says which flags are
urgent) and may be assigned to named clinicians (e.g. an urgent self-report goes to the
patient's primary clinician and the site's on-call clinician). Every clinician of the site
still sees every open task on the clinic list: assignment puts a task first for the people
named, it never hides it from anyone else.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from kclinic.web.patients.models import Patient


class TaskStatus(models.TextChoices):
    OPEN = "open", "Open"
    RESOLVED = "resolved", "Resolved"


class ResolutionAction(models.TextChoices):
    CSSRS_DONE = "cssrs_done", "C-SSRS completed and risk assessed"
    SAFETY_PLAN = "safety_plan", "Safety plan reviewed or made"
    CRISIS_REFERRAL = "crisis_referral", "Referred to crisis or emergency services"
    TREATMENT_CHANGED = "treatment_changed", "Treatment plan changed"
    NO_ACTION = "no_action", "Reviewed; no further action needed"


class Priority(models.TextChoices):
    URGENT = "urgent", "Urgent"
    ROUTINE = "routine", "Routine"


class Task(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="tasks")
    kind = models.CharField(max_length=20, default="safety")
    flag = models.CharField(max_length=40, blank=True)
    title = models.CharField(max_length=200)
    source_type = models.CharField(max_length=40, blank=True)
    source_public_id = models.UUIDField(null=True)
    status = models.CharField(max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.ROUTINE)
    assigned_to = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="assigned_tasks"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolution_action = models.CharField(
        max_length=30, choices=ResolutionAction.choices, blank=True
    )
    resolution_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "kind"]),
            models.Index(fields=["patient", "flag", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_priority_display()} task {self.public_id}: {self.title}"

    @property
    def is_urgent(self) -> bool:
        return self.priority == Priority.URGENT

    @property
    def is_open(self) -> bool:
        return self.status == TaskStatus.OPEN
