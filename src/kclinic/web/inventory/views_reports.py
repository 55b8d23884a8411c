"""Compliance pages: destruction (DEA Form 41 data, witnessed) and theft or loss (DEA Form
106 data), and the reports, each shown as a page and downloadable with `?format=csv|pdf`.
Every download is written to the audit trail."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from kclinic.domain.errors import ValidationError
from kclinic.domain.ledger_reports import Table
from kclinic.web.accounts.policy import Action, require
from kclinic.web.audit.services import Actor, record
from kclinic.web.common.views import AuthedRequest
from kclinic.web.inventory import forms
from kclinic.web.inventory.export import FORMATS, download
from kclinic.web.inventory.models import LedgerEntry, Lot
from kclinic.web.inventory.selectors_reports import (
    PeriodReport,
    form41_report,
    form106_report,
    inventory_report,
    ledger_report,
    perpetual_report,
)
from kclinic.web.inventory.selectors_stock import (
    count_of,
    counts_for,
    locations_for,
    lot_of,
    sites_for,
    stock_lines,
)
from kclinic.web.inventory.services_movements import destroy, report_loss
from kclinic.web.inventory.views import role_flags, submit


def _show(
    request: AuthedRequest, table: Table, name: str, extra: dict[str, object]
) -> HttpResponse:
    fmt = request.GET.get("format", "")
    if fmt in FORMATS:
        record(
            Actor.from_request(request),
            "inventory_report_export",
            object_type="report",
            object_id=name,
            detail={"format": fmt, "rows": len(table.rows), "title": table.title},
        )
        return download(table, fmt, name)
    query = request.GET.copy()
    query.pop("format", None)
    return render(
        request,
        "inventory/report.html",
        {"table": table, "query": query.urlencode(), **extra, **role_flags(request)},
    )


@login_required
def reports(request: AuthedRequest) -> HttpResponse:
    user = request.user
    require(user, Action.INVENTORY_REPORTS)
    sites = sites_for(user, Action.INVENTORY_REPORTS)
    context = {
        "lots": Lot.objects.filter(entries__site__in=sites)
        .select_related("product")
        .distinct()
        .order_by("product__name", "lot_number"),
        "inventories": counts_for(user).filter(purpose__in=["initial", "biennial"]),
        "counts": counts_for(user)[:20],
        "period": forms.PeriodForm(),
        **role_flags(request),
    }
    return render(request, "inventory/reports.html", context)


@login_required
def perpetual(request: AuthedRequest, lot_id: uuid.UUID) -> HttpResponse:
    require(request.user, Action.INVENTORY_REPORTS)
    lot = lot_of(request.user, lot_id)
    table = perpetual_report(request.user, lot)
    return _show(request, table, f"perpetual-{lot.lot_number}", {})


@login_required
def inventory(request: AuthedRequest, count_id: uuid.UUID) -> HttpResponse:
    """A count as a DEA inventory (initial or biennial inventories, or any count)."""
    require(request.user, Action.INVENTORY_REPORTS)
    count = count_of(request.user, count_id)
    stamp = timezone.localtime(count.counted_at).strftime("%Y%m%d")
    return _show(request, inventory_report(count), f"inventory-{count.purpose}-{stamp}", {})


def _period_report(request: AuthedRequest, build: PeriodReport, name: str) -> HttpResponse:
    """One of the reports over an optional period (start and end dates from the query)."""
    require(request.user, Action.INVENTORY_REPORTS)
    form = forms.PeriodForm(request.GET or None)
    start = end = None
    if form.is_bound and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    return _show(request, build(request.user, start, end), name, {"period": form})


@login_required
def form41(request: AuthedRequest) -> HttpResponse:
    return _period_report(request, form41_report, "dea-form-41")


@login_required
def form106(request: AuthedRequest) -> HttpResponse:
    return _period_report(request, form106_report, "dea-form-106")


@login_required
def ledger(request: AuthedRequest) -> HttpResponse:
    """Every entry with its hashes: what to hand an inspector (CSV or PDF)."""
    return _period_report(request, ledger_report, "controlled-substance-ledger")


def _stock_form(request: AuthedRequest, form_class: type, action: Action) -> object:
    places = locations_for(request.user, action)
    lots = stock_lines(places, timezone.localdate())
    data = request.POST if request.method == "POST" else None
    return form_class(data, locations=places, lots=lots)


@login_required
def destroy_stock(request: AuthedRequest) -> HttpResponse:
    form = _stock_form(request, forms.DestroyForm, Action.DESTROY_STOCK)
    if request.method == "POST":
        done = submit(
            request,
            form,
            lambda d: destroy(
                Actor.from_request(request),
                d["witness_username"],
                d["witness_password"],
                d["location"],
                d["lot"],
                d["units"],
                d["method"],
                reverse_distributor=d["reverse_distributor"],
                form_number=d["form_number"],
                idempotency_key=d["idempotency_key"],
                request=request,
            ),
        )
        if isinstance(done, LedgerEntry):
            messages.success(request, "Destruction recorded (DEA Form 41 data).")
            return redirect("inventory:entry", done.public_id)
    return render(request, "inventory/destroy.html", {"form": form, **role_flags(request)})


@login_required
def report_lost(request: AuthedRequest) -> HttpResponse:
    form = _stock_form(request, forms.LossForm, Action.DESTROY_STOCK)
    if request.method == "POST":

        def call(d: dict[str, object]) -> object:
            discovered = _local_datetime("discovered_at", d["discovered_at"])
            return report_loss(
                Actor.from_request(request),
                d["location"],  # type: ignore[arg-type]
                d["lot"],  # type: ignore[arg-type]
                d["units"],
                d["circumstances"],  # type: ignore[arg-type]
                discovered,
                form_number=d["form_number"],  # type: ignore[arg-type]
                idempotency_key=d["idempotency_key"],  # type: ignore[arg-type]
            )

        done = submit(request, form, call)
        if isinstance(done, LedgerEntry):
            messages.success(
                request,
                "Theft or loss recorded. Send the written notice to the DEA within "
                "one business day of discovery (see the Form 106 report).",
            )
            return redirect("inventory:entry", done.public_id)
    return render(request, "inventory/loss.html", {"form": form, **role_flags(request)})


def _local_datetime(field: str, value: object) -> datetime:
    """A datetime-local form value read in the clinic's time zone."""
    try:
        moment = datetime.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError(field, value, "a date and time (YYYY-MM-DDTHH:MM)") from None
    if moment.tzinfo is None:
        moment = timezone.make_aware(moment)
    return moment
