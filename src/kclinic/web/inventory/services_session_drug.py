"""Drug drawn for one treatment session: dispense (safe -> session, tied to the dose order),
administer, return of what was not used (session -> safe) and witnessed waste.

The session's ledger account is `session:<public id>`; it can never go below zero, so a
waste or return larger than what is left of the draw is refused by the core. Each function
checks the session, the lot, the location and the people, then posts one entry through
`post_entry` (row locks, idempotency, hash chain, audit). Import them from
`services_movements`.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from django.http import HttpRequest

from kclinic.domain import ledger as rules
from kclinic.domain import ledger_model as dm
from kclinic.domain.errors import ValidationError
from kclinic.domain.session_states import State
from kclinic.web.accounts.models import User
from kclinic.web.accounts.policy import Action, require
from kclinic.web.audit.services import Actor
from kclinic.web.infusions.models import DoseOrder, InfusionSession
from kclinic.web.inventory.models import Balance, LedgerEntry, Lot, StorageLocation
from kclinic.web.inventory.services_support import (
    cosigner,
    domain_lot,
    location_row,
    lot_row,
    moment,
    post_movement,
    quantity,
    replay,
    require_key,
)

SessionRef = InfusionSession | uuid.UUID | str
LotRef = Lot | uuid.UUID | str
LocationRef = StorageLocation | uuid.UUID | str
# No new drug is drawn for a session that has ended; return and waste stay possible so the
# draw can still be reconciled.
CLOSED = frozenset({State.DISCHARGED, State.CANCELLED, State.ABORTED})


def dispense_to_session(
    actor: Actor,
    session: SessionRef,
    lot: LotRef,
    quantity_mg: object,
    dose_order: DoseOrder | uuid.UUID | str | None = None,
    *,
    idempotency_key: str,
    location: LocationRef | None = None,
    at: datetime | None = None,
) -> LedgerEntry:
    """Draw `quantity_mg` of `lot` from a safe of the session's site for the session's dose
    order (the active one when not given). The safe defaults to the one holding most of the
    lot. Refused: a closed session, an expired lot, a lot not held at the site."""
    user, visit, lot_obj, mg, key = _common(actor, session, lot, quantity_mg, idempotency_key)
    place = _location(visit, lot_obj, location)
    previous = replay(
        key, dm.EntryKind.DISPENSE, lot_obj, place.account, visit.ledger_account, mg, user
    )
    if previous is not None:
        return previous
    if visit.state in CLOSED:
        raise ValidationError("session.state", visit.state, "a session that has not ended")
    order = _order(visit, dose_order)
    when = moment(at)
    if when.date() > lot_obj.expiry_date:
        raise ValidationError(
            "lot",
            f"{lot_obj.lot_number} (expired {lot_obj.expiry_date.isoformat()})",
            f"a lot whose expiry date is on or after {when.date().isoformat()}",
        )
    return _post(
        user,
        visit,
        lot_obj,
        dm.EntryKind.DISPENSE,
        place.account,
        visit.ledger_account,
        mg,
        key,
        when,
        reference=str(order.public_id),
    )


def administer(
    actor: Actor,
    session: SessionRef,
    lot: LotRef,
    quantity_mg: object,
    *,
    idempotency_key: str,
    at: datetime | None = None,
) -> LedgerEntry:
    """Record `quantity_mg` of the session's draw of `lot` as given to the patient."""
    user, visit, lot_obj, mg, key = _common(actor, session, lot, quantity_mg, idempotency_key)
    previous = replay(
        key, dm.EntryKind.ADMINISTRATION, lot_obj, visit.ledger_account, dm.ADMINISTERED, mg, user
    )
    if previous is not None:
        return previous
    if visit.state == State.CANCELLED:
        raise ValidationError("session.state", visit.state, "a session that was not cancelled")
    return _post(
        user,
        visit,
        lot_obj,
        dm.EntryKind.ADMINISTRATION,
        visit.ledger_account,
        dm.ADMINISTERED,
        mg,
        key,
        moment(at),
    )


def return_unused(
    actor: Actor,
    session: SessionRef,
    lot: LotRef,
    quantity_mg: object,
    *,
    idempotency_key: str,
    location: LocationRef | None = None,
    at: datetime | None = None,
) -> LedgerEntry:
    """Put unused drug (e.g. an unopened vial) of the session's draw back into a safe of its
    site (by default the one it was dispensed from most recently)."""
    user, visit, lot_obj, mg, key = _common(actor, session, lot, quantity_mg, idempotency_key)
    place = _return_location(visit, lot_obj, location)
    previous = replay(
        key, dm.EntryKind.RETURN, lot_obj, visit.ledger_account, place.account, mg, user
    )
    if previous is not None:
        return previous
    return _post(
        user,
        visit,
        lot_obj,
        dm.EntryKind.RETURN,
        visit.ledger_account,
        place.account,
        mg,
        key,
        moment(at),
    )


def waste(
    actor: Actor,
    witness: User | str,
    witness_password: str,
    session: SessionRef,
    lot: LotRef,
    quantity_mg: object,
    *,
    idempotency_key: str,
    at: datetime | None = None,
    request: HttpRequest | None = None,
) -> LedgerEntry:
    """Waste `quantity_mg` of what is left of the session's draw, witnessed by a second
    licensed member of staff who signs with their own username and password. Refused: the
    same person as witness, a wrong password, more than is left of the draw."""
    user, visit, lot_obj, mg, key = _common(actor, session, lot, quantity_mg, idempotency_key)
    previous = replay(key, dm.EntryKind.WASTE, lot_obj, visit.ledger_account, dm.WASTE, mg, user)
    if previous is not None:
        return previous
    left = Balance.objects.filter(account=visit.ledger_account, lot=lot_obj).first()
    left_mg = left.mg if left else Decimal(0)
    if mg > left_mg:
        raise ValidationError(
            "quantity_mg", mg, f"at most {left_mg} mg (what is left of the session's draw)"
        )
    signer = cosigner(
        actor, witness, witness_password, visit.site, field="witness", request=request
    )
    return _post(
        user,
        visit,
        lot_obj,
        dm.EntryKind.WASTE,
        visit.ledger_account,
        dm.WASTE,
        mg,
        key,
        moment(at),
        witness=signer,
    )


def _common(
    actor: Actor, session: SessionRef, lot: LotRef, quantity_mg: object, idempotency_key: str
) -> tuple[User, InfusionSession, Lot, Decimal, str]:
    user = actor.signed_in()
    visit = _session(session)
    require(user, Action.DISPENSE_STOCK, visit.site)
    key = require_key(idempotency_key)
    lot_obj = lot_row(lot)
    device = lot_obj.product.form == "nasal_device"
    mg = quantity("quantity_mg", quantity_mg, "mg")
    if device and mg % lot_obj.product.mg_per_unit:
        raise ValidationError(
            "quantity_mg", mg, f"whole devices of {lot_obj.product.mg_per_unit} mg"
        )
    return user, visit, lot_obj, mg, key


def _session(value: SessionRef) -> InfusionSession:
    if isinstance(value, InfusionSession):
        return value
    try:
        public_id = value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        raise ValidationError("session", value, "a session's public id (UUID)") from None
    found = InfusionSession.objects.select_related("site").filter(public_id=public_id).first()
    if found is None:
        raise ValidationError("session", str(value), "the public id of a checked-in session")
    return found


def _location(visit: InfusionSession, lot: Lot, location: LocationRef | None) -> StorageLocation:
    if location is not None:
        place = location_row(location)
        if place.site_id != visit.site_id:
            raise ValidationError(
                "location", place.account, f"a storage location of site {visit.site.code}"
            )
        return place
    holding = (
        Balance.objects.filter(lot=lot, account__startswith=f"loc:{visit.site.code}/", mg__gt=0)
        .order_by("-mg", "account")
        .first()
    )
    if holding is None:
        raise ValidationError(
            "lot", lot.lot_number, f"a lot held in a storage location of site {visit.site.code}"
        )
    name = holding.account.split("/", 1)[1]
    return StorageLocation.objects.select_related("site").get(site=visit.site, name=name)


def _return_location(
    visit: InfusionSession, lot: Lot, location: LocationRef | None
) -> StorageLocation:
    if location is not None:
        return _location(visit, lot, location)
    source = (
        LedgerEntry.objects.filter(
            kind=dm.EntryKind.DISPENSE.value, lot=lot, destination=visit.ledger_account
        )
        .order_by("-id")
        .values_list("source", flat=True)
        .first()
    )
    if source is None:
        raise ValidationError("lot", lot.lot_number, "a lot dispensed to this session")
    name = source.split("/", 1)[1]
    return StorageLocation.objects.select_related("site").get(site=visit.site, name=name)


def _order(visit: InfusionSession, value: DoseOrder | uuid.UUID | str | None) -> DoseOrder:
    orders = DoseOrder.objects.filter(session=visit)
    if value is None:
        found = orders.filter(superseded_by__isnull=True).order_by("-ordered_at", "-id").first()
        if found is None:
            raise ValidationError("dose_order", None, "a dose order of this session")
        return found
    if isinstance(value, DoseOrder):
        found = orders.filter(pk=value.pk).first()
    else:
        try:
            public_id = value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
        except ValueError:
            raise ValidationError("dose_order", value, "a dose order's public id") from None
        found = orders.filter(public_id=public_id).first()
    if found is None or found.superseded_by_id is not None:
        raise ValidationError(
            "dose_order", str(value), "the current (not superseded) dose order of this session"
        )
    return found


def movement_units(product: dm.Product, source: str, lot: Lot, mg: Decimal) -> Decimal:
    """Units for moving `mg` of the lot out of `source`: the movement that empties it takes
    the units it holds (units are rounded per entry; kclinic.domain.ledger)."""
    row = Balance.objects.filter(account=source, lot=lot).first()
    held = None if row is None else rules.Balance(mg=row.mg, units=row.units)
    return rules.units_for_movement(product, held, mg)


def _post(
    user: User,
    visit: InfusionSession,
    lot: Lot,
    kind: dm.EntryKind,
    source: str,
    destination: str,
    mg: Decimal,
    key: str,
    when: datetime,
    *,
    reference: str = "",
    witness: User | None = None,
) -> LedgerEntry:
    units = movement_units(domain_lot(lot).product, source, lot, mg)
    return post_movement(
        user,
        visit.site,
        lot,
        kind,
        source,
        destination,
        mg,
        units,
        key,
        when,
        reference=reference,
        witness=witness,
    )
