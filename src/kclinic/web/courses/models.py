"""Treatment courses, the plans made from their templates, and planned sessions.

Nothing here is ever deleted: a session that will not happen is cancelled with a reason, a
course that stops is ended with a reason, and every change is in the audit trail. The rules
(templates, schedule checks, phase changes) are in kclinic.domain.courses; the services in
this app apply them.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from kclinic.domain.courses import TEMPLATES_VERSION
from kclinic.web.accounts.models import Chair
from kclinic.web.patients.models import Patient


class Modality(models.TextChoices):
    IV_RACEMIC = "iv-racemic", "IV racemic ketamine"
    IM_RACEMIC = "im-racemic", "IM racemic ketamine"
    INTRANASAL_RACEMIC = "intranasal-racemic", "Intranasal racemic ketamine"
    ESKETAMINE = "esketamine", "Esketamine nasal spray"


class Phase(models.TextChoices):
    EVALUATION = "evaluation", "Evaluation"
    INDUCTION = "induction", "Induction"
    MAINTENANCE = "maintenance", "Maintenance"
    ENDED = "ended", "Ended"


class TreatmentCourse(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="courses")
    indication_code = models.CharField("indication (ICD-10-CM)", max_length=10)
    indication_text = models.CharField("indication", max_length=200)
    modality = models.CharField(max_length=20, choices=Modality.choices)
    # The template the current plan is made from (kclinic.domain.courses.DEFAULT_TEMPLATES).
    template_id = models.CharField("template", max_length=60)
    protocol_version = models.CharField(max_length=40, default=TEMPLATES_VERSION)
    phase = models.CharField(max_length=12, choices=Phase.choices, default=Phase.EVALUATION)
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    end_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # Optimistic concurrency: every change to the course, its plans or its sessions names the
    # version it started from, so two people editing the same plan cannot overwrite each other.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-started_on", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(phase="ended")
                | (~models.Q(end_reason="") & models.Q(ended_on__isnull=False)),
                name="ended_course_has_reason_and_date",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_modality_display()} course from {self.started_on}"

    @property
    def active(self) -> bool:
        return self.phase != Phase.ENDED


class PhaseChange(models.Model):
    """One change of a course's phase (the course keeps the current one)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    course = models.ForeignKey(
        TreatmentCourse, on_delete=models.PROTECT, related_name="phase_changes"
    )
    from_phase = models.CharField(max_length=12, choices=Phase.choices)
    to_phase = models.CharField(max_length=12, choices=Phase.choices)
    template_id = models.CharField(max_length=60, blank=True)
    reason = models.CharField(max_length=500, blank=True)
    changed_at = models.DateTimeField()
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["changed_at", "pk"]


class CoursePlan(models.Model):
    """Sessions generated from a template from a start date; week 1 of the template starts
    on `start_on`. Sessions added later join the course's latest plan."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    course = models.ForeignKey(TreatmentCourse, on_delete=models.PROTECT, related_name="plans")
    template_id = models.CharField(max_length=60)
    protocol_version = models.CharField(max_length=40)
    start_on = models.DateField()
    weekdays = models.CharField(max_length=30, help_text="e.g. 'mon,thu'")
    pace = models.CharField(max_length=30, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["start_on", "pk"]


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


class PlannedSession(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    course = models.ForeignKey(TreatmentCourse, on_delete=models.PROTECT, related_name="sessions")
    plan = models.ForeignKey(CoursePlan, on_delete=models.PROTECT, related_name="sessions")
    sequence = models.PositiveIntegerField(help_text="Number of the session in its course.")
    scheduled_at = models.DateTimeField()
    chair = models.ForeignKey(
        Chair, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        max_length=10, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED
    )
    # Why the plan departs from the template, and the departures accepted with it.
    override_reason = models.CharField(max_length=500, blank=True)
    override_findings = models.JSONField(default=list, blank=True)
    cancel_reason = models.CharField(max_length=500, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["scheduled_at", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["course", "sequence"], name="session_sequence"),
            models.CheckConstraint(
                condition=~models.Q(status="cancelled") | ~models.Q(cancel_reason=""),
                name="cancelled_session_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["status", "scheduled_at"])]

    def __str__(self) -> str:
        return f"session {self.sequence} at {self.scheduled_at:%Y-%m-%d %H:%M}"
