"""URL classification rows for the inventory pages and API (merged by url_catalogue.py)."""

from __future__ import annotations

from typing import Any

from tests.web.catalogue_types import Kwargs


def _session(clinic: Any) -> dict[str, object]:
    from tests.web.inventory_support import a_session

    return {"session_id": a_session(clinic).public_id}


PATIENT: dict[str, Kwargs] = {
    "inventory:session_drug": _session,
    "inventory:patient_log": lambda clinic: {},
}
PATIENT_DATA_LIST: set[str] = set()
# Clinic-wide ledger pages: stock, counts, entries and reports name lots, safes, staff and
# session accounts (a session id), never a patient.
NO_PATIENT_DATA: set[str] = {
    "inventory:safe",
    "inventory:receive",
    "inventory:transfer",
    "inventory:entry",
    "inventory:reverse",
    "inventory:verify",
    "inventory:counts",
    "inventory:count_detail",
    "inventory:count",
    "inventory:discrepancies",
    "inventory:discrepancy",
    "inventory:destroy",
    "inventory:loss",
    "inventory:reports",
    "inventory:perpetual",
    "inventory:inventory",
    "inventory:form41",
    "inventory:form106",
    "inventory:ledger",
}
API_PATIENT: set[str] = {
    "api:inventory_session_drug",
    "api:inventory_dispense",
    "api:inventory_administer",
    "api:inventory_return",
    "api:inventory_waste",
    "api:inventory_dispensing_log",
}
API_PATIENT_DATA_LIST: set[str] = set()
API_NO_PATIENT_DATA: set[str] = {
    "api:inventory_locations",
    "api:inventory_entries",
    "api:inventory_entry",
    "api:inventory_reverse",
    "api:inventory_receive",
    "api:inventory_transfer",
    "api:inventory_destroy",
    "api:inventory_report_loss",
    "api:inventory_record_count",
    "api:inventory_count",
    "api:inventory_discrepancies",
    "api:inventory_resolve_discrepancy",
    "api:inventory_perpetual_report",
    "api:inventory_inventory_report",
    "api:inventory_form41_report",
    "api:inventory_form106_report",
    "api:inventory_ledger_report",
    "api:inventory_verify",
}
