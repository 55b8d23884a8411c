"""The DEA registration of each site and its storage locations, kept by administrators in the
admin. Ledger rows are not in the admin: they are written only by the services."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.http import HttpRequest

from kclinic.web.inventory.models import Registrant, StorageLocation

if TYPE_CHECKING:
    RegistrantBase = admin.ModelAdmin[Registrant]
    LocationBase = admin.ModelAdmin[StorageLocation]
else:  # ModelAdmin is generic only in the type stubs
    RegistrantBase = LocationBase = admin.ModelAdmin


@admin.register(Registrant)
class RegistrantAdmin(RegistrantBase):
    list_display = ("site", "name", "dea_number")
    fields = ("site", "name", "dea_number", "address")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(StorageLocation)
class StorageLocationAdmin(LocationBase):
    list_display = ("site", "name")
    fields = ("site", "name")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A location's name is part of its ledger account: renaming would orphan its history.
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
