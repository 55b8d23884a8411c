"""Consent documents in the admin: administrators add new versions; a version, once saved,
is read-only (patients' signatures point at it), and nothing is deleted."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.http import HttpRequest

from kclinic.web.screenings.models import ConsentDocument

if TYPE_CHECKING:
    Base = admin.ModelAdmin[ConsentDocument]
else:  # ModelAdmin is generic only in the type stubs
    Base = admin.ModelAdmin


@admin.register(ConsentDocument)
class ConsentDocumentAdmin(Base):
    list_display = ("code", "version", "title", "effective_from", "is_template")
    list_filter = ("code", "is_template")
    ordering = ("code", "-version")
    fields = ("code", "version", "title", "effective_from", "is_template", "body")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
