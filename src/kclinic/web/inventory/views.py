"""Ledger pages: the safe view, receiving and transferring stock, one entry with its hashes,
reversing an entry, and verifying the chain. Views parse, call one service or selector and
render; a refused movement shows the service's message on the field it names."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from kclinic.domain.errors import KclinicError
from kclinic.web.accounts.policy import Action, allowed, require
from kclinic.web.audit.services import Actor
from kclinic.web.common.views import AuthedRequest, attach_error
from kclinic.web.inventory import forms
from kclinic.web.inventory.models import LedgerEntry, Product, StorageLocation
from kclinic.web.inventory.selectors import verify_ledger
from kclinic.web.inventory.selectors_stock import (
    entries_for,
    entry_of,
    locations_for,
    reversal_of_entry,
    stock_lines,
)
from kclinic.web.inventory.services_movements import receive, reverse, transfer
from kclinic.web.inventory.services_support import new_product


def submit(
    request: AuthedRequest, form: Any, call: Callable[[dict[str, Any]], object]
) -> object | None:
    """Run `call` with the form's data when the form is valid; a refusal (ValidationError,
    LimitError) lands on the form and None is returned. PermissionDenied propagates (403)."""
    if not form.is_valid():
        return None
    try:
        return call(form.cleaned_data)
    except KclinicError as error:
        attach_error(form, error)
        return None


def role_flags(request: AuthedRequest) -> dict[str, bool]:
    user = request.user
    return {
        f"can_{action.value}": allowed(user, action)
        for action in (
            Action.RECEIVE_STOCK,
            Action.TRANSFER_STOCK,
            Action.COUNT_STOCK,
            Action.RESOLVE_DISCREPANCY,
            Action.DESTROY_STOCK,
            Action.INVENTORY_REPORTS,
        )
    }


@login_required
def safe(request: AuthedRequest) -> HttpResponse:
    """Balances per location and lot, expired lots red and those within 90 days amber."""
    today = timezone.localdate()
    locations = locations_for(request.user)
    context = {
        "locations": locations,
        "lines": stock_lines(locations, today),
        "recent": entries_for(request.user)[:25],
        "today": today,
        **role_flags(request),
    }
    return render(request, "inventory/safe.html", context)


@login_required
def receive_stock(request: AuthedRequest) -> HttpResponse:
    places = locations_for(request.user, Action.RECEIVE_STOCK)
    products = Product.objects.order_by("name")
    data = request.POST if request.method == "POST" else None
    form = forms.ReceiveForm(data, locations=places, products=products)
    if request.method == "POST":

        def call(d: dict[str, Any]) -> object:
            product: object = d["product"]
            if product in (form.NEW_VIAL, form.NEW_DEVICE):
                kind = "vial" if product == form.NEW_VIAL else "nasal_device"
                product = new_product(kind, d["ndc"], d["concentration_mg_per_ml"], d["volume_ml"])
            return receive(
                Actor.from_request(request),
                d["location"],
                product,  # type: ignore[arg-type]
                d["lot_number"],
                d["expiry_date"],
                d["units"],
                d["supplier"],
                d["invoice"],
                idempotency_key=d["idempotency_key"],
            )

        if isinstance(submit(request, form, call), LedgerEntry):
            messages.success(request, "Stock received and recorded in the ledger.")
            return redirect("inventory:safe")
    return render(request, "inventory/receive.html", {"form": form, **role_flags(request)})


@login_required
def transfer_stock(request: AuthedRequest) -> HttpResponse:
    user = request.user
    sources = locations_for(user, Action.TRANSFER_STOCK)
    clinics = {loc.site.clinic_id for loc in sources}
    destinations = StorageLocation.objects.filter(site__clinic_id__in=clinics).select_related(
        "site"
    )
    data = request.POST if request.method == "POST" else None
    lots = stock_lines(sources, timezone.localdate())
    form = forms.TransferForm(data, sources=sources, destinations=destinations, lots=lots)
    if request.method == "POST":
        done = submit(
            request,
            form,
            lambda d: transfer(
                Actor.from_request(request),
                d["source"],
                d["destination"],
                d["lot"],
                d["units"],
                idempotency_key=d["idempotency_key"],
            ),
        )
        if isinstance(done, LedgerEntry):
            messages.success(request, "Transfer recorded.")
            return redirect("inventory:safe")
    return render(request, "inventory/transfer.html", {"form": form, **role_flags(request)})


@login_required
def entry_detail(request: AuthedRequest, entry_id: uuid.UUID) -> HttpResponse:
    entry = entry_of(request.user, entry_id)
    context = {
        "entry": entry,
        "reversed_by": reversal_of_entry(entry),
        "original": LedgerEntry.objects.filter(idempotency_key=entry.reference).first()
        if entry.kind == "reversal"
        else None,
        **role_flags(request),
    }
    return render(request, "inventory/entry.html", context)


@login_required
def reverse_entry(request: AuthedRequest, entry_id: uuid.UUID) -> HttpResponse:
    entry = entry_of(request.user, entry_id)
    form = forms.ReverseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        done = submit(
            request,
            form,
            lambda d: reverse(
                Actor.from_request(request),
                entry,
                d["reason"],
                idempotency_key=d["idempotency_key"],
            ),
        )
        if isinstance(done, LedgerEntry):
            messages.success(request, "Correction posted as a reversing entry.")
            return redirect("inventory:entry", done.public_id)
    return render(
        request, "inventory/reverse.html", {"entry": entry, "form": form, **role_flags(request)}
    )


@login_required
def verify(request: AuthedRequest) -> HttpResponse:
    """Recompute every site's hash chain (compliance and auditors)."""
    require(request.user, Action.INVENTORY_REPORTS)
    chains, broken = verify_ledger()
    return render(
        request,
        "inventory/verify.html",
        {"chains": chains, "broken": broken, **role_flags(request)},
    )
