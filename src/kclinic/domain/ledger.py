"""The controlled-substance ledger: an append-only tuple of entries and the rules to add one.

`Ledger.apply(entry, now)` validates an entry against the whole history and returns a new
ledger, or raises `ValidationError` naming the field, the value and what is allowed; the old
ledger is never changed (it is a frozen value). Corrections are `REVERSAL` entries that
point at the original, never edits. Invariants (docs/clinical/ledger.md):

- no location or session balance, per lot, ever below zero (mg and units);
- an expired lot cannot be dispensed (expiry compared with the `now` passed in);
- waste and destruction are witnessed by a different, licensed person; a count adjustment
  needs a discrepancy-resolution reason and a second signer;
- per session, dispensed = administered + wasted + returned once the session is closed
  (`session_reconciliation`); waste can never exceed what is left of the session's draw,
  because the session account may not go negative;
- the same idempotency key applied twice is a no-op; a different entry under a used key is
  refused.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Final

from kclinic.domain.errors import ValidationError
from kclinic.domain.ledger_model import (
    ADJUSTMENT,
    ADMINISTERED,
    DESTROYED,
    LOST,
    WASTE,
    Entry,
    EntryKind,
    Lot,
    Person,
    Product,
    is_internal,
    units_for_mg,
)

_ZERO = Decimal(0)


@dataclass(frozen=True)
class Balance:
    """Stock held by one account for one lot, in mg and in units (vials/devices)."""

    mg: Decimal
    units: Decimal


@dataclass(frozen=True)
class Ledger:
    """All entries in the order they were applied. Build one with `Ledger()` then `apply`."""

    entries: tuple[Entry, ...] = ()

    def apply(self, entry: Entry, now: datetime) -> Ledger:
        """Return a ledger with `entry` appended, or raise ValidationError (nothing changes)."""
        existing = self.find(entry.idempotency_key)
        if existing is not None:
            if existing == entry:
                return self
            raise ValidationError(
                "idempotency_key",
                entry.idempotency_key,
                "a new key, or the same key with the identical entry",
                "this key was already used for a different entry",
            )
        validate_entry(self, entry, now)
        candidate = Ledger((*self.entries, entry))
        _require_non_negative(candidate, entry)
        return candidate

    def find(self, idempotency_key: str) -> Entry | None:
        for entry in self.entries:
            if entry.idempotency_key == idempotency_key:
                return entry
        return None


OPENING: Final = "opening"


def ledger_from_balances(lot: Lot, held: Mapping[str, Balance], at: datetime) -> Ledger:
    """A stand-in for a lot's history when only its current balances matter: one entry per
    internal account bringing in what it holds, from the external account 'opening'.

    Validating a new entry against it decides as the full history would for every rule but
    two, which the caller keeps: idempotency (the store's unique key) and reversals (they look
    up the original entry, so they are validated against the full history)."""
    actor = Person(user_id=OPENING, licensed=True)
    return Ledger(
        tuple(
            Entry(
                idempotency_key=f"{OPENING}:{account}",
                kind=EntryKind.ADJUSTMENT,
                at=at,
                site_id="",
                lot=lot,
                source=OPENING,
                destination=account,
                quantity_mg=balance.mg,
                quantity_units=balance.units,
                actor=actor,
            )
            for account, balance in sorted(held.items())
            if balance.mg or balance.units
        )
    )


# kind -> (source prefix, destination prefix); "" means "exactly the named sink".
_SHAPES: dict[EntryKind, tuple[tuple[str, ...], tuple[str, ...]]] = {
    EntryKind.RECEIPT: (("supplier:",), ("loc:",)),
    EntryKind.TRANSFER: (("loc:",), ("loc:",)),
    EntryKind.DISPENSE: (("loc:",), ("session:",)),
    EntryKind.ADMINISTRATION: (("session:",), (ADMINISTERED,)),
    EntryKind.RETURN: (("session:",), ("loc:",)),
    EntryKind.WASTE: (("session:",), (WASTE,)),
    EntryKind.DESTRUCTION: (("loc:",), (DESTROYED,)),
    EntryKind.LOSS: (("loc:",), (LOST,)),
}


def validate_entry(ledger: Ledger, entry: Entry, now: datetime) -> None:
    """Check one entry on its own and against history (balances are checked by `apply`)."""
    _require_text("idempotency_key", entry.idempotency_key)
    _require_text("site_id", entry.site_id)
    _require_text("actor.user_id", entry.actor.user_id)
    for field, moment in (("now", now), ("at", entry.at), ("discovered_at", entry.discovered_at)):
        if moment is not None and moment.utcoffset() is None:
            raise ValidationError(field, moment.isoformat(), "a timezone-aware date and time")
    if entry.at > now:
        raise ValidationError("at", entry.at.isoformat(), f"not after now ({now.isoformat()})")
    _validate_quantity(ledger, entry)
    if entry.kind is EntryKind.REVERSAL:
        _validate_reversal(ledger, entry)
        return
    _validate_shape(entry)
    _validate_site(entry)
    kind = entry.kind
    if kind is EntryKind.RECEIPT:
        _require_text("counterparty", entry.counterparty)
        _require_text("reference", entry.reference)
        if entry.source != f"supplier:{entry.counterparty}":
            raise ValidationError("source", entry.source, f"'supplier:{entry.counterparty}'")
    elif kind is EntryKind.TRANSFER and entry.source == entry.destination:
        raise ValidationError("destination", entry.destination, "a location other than source")
    elif kind is EntryKind.DISPENSE:
        _require_text("reference", entry.reference)
        _require_licensed("actor", entry.actor)
        if now.date() > entry.lot.expiry_date:
            raise ValidationError(
                "lot.expiry_date",
                entry.lot.expiry_date.isoformat(),
                f"on or after {now.date().isoformat()} (the lot has expired)",
            )
    elif kind is EntryKind.ADMINISTRATION:
        _require_licensed("actor", entry.actor)
    elif kind in (EntryKind.WASTE, EntryKind.DESTRUCTION):
        _require_witness(entry)
        if kind is EntryKind.DESTRUCTION:
            _require_text("reason", entry.reason)
    elif kind is EntryKind.LOSS:
        _require_text("reason", entry.reason)
        if entry.discovered_at is None or entry.discovered_at > now:
            shown = None if entry.discovered_at is None else entry.discovered_at.isoformat()
            raise ValidationError("discovered_at", shown, "the date and time of discovery")
    elif kind is EntryKind.ADJUSTMENT:
        _require_text("reason", entry.reason)
        _require_witness(entry)


def _validate_quantity(ledger: Ledger, entry: Entry) -> None:
    if not entry.quantity_mg > 0:
        raise ValidationError("quantity_mg", entry.quantity_mg, "more than 0 mg")
    product = entry.lot.product
    if product.form == "nasal_device" and entry.quantity_mg % product.mg_per_unit != 0:
        raise ValidationError(
            "quantity_mg", entry.quantity_mg, f"a whole number of {product.mg_per_unit} mg devices"
        )
    expected_units = units_for_mg(product, entry.quantity_mg)
    if entry.quantity_units != expected_units and entry.quantity_units != _emptying_units(
        ledger, entry
    ):
        raise ValidationError(
            "quantity_units",
            entry.quantity_units,
            f"{expected_units} ({entry.quantity_mg} mg / {product.mg_per_unit} mg per unit)",
        )


def _emptying_units(ledger: Ledger, entry: Entry) -> Decimal | None:
    """The units an entry takes when it moves everything its internal source holds of the lot.

    Units are rounded per entry (policy, 0.0001 unit), so the pieces of a draw can round to
    more or less than the whole: 35.025 mg given and 464.975 mg wasted of a 500 mg vial round
    to 0.0701 + 0.9300. The movement that empties the account may therefore take exactly the
    units it holds instead, and mg and units reach zero together."""
    if not is_internal(entry.source):
        return None
    held = Balance(_ZERO, _ZERO)
    for other in ledger.entries:
        if other.lot != entry.lot:
            continue
        if other.source == entry.source:
            held = Balance(held.mg - other.quantity_mg, held.units - other.quantity_units)
        if other.destination == entry.source:
            held = Balance(held.mg + other.quantity_mg, held.units + other.quantity_units)
    return held.units if held.mg == entry.quantity_mg else None


def units_for_movement(product: Product, held: Balance | None, quantity_mg: Decimal) -> Decimal:
    """The units to post for moving `quantity_mg` out of an account holding `held`: all it
    holds when the movement empties it (see `_emptying_units`), else the rounded units."""
    if held is not None and held.mg == quantity_mg:
        return held.units
    return units_for_mg(product, quantity_mg)


def _validate_shape(entry: Entry) -> None:
    if entry.kind is EntryKind.ADJUSTMENT:
        # A count adjustment either adds found stock or removes missing stock at a location.
        pairs = {(ADJUSTMENT, "loc:"), ("loc:", ADJUSTMENT)}
        if not any(
            entry.source.startswith(s) and entry.destination.startswith(d) for s, d in pairs
        ):
            raise ValidationError(
                "source/destination",
                f"{entry.source} -> {entry.destination}",
                "'adjustment' -> a location, or a location -> 'adjustment'",
            )
        return
    sources, destinations = _SHAPES[entry.kind]
    for field, value, allowed in (
        ("source", entry.source, sources),
        ("destination", entry.destination, destinations),
    ):
        if not any(value.startswith(prefix) for prefix in allowed):
            raise ValidationError(
                field, value, f"for {entry.kind.value}: an account starting {' or '.join(allowed)}"
            )
    for field, value in (("source", entry.source), ("destination", entry.destination)):
        if value.endswith((":", "/")):
            raise ValidationError(field, value, "an account with an id after the prefix")


def _validate_site(entry: Entry) -> None:
    sites = [site_of(a) for a in (entry.source, entry.destination) if a.startswith("loc:")]
    if sites and entry.site_id not in sites:
        raise ValidationError("site_id", entry.site_id, "the site of a location the entry moves")


def site_of(location_account: str) -> str:
    """The site id of a 'loc:<site>/<name>' account."""
    return location_account[len("loc:") :].split("/", 1)[0]


def _validate_reversal(ledger: Ledger, entry: Entry) -> None:
    _require_text("reason", entry.reason)
    original = ledger.find(entry.reference)
    if original is None:
        raise ValidationError("reference", entry.reference, "the idempotency key of an entry")
    if original.kind is EntryKind.REVERSAL:
        raise ValidationError(
            "reference", entry.reference, "an entry that is not itself a reversal"
        )
    for other in ledger.entries:
        if other.kind is EntryKind.REVERSAL and other.reference == entry.reference:
            raise ValidationError(
                "reference", entry.reference, "an entry not yet reversed", other.idempotency_key
            )
    mirror = (original.destination, original.source, original.lot)
    mirror_qty = (original.quantity_mg, original.quantity_units)
    if (entry.source, entry.destination, entry.lot) != mirror or (
        entry.quantity_mg,
        entry.quantity_units,
    ) != mirror_qty:
        raise ValidationError(
            "reversal",
            f"{entry.source} -> {entry.destination} {entry.quantity_mg} mg",
            f"{original.destination} -> {original.source} {original.quantity_mg} mg, "
            f"lot {original.lot.lot_number} (the mirror of the original)",
        )
    if entry.site_id != original.site_id:
        raise ValidationError("site_id", entry.site_id, f"'{original.site_id}' (the original's)")


def reversal_of(
    original: Entry, idempotency_key: str, at: datetime, actor: Person, reason: str
) -> Entry:
    """The entry that exactly undoes `original` (the correction; history is never edited)."""
    return Entry(
        idempotency_key=idempotency_key,
        kind=EntryKind.REVERSAL,
        at=at,
        site_id=original.site_id,
        lot=original.lot,
        source=original.destination,
        destination=original.source,
        quantity_mg=original.quantity_mg,
        quantity_units=original.quantity_units,
        actor=actor,
        reference=original.idempotency_key,
        reason=reason,
    )


def _require_witness(entry: Entry) -> None:
    witness = entry.witness
    if witness is None:
        raise ValidationError("witness", None, "a second licensed person")
    if witness.user_id == entry.actor.user_id:
        raise ValidationError(
            "witness.user_id",
            witness.user_id,
            f"a person other than the actor {entry.actor.user_id!r}",
        )
    _require_licensed("witness", witness)


def _require_licensed(field: str, person: Person) -> None:
    if not person.licensed:
        raise ValidationError(f"{field}.licensed", person.user_id, "a licensed clinician")


def _require_text(field: str, value: str) -> None:
    if not value.strip():
        raise ValidationError(field, value, "a non-empty text")


def _require_non_negative(ledger: Ledger, entry: Entry) -> None:
    totals = balances(ledger)
    for account in (entry.source, entry.destination):
        if not is_internal(account):
            continue
        held = totals.get((account, entry.lot), Balance(_ZERO, _ZERO))
        if held.mg < 0 or held.units < 0:
            raise ValidationError(
                "quantity_mg",
                entry.quantity_mg,
                f"at most {held.mg + entry.quantity_mg} mg (what {account} holds of lot "
                f"{entry.lot.lot_number})",
            )


def balances(ledger: Ledger) -> dict[tuple[str, Lot], Balance]:
    """Balance of every (account, lot): the sum of all entries in and out, mg and units."""
    mg: dict[tuple[str, Lot], Decimal] = {}
    units: dict[tuple[str, Lot], Decimal] = {}
    for entry in ledger.entries:
        for account, sign in ((entry.source, -1), (entry.destination, 1)):
            key = (account, entry.lot)
            mg[key] = mg.get(key, _ZERO) + sign * entry.quantity_mg
            units[key] = units.get(key, _ZERO) + sign * entry.quantity_units
    return {key: Balance(mg[key], units[key]) for key in mg}


def location_balances(ledger: Ledger) -> dict[tuple[str, Lot], Balance]:
    """Balances of storage locations only ('loc:' accounts), per lot."""
    return {k: v for k, v in balances(ledger).items() if k[0].startswith("loc:")}


def effective_kinds(ledger: Ledger) -> Iterator[tuple[EntryKind, int, Entry]]:
    """Each entry with the kind it counts as and +1, or the reversed kind and -1."""
    for entry in ledger.entries:
        if entry.kind is EntryKind.REVERSAL:
            original = ledger.find(entry.reference)
            if original is not None:
                yield original.kind, -1, entry
        else:
            yield entry.kind, 1, entry


@dataclass(frozen=True)
class SessionReconciliation:
    """mg drawn for a session and where it went; `shortfall_mg` must be 0 at session close."""

    session_id: str
    dispensed_mg: Decimal
    administered_mg: Decimal
    wasted_mg: Decimal
    returned_mg: Decimal

    @property
    def shortfall_mg(self) -> Decimal:
        return self.dispensed_mg - self.administered_mg - self.wasted_mg - self.returned_mg


def session_reconciliation(ledger: Ledger, session_id: str) -> SessionReconciliation:
    """Sum a session's dispensed, administered, wasted and returned mg, net of reversals."""
    account = f"session:{session_id}"
    sums = dict.fromkeys(EntryKind, _ZERO)
    for kind, sign, entry in effective_kinds(ledger):
        if account in (entry.source, entry.destination):
            sums[kind] += sign * entry.quantity_mg
    return SessionReconciliation(
        session_id,
        sums[EntryKind.DISPENSE],
        sums[EntryKind.ADMINISTRATION],
        sums[EntryKind.WASTE],
        sums[EntryKind.RETURN],
    )


def require_session_reconciled(ledger: Ledger, session_id: str) -> SessionReconciliation:
    """Raise ValidationError naming the unaccounted mg, unless dispensed = administered +
    wasted + returned for the session (the reconciliation rule, docs/clinical/ledger.md)."""
    rec = session_reconciliation(ledger, session_id)
    if rec.shortfall_mg != 0:
        raise ValidationError(
            f"session {session_id} shortfall_mg",
            rec.shortfall_mg,
            "0 mg: dispensed = administered + wasted + returned",
            f"dispensed {rec.dispensed_mg}, administered {rec.administered_mg}, "
            f"wasted {rec.wasted_mg}, returned {rec.returned_mg}",
        )
    return rec


@dataclass(frozen=True)
class InventoryLine:
    """One row of a lot's perpetual inventory: the change and the on-hand total after it."""

    at: datetime
    idempotency_key: str
    kind: EntryKind
    change_mg: Decimal
    on_hand_mg: Decimal


def perpetual_inventory(ledger: Ledger, lot: Lot) -> tuple[InventoryLine, ...]:
    """Running stock of `lot` across all storage locations (mg), one line per entry touching it."""
    lines: list[InventoryLine] = []
    on_hand = _ZERO
    for entry in ledger.entries:
        if entry.lot != lot:
            continue
        change = _ZERO
        if entry.destination.startswith("loc:"):
            change += entry.quantity_mg
        if entry.source.startswith("loc:"):
            change -= entry.quantity_mg
        on_hand += change
        lines.append(InventoryLine(entry.at, entry.idempotency_key, entry.kind, change, on_hand))
    return tuple(lines)


def loss_notice_due_date(discovered: date, holidays: frozenset[date] = frozenset()) -> date:
    """Date the written theft/loss notice to DEA is due: 1 business day after discovery.

    Weekends and the `holidays` passed in are skipped (DEA_THEFT_LOSS_NOTICE, 88 FR 40707).
    """
    day = discovered + timedelta(days=1)
    while day.weekday() >= 5 or day in holidays:
        day += timedelta(days=1)
    return day
