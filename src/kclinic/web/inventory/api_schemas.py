"""Request and response shapes of /api/v1/inventory. Quantities travel as decimal strings
("2.5"), never binary floats; ids are public UUIDs."""

import datetime as dt
import uuid
from decimal import Decimal

from ninja import Field, Schema

from kclinic.domain.ledger_reports import Table
from kclinic.web.inventory.models import Discrepancy, LedgerEntry, StockCount

Quantity = str | int  # read by the services, whose errors name the field


class Keyed(Schema):
    idempotency_key: str = Field(
        ..., description="Chosen by the client; a retry with the same key is applied once."
    )


class EntryOut(Schema):
    id: uuid.UUID
    site: str
    seq: int
    kind: str
    at: dt.datetime
    lot_id: uuid.UUID
    lot_number: str
    ndc: str
    source: str
    destination: str
    quantity_mg: Decimal
    quantity_units: Decimal
    actor: str
    witness: str | None
    reference: str
    reason: str
    idempotency_key: str
    hash: str
    prev_hash: str


def entry_out(row: LedgerEntry) -> dict[str, object]:
    return {
        "id": row.public_id,
        "site": row.site.code,
        "seq": row.seq,
        "kind": row.kind,
        "at": row.at,
        "lot_id": row.lot.public_id,
        "lot_number": row.lot.lot_number,
        "ndc": row.lot.product.ndc,
        "source": row.source,
        "destination": row.destination,
        "quantity_mg": row.quantity_mg,
        "quantity_units": row.quantity_units,
        "actor": row.actor.username,
        "witness": row.witness.username if row.witness else None,
        "reference": row.reference,
        "reason": row.reason,
        "idempotency_key": row.idempotency_key,
        "hash": row.hash,
        "prev_hash": row.prev_hash,
    }


class LotStockOut(Schema):
    lot_id: uuid.UUID
    product: str
    ndc: str
    lot_number: str
    expiry_date: dt.date
    expiry_status: str
    units: Decimal
    mg: Decimal


class LocationOut(Schema):
    id: uuid.UUID
    site: str
    name: str
    account: str
    lots: list[LotStockOut]


class ProductIn(Schema):
    """A product not received before (omit when `product_id` names a known one)."""

    form: str = Field(..., description="vial or nasal_device")
    ndc: str
    concentration_mg_per_ml: Quantity | None = None
    volume_ml: Quantity | None = None


class ReceiveIn(Keyed):
    location_id: uuid.UUID
    product_id: uuid.UUID | None = None
    product: ProductIn | None = None
    lot_number: str
    expiry_date: str
    units: Quantity
    supplier: str
    invoice: str


class TransferIn(Keyed):
    source_id: uuid.UUID
    destination_id: uuid.UUID
    lot_id: uuid.UUID
    units: Quantity


class SessionDrugIn(Keyed):
    lot_id: uuid.UUID
    quantity_mg: Quantity


class DispenseIn(SessionDrugIn):
    dose_order_id: uuid.UUID | None = None
    location_id: uuid.UUID | None = None


class ReturnIn(SessionDrugIn):
    location_id: uuid.UUID | None = None


class WasteIn(SessionDrugIn):
    witness_username: str
    witness_password: str


class DestroyIn(Keyed):
    location_id: uuid.UUID
    lot_id: uuid.UUID
    units: Quantity
    method: str
    reverse_distributor: str = ""
    form_number: str = ""
    witness_username: str
    witness_password: str


class LossIn(Keyed):
    location_id: uuid.UUID
    lot_id: uuid.UUID
    units: Quantity
    circumstances: str
    discovered_at: dt.datetime
    form_number: str = ""


class ReverseIn(Keyed):
    reason: str


class ReconciliationOut(Schema):
    session_id: uuid.UUID
    state: str
    status: str
    dispensed_mg: Decimal
    administered_mg: Decimal
    wasted_mg: Decimal
    returned_mg: Decimal
    unaccounted_mg: Decimal
    entries: list[EntryOut]


class CountIn(Keyed):
    location_id: uuid.UUID
    counted: dict[uuid.UUID, Quantity] = Field(..., description="units counted per lot id")
    purpose: str = "shift"
    business_time: str = ""


class CountLineOut(Schema):
    lot_id: uuid.UUID
    lot_number: str
    expected_mg: Decimal
    expected_units: Decimal
    counted_mg: Decimal
    counted_units: Decimal
    variance_mg: Decimal


class CountOut(Schema):
    id: uuid.UUID
    location: str
    purpose: str
    business_time: str
    counted_at: dt.datetime
    counted_by: str
    lines: list[CountLineOut]
    discrepancy_id: uuid.UUID | None


def count_out(count: StockCount) -> dict[str, object]:
    found = Discrepancy.objects.filter(count=count).first()
    return {
        "id": count.public_id,
        "location": count.location.account,
        "purpose": count.purpose,
        "business_time": count.business_time,
        "counted_at": count.counted_at,
        "counted_by": count.counted_by.username,
        "lines": [
            {
                "lot_id": line.lot.public_id,
                "lot_number": line.lot.lot_number,
                "expected_mg": line.expected_mg,
                "expected_units": line.expected_units,
                "counted_mg": line.counted_mg,
                "counted_units": line.counted_units,
                "variance_mg": line.variance_mg,
            }
            for line in count.lines.select_related("lot").order_by("id")
        ],
        "discrepancy_id": found.public_id if found else None,
    }


class DiscrepancyOut(Schema):
    id: uuid.UUID
    status: str
    location: str
    count_id: uuid.UUID
    opened_at: dt.datetime
    resolved_at: dt.datetime | None
    resolved_by: str | None
    second_signer: str | None
    reason: str
    adjustments: list[EntryOut]


class ResolveIn(Keyed):
    reason: str
    second_signer_username: str
    second_signer_password: str
    adjust: bool = True


class TableOut(Schema):
    title: str
    facts: list[tuple[str, str]]
    columns: list[str]
    rows: list[list[str]]
    notes: list[str]
    source: dict[str, str]


def table_out(table: Table) -> dict[str, object]:
    return {
        "title": table.title,
        "facts": [list(f) for f in table.facts],
        "columns": list(table.columns),
        "rows": [list(r) for r in table.rows],
        "notes": list(table.notes),
        "source": table.source.as_dict(),
    }


class ChainOut(Schema):
    site: str
    entries: int
    head_hash: str


class VerifyOut(Schema):
    ok: bool
    chains: list[ChainOut]
    broken_site: str | None
    broken_seq: int | None
    reason: str | None
