"""The Screening tab: history, a new screening, one screening with findings and overrides.

Clinical detail needs Action.VIEW_CLINICAL at the patient's site (front desk: 403); staff of
another site get a 404, as for every patient page.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone

from kclinic.domain.errors import KclinicError
from kclinic.web.accounts.policy import Action, allowed, require
from kclinic.web.audit.services import Actor, record
from kclinic.web.common.views import AuthedRequest, attach_error, patient_page
from kclinic.web.patients.models import Patient
from kclinic.web.patients.selectors import patient_for
from kclinic.web.screenings import services
from kclinic.web.screenings.forms import (
    EctFormSet,
    OverrideForm,
    ProfileForm,
    TrialFormSet,
)
from kclinic.web.screenings.profile_form import (
    filled_rows,
    initial_from_profile,
    initial_from_record,
    place_error,
    profile_from_forms,
)
from kclinic.web.screenings.selectors import (
    current_consent,
    documents_in_effect,
    effective_status,
    screening_for,
    screenings_of,
    superseding,
)

TAB = "screening"


def clinical_patient(request: AuthedRequest, patient_id: uuid.UUID) -> Patient:
    """The patient (404 from another site), if the user may read clinical detail (else 403)."""
    patient = patient_for(request.user, patient_id)
    require(request.user, Action.VIEW_CLINICAL, patient.site)
    return patient


@login_required
def screening_list(request: AuthedRequest, patient_id: uuid.UUID) -> HttpResponse:
    patient, context = patient_page(request, patient_id, TAB)
    screenings = list(screenings_of(request.user, patient))
    rows = [(s, effective_status(s, list(s.overrides.all()))) for s in screenings]
    today = timezone.localdate()
    context.update(
        {
            "rows": rows,
            "current": rows[0] if rows else None,
            "consent_summary": [
                (document, current_consent(patient, document.code))
                for document in documents_in_effect(today)
            ],
            "can_screen": allowed(request.user, Action.SCREEN_ELIGIBILITY, patient.site),
        }
    )
    return render(request, "screenings/list.html", context)


def _more_rows(data: QueryDict, prefix: str) -> QueryDict:
    copy = data.copy()
    key = f"{prefix}-TOTAL_FORMS"
    try:
        total = int(copy.get(key, "0"))
    except ValueError:
        total = 0
    copy[key] = str(min(total + 1, 60))
    return copy


@login_required
def new_screening(request: AuthedRequest, patient_id: uuid.UUID) -> HttpResponse:
    patient = clinical_patient(request, patient_id)
    require(request.user, Action.SCREEN_ELIGIBILITY, patient.site)
    patient, context = patient_page(request, patient_id, TAB)
    today = timezone.localdate()
    start_from = None
    if request.method == "POST":
        action = request.POST.get("action", "screen")
        data = _more_rows(request.POST, "trials") if action == "add-trial" else request.POST
        form = ProfileForm(data)
        trials = TrialFormSet(data, prefix="trials")
        ects = EctFormSet(data, prefix="ect")
        if action == "screen" and form.is_valid() and trials.is_valid() and ects.is_valid():
            trial_rows, ect_rows = filled_rows(trials), filled_rows(ects)
            try:
                profile = profile_from_forms(form, trials, ects, trial_rows, ect_rows)
                screening = services.perform_screening(
                    Actor.from_request(request),
                    patient,
                    profile,
                    screened_on=form.cleaned_data["screened_on"],
                    trd_definition=form.cleaned_data["trd_definition"],
                )
            except KclinicError as error:
                place_error(error, form, trials, ects, trial_rows, ect_rows)
            else:
                messages.success(request, f"Screening saved: {screening.get_status_display()}.")
                return redirect("screenings:detail", patient.public_id, screening.public_id)
    else:
        initial, trial_initial, ect_initial = initial_from_record(patient, today)
        source_id = request.GET.get("from")
        if source_id:
            try:
                start_from = screening_for(request.user, patient, uuid.UUID(source_id))
            except ValueError:
                start_from = None
        if start_from is not None:
            initial, trial_initial, ect_initial = initial_from_profile(start_from.profile)
            initial.update(screened_on=today, trd_definition=start_from.trd_definition)
        form = ProfileForm(initial=initial)
        trials = TrialFormSet(prefix="trials", initial=trial_initial)
        ects = EctFormSet(prefix="ect", initial=ect_initial)
    context.update(
        {
            "form": form,
            "trials": trials,
            "ects": ects,
            "start_from": start_from,
            "record": {
                "medications": patient.medications.filter(active=True),
                "allergies": patient.allergies.filter(active=True),
                "diagnoses": patient.diagnoses.filter(active=True),
            },
        }
    )
    return render(request, "screenings/new.html", context)


def _override_rules(pending: tuple[str, ...], findings: list[dict[str, Any]]) -> list[Any]:
    messages_by_rule = {f["rule"]: f["message"] for f in findings}
    return [(rule, f"{rule}: {messages_by_rule.get(rule, '')}") for rule in pending]


@login_required
def screening_detail(
    request: AuthedRequest, patient_id: uuid.UUID, screening_id: uuid.UUID
) -> HttpResponse:
    patient, context = patient_page(request, patient_id, TAB, audit=False)
    screening = screening_for(request.user, patient, screening_id)
    if request.method == "GET":
        record(
            Actor.from_request(request),
            "view",
            patient_public_id=patient.public_id,
            object_type="screening",
            object_id=screening.public_id,
        )
    overrides = list(screening.overrides.all())
    status = effective_status(screening, overrides)
    findings = screening.findings()
    newer = superseding(screening)
    can_override = (
        allowed(request.user, Action.OVERRIDE_SCREENING, patient.site)
        and newer is None
        and bool(status.pending)
        and screening.status != "blocked"
    )
    form = OverrideForm(
        request.POST if request.method == "POST" else None,
        rules=_override_rules(status.pending, findings),
    )
    if request.method == "POST":
        require(request.user, Action.OVERRIDE_SCREENING, patient.site)
        if form.is_valid():
            try:
                services.override_finding(
                    Actor.from_request(request),
                    screening,
                    form.cleaned_data["rule"],
                    form.cleaned_data["reason"],
                )
            except KclinicError as error:
                attach_error(form, error)
            else:
                messages.success(request, f"Override of {form.cleaned_data['rule']} recorded.")
                return redirect("screenings:detail", patient.public_id, screening.public_id)
    by_rule = {o.rule: o for o in overrides}
    context.update(
        {
            "screening": screening,
            "status": status,
            "findings": [(f, by_rule.get(f["rule"])) for f in findings],
            "trd": screening.result.get("trd") or {},
            "msm": screening.result.get("msm"),
            "msm_note": screening.result.get("msm_note"),
            "newer": newer,
            "form": form,
            "can_override": can_override,
            "can_screen": allowed(request.user, Action.SCREEN_ELIGIBILITY, patient.site),
            "profile_json": json.dumps(screening.profile, indent=2, ensure_ascii=False),
        }
    )
    return render(request, "screenings/detail.html", context)
