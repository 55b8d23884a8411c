"""Reads of stock for the pages and the API, limited to the sites the user works at: another
site's location, count, discrepancy or entry does not exist for them (404)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from kclinic.domain import ledger as rules
from kclinic.domain.ledger_reports import (
    ExpiryStatus,
    ReconciliationStatus,
    expiry_status,
    reconciliation_status,
)
from kclinic.domain.session_states import State
from kclinic.web.accounts.models import Site, User
from kclinic.web.accounts.policy import Action, allowed, require
from kclinic.web.infusions.models import DoseOrder, InfusionSession
from kclinic.web.inventory.models import (
    Balance,
    Discrepancy,
    LedgerEntry,
    Lot,
    StockCount,
    StorageLocation,
)
from kclinic.web.inventory.services import entry_from_content
from kclinic.web.inventory.services_support import domain_lot

CLOSED_STATES = frozenset({State.DISCHARGED, State.CANCELLED, State.ABORTED})


def sites_for(user: User, action: Action = Action.VIEW_INVENTORY) -> list[Site]:
    """The user's sites where they may do `action` (none when the role may not)."""
    require(user, action)
    return [s for s in user.sites.order_by("code") if allowed(user, action, s)]


def locations_for(user: User, action: Action = Action.VIEW_INVENTORY) -> QuerySet[StorageLocation]:
    return (
        StorageLocation.objects.filter(site__in=sites_for(user, action))
        .select_related("site")
        .order_by("site__code", "name")
    )


def location_of(
    user: User, location_id: uuid.UUID, action: Action = Action.VIEW_INVENTORY
) -> StorageLocation:
    require(user, action)
    found = locations_for(user, action).filter(public_id=location_id).first()
    if found is None:
        raise Http404("No such storage location")
    return found


@dataclass(frozen=True)
class StockLine:
    location: StorageLocation
    lot: Lot
    mg: Decimal
    units: Decimal
    status: ExpiryStatus


def stock_lines(locations: QuerySet[StorageLocation], today: date) -> list[StockLine]:
    """Every lot held (mg > 0) at the locations, with its expiry warning."""
    by_account = {loc.account: loc for loc in locations}
    rows = (
        Balance.objects.filter(account__in=by_account, mg__gt=0)
        .select_related("lot__product")
        .order_by("account", "lot__expiry_date", "lot__lot_number")
    )
    return [
        StockLine(
            by_account[b.account], b.lot, b.mg, b.units, expiry_status(b.lot.expiry_date, today)
        )
        for b in rows
    ]


def usable_lots(locations: QuerySet[StorageLocation], today: date) -> list[StockLine]:
    """Lots held at the locations that are not expired (what may be dispensed)."""
    return [line for line in stock_lines(locations, today) if line.status != "expired"]


def lot_of(user: User, lot_id: uuid.UUID) -> Lot:
    """A lot that has moved at one of the user's sites."""
    require(user, Action.VIEW_INVENTORY)
    found = (
        Lot.objects.select_related("product")
        .filter(public_id=lot_id, entries__site__in=sites_for(user))
        .first()
    )
    if found is None:
        raise Http404("No such lot")
    return found


def entries_for(user: User, action: Action = Action.VIEW_INVENTORY) -> QuerySet[LedgerEntry]:
    return (
        LedgerEntry.objects.filter(site__in=sites_for(user, action))
        .select_related("site", "lot__product", "actor", "witness")
        .order_by("-at", "-id")
    )


def entry_of(user: User, entry_id: uuid.UUID) -> LedgerEntry:
    found = entries_for(user).filter(public_id=entry_id).first()
    if found is None:
        raise Http404("No such ledger entry")
    return found


def reversal_of_entry(entry: LedgerEntry) -> LedgerEntry | None:
    return LedgerEntry.objects.filter(kind="reversal", reference=entry.idempotency_key).first()


def counts_for(user: User) -> QuerySet[StockCount]:
    return (
        StockCount.objects.filter(site__in=sites_for(user))
        .select_related("location__site", "counted_by")
        .order_by("-counted_at", "-id")
    )


def count_of(user: User, count_id: uuid.UUID) -> StockCount:
    found = counts_for(user).filter(public_id=count_id).first()
    if found is None:
        raise Http404("No such count")
    return found


def discrepancies_for(user: User, status: str | None = None) -> QuerySet[Discrepancy]:
    found = Discrepancy.objects.filter(site__in=sites_for(user)).select_related(
        "count__location__site", "count__counted_by", "resolved_by", "second_signer"
    )
    if status:
        found = found.filter(status=status)
    return found.order_by("status", "-opened_at", "-id")


def discrepancy_of(user: User, discrepancy_id: uuid.UUID) -> Discrepancy:
    found = discrepancies_for(user).filter(public_id=discrepancy_id).first()
    if found is None:
        raise Http404("No such discrepancy")
    return found


def adjustments_of(discrepancy: Discrepancy) -> QuerySet[LedgerEntry]:
    return LedgerEntry.objects.filter(
        kind="adjustment", reference=str(discrepancy.public_id)
    ).order_by("id")


@dataclass(frozen=True)
class SessionDrug:
    """A session's draw: its entries, the reconciliation and where it stands."""

    session: InfusionSession
    order: DoseOrder | None
    entries: list[LedgerEntry]
    reconciliation: rules.SessionReconciliation
    status: ReconciliationStatus
    held_mg: dict[Lot, Decimal]

    @property
    def closed(self) -> bool:
        return self.session.state in CLOSED_STATES


def session_entries(session: InfusionSession) -> list[LedgerEntry]:
    account = session.ledger_account
    return list(
        LedgerEntry.objects.filter(Q(source=account) | Q(destination=account))
        .select_related("lot__product", "actor", "witness")
        .order_by("id")
    )


def session_drug(session: InfusionSession) -> SessionDrug:
    rows = session_entries(session)
    lots = {row.lot_id: domain_lot(row.lot) for row in rows}
    ledger = rules.Ledger(tuple(entry_from_content(r.content, lots[r.lot_id]) for r in rows))
    rec = rules.session_reconciliation(ledger, str(session.public_id))
    held = {
        b.lot: b.mg
        for b in Balance.objects.filter(account=session.ledger_account, mg__gt=0).select_related(
            "lot__product"
        )
    }
    order = (
        DoseOrder.objects.filter(session=session, superseded_by__isnull=True)
        .order_by("-ordered_at", "-id")
        .first()
    )
    closed = session.state in CLOSED_STATES
    return SessionDrug(session, order, rows, rec, reconciliation_status(rec, closed), held)


def require_inventory(user: User, action: Action, site: Site) -> None:
    """PermissionDenied unless the user may do `action` at `site` (views' guard)."""
    if not allowed(user, action, site):
        raise PermissionDenied(f"{action.value} is not permitted here")
