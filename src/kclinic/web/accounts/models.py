"""Clinics, their sites and chairs, and staff users with one role each."""

from __future__ import annotations

import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models


class Clinic(models.Model):
    """An organisation: one clinic, or a clinic network sharing one database."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200)

    def __str__(self) -> str:
        return self.name


class Site(models.Model):
    """A place where patients are treated. Staff see the patients of their own sites only."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="sites")
    name = models.CharField(max_length=200)
    code = models.SlugField(max_length=20, unique=True)
    require_second_factor = models.BooleanField(
        default=False, help_text="Staff of this site must sign in with a TOTP code as well."
    )

    def __str__(self) -> str:
        return self.name


class Chair(models.Model):
    """A treatment chair at a site."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="chairs")
    name = models.CharField(max_length=50)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["site", "name"], name="chair_name_per_site")]

    def __str__(self) -> str:
        return f"{self.site.code} {self.name}"


class Role(models.TextChoices):
    PRESCRIBER = "prescriber", "Prescriber"
    NURSE = "nurse", "Nurse"
    FRONT_DESK = "front_desk", "Front desk"
    COMPLIANCE = "compliance", "Compliance officer"
    AUDITOR = "auditor", "Read-only auditor"
    ADMIN = "admin", "Administrator"


class User(AbstractUser):
    """A member of staff. One role; membership of one or more sites."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    role = models.CharField(max_length=20, choices=Role.choices)
    sites = models.ManyToManyField(Site, related_name="staff", blank=True)
    credentials = models.CharField(
        max_length=50, blank=True, help_text="Shown with a signature, e.g. 'MD' or 'RN'."
    )

    @property
    def signature_name(self) -> str:
        name = self.get_full_name() or self.username
        return f"{name}, {self.credentials}" if self.credentials else name


class ApiToken(models.Model):
    """A bearer token for an integration. Only its SHA-256 is stored; it acts as its user."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="api_tokens")
    name = models.CharField(max_length=100)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
