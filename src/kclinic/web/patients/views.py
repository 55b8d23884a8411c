"""Patient list and search, registration, and the chart overview."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render

from kclinic.domain.errors import KclinicError
from kclinic.web.accounts.policy import Action, allowed, require
from kclinic.web.audit.services import Actor, record
from kclinic.web.common.views import AuthedRequest, attach_error, patient_page
from kclinic.web.patients import services
from kclinic.web.patients.forms import (
    AllergyForm,
    DemographicsForm,
    DiagnosisForm,
    MeasurementForm,
    MedicationForm,
)
from kclinic.web.patients.selectors import search


@login_required
def patient_list(request: AuthedRequest) -> HttpResponse:
    if not allowed(request.user, Action.VIEW_PATIENT):
        raise PermissionDenied
    query = request.GET.get("q", "").strip()
    patients = list(search(request.user, query)[:100])
    record(
        Actor.from_request(request),
        "search",
        object_type="patients",
        detail={"query": query, "shown": len(patients)},
    )
    template = "patients/_rows.html" if request.htmx else "patients/list.html"
    return render(
        request,
        template,
        {
            "patients": patients,
            "q": query,
            "can_register": allowed(request.user, Action.REGISTER_PATIENT),
        },
    )


@login_required
def register(request: AuthedRequest) -> HttpResponse:
    user = request.user
    sites = [s for s in user.sites.all() if allowed(user, Action.REGISTER_PATIENT, s)]
    if not sites:
        raise PermissionDenied
    form = DemographicsForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            patient = services.register_patient(
                Actor.from_request(request), sites[0], services.Demographics(**data)
            )
        except KclinicError as error:
            attach_error(form, error)
        else:
            messages.success(request, f"Registered {patient.full_name} ({patient.mrn}).")
            return redirect("patients:chart", patient.public_id)
    return render(request, "patients/register.html", {"form": form, "site": sites[0]})


FACT_FORMS = {
    "measurement": MeasurementForm,
    "allergy": AllergyForm,
    "medication": MedicationForm,
    "diagnosis": DiagnosisForm,
}


@login_required
def chart(request: AuthedRequest, patient_id: uuid.UUID) -> HttpResponse:
    patient, context = patient_page(request, patient_id, "overview")
    forms = {name: form_class(prefix=name) for name, form_class in FACT_FORMS.items()}
    if request.method == "POST":
        kind = request.POST.get("kind", "")
        if kind not in FACT_FORMS:
            raise PermissionDenied
        form = FACT_FORMS[kind](request.POST, prefix=kind)
        forms[kind] = form
        if form.is_valid():
            actor = Actor.from_request(request)
            data = form.cleaned_data
            try:
                if kind == "measurement":
                    services.record_measurement(
                        actor, patient, data["weight_kg"], data["height_cm"]
                    )
                elif kind == "allergy":
                    services.add_allergy(actor, patient, data["substance"], data["reaction"])
                elif kind == "medication":
                    services.add_medication(actor, patient, data["name"], data["dose"])
                else:
                    services.add_diagnosis(actor, patient, data["icd10"], data["description"])
            except KclinicError as error:
                attach_error(form, error)
            else:
                messages.success(request, f"Recorded {kind}.")
                return redirect("patients:chart", patient.public_id)
    context.update(
        {
            "forms": forms,
            "can_record": allowed(request.user, Action.RECORD_CLINICAL_DATA, patient.site),
            "can_edit": allowed(request.user, Action.EDIT_DEMOGRAPHICS, patient.site),
            "measurements": patient.measurements.all()[:10],
            "allergies": patient.allergies.all(),
            "medications": patient.medications.all(),
            "diagnoses": patient.diagnoses.all(),
        }
    )
    return render(request, "patients/chart.html", context)


@login_required
def edit(request: AuthedRequest, patient_id: uuid.UUID) -> HttpResponse:
    patient, context = patient_page(request, patient_id, "overview")
    require(request.user, Action.EDIT_DEMOGRAPHICS, patient.site)
    initial = {f: getattr(patient, f) for f in DemographicsForm.base_fields if f != "version"}
    initial["version"] = patient.version
    form = DemographicsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            services.update_demographics(
                Actor.from_request(request),
                patient,
                services.Demographics(**data),
                expected_version=form.cleaned_data["version"] or 0,
            )
        except KclinicError as error:
            attach_error(form, error)
        else:
            messages.success(request, "Saved.")
            return redirect("patients:chart", patient.public_id)
    context["form"] = form
    return render(request, "patients/edit.html", context)
