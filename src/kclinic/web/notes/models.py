"""Clinical notes and their addenda.

A note starts as a draft that only its author edits. Signing (with the signer's password)
locks it for good; corrections and later additions are addenda, each signed as it is saved.
Nothing here is ever deleted: a draft written in error is marked so, with a reason, and kept.

The lock is enforced at every layer: the services refuse, `save()` refuses to change a row
that is signed in the database, the queryset's `update()`/`delete()` refuse, and on
PostgreSQL a trigger (migration 0002) refuses UPDATE of a signed row and any DELETE.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from kclinic.web.patients.models import Patient


class LockedError(Exception):
    """A change to a signed note or to an addendum, a deletion of any note or addendum, or a
    write that would leave a signature without the re-authenticated signing step."""


class NoteKind(models.TextChoices):
    PROGRESS = "progress", "Progress note"
    SCREENING = "screening", "Screening note"
    SESSION = "session", "Session note"
    PHONE_CALL = "phone_call", "Phone call"
    OTHER = "other", "Other"


class SignatureMeaning(models.TextChoices):
    """What the signer attests to; printed with every signature (21 CFR 11.50 asks that a
    signature show the printed name, the date and time, and its meaning)."""

    AUTHOR = "author", "Author: I wrote and reviewed this note"
    ADDENDUM_AUTHOR = "addendum_author", "Author: I wrote this addendum to the signed note"
    CORRECTION = "correction", "Correction: this addendum corrects the signed note"
    REVIEW = "review", "Reviewer: I have reviewed the signed note"


# A note is signed by its author only; an addendum may be written by any clinician.
NOTE_MEANINGS: tuple[str, ...] = (SignatureMeaning.AUTHOR.value,)
ADDENDUM_MEANINGS: tuple[str, ...] = (
    SignatureMeaning.ADDENDUM_AUTHOR.value,
    SignatureMeaning.CORRECTION.value,
    SignatureMeaning.REVIEW.value,
)


class Signature(models.Model):
    """The signature columns shared by notes and addenda."""

    signed_at = models.DateTimeField(null=True, blank=True)  # stored in UTC (USE_TZ)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_name = models.CharField(
        max_length=200, blank=True, help_text="Printed name with credentials at signing."
    )
    signature_meaning = models.CharField(
        max_length=30, choices=SignatureMeaning.choices, blank=True
    )
    content_hash = models.CharField(
        max_length=64, blank=True, help_text="SHA-256 of the signed content (see signing.py)."
    )

    class Meta:
        abstract = True

    @property
    def is_signed(self) -> bool:
        return self.signed_at is not None


class NoteQuerySet(models.QuerySet["ClinicalNote"]):
    def update(self, **kwargs: Any) -> int:
        if self.filter(signed_at__isnull=False).exists():
            raise LockedError("signed notes cannot be changed; add an addendum instead")
        # Narrowed to unsigned rows as well, so a row signed between the check and the write
        # is left alone (the caller sees 0 rows changed).
        return super(NoteQuerySet, self.filter(signed_at__isnull=True)).update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        raise LockedError("clinical notes are never deleted; mark a draft entered in error")


class ClinicalNote(Signature):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="notes")
    kind = models.CharField(max_length=20, choices=NoteKind.choices)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)
    # Optimistic concurrency for drafts: an edit names the version it started from.
    version = models.PositiveIntegerField(default=1)
    # A draft is never deleted; one written in error is marked so, with a reason.
    entered_in_error_at = models.DateTimeField(null=True, blank=True)
    entered_in_error_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    entered_in_error_reason = models.CharField(max_length=300, blank=True)

    objects = NoteQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["patient", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title}"

    @property
    def status(self) -> str:
        if self.signed_at is not None:
            return "signed"
        if self.entered_in_error_at is not None:
            return "entered_in_error"
        return "draft"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._state.adding:
            if self.signed_at is not None or self.content_hash:
                raise LockedError("a note is created as a draft and signed by sign_note")
        else:
            # The database, not this instance, says whether the row is signed.
            stored = (
                type(self)
                ._base_manager.filter(pk=self.pk)
                .values_list("signed_at", flat=True)
                .first()
            )
            if stored is not None:
                raise LockedError("this note is signed and cannot be changed; add an addendum")
            if self.signed_at is not None or self.content_hash:
                raise LockedError("a note is signed only by sign_note, with re-authentication")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise LockedError("clinical notes are never deleted; mark a draft entered in error")


class AddendumQuerySet(models.QuerySet["Addendum"]):
    def update(self, **kwargs: Any) -> int:
        raise LockedError("addenda are signed when saved and cannot be changed")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise LockedError("addenda are never deleted")


class Addendum(Signature):
    """A signed addition to a signed note. Signed when saved; never changed afterwards."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    note = models.ForeignKey(ClinicalNote, on_delete=models.PROTECT, related_name="addenda")
    body = models.TextField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = AddendumQuerySet.as_manager()

    class Meta:
        ordering = ["signed_at", "id"]
        verbose_name_plural = "addenda"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise LockedError("addenda are signed when saved and cannot be changed")
        if self.signed_at is None or self.signed_by_id is None or not self.content_hash:
            raise LockedError("an addendum is signed as it is saved; use add_addendum")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise LockedError("addenda are never deleted")
