"""Counting a safe and resolving what the count found.

`record_count` compares the units counted per lot with what the ledger holds at that moment
(the location's balances, locked so no dispense slips between reading and storing) and opens
a `Discrepancy` when any lot differs. `resolve_discrepancy` is the only way a count
adjustment reaches the ledger: a compliance officer gives the reason, a second licensed
person signs with their own password, and one ADJUSTMENT entry per differing lot is posted
through `post_entry` (so the balance can still never go below zero).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.http import HttpRequest

from kclinic.domain import ledger_model as dm
from kclinic.domain.errors import ValidationError
from kclinic.domain.ledger_counts import CountLine
from kclinic.web.accounts.models import User
from kclinic.web.accounts.policy import Action, require
from kclinic.web.audit.services import Actor, record
from kclinic.web.inventory.models import (
    Balance,
    Discrepancy,
    LedgerChainHead,
    LedgerEntry,
    Lot,
    StockCount,
    StockCountLine,
    StorageLocation,
)
from kclinic.web.inventory.services import person_for, post_entry
from kclinic.web.inventory.services_support import (
    cosigner,
    domain_lot,
    location_row,
    lot_row,
    moment,
    quantity,
    require_key,
)

Counted = Mapping[Lot, object] | Mapping[uuid.UUID, object] | Mapping[str, object]
# DEA inventories say whether they were taken at the opening or the close of business.
_DEA_INVENTORIES = {StockCount.Purpose.INITIAL, StockCount.Purpose.BIENNIAL}


def record_count(
    actor: Actor,
    location: StorageLocation | uuid.UUID | str,
    counted: Counted,
    *,
    idempotency_key: str,
    at: datetime | None = None,
    purpose: str = StockCount.Purpose.SHIFT,
    business_time: str = "",
) -> StockCount:
    """Store a count of `location`: units counted per lot (a lot, or its public id). A lot
    the ledger holds there but that is not in `counted` counts as 0 units. Any variance
    opens a Discrepancy. Returns the count (`replayed` when the key was used before for the
    same count)."""
    user = actor.signed_in()
    place = location_row(location)
    require(user, Action.COUNT_STOCK, place.site)
    key = require_key(idempotency_key)
    if purpose not in StockCount.Purpose.values:
        raise ValidationError("purpose", purpose, ", ".join(StockCount.Purpose.values))
    if business_time not in ("", *StockCount.BusinessTime.values):
        raise ValidationError("business_time", business_time, "opening, close or blank")
    if purpose in _DEA_INVENTORIES and not business_time:
        raise ValidationError(
            "business_time", business_time, "opening or close (a DEA inventory states which)"
        )
    units = _counted_units(counted)
    when = moment(at)
    previous = _replay(key, place, units)
    if previous is not None:
        return previous
    with transaction.atomic():
        held = {
            b.lot_id: b
            for b in Balance.objects.select_for_update()
            .filter(account=place.account)
            .order_by("lot_id")
        }
        head = LedgerChainHead.objects.filter(site=place.site).first()
        count = StockCount.objects.create(
            site=place.site,
            location=place,
            purpose=purpose,
            business_time=business_time,
            counted_at=when,
            counted_by=user,
            idempotency_key=key,
            chain_head=head.hash if head else "",
            chain_length=head.count if head else 0,
        )
        lots = {lot.pk: lot for lot in units}
        lots.update(
            {lot.pk: lot for lot in Lot.objects.filter(pk__in=held).select_related("product")}
        )
        off: list[CountLine] = []
        for lot_id in sorted(lots):
            lot = lots[lot_id]
            balance = held.get(lot_id)
            expected_mg = balance.mg if balance else Decimal(0)
            if expected_mg == 0 and lot not in units:
                continue
            counted_units = units.get(lot, Decimal(0))
            line = CountLine(lot.lot_number, expected_mg, counted_units * lot.product.mg_per_unit)
            StockCountLine.objects.create(
                count=count,
                lot=lot,
                expected_mg=expected_mg,
                expected_units=balance.units if balance else Decimal(0),
                counted_mg=line.counted_mg,
                counted_units=counted_units,
            )
            if line.variance_mg != 0:
                off.append(line)
        if off:
            Discrepancy.objects.create(site=place.site, count=count, opened_at=when)
        record(
            actor,
            "inventory_count",
            object_type="stock_count",
            object_id=count.public_id,
            detail={
                "location": place.account,
                "purpose": purpose,
                "lines": count.lines.count(),
                "variances": [f"{v.lot_number}: {v.variance_mg} mg" for v in off],
            },
        )
    return count


def _counted_units(counted: Counted) -> dict[Lot, Decimal]:
    if not isinstance(counted, Mapping):
        raise ValidationError("counted", counted, "units counted per lot")
    result: dict[Lot, Decimal] = {}
    for ref, value in counted.items():
        lot = lot_row(ref, field=f"counted[{ref}]")
        field = f"counted[{lot.lot_number}]"
        device = lot.product.form == "nasal_device"
        units = quantity(field, value, "devices" if device else "vials", whole=device, zero=True)
        if lot in result:
            raise ValidationError(field, value, "each lot counted once")
        result[lot] = units
    return result


def _replay(key: str, place: StorageLocation, units: dict[Lot, Decimal]) -> StockCount | None:
    previous = StockCount.objects.filter(idempotency_key=key).first()
    if previous is None:
        return None
    stored = {line.lot_id: line.counted_units for line in previous.lines.all()}
    given = {lot.pk: value for lot, value in units.items()}
    same = previous.location_id == place.pk and all(
        stored.get(lot_id, Decimal(0)) == value for lot_id, value in given.items()
    )
    if not same or any(v != 0 for k, v in stored.items() if k not in given):
        raise ValidationError(
            "idempotency_key", key, "a new key, or the same key with the same count"
        )
    previous.replayed = True
    return previous


def resolve_discrepancy(
    actor: Actor,
    discrepancy: Discrepancy | uuid.UUID | str,
    reason: str,
    second_signer: User | str,
    second_signer_password: str,
    *,
    at: datetime | None = None,
    idempotency_key: str = "",
    adjust: bool = True,
    request: HttpRequest | None = None,
) -> Discrepancy:
    """Close an open discrepancy (compliance officer) with a reason and a second signature.

    With `adjust` (the default) one ADJUSTMENT entry per differing lot brings the ledger to
    the count: missing stock leaves the location, found stock enters it. Without it, nothing
    is posted: the variance was explained by entries recorded since (a late record, a Form
    106 loss), which a later count of the location with no variance must show. A retry with
    the same idempotency key returns the resolved discrepancy (`replayed`)."""
    user = actor.signed_in()
    found = _discrepancy_row(discrepancy)
    site = found.site
    require(user, Action.RESOLVE_DISCREPANCY, site)
    if found.status == Discrepancy.Status.RESOLVED:
        if idempotency_key and found.resolution_key == idempotency_key:
            found.replayed = True
            return found
        raise ValidationError("status", found.status, "an open discrepancy")
    if not isinstance(reason, str) or not reason.strip():
        raise ValidationError("reason", reason, "why the count differed (a non-empty text)")
    key = require_key(idempotency_key) if idempotency_key else ""
    when = moment(at)
    count = found.count
    if not adjust and not _clean_recount(count):
        raise ValidationError(
            "adjust",
            adjust,
            "true, unless a later count of the location shows no variance",
        )
    signer = cosigner(
        actor, second_signer, second_signer_password, site, field="second_signer", request=request
    )
    with transaction.atomic():
        fresh = Discrepancy.objects.select_for_update().get(pk=found.pk)
        if fresh.status != Discrepancy.Status.OPEN:
            raise ValidationError("status", fresh.status, "an open discrepancy")
        posted = []
        if adjust:
            for line in count.lines.select_related("lot__product").order_by("id"):
                if line.variance_mg != 0:
                    posted.append(_adjust(user, signer, fresh, line, reason.strip(), when))
        fresh.status = Discrepancy.Status.RESOLVED
        fresh.resolved_at = when
        fresh.resolved_by = user
        fresh.second_signer = signer
        fresh.reason = reason.strip()
        fresh.resolution_key = key
        fresh.save(
            update_fields=[
                "status",
                "resolved_at",
                "resolved_by",
                "second_signer",
                "reason",
                "resolution_key",
            ]
        )
        record(
            actor,
            "inventory_discrepancy_resolve",
            object_type="discrepancy",
            object_id=fresh.public_id,
            detail={
                "second_signer": signer.username,
                "adjusted": adjust,
                "entries": [str(row.public_id) for row in posted],
            },
        )
    return fresh


def _discrepancy_row(value: Discrepancy | uuid.UUID | str) -> Discrepancy:
    if isinstance(value, Discrepancy):
        return Discrepancy.objects.select_related("site", "count__location__site").get(pk=value.pk)
    try:
        public_id = value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        raise ValidationError("discrepancy", value, "a public id (UUID)") from None
    found = (
        Discrepancy.objects.select_related("site", "count__location__site")
        .filter(public_id=public_id)
        .first()
    )
    if found is None:
        raise ValidationError("discrepancy", str(value), "the public id of a discrepancy")
    return found


def _clean_recount(count: StockCount) -> bool:
    later = (
        StockCount.objects.filter(location=count.location, counted_at__gt=count.counted_at)
        .order_by("-counted_at", "-id")
        .first()
    )
    return later is not None and not Discrepancy.objects.filter(count=later).exists()


def _adjust(
    user: User,
    signer: User,
    discrepancy: Discrepancy,
    line: StockCountLine,
    reason: str,
    when: datetime,
) -> LedgerEntry:
    lot = domain_lot(line.lot)
    account = discrepancy.count.location.account
    missing = line.variance_mg < 0
    mg = abs(line.variance_mg)
    entry = dm.Entry(
        # One entry per discrepancy and lot: a retried resolution can never post it twice.
        idempotency_key=f"adjust:{discrepancy.public_id}:{line.lot.public_id}",
        kind=dm.EntryKind.ADJUSTMENT,
        at=when,
        site_id=discrepancy.site.code,
        lot=lot,
        source=account if missing else dm.ADJUSTMENT,
        destination=dm.ADJUSTMENT if missing else account,
        quantity_mg=mg,
        quantity_units=dm.units_for_mg(lot.product, mg),
        actor=person_for(user),
        witness=person_for(signer),
        reference=str(discrepancy.public_id),
        reason=reason,
    )
    return post_entry(user, entry, when)
