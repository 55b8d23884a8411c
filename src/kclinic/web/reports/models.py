"""What the reports app stores: the long-term safety follow-up findings it has acted on.

The dashboard and the outcome pages store nothing; they read courses, sessions and
assessments. A follow-up finding is kept once per patient and episode key (see
kclinic.domain.safety_followup), with the task it opened, so running the rules every night
opens each task once.
"""

from __future__ import annotations

import uuid

from django.db import models

from kclinic.web.patients.models import Patient
from kclinic.web.tasks.models import Task


class SafetyFinding(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="safety_findings")
    rule = models.CharField(max_length=40)
    key = models.CharField(max_length=120)
    title = models.CharField(max_length=200)
    detail = models.TextField()
    since = models.DateField()
    source_id = models.CharField(max_length=80)
    found_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)
    task = models.OneToOneField(Task, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-found_on", "rule"]
        constraints = [
            models.UniqueConstraint(fields=["patient", "key"], name="safety_finding_once")
        ]

    def __str__(self) -> str:
        return f"{self.rule} since {self.since} ({self.public_id})"
