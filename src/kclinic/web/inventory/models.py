"""The controlled-substance ledger, persisted. `LedgerEntry` rows are only ever inserted (the
model, its queryset and, on PostgreSQL, a trigger refuse updates and deletes); `Balance` holds
the running stock of each internal account per lot and is the row a writer locks."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django.db import models

from kclinic.web.accounts.models import Site, User


class AppendOnlyError(Exception):
    """An attempt to change or delete a ledger row."""


class Product(models.Model):
    """A controlled-substance product (see kclinic.domain.ledger_model.Product)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    ndc = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=200)
    form = models.CharField(max_length=20, choices=[("vial", "Vial"), ("nasal_device", "Device")])
    mg_per_unit = models.DecimalField(max_digits=12, decimal_places=4)
    schedule = models.CharField(max_length=8)
    concentration_mg_per_ml = models.DecimalField(
        max_digits=8, decimal_places=2, null=True, blank=True
    )
    volume_ml = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)

    def __str__(self) -> str:
        return self.name


class Lot(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="lots")
    lot_number = models.CharField(max_length=50)
    expiry_date = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["product", "lot_number"], name="lot_per_product")
        ]

    def __str__(self) -> str:
        return f"{self.product.ndc} lot {self.lot_number}"


class StorageLocation(models.Model):
    """A safe at one site; its ledger account is 'loc:<site code>/<name>'."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="storage_locations")
    name = models.CharField(max_length=50)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["site", "name"], name="storage_location_per_site")
        ]

    @property
    def account(self) -> str:
        return f"loc:{self.site.code}/{self.name}"

    def __str__(self) -> str:
        return self.account


class LedgerQuerySet(models.QuerySet["LedgerEntry"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("ledger entries cannot be updated")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("ledger entries cannot be deleted")


class LedgerEntry(models.Model):
    """One posted domain Entry. `content` is its canonical JSON (what the hash covers); the
    other columns repeat it for queries and are checked against it by `kclinic ledger verify`."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="ledger_entries")
    seq = models.BigIntegerField()
    kind = models.CharField(max_length=20)
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="entries")
    source = models.CharField(max_length=120)
    destination = models.CharField(max_length=120)
    quantity_mg = models.DecimalField(max_digits=14, decimal_places=4)
    quantity_units = models.DecimalField(max_digits=14, decimal_places=4)
    actor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    witness = models.ForeignKey(User, on_delete=models.PROTECT, null=True, related_name="+")
    reference = models.CharField(max_length=120, blank=True)
    reason = models.TextField(blank=True)
    at = models.DateTimeField()
    idempotency_key = models.CharField(max_length=120, unique=True)
    content = models.TextField()
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = LedgerQuerySet.as_manager()
    # Set on the row a service returns: True when an earlier request under the same
    # idempotency key had posted it (the API answers 200 instead of 201).
    replayed: bool = False

    class Meta:
        ordering = ["site", "seq"]
        constraints = [models.UniqueConstraint(fields=["site", "seq"], name="ledger_seq_per_site")]
        indexes = [models.Index(fields=["lot", "id"])]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("ledger entries cannot be updated")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("ledger entries cannot be deleted")


class Balance(models.Model):
    """Stock of one internal account ('loc:' or 'session:') for one lot. Writers lock it
    (SELECT ... FOR UPDATE) so two dispenses from the same lot cannot both pass the check."""

    account = models.CharField(max_length=120)
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="balances")
    mg = models.DecimalField(max_digits=14, decimal_places=4, default=0)
    units = models.DecimalField(max_digits=14, decimal_places=4, default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "lot"], name="balance_per_account_lot"),
            models.CheckConstraint(
                condition=models.Q(mg__gte=0, units__gte=0), name="balance_not_negative"
            ),
        ]


class LedgerChainHead(models.Model):
    """Per site: how many entries the chain holds and the last hash. Locking it serialises
    the site's writers so the chain stays linear; verify compares the chain with it."""

    site = models.OneToOneField(Site, on_delete=models.PROTECT, related_name="ledger_head")
    count = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64)


class StockCount(models.Model):
    """One physical count of a storage location: who counted, when, and why (a shift or daily
    count, or the DEA initial or biennial inventory). Its lines hold expected vs counted."""

    class Purpose(models.TextChoices):
        SHIFT = "shift", "Shift count"
        DAILY = "daily", "Daily count"
        INITIAL = "initial", "Initial inventory"
        BIENNIAL = "biennial", "Biennial inventory"

    class BusinessTime(models.TextChoices):
        OPENING = "opening", "Opening of business"
        CLOSE = "close", "Close of business"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="stock_counts")
    location = models.ForeignKey(StorageLocation, on_delete=models.PROTECT, related_name="counts")
    purpose = models.CharField(max_length=10, choices=Purpose.choices, default=Purpose.SHIFT)
    business_time = models.CharField(max_length=10, choices=BusinessTime.choices, blank=True)
    counted_at = models.DateTimeField()
    counted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    idempotency_key = models.CharField(max_length=120, unique=True)
    # The site's chain head when the count was taken: publishing it in the count record lets
    # a later verify notice rows cut from the end of the chain (docs/compliance).
    chain_head = models.CharField(max_length=64, blank=True)
    chain_length = models.BigIntegerField(default=0)
    replayed: bool = False  # see LedgerEntry.replayed

    class Meta:
        ordering = ["-counted_at", "-id"]


class StockCountLine(models.Model):
    """One lot of a count: what the ledger expected and what was counted (mg and units)."""

    count = models.ForeignKey(StockCount, on_delete=models.PROTECT, related_name="lines")
    lot = models.ForeignKey(Lot, on_delete=models.PROTECT, related_name="+")
    expected_mg = models.DecimalField(max_digits=14, decimal_places=4)
    expected_units = models.DecimalField(max_digits=14, decimal_places=4)
    counted_mg = models.DecimalField(max_digits=14, decimal_places=4)
    counted_units = models.DecimalField(max_digits=14, decimal_places=4)

    class Meta:
        ordering = ["count", "id"]
        constraints = [models.UniqueConstraint(fields=["count", "lot"], name="count_line_per_lot")]

    @property
    def variance_mg(self) -> Decimal:
        return self.counted_mg - self.expected_mg

    @property
    def variance_units(self) -> Decimal:
        return self.counted_units - self.expected_units


class Discrepancy(models.Model):
    """A count whose variance was not zero. Open until a compliance officer resolves it with a
    reason and a second signature; the resolution posts the count adjustment entries (their
    `reference` is this discrepancy's public id). Only the resolution columns ever change."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        RESOLVED = "resolved", "Resolved"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="discrepancies")
    count = models.OneToOneField(StockCount, on_delete=models.PROTECT, related_name="discrepancy")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    opened_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    second_signer = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(blank=True)
    resolution_key = models.CharField(max_length=120, blank=True)
    replayed: bool = False  # see LedgerEntry.replayed

    class Meta:
        ordering = ["status", "-opened_at", "-id"]
        indexes = [models.Index(fields=["site", "status"])]


class Registrant(models.Model):
    """The DEA registration a site's records are kept under (name, number, address), printed
    on inventories and on the Form 41 and Form 106 data. Optional: reports say when unset."""

    site = models.OneToOneField(Site, on_delete=models.PROTECT, related_name="dea_registrant")
    name = models.CharField(max_length=200)
    dea_number = models.CharField(max_length=20)
    address = models.TextField(blank=True)
