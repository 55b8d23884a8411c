"""Patient pages of the ledger: a session's drug panel (dispense, administer, return and
witnessed waste, with the session's reconciliation) and a patient's dispensing log. Both
show the patient banner and write the view audit row (patient_page)."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from kclinic.web.accounts.policy import Action, allowed
from kclinic.web.audit.services import Actor, record
from kclinic.web.common.views import AuthedRequest, patient_page
from kclinic.web.infusions.models import InfusionSession
from kclinic.web.infusions.selectors import session_of
from kclinic.web.inventory import forms
from kclinic.web.inventory.export import FORMATS, download
from kclinic.web.inventory.models import LedgerEntry, StorageLocation
from kclinic.web.inventory.selectors_reports import dispensing_log
from kclinic.web.inventory.selectors_stock import (
    require_inventory,
    session_drug,
    usable_lots,
)
from kclinic.web.inventory.services_movements import (
    administer,
    dispense_to_session,
    return_unused,
    waste,
)
from kclinic.web.inventory.views import submit

PAGE = "session_drug"


def _forms(
    session: InfusionSession, data: Any, posted: str | None
) -> dict[str, forms.SessionDrugForm]:
    site_locations = StorageLocation.objects.filter(site=session.site).select_related("site")
    drawable = forms.lot_choices(usable_lots(site_locations, timezone.localdate()))
    drug = session_drug(session)
    held = [
        (str(lot.public_id), f"{lot.product.name} · lot {lot.lot_number} · {mg} mg held")
        for lot, mg in drug.held_mg.items()
    ]
    built = {}
    for action in forms.SessionDrugForm.ACTIONS:
        form = forms.SessionDrugForm(
            data if action == posted else None,
            lots=drawable if action == "dispense" else held,
            prefix=action,
        )
        built[action] = form
    return built


def _session_link(patient_id: uuid.UUID, session_id: uuid.UUID) -> str:
    try:
        return reverse(
            "infusions:session", kwargs={"patient_id": patient_id, "session_id": session_id}
        )
    except NoReverseMatch:  # the chair-side session page is another part's; optional here
        return ""


@login_required
def session_drug_page(
    request: AuthedRequest, patient_id: uuid.UUID, session_id: uuid.UUID
) -> HttpResponse:
    patient, context = patient_page(request, patient_id, PAGE)
    session = session_of(request.user, session_id, patient_id)
    require_inventory(request.user, Action.VIEW_INVENTORY, session.site)
    posted = request.POST.get("kind") if request.method == "POST" else None
    built = _forms(session, request.POST if posted else None, posted)
    if posted in built:
        require_inventory(request.user, Action.DISPENSE_STOCK, session.site)
        form = built[posted]
        actor = Actor.from_request(request)

        def call(d: dict[str, Any]) -> object:
            key, lot, mg = d["idempotency_key"], d["lot"], d["quantity_mg"]
            if posted == "dispense":
                return dispense_to_session(actor, session, lot, mg, idempotency_key=key)
            if posted == "administer":
                return administer(actor, session, lot, mg, idempotency_key=key)
            if posted == "return":
                return return_unused(actor, session, lot, mg, idempotency_key=key)
            return waste(
                actor,
                d["witness_username"],
                d["witness_password"],
                session,
                lot,
                mg,
                idempotency_key=key,
                request=request,
            )

        if isinstance(submit(request, form, call), LedgerEntry):
            messages.success(request, f"{posted.capitalize()} recorded in the ledger.")
            return redirect("inventory:session_drug", patient.public_id, session.public_id)
    context.update(
        {
            "session": session,
            "drug": session_drug(session),
            "forms": built,
            "posted": posted,
            "can_dispense": allowed(request.user, Action.DISPENSE_STOCK, session.site),
            "session_link": _session_link(patient.public_id, session.public_id),
        }
    )
    return render(request, "inventory/session_drug.html", context)


@login_required
def patient_log(request: AuthedRequest, patient_id: uuid.UUID) -> HttpResponse:
    """The patient's dispensing log; `?format=csv|pdf` downloads it (compliance, auditors)."""
    patient, context = patient_page(request, patient_id, "drug_log")
    require_inventory(request.user, Action.VIEW_INVENTORY, patient.site)
    table = dispensing_log(patient)
    fmt = request.GET.get("format", "")
    if fmt in FORMATS:
        require_inventory(request.user, Action.INVENTORY_REPORTS, patient.site)
        record(
            Actor.from_request(request),
            "export",
            patient_public_id=patient.public_id,
            object_type="dispensing_log",
            object_id=patient.public_id,
            detail={"format": fmt, "rows": len(table.rows)},
        )
        return download(table, fmt, f"dispensing-log-{patient.mrn}")
    context.update(
        {
            "table": table,
            "can_export": allowed(request.user, Action.INVENTORY_REPORTS, patient.site),
        }
    )
    return render(request, "inventory/patient_log.html", context)
