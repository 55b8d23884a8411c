"""One service per kind of movement of the controlled-substance ledger.

Stock movements live here (receipt, transfer, destruction for DEA Form 41, loss or theft
for DEA Form 106, reversal); the session movements (dispense, administer, return, waste)
live in `services_session_drug` and are re-exported here, so callers import every movement
from this module. Each service checks the actor's permission, reads and checks the plain
values it is given (a bad one raises ValidationError naming the field, and nothing is
written), then posts one entry through `post_entry`. Every service takes an
`idempotency_key`: a retried call returns the entry the first call posted (`replayed`).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from django.http import HttpRequest

from kclinic.domain import ledger_model as dm
from kclinic.domain.errors import ValidationError
from kclinic.domain.ledger import reversal_of
from kclinic.web.accounts.models import User
from kclinic.web.accounts.policy import Action, require
from kclinic.web.audit.services import Actor
from kclinic.web.inventory.models import LedgerEntry, Lot, Product, StorageLocation
from kclinic.web.inventory.services import entry_from_content, person_for, post_entry
from kclinic.web.inventory.services_session_drug import (
    administer,
    dispense_to_session,
    return_unused,
    waste,
)
from kclinic.web.inventory.services_support import (
    cosigner,
    domain_lot,
    domain_product,
    entry_row,
    location_row,
    lot_row,
    moment,
    post_movement,
    quantity,
    replay,
    require_key,
    text,
)

__all__ = [
    "administer",
    "destroy",
    "dispense_to_session",
    "receive",
    "report_loss",
    "return_unused",
    "reverse",
    "transfer",
    "waste",
]

LotRef = Lot | uuid.UUID | str
LocationRef = StorageLocation | uuid.UUID | str


def receive(
    actor: Actor,
    location: LocationRef,
    product: Product | dm.Product | uuid.UUID | str,
    lot_number: str,
    expiry: date | str,
    units: object,
    supplier: str,
    invoice: str,
    *,
    idempotency_key: str,
    at: datetime | None = None,
) -> LedgerEntry:
    """Receive whole vials or devices of a lot from a supplier into a safe (the lot is created
    on first receipt). Refused: an expired lot, a fraction of a unit, a blank supplier or
    invoice, a lot number already known with another expiry date."""
    user = actor.signed_in()
    place = location_row(location)
    require(user, Action.RECEIVE_STOCK, place.site)
    key = require_key(idempotency_key)
    item = _product(product)
    number = text("lot_number", lot_number, "the manufacturer's lot number", 50)
    expires = _date("expiry_date", expiry)
    count = quantity("units", units, "vials or devices", whole=True)
    vendor = text("supplier", supplier, "the supplier's name", 100)
    reference = text("invoice", invoice, "the invoice or packing-slip number")
    mg = count * item.mg_per_unit
    source = dm.supplier_account(vendor)
    known = Lot.objects.filter(product__ndc=item.ndc, lot_number=number).first()
    previous = replay(key, dm.EntryKind.RECEIPT, known, source, place.account, mg, user)
    if previous is not None:
        return previous
    when = moment(at)
    if expires < when.date():
        raise ValidationError(
            "expiry_date",
            expires.isoformat(),
            f"on or after {when.date().isoformat()} (expired stock is not received into the safe)",
        )
    entry = dm.Entry(
        idempotency_key=key,
        kind=dm.EntryKind.RECEIPT,
        at=when,
        site_id=place.site.code,
        lot=dm.Lot(item, number, expires),
        source=source,
        destination=place.account,
        quantity_mg=mg,
        quantity_units=count,
        actor=person_for(user),
        reference=reference,
        counterparty=vendor,
    )
    return post_entry(user, entry, when)


def transfer(
    actor: Actor,
    source: LocationRef,
    destination: LocationRef,
    lot: LotRef,
    units: object,
    *,
    idempotency_key: str,
    at: datetime | None = None,
) -> LedgerEntry:
    """Move units of a lot from one safe to another, at the same site or another site of the
    same clinic. The entry is kept in the sending site's chain."""
    user = actor.signed_in()
    origin, target = location_row(source, "source"), location_row(destination, "destination")
    require(user, Action.TRANSFER_STOCK, origin.site)
    key = require_key(idempotency_key)
    if origin.pk == target.pk:
        raise ValidationError("destination", target.account, "a location other than the source")
    if origin.site.clinic_id != target.site.clinic_id:
        raise ValidationError("destination", target.account, "a location of the same clinic")
    lot_obj = lot_row(lot)
    mg, count = _units(lot_obj, units)
    previous = replay(key, dm.EntryKind.TRANSFER, lot_obj, origin.account, target.account, mg, user)
    if previous is not None:
        return previous
    when = moment(at)
    return post_movement(
        user,
        origin.site,
        lot_obj,
        dm.EntryKind.TRANSFER,
        origin.account,
        target.account,
        mg,
        count,
        key,
        when,
    )


def destroy(
    actor: Actor,
    witness: User | str,
    witness_password: str,
    location: LocationRef,
    lot: LotRef,
    units: object,
    method: str,
    *,
    idempotency_key: str,
    reverse_distributor: str = "",
    form_number: str = "",
    at: datetime | None = None,
    request: HttpRequest | None = None,
) -> LedgerEntry:
    """Destroy (or hand to a reverse distributor) units of a lot from a safe, witnessed by a
    second licensed person with their own password: the data of DEA Form 41."""
    user, place, lot_obj, mg, count, key = _out_of_safe(
        actor, location, lot, units, idempotency_key
    )
    how = text("method", method, "the method of destruction", 500)
    taker = _optional("reverse_distributor", reverse_distributor, 100)
    form = _optional("form_number", form_number, 120)
    previous = replay(key, dm.EntryKind.DESTRUCTION, lot_obj, place.account, dm.DESTROYED, mg, user)
    if previous is not None:
        return previous
    signer = cosigner(
        actor, witness, witness_password, place.site, field="witness", request=request
    )
    return post_movement(
        user,
        place.site,
        lot_obj,
        dm.EntryKind.DESTRUCTION,
        place.account,
        dm.DESTROYED,
        mg,
        count,
        key,
        moment(at),
        witness=signer,
        reason=how,
        counterparty=taker,
        reference=form,
    )


def report_loss(
    actor: Actor,
    location: LocationRef,
    lot: LotRef,
    units: object,
    circumstances: str,
    discovered_at: datetime,
    *,
    idempotency_key: str,
    form_number: str = "",
    at: datetime | None = None,
) -> LedgerEntry:
    """Record a theft or loss from a safe: the data of DEA Form 106; the written notice to
    the DEA is due one business day after `discovered_at` (see `ledger_forms`)."""
    user, place, lot_obj, mg, count, key = _out_of_safe(
        actor, location, lot, units, idempotency_key
    )
    what = text("circumstances", circumstances, "what happened (theft or loss, how found)", 2000)
    form = _optional("form_number", form_number, 120)
    if not isinstance(discovered_at, datetime) or discovered_at.utcoffset() is None:
        raise ValidationError("discovered_at", discovered_at, "a date and time with a time zone")
    previous = replay(key, dm.EntryKind.LOSS, lot_obj, place.account, dm.LOST, mg, user)
    if previous is not None:
        return previous
    when = moment(at)
    if discovered_at > when:
        raise ValidationError(
            "discovered_at", discovered_at.isoformat(), f"not after {when.isoformat()}"
        )
    return post_movement(
        user,
        place.site,
        lot_obj,
        dm.EntryKind.LOSS,
        place.account,
        dm.LOST,
        mg,
        count,
        key,
        when,
        reason=what,
        reference=form,
        discovered_at=discovered_at,
    )


def reverse(
    actor: Actor,
    entry: LedgerEntry | uuid.UUID | str,
    reason: str,
    *,
    idempotency_key: str,
    at: datetime | None = None,
) -> LedgerEntry:
    """Correct an entry by posting its exact mirror (history is never edited). Needs the
    permission of the entry's own kind; an entry is reversed at most once; a reversal is not
    itself reversed (post a new entry instead)."""
    user = actor.signed_in()
    original = entry_row(entry)
    key = require_key(idempotency_key)
    why = text("reason", reason, "why the entry is corrected", 2000)
    previous = replay(
        key,
        dm.EntryKind.REVERSAL,
        original.lot,
        original.destination,
        original.source,
        original.quantity_mg,
        user,
    )
    if previous is not None:
        return previous
    when = moment(at)
    domain = entry_from_content(original.content, domain_lot(original.lot))
    mirror = reversal_of(domain, key, when, person_for(user), why)
    return post_entry(user, mirror, when)


def _product(value: Product | dm.Product | uuid.UUID | str) -> dm.Product:
    if isinstance(value, dm.Product):
        return value
    if isinstance(value, Product):
        return domain_product(value)
    try:
        public_id = value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        raise ValidationError("product", value, "a product's public id (UUID)") from None
    row = Product.objects.filter(public_id=public_id).first()
    if row is None:
        raise ValidationError("product", str(value), "the public id of a product")
    return domain_product(row)


def _date(field: str, value: date | str) -> date:
    if isinstance(value, datetime):
        raise ValidationError(field, value.isoformat(), "a date (YYYY-MM-DD)")
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError(field, value, "a date (YYYY-MM-DD)") from None


def _units(lot: Lot, units: object) -> tuple[Decimal, Decimal]:
    """mg and units for a number of vials (fractions to 4 places) or whole devices."""
    device = lot.product.form == "nasal_device"
    count = quantity("units", units, "devices" if device else "vials", whole=device)
    return count * lot.product.mg_per_unit, count


def _out_of_safe(
    actor: Actor, location: LocationRef, lot: LotRef, units: object, idempotency_key: str
) -> tuple[User, StorageLocation, Lot, Decimal, Decimal, str]:
    """What destruction and loss both check first: the actor, the safe and their permission
    there, the key, the lot and the amount (mg and units)."""
    user = actor.signed_in()
    place = location_row(location)
    require(user, Action.DESTROY_STOCK, place.site)
    key = require_key(idempotency_key)
    lot_obj = lot_row(lot)
    mg, count = _units(lot_obj, units)
    return user, place, lot_obj, mg, count, key


def _optional(field: str, value: object, max_length: int) -> str:
    if value is None or value == "":
        return ""
    return text(field, value, field.replace("_", " "), max_length)
