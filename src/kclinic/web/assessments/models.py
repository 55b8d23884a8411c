"""Assessments: one administration of a validated instrument, scored by the clinical core.

An assessment is never edited. A correction is a new assessment that names the one it
supersedes and says why; the superseded row stays in the record, so what was entered, when
and by whom can always be read back. The model and its queryset refuse updates and deletes,
and on PostgreSQL a database trigger does too (migration 0002).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models

from kclinic.web.patients.models import Patient


class ImmutableError(Exception):
    """An attempt to change or delete a stored assessment."""


class Context(models.TextChoices):
    """Why the instrument was given; the trajectory chart and outcomes read it."""

    SCREENING = "screening", "Screening"
    BASELINE = "baseline", "Baseline"
    PRE_SESSION = "pre-session", "Pre-session"
    POST_SESSION = "post-session", "Post-session"
    FOLLOW_UP = "follow-up", "Follow-up"
    OTHER = "other", "Other"


class Respondent(models.TextChoices):
    PATIENT = "patient", "Patient (self-report)"
    CLINICIAN = "clinician", "Clinician-rated"


class AssessmentQuerySet(models.QuerySet["Assessment"]):
    def update(self, **kwargs: Any) -> int:
        raise ImmutableError("assessments are never edited; record a correction instead")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise ImmutableError("assessments are never deleted")

    def current(self) -> AssessmentQuerySet:
        """Assessments that no correction has superseded."""
        return self.filter(superseded_by__isnull=True)


class Assessment(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="assessments")
    instrument_id = models.CharField(max_length=40)
    # Which definition scored it: kclinic release plus a fingerprint of the instrument data
    # (items, allowed values, band tables, options), so a later change is visible.
    instrument_version = models.CharField(max_length=60)
    band_table = models.CharField(max_length=60, blank=True)
    options = models.JSONField(default=dict)
    answers = models.JSONField(default=dict)  # item id -> value or null, in item order
    total = models.IntegerField(null=True)
    band = models.CharField(max_length=60, blank=True)
    complete = models.BooleanField()
    flags = models.JSONField(default=list)
    subscales = models.JSONField(default=dict)
    criteria = models.JSONField(default=dict)
    context = models.CharField(max_length=20, choices=Context.choices)
    respondent = models.CharField(max_length=10, choices=Respondent.choices)
    administered_at = models.DateTimeField()
    administered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # Who typed it in and when: the same person for a new assessment; for a correction the
    # corrector, while administered_by stays the person who gave the instrument.
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    entered_at = models.DateTimeField()
    # One correction per assessment: a second, concurrent correction of the same row fails
    # on the unique constraint instead of silently forking the record.
    supersedes = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
    )
    correction_reason = models.TextField(blank=True)

    objects = AssessmentQuerySet.as_manager()

    class Meta:
        ordering = ["-administered_at", "-entered_at"]
        indexes = [models.Index(fields=["patient", "instrument_id", "administered_at"])]

    def __str__(self) -> str:
        return f"{self.instrument_id} {self.administered_at:%Y-%m-%d %H:%M} ({self.public_id})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ImmutableError("assessments are never edited; record a correction instead")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ImmutableError("assessments are never deleted")

    @property
    def is_superseded(self) -> bool:
        return hasattr(self, "superseded_by")
