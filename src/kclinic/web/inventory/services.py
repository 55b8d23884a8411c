"""Every write to the controlled-substance ledger. `post_entry` validates an entry with the
pure core (kclinic.domain.ledger) against the stored history of its lot while holding row
locks on the balances it moves, then appends it to its site's hash chain, in one transaction.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal

from django.db import transaction

from kclinic.domain import ledger_model as dm
from kclinic.domain.errors import ValidationError
from kclinic.domain.ledger import Balance as DomainBalance
from kclinic.domain.ledger import Ledger, ledger_from_balances, site_of
from kclinic.domain.ledger_chain import GENESIS_HASH, canonical_content, entry_hash
from kclinic.web.accounts.models import Role, Site, User
from kclinic.web.accounts.policy import Action, require
from kclinic.web.audit.services import Actor, record
from kclinic.web.inventory.models import (
    Balance,
    LedgerChainHead,
    LedgerEntry,
    Lot,
    Product,
    StorageLocation,
)

# Licensed clinicians who may dispense, administer and witness (policy: prescribers and
# nurses hold a clinical licence; other roles do not).
LICENSED_ROLES = frozenset({Role.PRESCRIBER, Role.NURSE})

# The permission each kind of movement needs (docs/compliance/controlled-substances.md). A
# reversal needs the permission of the entry it reverses.
KIND_ACTION: dict[dm.EntryKind, Action] = {
    dm.EntryKind.RECEIPT: Action.RECEIVE_STOCK,
    dm.EntryKind.TRANSFER: Action.TRANSFER_STOCK,
    dm.EntryKind.DISPENSE: Action.DISPENSE_STOCK,
    dm.EntryKind.ADMINISTRATION: Action.DISPENSE_STOCK,
    dm.EntryKind.RETURN: Action.DISPENSE_STOCK,
    dm.EntryKind.WASTE: Action.DISPENSE_STOCK,
    dm.EntryKind.DESTRUCTION: Action.DESTROY_STOCK,
    dm.EntryKind.LOSS: Action.DESTROY_STOCK,
    dm.EntryKind.ADJUSTMENT: Action.RESOLVE_DISCREPANCY,
}


def person_for(user: User) -> dm.Person:
    """The domain person for a user: id is the user's public id."""
    return dm.Person(user_id=str(user.public_id), licensed=user.role in LICENSED_ROLES)


def add_location(actor_user: User, site: Site, name: str) -> StorageLocation:
    """Create (or return) a storage location at a site the actor belongs to."""
    require(actor_user, Action.RECEIVE_STOCK, site)
    if not name.strip() or "/" in name:
        raise ValidationError("name", name, "a non-empty name without '/'")
    with transaction.atomic():
        location, created = StorageLocation.objects.get_or_create(site=site, name=name)
        if created:
            record(
                Actor(actor_user),
                "inventory_location_add",
                object_type="storage_location",
                object_id=location.account,
            )
    return location


def post_entry(actor_user: User, entry: dm.Entry, now: datetime) -> LedgerEntry:
    """Validate and append one entry; return its row. Nothing is written if it is refused.

    The actor needs the permission of the entry's kind at its site (`KIND_ACTION`). A
    repeated idempotency key with the same entry (its time aside: a retry happens later)
    returns the existing row with `replayed` set; a different entry under a used key raises
    ValidationError.
    """
    site = Site.objects.filter(code=entry.site_id).first()
    if site is None:
        raise ValidationError("site_id", entry.site_id, "the code of an existing site")
    require(actor_user, _action_for(entry), site)
    if entry.actor != person_for(actor_user):
        raise ValidationError(
            "actor", entry.actor.user_id, f"the signed-in user ({actor_user.public_id})"
        )
    witness = _witness_user(entry, site)
    for account in (entry.source, entry.destination):
        _require_known_location(account)
    content = canonical_content(entry)
    with transaction.atomic():
        lot = _lot_row(entry.lot, create=entry.kind is dm.EntryKind.RECEIPT)
        locked = _lock_balances(lot, entry)
        existing = LedgerEntry.objects.filter(idempotency_key=entry.idempotency_key).first()
        if existing is not None:
            if _same_but_time(existing.content, content):
                existing.replayed = True
                return existing
            raise ValidationError(
                "idempotency_key",
                entry.idempotency_key,
                "a new key, or the same key with the identical entry",
                "this key was already used for a different entry",
            )
        _history(lot, entry, locked, now).apply(entry, now)
        row = _append(site, lot, entry, content, actor_user, witness)
        _move(locked, entry)
        record(
            Actor(actor_user),
            "ledger_post",
            object_type="ledger_entry",
            object_id=row.public_id,
            detail={
                "site": site.code,
                "seq": row.seq,
                "kind": entry.kind.value,
                "lot": entry.lot.lot_number,
                "quantity_mg": str(entry.quantity_mg),
                "source": entry.source,
                "destination": entry.destination,
            },
        )
    return row


def _action_for(entry: dm.Entry) -> Action:
    if entry.kind is not dm.EntryKind.REVERSAL:
        return KIND_ACTION[entry.kind]
    original = LedgerEntry.objects.filter(idempotency_key=entry.reference).first()
    if original is None:
        raise ValidationError("reference", entry.reference, "the idempotency key of an entry")
    if original.kind == dm.EntryKind.REVERSAL.value:
        raise ValidationError(
            "reference", entry.reference, "an entry that is not itself a reversal"
        )
    return KIND_ACTION[dm.EntryKind(original.kind)]


def _same_but_time(stored: str, new: str) -> bool:
    first, second = json.loads(stored), json.loads(new)
    first.pop("at")
    second.pop("at")
    return bool(first == second)


def _witness_user(entry: dm.Entry, site: Site) -> User | None:
    if entry.witness is None:
        return None
    witness = User.objects.filter(public_id=entry.witness.user_id, sites=site).first()
    if witness is None:
        raise ValidationError(
            "witness.user_id", entry.witness.user_id, f"a member of staff of site {site.code}"
        )
    if entry.witness != person_for(witness):
        raise ValidationError(
            "witness.licensed", entry.witness.licensed, f"{person_for(witness).licensed}"
        )
    return witness


def _require_known_location(account: str) -> None:
    if not account.startswith("loc:"):
        return
    name = account.split("/", 1)[1] if "/" in account else ""
    if not StorageLocation.objects.filter(site__code=site_of(account), name=name).exists():
        raise ValidationError("location", account, "a storage location registered at its site")


def _lot_row(lot: dm.Lot, *, create: bool) -> Lot:
    """The stored lot matching the domain lot; created on receipt. Any mismatch is refused."""
    product = lot.product
    fields = {
        "name": product.name,
        "form": product.form,
        "mg_per_unit": product.mg_per_unit,
        "schedule": product.schedule,
        "concentration_mg_per_ml": product.concentration_mg_per_ml,
        "volume_ml": product.volume_ml,
    }
    if create:
        Product.objects.bulk_create([Product(ndc=product.ndc, **fields)], ignore_conflicts=True)
    stored = Product.objects.filter(ndc=product.ndc).first()
    if stored is None:
        raise ValidationError("lot.product.ndc", product.ndc, "a product received before")
    if any(getattr(stored, k) != v for k, v in fields.items()):
        raise ValidationError("lot.product", product.ndc, f"the stored product {stored.name!r}")
    if create:
        Lot.objects.bulk_create(
            [Lot(product=stored, lot_number=lot.lot_number, expiry_date=lot.expiry_date)],
            ignore_conflicts=True,
        )
    row = Lot.objects.filter(product=stored, lot_number=lot.lot_number).first()
    if row is None:
        raise ValidationError("lot.lot_number", lot.lot_number, "a lot received before")
    if row.expiry_date != lot.expiry_date:
        raise ValidationError(
            "lot.expiry_date", lot.expiry_date.isoformat(), row.expiry_date.isoformat()
        )
    return row


def _lock_balances(lot: Lot, entry: dm.Entry) -> dict[str, Balance]:
    """Create missing balance rows, then lock them in account order (no deadlocks)."""
    accounts = sorted({a for a in (entry.source, entry.destination) if dm.is_internal(a)})
    Balance.objects.bulk_create(
        [Balance(account=a, lot=lot) for a in accounts], ignore_conflicts=True
    )
    rows = Balance.objects.select_for_update().filter(lot=lot, account__in=accounts)
    return {b.account: b for b in rows.order_by("account")}


def _history(lot: Lot, entry: dm.Entry, locked: dict[str, Balance], now: datetime) -> Ledger:
    """What the entry is validated against. The locked balances stand for the lot's history
    (so a post costs the same on day one and after years of entries); a reversal, which looks
    up its original, is checked against the full history of the lot."""
    if entry.kind is dm.EntryKind.REVERSAL:
        rows = LedgerEntry.objects.filter(lot=lot).order_by("id").only("content")
        return Ledger(tuple(entry_from_content(r.content, entry.lot) for r in rows))
    held = {a: DomainBalance(mg=b.mg, units=b.units) for a, b in locked.items()}
    return ledger_from_balances(entry.lot, held, now)


def _person(data: object) -> dm.Person | None:
    if not isinstance(data, dict):
        return None
    return dm.Person(user_id=str(data["user_id"]), licensed=bool(data["licensed"]))


def entry_from_content(content: str, lot: dm.Lot) -> dm.Entry:
    """A stored row back as a domain Entry; `lot` is the (already matched) lot of the row."""
    data = json.loads(content)
    actor = _person(data["actor"])
    assert actor is not None
    discovered = data["discovered_at"]
    return dm.Entry(
        idempotency_key=data["idempotency_key"],
        kind=dm.EntryKind(data["kind"]),
        at=datetime.fromisoformat(data["at"]),
        site_id=data["site_id"],
        lot=lot,
        source=data["source"],
        destination=data["destination"],
        quantity_mg=Decimal(data["quantity_mg"]),
        quantity_units=Decimal(data["quantity_units"]),
        actor=actor,
        witness=_person(data["witness"]),
        reference=data["reference"],
        counterparty=data["counterparty"],
        reason=data["reason"],
        discovered_at=None if discovered is None else datetime.fromisoformat(discovered),
    )


def _append(
    site: Site,
    lot: Lot,
    entry: dm.Entry,
    content: str,
    actor_user: User,
    witness: User | None,
) -> LedgerEntry:
    LedgerChainHead.objects.bulk_create(
        [LedgerChainHead(site=site, count=0, hash=GENESIS_HASH)], ignore_conflicts=True
    )
    head = LedgerChainHead.objects.select_for_update().get(site=site)
    digest = entry_hash(content, head.hash)
    row = LedgerEntry(
        site=site,
        seq=head.count,
        kind=entry.kind.value,
        lot=lot,
        source=entry.source,
        destination=entry.destination,
        quantity_mg=entry.quantity_mg,
        quantity_units=entry.quantity_units,
        actor=actor_user,
        witness=witness,
        reference=entry.reference,
        reason=entry.reason,
        at=entry.at,
        idempotency_key=entry.idempotency_key,
        content=content,
        prev_hash=head.hash,
        hash=digest,
    )
    row.save()
    LedgerChainHead.objects.filter(pk=head.pk).update(count=head.count + 1, hash=digest)
    return row


def _move(locked: dict[str, Balance], entry: dm.Entry) -> None:
    for account, sign in ((entry.source, -1), (entry.destination, 1)):
        balance = locked.get(account)
        if balance is None:
            continue
        balance.mg += sign * entry.quantity_mg
        balance.units += sign * entry.quantity_units
        balance.save(update_fields=["mg", "units"])
