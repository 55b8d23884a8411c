"""The site on-call rota in the admin: administrators add a row when the on-call clinician
changes. Rows are never edited or deleted, so who was on call at any time can be read back."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.http import HttpRequest

from kclinic.web.portal.models import SiteOnCall

if TYPE_CHECKING:
    Base = admin.ModelAdmin[SiteOnCall]
else:  # ModelAdmin is generic only in the type stubs
    Base = admin.ModelAdmin


@admin.register(SiteOnCall)
class SiteOnCallAdmin(Base):
    list_display = ("site", "clinician", "starts_at", "created_at")
    list_filter = ("site",)
    ordering = ("site", "-starts_at")
    fields = ("site", "clinician", "starts_at")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
