"""Audit events. Rows are only ever inserted: the model, its queryset and (on PostgreSQL) a
database trigger refuse updates and deletes."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import models


class AppendOnlyError(Exception):
    """An attempt to change or delete an audit row."""


class AuditQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("audit events cannot be updated")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("audit events cannot be deleted")


class AuditEvent(models.Model):
    seq = models.BigIntegerField(unique=True)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    at = models.DateTimeField()
    user_public_id = models.UUIDField(null=True)
    username = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=20, blank=True)
    patient_public_id = models.UUIDField(null=True, db_index=True)
    action = models.CharField(max_length=40, db_index=True)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    source_address = models.GenericIPAddressField(null=True)
    detail = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = AuditQuerySet.as_manager()

    class Meta:
        ordering = ["seq"]
        indexes = [models.Index(fields=["at"]), models.Index(fields=["username"])]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("audit events cannot be updated")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("audit events cannot be deleted")

    def content(self) -> dict[str, object]:
        """What the hash covers: everything but the hashes themselves."""
        from kclinic.web.audit.chain import utc_text

        return {
            "seq": self.seq,
            "public_id": str(self.public_id),
            "at": utc_text(self.at),
            "user": str(self.user_public_id) if self.user_public_id else None,
            "username": self.username,
            "role": self.role,
            "patient": str(self.patient_public_id) if self.patient_public_id else None,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "source_address": self.source_address,
            "detail": self.detail,
        }


class AuditChainHead(models.Model):
    """One row per chain holding the last sequence number and hash; locking it serialises
    writers so the chain stays linear under concurrent requests."""

    name = models.CharField(max_length=20, unique=True)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64)
