"""/api/v1/inventory counts and discrepancies (registered on the router of api.py)."""

import uuid

from ninja import Status

from kclinic.web.audit.services import Actor
from kclinic.web.common.views import AuthedRequest
from kclinic.web.inventory.api import audit_read, router
from kclinic.web.inventory.api_schemas import (
    CountIn,
    CountOut,
    DiscrepancyOut,
    ResolveIn,
    count_out,
    entry_out,
)
from kclinic.web.inventory.models import Discrepancy
from kclinic.web.inventory.selectors_stock import (
    adjustments_of,
    count_of,
    discrepancies_for,
    discrepancy_of,
    location_of,
)
from kclinic.web.inventory.services_counts import record_count, resolve_discrepancy

Out = Status[dict[str, object]]


def _discrepancy(found: Discrepancy) -> dict[str, object]:
    return {
        "id": found.public_id,
        "status": found.status,
        "location": found.count.location.account,
        "count_id": found.count.public_id,
        "opened_at": found.opened_at,
        "resolved_at": found.resolved_at,
        "resolved_by": found.resolved_by.username if found.resolved_by else None,
        "second_signer": found.second_signer.username if found.second_signer else None,
        "reason": found.reason,
        "adjustments": [entry_out(row) for row in adjustments_of(found)],
    }


@router.post("/counts", response={200: CountOut, 201: CountOut})
def inventory_record_count(request: AuthedRequest, payload: CountIn) -> Out:
    """Units counted per lot at a location; any variance opens a discrepancy."""
    place = location_of(request.user, payload.location_id)
    count = record_count(
        Actor.from_request(request),
        place,
        dict(payload.counted),
        idempotency_key=payload.idempotency_key,
        purpose=payload.purpose,
        business_time=payload.business_time,
    )
    return Status(200 if count.replayed else 201, count_out(count))


@router.get("/counts/{count_id}", response=CountOut)
def inventory_count(request: AuthedRequest, count_id: uuid.UUID) -> object:
    count = count_of(request.user, count_id)
    audit_read(request, f"inventory_count:{count_id}")
    return count_out(count)


@router.get("/discrepancies", response=list[DiscrepancyOut])
def inventory_discrepancies(request: AuthedRequest, status: str = "open") -> object:
    """The discrepancy queue: open (default), resolved or all."""
    found = discrepancies_for(request.user, None if status == "all" else status)
    audit_read(request, "inventory_discrepancies")
    return [_discrepancy(item) for item in found[:500]]


@router.post("/discrepancies/{discrepancy_id}/resolve", response={200: DiscrepancyOut})
def inventory_resolve_discrepancy(
    request: AuthedRequest, discrepancy_id: uuid.UUID, payload: ResolveIn
) -> object:
    """Compliance officer with a second licensed signer (their own username and password)."""
    found = discrepancy_of(request.user, discrepancy_id)
    done = resolve_discrepancy(
        Actor.from_request(request),
        found,
        payload.reason,
        payload.second_signer_username,
        payload.second_signer_password,
        idempotency_key=payload.idempotency_key,
        adjust=payload.adjust,
        request=request,
    )
    return _discrepancy(done)
