"""/api/v1/inventory reports (registered on the router of api.py): JSON by default,
`?format=csv` for the same table as a file; and the chain verification."""

import datetime as dt
import uuid

from django.http import HttpResponse

from kclinic.domain.ledger_reports import Table
from kclinic.web.accounts.policy import Action, require
from kclinic.web.audit.services import Actor, record
from kclinic.web.common.views import AuthedRequest
from kclinic.web.inventory.api import audit_read, router
from kclinic.web.inventory.api_schemas import TableOut, VerifyOut, table_out
from kclinic.web.inventory.export import download
from kclinic.web.inventory.selectors import verify_ledger
from kclinic.web.inventory.selectors_reports import (
    PeriodReport,
    dispensing_log,
    form41_report,
    form106_report,
    inventory_report,
    ledger_report,
    perpetual_report,
)
from kclinic.web.inventory.selectors_stock import count_of, lot_of, require_inventory
from kclinic.web.patients.selectors import patient_for


def _answer(
    request: AuthedRequest,
    table: Table,
    name: str,
    fmt: str,
    patient_id: uuid.UUID | None = None,
) -> object:
    if fmt == "csv":
        record(
            Actor.from_request(request),
            "export" if patient_id else "inventory_report_export",
            patient_public_id=patient_id,
            object_type="report",
            object_id=name,
            detail={"format": "csv", "rows": len(table.rows), "via": "api"},
        )
        response: HttpResponse = download(table, "csv", name)
        return response
    audit_read(request, f"inventory_report:{name}", patient_id)
    return table_out(table)


@router.get("/reports/perpetual/{lot_id}", response=TableOut)
def inventory_perpetual_report(
    request: AuthedRequest, lot_id: uuid.UUID, format: str = "json"
) -> object:
    require(request.user, Action.INVENTORY_REPORTS)
    lot = lot_of(request.user, lot_id)
    return _answer(
        request, perpetual_report(request.user, lot), f"perpetual-{lot.lot_number}", format
    )


@router.get("/reports/inventories/{count_id}", response=TableOut)
def inventory_inventory_report(
    request: AuthedRequest, count_id: uuid.UUID, format: str = "json"
) -> object:
    """A count as a DEA inventory record (initial, biennial or any count)."""
    require(request.user, Action.INVENTORY_REPORTS)
    count = count_of(request.user, count_id)
    return _answer(request, inventory_report(count), f"inventory-{count.purpose}", format)


def _period_report(
    path: str, view_name: str, build: PeriodReport, name: str, doc: str = ""
) -> None:
    """Register GET `path`: the report `build` over an optional period (`start`, `end`)."""

    def view(
        request: AuthedRequest,
        start: dt.date | None = None,
        end: dt.date | None = None,
        format: str = "json",
    ) -> object:
        require(request.user, Action.INVENTORY_REPORTS)
        return _answer(request, build(request.user, start, end), name, format)

    # ninja takes the URL name, operation id and summary from the function's name.
    view.__name__ = view.__qualname__ = view_name
    view.__doc__ = doc or None
    router.get(path, response=TableOut)(view)


_period_report("/reports/form-41", "inventory_form41_report", form41_report, "dea-form-41")
_period_report("/reports/form-106", "inventory_form106_report", form106_report, "dea-form-106")
_period_report(
    "/reports/ledger",
    "inventory_ledger_report",
    ledger_report,
    "controlled-substance-ledger",
    "Every entry of the user's sites in the period, with its hash and previous hash.",
)


@router.get("/patients/{patient_id}/dispensing-log", response=TableOut)
def inventory_dispensing_log(
    request: AuthedRequest, patient_id: uuid.UUID, format: str = "json"
) -> object:
    """Every mg drawn for the patient's sessions and where it went (CSV: compliance, auditors)."""
    patient = patient_for(request.user, patient_id)
    require_inventory(request.user, Action.VIEW_INVENTORY, patient.site)
    if format == "csv":
        require_inventory(request.user, Action.INVENTORY_REPORTS, patient.site)
    table = dispensing_log(patient)
    return _answer(request, table, f"dispensing-log-{patient.mrn}", format, patient.public_id)


@router.get("/verify", response=VerifyOut)
def inventory_verify(request: AuthedRequest) -> object:
    """Recompute every site's hash chain; `ok` is false with the first broken entry."""
    require(request.user, Action.INVENTORY_REPORTS)
    chains, broken = verify_ledger()
    audit_read(request, "inventory_verify")
    return {
        "ok": broken is None,
        "chains": [c.__dict__ for c in chains],
        "broken_site": broken.site if broken else None,
        "broken_seq": broken.seq if broken else None,
        "reason": broken.reason if broken else None,
    }
