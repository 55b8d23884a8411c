"""Pages of recovery, discharge, the session record and the REMS form (one session each), and
the clinic-wide REMS tracker. Views parse, call one service, render; every GET of a page with
patient data writes a view audit row naming the patient and the session."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from kclinic.domain import session_states as sm
from kclinic.domain.errors import KclinicError
from kclinic.web.accounts.policy import Action, allowed, require
from kclinic.web.audit.services import Actor, record
from kclinic.web.common.views import AuthedRequest, attach_error, patient_page
from kclinic.web.infusions import services_discharge as discharge_services
from kclinic.web.infusions import services_record, services_rems
from kclinic.web.infusions.forms_discharge import (
    DischargeForm,
    RemsFieldsForm,
    SubmittedForm,
    VersionForm,
    rems_initial,
)
from kclinic.web.infusions.instructions import render_instructions
from kclinic.web.infusions.models import Discharge, InfusionSession, RemsForm
from kclinic.web.infusions.pdf import session_record_pdf
from kclinic.web.infusions.pdf_rems import SECTIONS, rems_pdf, shown
from kclinic.web.infusions.selectors import session_of

TAB = "courses"  # sessions belong to a course; the session pages sit under that tab


def _page(
    request: AuthedRequest, patient_id: uuid.UUID, session_id: uuid.UUID, page: str
) -> tuple[InfusionSession, dict[str, Any]]:
    patient, context = patient_page(request, patient_id, TAB, audit=False)
    session = session_of(request.user, session_id, patient_id)
    if not allowed(request.user, Action.VIEW_CLINICAL, patient.site):
        raise PermissionDenied("session pages need view_clinical")
    if request.method == "GET":
        record(
            Actor.from_request(request),
            "view",
            patient_public_id=patient.public_id,
            object_type="page",
            object_id=f"session-{page}",
            detail={"session": str(session.public_id)},
        )
    context.update({"session": session, "page": page})
    return session, context


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


@login_required
def discharge(request: AuthedRequest, patient_id: uuid.UUID, session_id: uuid.UUID) -> HttpResponse:
    session, context = _page(request, patient_id, session_id, "discharge")
    site, user = session.site, request.user
    can_override = allowed(user, Action.OVERRIDE_DISCHARGE, site)
    initial = {
        "version": session.version,
        "escort_name": session.patient.escort_name,
        "escort_phone": session.patient.escort_phone,
    }
    form = DischargeForm(initial=initial, can_override=can_override)
    actor = Actor.from_request(request)
    if request.method == "POST":
        require(user, Action.DISCHARGE_PATIENT, site)
        if request.POST.get("action") == "recovery":
            versioned = VersionForm(request.POST)
            try:
                if not versioned.is_valid():
                    raise PermissionDenied("the page's version is missing")
                discharge_services.start_recovery(
                    actor, session, expected_version=versioned.cleaned_data["version"]
                )
            except KclinicError as error:
                messages.error(request, str(error))
            return redirect("infusions:discharge", patient_id, session_id)
        form = DischargeForm(request.POST, can_override=can_override)
        if form.is_valid():
            data = form.cleaned_data
            try:
                discharge_services.discharge(
                    actor,
                    session,
                    escort_present=data["escort_present"],
                    escort_name=data["escort_name"],
                    escort_relationship=data["escort_relationship"],
                    escort_phone=data["escort_phone"],
                    override_reason=data.get("override_reason", ""),
                    expected_version=data["version"],
                )
            except KclinicError as error:
                attach_error(form, error)
            else:
                messages.success(request, "Patient discharged. Print the instructions.")
                return redirect("infusions:instructions", patient_id, session_id)
    verdict, problem = None, ""
    if session.state in (sm.State.INFUSION_ENDED, sm.State.RECOVERY):
        escort = form.is_bound and form.is_valid() and form.cleaned_data["escort_present"]
        try:
            verdict = discharge_services.readiness(session, escort_present=bool(escort))
        except KclinicError as error:
            problem = str(error)
    context.update(
        {
            "form": form,
            "readiness": verdict,
            "problem": problem,
            "done": Discharge.objects.filter(session=session).first(),
            "can_discharge": allowed(user, Action.DISCHARGE_PATIENT, site),
            "can_override": can_override,
        }
    )
    if request.htmx and request.method == "GET":
        return render(request, "infusions/_discharge_checklist.html", context)
    return render(request, "infusions/discharge.html", context)


@login_required
def instructions(
    request: AuthedRequest, patient_id: uuid.UUID, session_id: uuid.UUID
) -> HttpResponse:
    session, context = _page(request, patient_id, session_id, "instructions")
    done = Discharge.objects.filter(session=session).first()
    if done is not None:
        text = done.instructions
    else:
        text = render_instructions(
            session, escort_name=session.patient.escort_name, at=timezone.now()
        )
    context.update({"text": text, "done": done})
    return render(request, "infusions/instructions.html", context)


@login_required
def record_page(
    request: AuthedRequest, patient_id: uuid.UUID, session_id: uuid.UUID
) -> HttpResponse:
    session, context = _page(request, patient_id, session_id, "record")
    if request.method == "POST":
        try:
            services_record.draft_session_record(Actor.from_request(request), session)
        except KclinicError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "Session record drafted from the session data.")
        return redirect("infusions:record", patient_id, session_id)
    context.update(
        {
            "note": session.record_note,
            "can_write": allowed(request.user, Action.WRITE_NOTE, session.site),
        }
    )
    return render(request, "infusions/record.html", context)


@login_required
def record_pdf(
    request: AuthedRequest, patient_id: uuid.UUID, session_id: uuid.UUID
) -> HttpResponse:
    session, _ = _page(request, patient_id, session_id, "record-pdf")
    return _pdf(session_record_pdf(session), f"session-record-{session.public_id}.pdf")


def _rems_context(session: InfusionSession, user: Any) -> dict[str, Any]:
    data = services_rems.current_data(session, user)
    fixed = set(data.get("derived", []))
    form = RemsForm.objects.filter(session=session).first()
    locked = form is not None and form.completed_at is not None
    return {
        "data": data,
        "problems": services_rems.problems(data),
        "rems_form": form,
        "locked": locked,
        "sections": [
            (
                title,
                [(name, label, shown(name, data.get(name)), name in fixed) for name, label in rows],
            )
            for title, rows in SECTIONS
        ],
        "editable": [] if locked else [n for n in services_rems.FIELDS if n not in fixed],
    }


@login_required
def rems_page(request: AuthedRequest, patient_id: uuid.UUID, session_id: uuid.UUID) -> HttpResponse:
    session, context = _page(request, patient_id, session_id, "rems")
    user = request.user
    if session.modality != "esketamine":
        context["not_applicable"] = True
        return render(request, "infusions/rems.html", context)
    facts = _rems_context(session, user)
    fields_form = RemsFieldsForm(initial=rems_initial(facts["data"]), editable=facts["editable"])
    submitted_form = SubmittedForm(initial={"submitted_on": timezone.localdate()})
    if request.method == "POST":
        require(user, Action.SUBMIT_REMS, session.site)
        actor, action = Actor.from_request(request), request.POST.get("action", "save")
        try:
            if action == "complete":
                services_rems.complete_rems(actor, session)
                messages.success(request, "REMS form completed.")
            elif action == "submitted":
                submitted_form = SubmittedForm(request.POST)
                if not submitted_form.is_valid():
                    raise _Invalid
                services_rems.mark_submitted(
                    actor,
                    session,
                    submitted_on=submitted_form.cleaned_data["submitted_on"],
                    reference=submitted_form.cleaned_data["reference"],
                )
                messages.success(request, "Submission recorded.")
            else:
                fields_form = RemsFieldsForm(request.POST, editable=facts["editable"])
                if not fields_form.is_valid():
                    raise _Invalid
                services_rems.save_rems(
                    actor,
                    session,
                    fields_form.values(),
                    medications_confirmed=fields_form.cleaned_data["medications_confirmed"],
                )
                messages.success(request, "REMS form saved.")
        except _Invalid:
            pass
        except KclinicError as error:
            if action == "complete":
                context["complete_error"] = str(error)
            else:
                attach_error(submitted_form if action == "submitted" else fields_form, error)
        else:
            return redirect("infusions:rems", patient_id, session_id)
        session.refresh_from_db()
    context.update(facts)
    context.update({"fields_form": fields_form, "submitted_form": submitted_form})
    context["can_submit"] = allowed(user, Action.SUBMIT_REMS, session.site)
    return render(request, "infusions/rems.html", context)


class _Invalid(Exception):
    """A form that did not parse: re-render it with its own errors."""


@login_required
def rems_pdf_view(
    request: AuthedRequest, patient_id: uuid.UUID, session_id: uuid.UUID
) -> HttpResponse:
    session, _ = _page(request, patient_id, session_id, "rems-pdf")
    data = services_rems.current_data(session, request.user)
    content = rems_pdf(session, data, services_rems.problems(data))
    return _pdf(content, f"rems-form-{session.public_id}.pdf")


@login_required
def rems_tracker(request: AuthedRequest) -> HttpResponse:
    rows = services_rems.due_forms(request.user)
    record(
        Actor.from_request(request),
        "view",
        object_type="page",
        object_id="rems_tracker",
        detail={"patients": sorted({str(r.session.patient.public_id) for r in rows})},
    )
    context = {"rows": rows, "today": timezone.localdate()}
    return render(request, "infusions/rems_tracker.html", context)
