"""Consents, a sub-page of the Screening tab: list, record, withdraw; and a document's text."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from kclinic.domain.errors import KclinicError, ValidationError
from kclinic.web.accounts.models import User
from kclinic.web.accounts.policy import POLICY, Action, allowed, require
from kclinic.web.audit.services import Actor, record
from kclinic.web.common.views import AuthedRequest, attach_error, patient_page
from kclinic.web.patients.models import Patient
from kclinic.web.screenings import services
from kclinic.web.screenings.forms import ConsentForm, WithdrawForm
from kclinic.web.screenings.models import ConsentDocument
from kclinic.web.screenings.selectors import (
    consent_for,
    consents_of,
    current_consent,
    current_document,
    documents_in_effect,
)
from kclinic.web.screenings.views import TAB, clinical_patient


def _witnesses(patient: Patient, recorder: User) -> list[User]:
    """Staff who may witness: active members of the patient's site who may see the patient,
    other than the person recording (the service checks the same rules)."""
    return list(
        User.objects.filter(
            sites=patient.site, is_active=True, role__in=POLICY[Action.VIEW_PATIENT]
        )
        .exclude(pk=recorder.pk)
        .order_by("last_name", "first_name", "username")
    )


def _consent_form(request: AuthedRequest, patient: Patient) -> ConsentForm:
    today = timezone.localdate()
    documents = ConsentDocument.objects.filter(effective_from__lte=today).order_by(
        "code", "-version"
    )
    in_effect = {d.pk for d in documents_in_effect(today)}
    return ConsentForm(
        request.POST if request.method == "POST" else None,
        initial={"signed_on": today},
        documents=[
            (
                str(d.public_id),
                f"{d.title}, version {d.version}"
                + ("" if d.pk in in_effect else " (superseded)")
                + (" [TEMPLATE]" if d.is_template else ""),
            )
            for d in documents
        ],
        witnesses=[
            (str(u.public_id), f"{u.signature_name} ({u.get_role_display()})")
            for u in _witnesses(patient, request.user)
        ],
    )


@login_required
def consent_list(request: AuthedRequest, patient_id: uuid.UUID) -> HttpResponse:
    patient = clinical_patient(request, patient_id)
    can_record = allowed(request.user, Action.RECORD_CONSENT, patient.site)
    if request.method == "POST":
        require(request.user, Action.RECORD_CONSENT, patient.site)
    patient, context = patient_page(request, patient_id, TAB)
    form = _consent_form(request, patient)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            chosen = ConsentDocument.objects.filter(public_id=data["document"]).first()
            witness = User.objects.filter(public_id=data["witness"]).first()
            if chosen is None:
                raise ValidationError("document", data["document"], "a consent document")
            if witness is None:
                raise ValidationError("witness", data["witness"], "a member of staff")
            services.record_consent(
                Actor.from_request(request),
                patient,
                chosen,
                data["signed_on"],
                data["signature_method"],
                witness,
            )
        except KclinicError as error:
            attach_error(form, error)
        else:
            messages.success(request, f"Consent recorded: {chosen.title} v{chosen.version}.")
            return redirect("screenings:consents", patient.public_id)
    today = timezone.localdate()
    consents = list(consents_of(request.user, patient))
    current = {}
    for in_effect in documents_in_effect(today):
        current[in_effect.code] = (in_effect, current_consent(patient, in_effect.code))
    context.update(
        {
            "consents": consents,
            "current": list(current.values()),
            "any_template": any(doc.is_template for doc, _ in current.values()),
            "current_ids": {c.pk for _, c in current.values() if c is not None},
            "form": form,
            "can_record": can_record,
        }
    )
    return render(request, "screenings/consents.html", context)


@login_required
def withdraw(request: AuthedRequest, patient_id: uuid.UUID, consent_id: uuid.UUID) -> HttpResponse:
    patient = clinical_patient(request, patient_id)
    require(request.user, Action.RECORD_CONSENT, patient.site)
    consent = consent_for(request.user, patient, consent_id)
    patient, context = patient_page(request, patient_id, TAB, audit=False)
    if request.method == "GET":
        record(
            Actor.from_request(request),
            "view",
            patient_public_id=patient.public_id,
            object_type="consent",
            object_id=consent.public_id,
        )
    form = WithdrawForm(
        request.POST if request.method == "POST" else None,
        initial={"withdrawn_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.withdraw_consent(
                Actor.from_request(request),
                consent,
                form.cleaned_data["withdrawn_on"],
                form.cleaned_data["withdrawn_reason"],
            )
        except KclinicError as error:
            attach_error(form, error)
        else:
            messages.success(request, "Withdrawal of consent recorded.")
            return redirect("screenings:consents", patient.public_id)
    context.update({"consent": consent, "form": form})
    return render(request, "screenings/withdraw.html", context)


@login_required
def document(request: AuthedRequest, document_id: uuid.UUID) -> HttpResponse:
    """A consent document's text, to read or print. Not patient data: any patient-facing
    role may read it (front desk hands the forms out)."""
    if not allowed(request.user, Action.VIEW_PATIENT):
        raise PermissionDenied
    doc = get_object_or_404(ConsentDocument, public_id=document_id)
    newest = current_document(doc.code, timezone.localdate())
    return render(request, "screenings/document.html", {"document": doc, "newest": newest})
