"""Eligibility screenings (stored input + the core's findings), their overrides, and consents.

Every row here is a clinical record that is written once and never changed or deleted: a new
screening supersedes an old one, an override is a new row, a withdrawal of consent is a new
row. The model, its queryset and the services keep it so (the audit trail records who wrote
what). Consent documents are versioned: a changed text is a new version, never an edit.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from kclinic.web.patients.models import Patient


class ImmutableRecordError(Exception):
    """An attempt to change or delete a clinical record that is written once."""


class WriteOnceQuerySet(models.QuerySet[Any]):
    def update(self, **kwargs: Any) -> int:
        raise ImmutableRecordError(f"{self.model.__name__} rows cannot be updated")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise ImmutableRecordError(f"{self.model.__name__} rows cannot be deleted")


class WriteOnce(models.Model):
    """A row that may be inserted and then only read."""

    objects = WriteOnceQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise ImmutableRecordError(f"{type(self).__name__} rows cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ImmutableRecordError(f"{type(self).__name__} rows cannot be deleted")


class ScreeningStatus(models.TextChoices):
    ELIGIBLE = "eligible", "Eligible"
    INCOMPLETE = "incomplete", "Incomplete: information missing"
    OVERRIDE_NEEDED = "override-needed", "Override needed"
    BLOCKED = "blocked", "Blocked: contraindicated"


class EligibilityScreening(WriteOnce):
    """One run of the core's eligibility screen: the profile as entered and the result."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="screenings")
    performed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    performed_at = models.DateTimeField()
    screened_on = models.DateField(help_text="The date the profile describes (the screen's 'on').")
    profile = models.JSONField(help_text="Input as accepted by domain.eligibility.parse_profile.")
    result = models.JSONField(help_text="screen(...).as_dict() of the core.")
    status = models.CharField(max_length=20, choices=ScreeningStatus.choices)
    trd_definition = models.CharField(max_length=60)
    protocol_name = models.CharField(max_length=60)
    protocol_version = models.CharField(max_length=20)
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )

    class Meta:
        ordering = ["-performed_at", "-id"]
        indexes = [models.Index(fields=["patient", "-performed_at"])]

    def __str__(self) -> str:
        return f"screening {self.screened_on} {self.status}"

    def findings(self, finding_class: str | None = None) -> list[dict[str, Any]]:
        found = self.result.get("findings", [])
        return [f for f in found if finding_class is None or f.get("class") == finding_class]


class ScreeningOverride(WriteOnce):
    """A prescriber's documented decision to proceed despite one relative finding."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    screening = models.ForeignKey(
        EligibilityScreening, on_delete=models.PROTECT, related_name="overrides"
    )
    rule = models.CharField(max_length=80)
    reason = models.TextField()
    overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    overridden_at = models.DateTimeField()

    class Meta:
        ordering = ["overridden_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["screening", "rule"], name="one_override_per_finding")
        ]


class ConsentDocument(WriteOnce):
    """One version of a consent text. A new text is a new version; old ones stay readable."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.SlugField(max_length=60, help_text="Stable name, e.g. iv-ketamine-treatment.")
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField()
    effective_from = models.DateField()
    is_template = models.BooleanField(
        default=False,
        help_text="Shipped example text: the clinic must replace it with its approved document.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="one_document_version"),
            models.CheckConstraint(condition=Q(version__gte=1), name="document_version_from_1"),
        ]

    def __str__(self) -> str:
        return f"{self.title} (v{self.version})"


class SignatureMethod(models.TextChoices):
    PAPER_SCANNED = "paper-scanned", "Signed on paper, scanned"
    TABLET = "tablet", "Signed on tablet"


class Consent(WriteOnce):
    """A patient's signature on one version of a consent document, with a staff witness."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="consents")
    document = models.ForeignKey(ConsentDocument, on_delete=models.PROTECT, related_name="+")
    signed_on = models.DateField()
    signature_method = models.CharField(max_length=20, choices=SignatureMethod.choices)
    witness = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["-signed_on", "-recorded_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(witness=F("recorded_by")), name="consent_witness_not_recorder"
            )
        ]

    @property
    def withdrawal_or_none(self) -> ConsentWithdrawal | None:
        try:
            return self.withdrawal
        except ConsentWithdrawal.DoesNotExist:
            return None

    @property
    def withdrawn_on(self) -> date | None:
        withdrawal = self.withdrawal_or_none
        return withdrawal.withdrawn_on if withdrawal else None

    @property
    def withdrawn_reason(self) -> str:
        withdrawal = self.withdrawal_or_none
        return withdrawal.reason if withdrawal else ""


class ConsentWithdrawal(WriteOnce):
    """The patient withdrew a consent: a new event on the record, the consent row stays."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    consent = models.OneToOneField(Consent, on_delete=models.PROTECT, related_name="withdrawal")
    withdrawn_on = models.DateField()
    reason = models.TextField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField()
