"""/api/v1/inventory: the ledger's operations for integrations, with the same services,
permissions and audit as the pages.

Every write takes an `idempotency_key`: the first request answers 201 with the entry, a retry
with the same key and the same movement answers 200 with that same entry and posts nothing;
the same key for a different movement is refused (422). Reads write an audit row.
Counts, discrepancies and reports are in api_counts.py and api_reports.py (same router).

No `from __future__ import annotations`: ninja resolves the annotations at run time.
"""

import uuid
from collections.abc import Callable

from django.utils import timezone
from ninja import Router, Status

from kclinic.web.accounts.policy import Action
from kclinic.web.audit.services import Actor, record
from kclinic.web.common.views import AuthedRequest
from kclinic.web.infusions.models import InfusionSession
from kclinic.web.infusions.selectors import session_of
from kclinic.web.inventory.api_schemas import (
    DestroyIn,
    DispenseIn,
    EntryOut,
    LocationOut,
    LossIn,
    ReceiveIn,
    ReconciliationOut,
    ReturnIn,
    ReverseIn,
    SessionDrugIn,
    TransferIn,
    WasteIn,
    entry_out,
)
from kclinic.web.inventory.models import LedgerEntry
from kclinic.web.inventory.selectors_stock import (
    entries_for,
    entry_of,
    locations_for,
    require_inventory,
    session_drug,
    stock_lines,
)
from kclinic.web.inventory.services_movements import (
    administer,
    destroy,
    dispense_to_session,
    receive,
    report_loss,
    return_unused,
    reverse,
    transfer,
    waste,
)
from kclinic.web.inventory.services_support import location_row, new_product

router = Router(tags=["inventory"])
Written = Status[dict[str, object]]
SESSION = "/patients/{patient_id}/sessions/{session_id}"


def written(row: LedgerEntry) -> Written:
    """201 for a new entry, 200 for the entry an earlier request with the key posted."""
    return Status(200 if row.replayed else 201, entry_out(row))


def audit_read(request: AuthedRequest, what: str, patient_id: uuid.UUID | None = None) -> None:
    record(
        Actor.from_request(request),
        "view",
        patient_public_id=patient_id,
        object_type="api",
        object_id=what,
    )


@router.get("/locations", response=list[LocationOut])
def inventory_locations(request: AuthedRequest) -> object:
    """Storage locations of the user's sites with the stock of each lot and its expiry status
    (expired, soon: within 90 days, ok)."""
    places = locations_for(request.user)
    lines = stock_lines(places, timezone.localdate())
    audit_read(request, "inventory_locations")
    return [
        {
            "id": place.public_id,
            "site": place.site.code,
            "name": place.name,
            "account": place.account,
            "lots": [
                {
                    "lot_id": line.lot.public_id,
                    "product": line.lot.product.name,
                    "ndc": line.lot.product.ndc,
                    "lot_number": line.lot.lot_number,
                    "expiry_date": line.lot.expiry_date,
                    "expiry_status": line.status,
                    "units": line.units,
                    "mg": line.mg,
                }
                for line in lines
                if line.location.pk == place.pk
            ],
        }
        for place in places
    ]


@router.get("/entries", response=list[EntryOut])
def inventory_entries(request: AuthedRequest, limit: int = 100) -> object:
    """The latest entries of the user's sites, newest first (at most 500)."""
    rows = entries_for(request.user)[: max(1, min(limit, 500))]
    audit_read(request, "inventory_entries")
    return [entry_out(row) for row in rows]


@router.get("/entries/{entry_id}", response=EntryOut)
def inventory_entry(request: AuthedRequest, entry_id: uuid.UUID) -> object:
    row = entry_of(request.user, entry_id)
    audit_read(request, f"inventory_entry:{entry_id}")
    return entry_out(row)


@router.post("/entries/{entry_id}/reverse", response={200: EntryOut, 201: EntryOut})
def inventory_reverse(request: AuthedRequest, entry_id: uuid.UUID, payload: ReverseIn) -> Written:
    original = entry_of(request.user, entry_id)
    row = reverse(
        Actor.from_request(request),
        original,
        payload.reason,
        idempotency_key=payload.idempotency_key,
    )
    return written(row)


@router.post("/receipts", response={200: EntryOut, 201: EntryOut})
def inventory_receive(request: AuthedRequest, payload: ReceiveIn) -> Written:
    place = location_row(payload.location_id)
    product: object = payload.product_id
    if payload.product is not None:
        spec = payload.product
        product = new_product(spec.form, spec.ndc, spec.concentration_mg_per_ml, spec.volume_ml)
    row = receive(
        Actor.from_request(request),
        place,
        product,  # type: ignore[arg-type]
        payload.lot_number,
        payload.expiry_date,
        payload.units,
        payload.supplier,
        payload.invoice,
        idempotency_key=payload.idempotency_key,
    )
    return written(row)


@router.post("/transfers", response={200: EntryOut, 201: EntryOut})
def inventory_transfer(request: AuthedRequest, payload: TransferIn) -> Written:
    row = transfer(
        Actor.from_request(request),
        payload.source_id,
        payload.destination_id,
        payload.lot_id,
        payload.units,
        idempotency_key=payload.idempotency_key,
    )
    return written(row)


@router.post("/destructions", response={200: EntryOut, 201: EntryOut})
def inventory_destroy(request: AuthedRequest, payload: DestroyIn) -> Written:
    """Destruction with a witness (DEA Form 41 data)."""
    row = destroy(
        Actor.from_request(request),
        payload.witness_username,
        payload.witness_password,
        payload.location_id,
        payload.lot_id,
        payload.units,
        payload.method,
        reverse_distributor=payload.reverse_distributor,
        form_number=payload.form_number,
        idempotency_key=payload.idempotency_key,
        request=request,
    )
    return written(row)


@router.post("/losses", response={200: EntryOut, 201: EntryOut})
def inventory_report_loss(request: AuthedRequest, payload: LossIn) -> Written:
    """Theft or loss (DEA Form 106 data; notice due one business day after discovery)."""
    row = report_loss(
        Actor.from_request(request),
        payload.location_id,
        payload.lot_id,
        payload.units,
        payload.circumstances,
        payload.discovered_at,
        form_number=payload.form_number,
        idempotency_key=payload.idempotency_key,
    )
    return written(row)


def _session(
    request: AuthedRequest, patient_id: uuid.UUID, session_id: uuid.UUID
) -> InfusionSession:
    session = session_of(request.user, session_id, patient_id)
    require_inventory(request.user, Action.VIEW_INVENTORY, session.site)
    return session


@router.get(SESSION + "/drug", response=ReconciliationOut)
def inventory_session_drug(
    request: AuthedRequest, patient_id: uuid.UUID, session_id: uuid.UUID
) -> object:
    """The session's draw: dispensed = administered + wasted + returned (+ unaccounted)."""
    session = _session(request, patient_id, session_id)
    drug = session_drug(session)
    audit_read(request, "inventory_session_drug", patient_id)
    rec = drug.reconciliation
    return {
        "session_id": session.public_id,
        "state": session.state,
        "status": drug.status,
        "dispensed_mg": rec.dispensed_mg,
        "administered_mg": rec.administered_mg,
        "wasted_mg": rec.wasted_mg,
        "returned_mg": rec.returned_mg,
        "unaccounted_mg": rec.shortfall_mg,
        "entries": [entry_out(row) for row in drug.entries],
    }


def _draw_movement(
    request: AuthedRequest,
    patient_id: uuid.UUID,
    session_id: uuid.UUID,
    service: Callable[..., LedgerEntry],
    payload: SessionDrugIn,
    **options: object,
) -> Written:
    """Dispense, administer or return `payload.quantity_mg` of the lot for the session."""
    session = _session(request, patient_id, session_id)
    row = service(
        Actor.from_request(request),
        session,
        payload.lot_id,
        payload.quantity_mg,
        idempotency_key=payload.idempotency_key,
        **options,
    )
    return written(row)


@router.post(SESSION + "/dispense", response={200: EntryOut, 201: EntryOut})
def inventory_dispense(
    request: AuthedRequest, patient_id: uuid.UUID, session_id: uuid.UUID, payload: DispenseIn
) -> Written:
    return _draw_movement(
        request,
        patient_id,
        session_id,
        dispense_to_session,
        payload,
        dose_order=payload.dose_order_id,
        location=payload.location_id,
    )


@router.post(SESSION + "/administer", response={200: EntryOut, 201: EntryOut})
def inventory_administer(
    request: AuthedRequest, patient_id: uuid.UUID, session_id: uuid.UUID, payload: SessionDrugIn
) -> Written:
    return _draw_movement(request, patient_id, session_id, administer, payload)


@router.post(SESSION + "/return", response={200: EntryOut, 201: EntryOut})
def inventory_return(
    request: AuthedRequest, patient_id: uuid.UUID, session_id: uuid.UUID, payload: ReturnIn
) -> Written:
    return _draw_movement(
        request, patient_id, session_id, return_unused, payload, location=payload.location_id
    )


@router.post(SESSION + "/waste", response={200: EntryOut, 201: EntryOut})
def inventory_waste(
    request: AuthedRequest, patient_id: uuid.UUID, session_id: uuid.UUID, payload: WasteIn
) -> Written:
    """Waste witnessed by a second licensed user, who gives their own username and password."""
    session = _session(request, patient_id, session_id)
    row = waste(
        Actor.from_request(request),
        payload.witness_username,
        payload.witness_password,
        session,
        payload.lot_id,
        payload.quantity_mg,
        idempotency_key=payload.idempotency_key,
        request=request,
    )
    return written(row)


# The other operations of this router (imported for their registration).
from kclinic.web.inventory import api_counts, api_reports  # noqa: E402, F401
