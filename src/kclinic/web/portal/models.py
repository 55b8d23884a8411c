"""Self-report links, what patients answer through them, reminders, and urgent risk routing.

A link's token is shown once (in the message, or as a QR code in the clinic) and only its
SHA-256 digest is stored, as for API tokens: a copy of the database does not let anyone
answer for a patient. A link is single-use: submitting it stores the assessments and sets
`used_at` in one transaction. Nothing here is deleted; a link that should not be used is
revoked with who and when.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from kclinic.web.accounts.models import Site
from kclinic.web.assessments.models import Assessment
from kclinic.web.courses.models import TreatmentCourse
from kclinic.web.patients.models import Patient
from kclinic.web.tasks.models import Task


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "Text message (SMS)"
    QR = "qr", "QR code shown in the clinic"


class SelfReportLink(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="self_report_links")
    course = models.ForeignKey(
        TreatmentCourse, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The schedule item the link was sent for (kclinic.domain.measurement_schedule), if any.
    due_key = models.CharField(max_length=120, blank=True, db_index=True)
    instruments = models.JSONField()  # ids in the order the patient answers them
    context = models.CharField(max_length=20)  # the assessments' context
    token_digest = models.CharField(max_length=64, unique=True)
    # Where the link points (scheme and host), so a reminder sent by the worker uses the same.
    base_url = models.CharField(max_length=200)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    sent_to = models.CharField(max_length=100, blank=True)  # masked address, for staff
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Partial answers saved as the patient goes: {section id: {item id: value}}.
    progress = models.JSONField(default=dict)
    progress_at = models.DateTimeField(null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["patient", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(used_at__isnull=True) | models.Q(revoked_at__isnull=True),
                name="self_report_link_used_or_revoked_not_both",
            )
        ]

    def __str__(self) -> str:
        return f"self-report link {self.public_id} ({self.channel})"


class SelfReportSubmission(models.Model):
    """What a patient submitted through a link: the assessments stored through the
    assessments service, and the answers that are not a validated instrument (urinary
    symptoms, free-text side effects) as structured data."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    link = models.OneToOneField(SelfReportLink, on_delete=models.PROTECT, related_name="submission")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField()
    assessments = models.ManyToManyField(Assessment, related_name="+")
    urinary = models.JSONField(default=dict)  # question id -> 1 (yes) / 0 (no)
    side_effects = models.TextField(blank=True)
    # The clinician under whose name the assessments were recorded (see answering.submit).
    recorded_for = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-submitted_at"]


class SelfReportReminder(models.Model):
    link = models.ForeignKey(SelfReportLink, on_delete=models.PROTECT, related_name="reminders")
    number = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField()
    channel = models.CharField(max_length=10, choices=Channel.choices)

    class Meta:
        ordering = ["sent_at"]
        constraints = [
            models.UniqueConstraint(fields=["link", "number"], name="one_reminder_per_number")
        ]


class SiteOnCall(models.Model):
    """The site's on-call clinician from `starts_at` until the next row for the site. Rows are
    added, never edited, so who was on call at any time can be read back."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="+")
    clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    starts_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = "site on-call clinician"

    def __str__(self) -> str:
        return f"{self.clinician} on call at {self.site} from {self.starts_at:%Y-%m-%d %H:%M}"


class RiskRoute(models.Model):
    """One routing of an urgent self-report finding to its task: which link, rule and answer,
    at which moment (answer saved, or form submitted). The task (tasks app) carries the
    priority and the assignees and shows on the clinic task list and the patient's chart until
    resolved there. Saving an answer and then submitting it routes the same task twice."""

    class Stage(models.TextChoices):
        ANSWERED = "answered", "Answer saved (form not yet submitted)"
        SUBMITTED = "submitted", "Submitted"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    task = models.ForeignKey(Task, on_delete=models.PROTECT, related_name="risk_routes")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="+")
    link = models.ForeignKey(SelfReportLink, on_delete=models.PROTECT, related_name="routes")
    assessment = models.ForeignKey(
        Assessment, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    stage = models.CharField(max_length=10, choices=Stage.choices)
    instrument = models.CharField(max_length=40)
    rule = models.CharField(max_length=40)
    detail = models.CharField(max_length=200)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["link", "instrument", "rule"])]
