"""Reports pages: the clinic dashboard (and its CSV), the research export, a patient's
outcomes with the summary letter, and the patient-facing page on ketamine and the
alternatives."""

from __future__ import annotations

import csv
import uuid
from collections.abc import Iterator
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone

from kclinic.domain.benchmarks import TREATMENT_OPTIONS
from kclinic.domain.errors import UnknownNameError, ValidationError
from kclinic.web.accounts.policy import Action, allowed, require
from kclinic.web.audit.services import Actor, record
from kclinic.web.common.views import AuthedRequest, attach_error, patient_page
from kclinic.web.patients.models import Patient
from kclinic.web.patients.selectors import patient_for
from kclinic.web.reports import dashboard as board
from kclinic.web.reports import research
from kclinic.web.reports.forms import FilterForm
from kclinic.web.reports.letter import summary_letter
from kclinic.web.reports.patient_outcomes import PatientOutcomes, patient_outcomes

PAGE = "outcomes"


class _Echo:
    def write(self, value: str) -> str:
        return value


def _filters(request: AuthedRequest, action: Action) -> tuple[FilterForm, board.Filters | None]:
    """The filter form bound to the query string, and the checked filters when valid."""
    form = FilterForm(board.dashboard_sites(request.user, action), request.GET or None)
    if request.GET and not form.is_valid():
        return form, None
    try:
        chosen = form.filters() if request.GET else {}
        return form, board.resolve_filters(request.user, action=action, **chosen)
    except ValidationError as error:
        attach_error(form, error)
        return form, None


def _refused(form: FilterForm) -> HttpResponse:
    return HttpResponse(form.errors.as_text(), status=400, content_type="text/plain")


def _audit(request: AuthedRequest, action: str, what: str, filters: board.Filters) -> None:
    record(Actor.from_request(request), action, object_type=what, detail=filters.as_dict())


@login_required
def dashboard(request: AuthedRequest) -> HttpResponse:
    form, filters = _filters(request, Action.VIEW_DASHBOARD)
    context: dict[str, Any] = {"form": form, "board": None}
    if filters is not None:
        _audit(request, "view", "dashboard", filters)
        context["board"] = board.build(filters)
        context["query"] = request.GET.urlencode()
    context["can_export"] = allowed(request.user, Action.RESEARCH_EXPORT)
    return render(request, "reports/dashboard.html", context)


def _csv(rows: Iterator[list[str]] | list[tuple[str, ...]], name: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def dashboard_csv(request: AuthedRequest) -> HttpResponseBase:
    form, filters = _filters(request, Action.VIEW_DASHBOARD)
    if filters is None:
        return _refused(form)
    _audit(request, "export", "dashboard", filters)
    rows = [board.CSV_HEADER, *board.flat_rows(board.build(filters))]
    return _csv(rows, f"kclinic-outcomes-{timezone.localdate():%Y%m%d}.csv")


@login_required
def research_export(request: AuthedRequest) -> HttpResponse:
    form, filters = _filters(request, Action.RESEARCH_EXPORT)
    context = {"form": form, "query": request.GET.urlencode(), "valid": filters is not None}
    return render(request, "reports/research_export.html", context)


def _research(request: AuthedRequest, kind: str) -> tuple[FilterForm, board.Filters | None]:
    form, filters = _filters(request, Action.RESEARCH_EXPORT)
    if filters is not None:
        record(
            Actor.from_request(request),
            "export",
            object_type="research_export",
            detail={**filters.as_dict(), "format": kind},
        )
    return form, filters


@login_required
def research_export_csv(request: AuthedRequest) -> HttpResponseBase:
    form, filters = _research(request, "csv")
    if filters is None:
        return _refused(form)
    name = f"kclinic-research-{timezone.localdate():%Y%m%d}.csv"
    return _csv(research.csv_lines(request.user, filters), name)


@login_required
def research_export_parquet(request: AuthedRequest) -> HttpResponse:
    form, filters = _research(request, "parquet")
    if filters is None:
        return _refused(form)
    response = HttpResponse(
        research.parquet_bytes(request.user, filters), content_type="application/vnd.apache.parquet"
    )
    name = f"kclinic-research-{timezone.localdate():%Y%m%d}.parquet"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _outcomes(
    request: AuthedRequest, patient_id: uuid.UUID, page: str
) -> tuple[Patient, dict[str, Any], PatientOutcomes]:
    """Clinical permission first (so a refused user leaves no 'view' row), then the page."""
    patient = patient_for(request.user, patient_id)
    require(request.user, Action.VIEW_CLINICAL, patient.site)
    try:
        found = patient_outcomes(
            request.user, patient, timezone.localdate(), request.GET.getlist("definition")
        )
    except UnknownNameError:
        raise Http404("No such outcome definition") from None
    patient, context = patient_page(request, patient_id, page)
    return patient, context, found


@login_required
def patient_outcomes_page(request: AuthedRequest, patient_id: uuid.UUID) -> HttpResponse:
    _, context, found = _outcomes(request, patient_id, PAGE)
    context.update({"found": found, "query": request.GET.urlencode()})
    return render(request, "reports/patient_outcomes.html", context)


@login_required
def summary_letter_pdf(request: AuthedRequest, patient_id: uuid.UUID) -> HttpResponse:
    patient, _, found = _outcomes(request, patient_id, f"{PAGE}/letter")
    response = HttpResponse(summary_letter(found, request.user), content_type="application/pdf")
    name = f"treatment-summary-{patient.mrn}-{found.today:%Y%m%d}.pdf"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


def alternatives(request: HttpRequest) -> HttpResponse:
    """For patients: the treatment options with published figures. No patient data, no login."""
    return render(request, "reports/alternatives.html", {"options": TREATMENT_OPTIONS})
