"""Permission-matrix rows for the inventory pages and API.

`endpoints()` feeds the shared matrix (tests/web/permission_matrix.py): rows whose URL does
not name another site's object, so staff of another site are answered like everyone of their
role (their own sites' stock, or a form whose choices do not include site A's safe). Patient
rows give 404 to another site's staff there.

`site_endpoints()` are the rows that name an object of site A (a safe, a count, an entry, a
lot) in the URL or the JSON body; tests/web/test_inventory_matrix.py runs them: permitted
roles of site A succeed, other roles get 403, staff of another site 403 or 404.

Builders give every permitted role data it may use: e.g. the waste witness is a third
licensed user, so neither the prescriber nor the nurse acting is refused as their own witness.
"""

from __future__ import annotations

from typing import Any

from kclinic.web.accounts.policy import Action
from tests.web.matrix_types import Endpoint

A = Action
PASSWORD_KEY = "correct horse battery staple"


def _stock(clinic: Any) -> tuple[Any, Any]:
    from kclinic.web.inventory.models import Lot, StorageLocation
    from tests.web.inventory_support import stocked_safe

    existing = StorageLocation.objects.filter(site=clinic.site_a, name="safe").first()
    if existing is not None and Lot.objects.exists():
        return existing, Lot.objects.get(lot_number="K2026A")
    return stocked_safe(clinic)


def _session(clinic: Any) -> Any:
    from kclinic.web.infusions.models import InfusionSession
    from tests.web.inventory_support import a_session

    _stock(clinic)
    found = InfusionSession.objects.filter(patient=clinic.patient).first()
    return found or a_session(clinic)


def _drawn_session(clinic: Any) -> dict[str, object]:
    """A session with 500 mg drawn, and a third licensed user to witness waste."""
    from kclinic.web.audit.services import Actor
    from kclinic.web.inventory.services_movements import dispense_to_session
    from tests.web.factories import UserFactory

    session = _session(clinic)
    _, lot = _stock(clinic)
    dispense_to_session(Actor(clinic.nurse), session, lot, "500", idempotency_key="m-draw")
    UserFactory(username="witness_wu", role="nurse", sites=[clinic.site_a])
    return {"session_id": session.public_id}


def _lot_id(clinic: Any) -> str:
    return str(_stock(clinic)[1].public_id)


def _location_id(clinic: Any) -> str:
    return str(_stock(clinic)[0].public_id)


def _session_kwargs(clinic: Any) -> dict[str, object]:
    return {"session_id": _session(clinic).public_id}


def _entry(clinic: Any) -> dict[str, object]:
    from kclinic.web.inventory.models import LedgerEntry

    _stock(clinic)
    return {"entry_id": LedgerEntry.objects.get(kind="receipt").public_id}


def _count(clinic: Any, *, off: bool = False) -> Any:
    from kclinic.web.audit.services import Actor
    from kclinic.web.inventory.services_counts import record_count

    location, lot = _stock(clinic)
    counted = "9" if off else "10"
    return record_count(Actor(clinic.nurse), location, {lot: counted}, idempotency_key="m-count")


def _drug(kind: str, mg: str, **extra: str) -> Any:
    def data(clinic: Any) -> dict[str, object]:
        return {
            f"{kind}-idempotency_key": f"m-{kind}",
            f"{kind}-lot": _lot_id(clinic),
            f"{kind}-quantity_mg": mg,
            "kind": kind,
            **{f"{kind}-{k}": v for k, v in extra.items()},
        }

    return data


def _api_drug(mg: str, **extra: str) -> Any:
    return lambda c: {"idempotency_key": "m-api", "lot_id": _lot_id(c), "quantity_mg": mg, **extra}


def endpoints() -> list[Endpoint]:
    page = {"patient": False}
    return [
        # clinic-wide pages
        Endpoint("inventory:safe", "GET", A.VIEW_INVENTORY, **page),
        Endpoint("inventory:counts", "GET", A.VIEW_INVENTORY, **page),
        Endpoint("inventory:discrepancies", "GET", A.VIEW_INVENTORY, **page),
        Endpoint("inventory:receive", "GET", A.RECEIVE_STOCK, **page),
        Endpoint(
            "inventory:receive",
            "POST",
            A.RECEIVE_STOCK,
            **page,
            data=lambda c: {
                "idempotency_key": "m-receive",
                "location": _location_id(c),
                "product": "new-device",
                "ndc": "50458-028",
                "lot_number": "E-1",
                "expiry_date": "2031-01-31",
                "units": "6",
                "supplier": "Acme",
                "invoice": "INV-M",
            },
        ),
        Endpoint("inventory:transfer", "GET", A.TRANSFER_STOCK, **page),
        Endpoint(
            "inventory:transfer",
            "POST",
            A.TRANSFER_STOCK,
            **page,
            data=lambda c: {
                "idempotency_key": "m-transfer",
                "source": _location_id(c),
                "destination": _second_safe(c),
                "lot": _lot_id(c),
                "units": "1",
            },
        ),
        Endpoint("inventory:destroy", "GET", A.DESTROY_STOCK, **page),
        Endpoint(
            "inventory:destroy",
            "POST",
            A.DESTROY_STOCK,
            **page,
            data=lambda c: {
                "idempotency_key": "m-destroy",
                "location": _location_id(c),
                "lot": _lot_id(c),
                "units": "1",
                "method": "chemical digestion",
                "witness_username": "nurse_kim",
                "witness_password": PASSWORD_KEY,
            },
        ),
        Endpoint("inventory:loss", "GET", A.DESTROY_STOCK, **page),
        Endpoint(
            "inventory:loss",
            "POST",
            A.DESTROY_STOCK,
            **page,
            data=lambda c: {
                "idempotency_key": "m-loss",
                "location": _location_id(c),
                "lot": _lot_id(c),
                "units": "1",
                "circumstances": "vial missing",
                "discovered_at": "2026-01-05T08:00",
            },
        ),
        Endpoint("inventory:reports", "GET", A.INVENTORY_REPORTS, **page),
        Endpoint("inventory:verify", "GET", A.INVENTORY_REPORTS, **page),
        Endpoint("inventory:form41", "GET", A.INVENTORY_REPORTS, **page),
        Endpoint("inventory:form106", "GET", A.INVENTORY_REPORTS, **page),
        Endpoint("inventory:ledger", "GET", A.INVENTORY_REPORTS, **page),
        # patient pages
        Endpoint("inventory:session_drug", "GET", A.VIEW_INVENTORY, kwargs=_session_kwargs),
        Endpoint(
            "inventory:session_drug",
            "POST",
            A.DISPENSE_STOCK,
            kwargs=_session_kwargs,
            data=_drug("dispense", "500"),
        ),
        Endpoint(
            "inventory:session_drug",
            "POST",
            A.DISPENSE_STOCK,
            kwargs=_drawn_session,
            data=_drug("waste", "10", witness_username="witness_wu", witness_password=PASSWORD_KEY),
        ),
        Endpoint("inventory:patient_log", "GET", A.VIEW_INVENTORY),
        # API reads without another site's object
        Endpoint("api:inventory_locations", "GET", A.VIEW_INVENTORY, **page),
        Endpoint("api:inventory_entries", "GET", A.VIEW_INVENTORY, **page),
        Endpoint("api:inventory_discrepancies", "GET", A.VIEW_INVENTORY, **page),
        # patient API
        Endpoint("api:inventory_session_drug", "GET", A.VIEW_INVENTORY, kwargs=_session_kwargs),
        Endpoint("api:inventory_dispensing_log", "GET", A.VIEW_INVENTORY),
        Endpoint(
            "api:inventory_dispense",
            "POST",
            A.DISPENSE_STOCK,
            kwargs=_session_kwargs,
            data=_api_drug("500"),
        ),
        Endpoint(
            "api:inventory_administer",
            "POST",
            A.DISPENSE_STOCK,
            kwargs=_drawn_session,
            data=_api_drug("40"),
        ),
        Endpoint(
            "api:inventory_return",
            "POST",
            A.DISPENSE_STOCK,
            kwargs=_drawn_session,
            data=_api_drug("100"),
        ),
        Endpoint(
            "api:inventory_waste",
            "POST",
            A.DISPENSE_STOCK,
            kwargs=_drawn_session,
            data=_api_drug("60", witness_username="witness_wu", witness_password=PASSWORD_KEY),
        ),
    ]


def _second_safe(clinic: Any) -> str:
    from kclinic.web.inventory.models import StorageLocation

    place, _ = StorageLocation.objects.get_or_create(site=clinic.site_a, name="cart")
    return str(place.public_id)


def site_endpoints() -> list[Endpoint]:
    page = {"patient": False}
    entry = {"kwargs": _entry, **page}
    return [
        Endpoint("inventory:entry", "GET", A.VIEW_INVENTORY, **entry),
        Endpoint("inventory:reverse", "GET", A.VIEW_INVENTORY, **entry),
        Endpoint(
            "inventory:reverse",
            "POST",
            A.RECEIVE_STOCK,
            **entry,
            data=lambda c: {"idempotency_key": "m-rev", "reason": "wrong invoice"},
        ),
        Endpoint(
            "inventory:count",
            "GET",
            A.COUNT_STOCK,
            **page,
            kwargs=lambda c: {"location_id": _location_id(c)},
        ),
        Endpoint(
            "inventory:count",
            "POST",
            A.COUNT_STOCK,
            **page,
            kwargs=lambda c: {"location_id": _location_id(c)},
            data=lambda c: {
                "idempotency_key": "m-c",
                "purpose": "shift",
                f"lot_{_lot_id(c)}": "10",
            },
        ),
        Endpoint(
            "inventory:count_detail",
            "GET",
            A.VIEW_INVENTORY,
            **page,
            kwargs=lambda c: {"count_id": _count(c).public_id},
        ),
        Endpoint(
            "inventory:discrepancy",
            "GET",
            A.VIEW_INVENTORY,
            **page,
            kwargs=lambda c: {"discrepancy_id": _count(c, off=True).discrepancy.public_id},
        ),
        Endpoint(
            "inventory:discrepancy",
            "POST",
            A.RESOLVE_DISCREPANCY,
            **page,
            kwargs=lambda c: {"discrepancy_id": _count(c, off=True).discrepancy.public_id},
            data=lambda c: {
                "idempotency_key": "m-res",
                "reason": "broken vial",
                "adjust": "on",
                "second_signer_username": "nurse_kim",
                "second_signer_password": PASSWORD_KEY,
            },
        ),
        Endpoint(
            "inventory:perpetual",
            "GET",
            A.INVENTORY_REPORTS,
            **page,
            kwargs=lambda c: {"lot_id": _lot_id(c)},
        ),
        Endpoint(
            "inventory:inventory",
            "GET",
            A.INVENTORY_REPORTS,
            **page,
            kwargs=lambda c: {"count_id": _count(c).public_id},
        ),
        # API
        Endpoint("api:inventory_entry", "GET", A.VIEW_INVENTORY, **entry),
        Endpoint(
            "api:inventory_reverse",
            "POST",
            A.RECEIVE_STOCK,
            **entry,
            data=lambda c: {"idempotency_key": "m-rev", "reason": "wrong invoice"},
        ),
        Endpoint(
            "api:inventory_receive",
            "POST",
            A.RECEIVE_STOCK,
            **page,
            data=lambda c: {
                "idempotency_key": "m-api-r",
                "location_id": _location_id(c),
                "product": {
                    "form": "vial",
                    "ndc": "0409-2053",
                    "concentration_mg_per_ml": "10",
                    "volume_ml": "20",
                },
                "lot_number": "V-2",
                "expiry_date": "2031-02-28",
                "units": 5,
                "supplier": "Acme",
                "invoice": "INV-A",
            },
        ),
        Endpoint(
            "api:inventory_transfer",
            "POST",
            A.TRANSFER_STOCK,
            **page,
            data=lambda c: {
                "idempotency_key": "m-api-t",
                "source_id": _location_id(c),
                "destination_id": _second_safe(c),
                "lot_id": _lot_id(c),
                "units": "1",
            },
        ),
        Endpoint(
            "api:inventory_destroy",
            "POST",
            A.DESTROY_STOCK,
            **page,
            data=lambda c: {
                "idempotency_key": "m-api-d",
                "location_id": _location_id(c),
                "lot_id": _lot_id(c),
                "units": "1",
                "method": "incineration",
                "witness_username": "nurse_kim",
                "witness_password": PASSWORD_KEY,
            },
        ),
        Endpoint(
            "api:inventory_report_loss",
            "POST",
            A.DESTROY_STOCK,
            **page,
            data=lambda c: {
                "idempotency_key": "m-api-l",
                "location_id": _location_id(c),
                "lot_id": _lot_id(c),
                "units": "0.5",
                "circumstances": "spilled",
                "discovered_at": "2026-01-05T08:00:00+00:00",
            },
        ),
        Endpoint(
            "api:inventory_record_count",
            "POST",
            A.COUNT_STOCK,
            **page,
            data=lambda c: {
                "idempotency_key": "m-api-c",
                "location_id": _location_id(c),
                "counted": {_lot_id(c): "10"},
            },
        ),
        Endpoint(
            "api:inventory_count",
            "GET",
            A.VIEW_INVENTORY,
            **page,
            kwargs=lambda c: {"count_id": _count(c).public_id},
        ),
        Endpoint(
            "api:inventory_resolve_discrepancy",
            "POST",
            A.RESOLVE_DISCREPANCY,
            **page,
            kwargs=lambda c: {"discrepancy_id": _count(c, off=True).discrepancy.public_id},
            data=lambda c: {
                "idempotency_key": "m-api-res",
                "reason": "broken vial",
                "second_signer_username": "nurse_kim",
                "second_signer_password": PASSWORD_KEY,
            },
        ),
        Endpoint(
            "api:inventory_perpetual_report",
            "GET",
            A.INVENTORY_REPORTS,
            **page,
            kwargs=lambda c: {"lot_id": _lot_id(c)},
        ),
        Endpoint(
            "api:inventory_inventory_report",
            "GET",
            A.INVENTORY_REPORTS,
            **page,
            kwargs=lambda c: {"count_id": _count(c).public_id},
        ),
        # Site-neutral, but not for every role that reads the API (the shared audit test
        # opens every API read as a prescriber): here instead.
        Endpoint("api:inventory_form41_report", "GET", A.INVENTORY_REPORTS, **page),
        Endpoint("api:inventory_form106_report", "GET", A.INVENTORY_REPORTS, **page),
        Endpoint("api:inventory_ledger_report", "GET", A.INVENTORY_REPORTS, **page),
        Endpoint("api:inventory_verify", "GET", A.INVENTORY_REPORTS, **page),
    ]
