"""Count pages: the list of counts, counting one safe (units per lot), a count with its
variances, the discrepancy queue and the resolution form (compliance, second signature)."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from kclinic.web.accounts.policy import Action, require
from kclinic.web.audit.services import Actor
from kclinic.web.common.views import AuthedRequest
from kclinic.web.inventory import forms
from kclinic.web.inventory.models import Discrepancy, StockCount, StorageLocation
from kclinic.web.inventory.selectors_stock import (
    adjustments_of,
    count_of,
    counts_for,
    discrepancies_for,
    discrepancy_of,
    location_of,
    locations_for,
    stock_lines,
)
from kclinic.web.inventory.services_counts import record_count, resolve_discrepancy
from kclinic.web.inventory.views import role_flags, submit


@login_required
def counts(request: AuthedRequest) -> HttpResponse:
    context = {
        "counts": counts_for(request.user)[:50],
        "locations": locations_for(request.user),
        **role_flags(request),
    }
    return render(request, "inventory/counts.html", context)


@login_required
def count_location(request: AuthedRequest, location_id: uuid.UUID) -> HttpResponse:
    """Enter the units counted of each lot the ledger holds here (blank counts as 0). The
    expected quantities are not shown until the count is stored: a blind count."""
    place = location_of(request.user, location_id, Action.COUNT_STOCK)
    lines = stock_lines(StorageLocation.objects.filter(pk=place.pk), timezone.localdate())
    form = forms.CountForm(request.POST if request.method == "POST" else None, lines=lines)
    if request.method == "POST":
        done = submit(
            request,
            form,
            lambda d: record_count(
                Actor.from_request(request),
                place,
                form.counted(),
                idempotency_key=d["idempotency_key"],
                purpose=d["purpose"],
                business_time=d["business_time"],
            ),
        )
        if isinstance(done, StockCount):
            text = (
                "Count stored."
                if not hasattr(done, "discrepancy")
                else ("Count stored: the count differs from the ledger; a discrepancy is open.")
            )
            messages.success(request, text)
            return redirect("inventory:count_detail", done.public_id)
    return render(
        request,
        "inventory/count_form.html",
        {"form": form, "location": place, **role_flags(request)},
    )


@login_required
def count_detail(request: AuthedRequest, count_id: uuid.UUID) -> HttpResponse:
    count = count_of(request.user, count_id)
    context = {
        "count": count,
        "lines": count.lines.select_related("lot__product").order_by("id"),
        "discrepancy": Discrepancy.objects.filter(count=count).first(),
        **role_flags(request),
    }
    return render(request, "inventory/count_detail.html", context)


@login_required
def discrepancies(request: AuthedRequest) -> HttpResponse:
    status = request.GET.get("status", "open")
    if status not in ("open", "resolved", "all"):
        status = "open"
    context = {
        "discrepancies": discrepancies_for(request.user, None if status == "all" else status),
        "status": status,
        **role_flags(request),
    }
    return render(request, "inventory/discrepancies.html", context)


@login_required
def discrepancy(request: AuthedRequest, discrepancy_id: uuid.UUID) -> HttpResponse:
    found = discrepancy_of(request.user, discrepancy_id)
    form = forms.ResolveForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        require(request.user, Action.RESOLVE_DISCREPANCY, found.site)
        done = submit(
            request,
            form,
            lambda d: resolve_discrepancy(
                Actor.from_request(request),
                found,
                d["reason"],
                d["second_signer_username"],
                d["second_signer_password"],
                idempotency_key=d["idempotency_key"],
                adjust=d["adjust"],
                request=request,
            ),
        )
        if isinstance(done, Discrepancy):
            messages.success(request, "Discrepancy resolved.")
            return redirect("inventory:discrepancy", found.public_id)
    context = {
        "discrepancy": found,
        "lines": found.count.lines.select_related("lot__product").order_by("id"),
        "adjustments": adjustments_of(found),
        "form": form,
        **role_flags(request),
    }
    return render(request, "inventory/discrepancy.html", context)
