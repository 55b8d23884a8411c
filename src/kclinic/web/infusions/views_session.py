"""Session pages before the drug: today's list, the session hub, check-in, the checklist, the
dose order (with its predicted concentration chart), the double check, and cancel.

Views parse, call one service and render. Session pages sit under the patient and show the
banner; the hub is readable by front-desk staff (state and schedule only), the clinical pages
need view_clinical. Forms that move the session carry its version (ConflictError otherwise).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from kclinic.domain import prechecks as checks
from kclinic.domain import session_states as sm
from kclinic.domain.errors import KclinicError
from kclinic.domain.session_orders import check_fields
from kclinic.web.accounts.models import Chair
from kclinic.web.accounts.policy import Action, allowed
from kclinic.web.audit.services import Actor, record
from kclinic.web.common.views import AuthedRequest, attach_error, patient_page
from kclinic.web.courses.models import PlannedSession
from kclinic.web.infusions import services_orders as orders
from kclinic.web.infusions import services_session as services
from kclinic.web.infusions.forms_session import (
    CancelForm,
    CheckForm,
    CheckInForm,
    OrderForm,
    PrechecksForm,
    ReviewForm,
    VersionForm,
)
from kclinic.web.infusions.models import InfusionSession
from kclinic.web.infusions.pk_chart import pk_chart
from kclinic.web.infusions.policies import precheck_policy
from kclinic.web.infusions.selectors import session_of
from kclinic.web.patients.selectors import visible_patients

TAB = "courses"
MISMATCH_TEXT = (
    "Does not match the order: {fields}. Re-check the scale, the vial label and the pump and "
    "enter what you read; if the order itself is wrong, the prescriber orders again. This "
    "attempt is kept in the record."
)
# The page that takes each lifecycle step of this part, its link text and permission.
NEXT_PAGE = {
    sm.Event.CHECK_IN: ("infusions:checkin", "Check in", Action.CHECK_IN),
    sm.Event.COMPLETE_PRECHECKS: (
        "infusions:prechecks",
        "Pre-infusion checklist",
        Action.RECORD_PRECHECKS,
    ),
    sm.Event.VERIFY_DOSE: ("infusions:check", "Double-check the dose", Action.VERIFY_DOSE),
    sm.Event.CANCEL: ("infusions:cancel", "Cancel the session", Action.CANCEL_SESSION),
}


def _need(request: AuthedRequest, session: InfusionSession, action: Action) -> None:
    if not allowed(request.user, action, session.site):
        raise PermissionDenied(f"{action.value} is not permitted for this user here")


def _page(
    request: AuthedRequest, patient_id: uuid.UUID, session_id: uuid.UUID, page: str
) -> tuple[InfusionSession, dict[str, Any]]:
    """The session of a patient the user may see (404 otherwise), with the banner context."""
    patient, context = patient_page(request, patient_id, f"session-{page}")
    session = session_of(request.user, session_id, patient.public_id)
    user, site = request.user, session.site
    context.update(
        {
            "tab": TAB,
            "session": session,
            "planned": session.planned,
            "course": session.planned.course,
            "can": {
                "clinical": allowed(user, Action.VIEW_CLINICAL, site),
                "check_in": allowed(user, Action.CHECK_IN, site),
                "prechecks": allowed(user, Action.RECORD_PRECHECKS, site),
                "review_cssrs": allowed(user, Action.RESOLVE_SAFETY_TASK, site),
                "order": allowed(user, Action.ORDER_DOSE, site),
                "verify": allowed(user, Action.VERIFY_DOSE, site),
                "cancel": allowed(user, Action.CANCEL_SESSION, site),
            },
        }
    )
    return session, context


def _done(request: AuthedRequest, session: InfusionSession, text: str) -> HttpResponse:
    messages.success(request, text)
    return redirect("infusions:session", session.patient.public_id, session.public_id)


def _today_bounds() -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time.min))
    return start, start + dt.timedelta(days=1)


@login_required
def today(request: AuthedRequest) -> HttpResponse:
    """Today's planned sessions at the user's sites, with their chair-side state."""
    if not allowed(request.user, Action.VIEW_PATIENT):
        raise PermissionDenied
    start, end = _today_bounds()
    planned = list(
        PlannedSession.objects.filter(
            course__patient__in=visible_patients(request.user),
            scheduled_at__gte=start,
            scheduled_at__lt=end,
        )
        .select_related("course__patient__site", "chair")
        .order_by("scheduled_at", "pk")
    )
    chair_side = {
        s.planned_id: s
        for s in InfusionSession.objects.filter(planned__in=planned).select_related("chair")
    }
    rows = []
    for booking in planned:
        found = chair_side.get(booking.pk)
        state = found.state if found else sm.State.SCHEDULED.value
        rows.append(
            {
                "planned": booking,
                "patient": booking.course.patient,
                "chair": (found.chair if found else None) or booking.chair,
                "state": state,
                "state_label": state.replace("_", " ").capitalize(),
                "check_in": booking.status == "scheduled"
                and state == sm.State.SCHEDULED
                and allowed(request.user, Action.CHECK_IN, booking.course.patient.site),
            }
        )
    actor = Actor.from_request(request)
    record(
        actor, "view", object_type="page", object_id="sessions-today", detail={"shown": len(rows)}
    )
    for patient_id in {p.course.patient.public_id for p in planned}:
        record(
            actor,
            "view",
            patient_public_id=patient_id,
            object_type="page",
            object_id="sessions-today",
        )
    context = {"rows": rows, "day": timezone.localdate()}
    return render(request, "infusions/today.html", context)


@login_required
def session_hub(
    request: AuthedRequest, patient_id: uuid.UUID, session_id: uuid.UUID
) -> HttpResponse:
    session, context = _page(request, patient_id, session_id, "hub")
    state = sm.State(session.state)
    steps = []
    for event in sm.allowed_events(state):
        if event in NEXT_PAGE and allowed(request.user, NEXT_PAGE[event][2], session.site):
            steps.append(NEXT_PAGE[event][:2])
    context.update(
        {
            "state": state,
            "steps": steps,
            "to_monitor": state
            in (
                sm.State.DOSE_VERIFIED,
                sm.State.INFUSING,
                sm.State.PAUSED,
                sm.State.INFUSION_ENDED,
            ),
            "transitions": session.transitions.select_related("by").order_by("seq"),
        }
    )
    if context["can"]["clinical"]:
        active = orders.active_order(session)
        current = services.checklist(session)
        context.update(
            {
                "checklist": current,
                "items": current.lines(),
                "order": active,
                "verified": orders.verified_order(session),
                "checks": active.checks.select_related("checked_by", "lot") if active else [],
            }
        )
        if state in orders.ORDERABLE and context["can"]["order"]:
            label = "Change the dose order" if active else "Order the dose"
            context["steps"].insert(-1, ("infusions:order", label))
    return render(request, "infusions/session.html", context)


@login_required
def check_in(request: AuthedRequest, patient_id: uuid.UUID, session_id: uuid.UUID) -> HttpResponse:
    session, context = _page(request, patient_id, session_id, "checkin")
    _need(request, session, Action.CHECK_IN)
    chairs = Chair.objects.filter(site=session.site).order_by("name")
    initial = {"version": session.version, "chair": session.chair or session.planned.chair}
    form = CheckInForm(request.POST or None, initial=initial, chairs=chairs)
    if request.method == "POST" and form.is_valid():
        try:
            services.check_in(
                Actor.from_request(request),
                session,
                chair=form.cleaned_data["chair"],
                expected_version=form.cleaned_data["version"],
            )
        except KclinicError as error:
            attach_error(form, error)
        else:
            return _done(request, session, "Checked in.")
    context["form"] = form
    return render(request, "infusions/checkin.html", context)


def _checklist_context(session: InfusionSession, context: dict[str, Any]) -> None:
    policy = precheck_policy()
    current = services.checklist(session)
    context.update(
        {
            "checklist": current,
            "items": current.lines(),
            "fasting_min": policy.fasting_minimum(session.modality),
            "liquids_min": policy.liquids_minimum(session.modality),
            "open": session.state == sm.State.CHECKED_IN,
            "complete_form": VersionForm(initial={"version": session.version}),
        }
    )


@login_required
def prechecks(request: AuthedRequest, patient_id: uuid.UUID, session_id: uuid.UUID) -> HttpResponse:
    session, context = _page(request, patient_id, session_id, "prechecks")
    _need(request, session, Action.VIEW_CLINICAL)
    policy = precheck_policy()
    facts = services.gather_facts(session, checks.Entered(), policy, timezone.now())
    applies = checks.pregnancy_applies(facts, policy)
    # A GET binds no form (request.POST is an empty dict then, not None).
    action = request.POST.get("action", "record") if request.method == "POST" else ""
    initial = {"version": session.version, "escort_name": session.patient.escort_name}
    form = PrechecksForm(
        request.POST if action == "record" else None, initial=initial, pregnancy_applies=applies
    )
    review = ReviewForm(request.POST if action == "review" else None)
    complete_error = None
    if request.method == "POST":
        actor = Actor.from_request(request)
        try:
            if action == "review":
                if review.is_valid():
                    services.review_precheck(
                        actor,
                        session,
                        item=review.cleaned_data["item"],
                        reason=review.cleaned_data["reason"],
                        expected_version=review.cleaned_data["version"],
                    )
                    return _back(request, session, "Review recorded.")
            elif action == "complete":
                done = VersionForm(request.POST)
                if done.is_valid():
                    services.complete_prechecks(
                        actor, session, expected_version=done.cleaned_data["version"]
                    )
                    return _done(request, session, "Pre-infusion checklist complete.")
                complete_error = "Reload the page and try again."
            else:
                _need(request, session, Action.RECORD_PRECHECKS)
                if form.is_valid():
                    services.record_prechecks(actor, session, **form.service_kwargs())
                    return _back(request, session, "Checklist updated.")
        except KclinicError as error:
            if action == "record":
                attach_error(form, error)
            elif action == "review":
                attach_error(review, error)
            else:
                complete_error = str(error)
    session.refresh_from_db()
    _checklist_context(session, context)
    context.update(
        {
            "form": form,
            "review": review,
            "complete_error": complete_error,
            "vital_fields": ("sbp_mmhg", "dbp_mmhg", "hr_bpm", "spo2_pct", "rr_per_min"),
        }
    )
    return render(request, "infusions/prechecks.html", context)


def _back(request: AuthedRequest, session: InfusionSession, text: str) -> HttpResponse:
    messages.success(request, text)
    return redirect("infusions:prechecks", session.patient.public_id, session.public_id)


@login_required
def order(request: AuthedRequest, patient_id: uuid.UUID, session_id: uuid.UUID) -> HttpResponse:
    session, context = _page(request, patient_id, session_id, "order")
    _need(request, session, Action.VIEW_CLINICAL)
    active = orders.active_order(session)
    latest = session.patient.measurements.order_by("-measured_at").first()
    initial = {
        "supersedes": str(active.public_id) if active else "",
        "weight_kg": latest.weight_kg if latest else None,
        "height_cm": latest.height_cm if latest else None,
    }
    form = OrderForm(request.POST or None, initial=initial, modality=session.modality)
    if request.method == "POST":
        _need(request, session, Action.ORDER_DOSE)
        if form.is_valid():
            seen = form.cleaned_data.get("supersedes") or ""
            try:
                orders.order_dose(
                    Actor.from_request(request),
                    session,
                    expected_order=uuid.UUID(seen) if seen else None,
                    **form.service_kwargs(),
                )
            except (KclinicError, ValueError) as error:
                if isinstance(error, KclinicError):
                    attach_error(form, error)
                else:
                    form.add_error(None, "supersedes: not a valid order id; reload the page")
            else:
                return _done(request, session, "Dose ordered. A second clinician checks it next.")
    today_ = timezone.localdate()
    context.update(
        {
            "form": form,
            "order": active,
            "history": orders.orders_of(session),
            "previous": orders.previous_order(session),
            "chart": pk_chart(active, session.patient.age_on(today_)) if active else None,
            "orderable": session.state in orders.ORDERABLE,
        }
    )
    return render(request, "infusions/order.html", context)


@login_required
def check(request: AuthedRequest, patient_id: uuid.UUID, session_id: uuid.UUID) -> HttpResponse:
    session, context = _page(request, patient_id, session_id, "check")
    _need(request, session, Action.VERIFY_DOSE)
    active = orders.active_order(session)
    lots = orders.eligible_lots(session, active, timezone.localdate()) if active else None
    form = None
    if active is not None:
        form = CheckForm(
            request.POST or None,
            initial={"version": session.version, "order": active.public_id},
            modality=session.modality,
            lots=lots,  # type: ignore[arg-type]
        )
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                orders.double_check(
                    Actor.from_request(request),
                    session,
                    order_id=data["order"],
                    entered=form.entered(),
                    lot_id=data["lot"].public_id if data.get("lot") else None,
                    expected_version=data["version"],
                )
            except orders.CheckMismatch as mismatch:
                for name in mismatch.fields:
                    form.add_error(
                        name if name in form.fields else None, f"{name}: does not match the order"
                    )
                # The ordered values stay hidden: a second attempt is still an own reading.
                form.add_error(None, MISMATCH_TEXT.format(fields=", ".join(mismatch.fields)))
            except KclinicError as error:
                attach_error(form, error)
            else:
                return _done(request, session, "Dose verified by an independent check.")
    context.update(
        {
            "form": form,
            "order": active,
            "fields": check_fields(session.modality) if active else (),
            "own_order": active is not None and active.ordered_by_id == request.user.pk,
        }
    )
    return render(request, "infusions/check.html", context)


@login_required
def cancel(request: AuthedRequest, patient_id: uuid.UUID, session_id: uuid.UUID) -> HttpResponse:
    session, context = _page(request, patient_id, session_id, "cancel")
    _need(request, session, Action.CANCEL_SESSION)
    form = CancelForm(request.POST or None, initial={"version": session.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.cancel(
                Actor.from_request(request),
                session,
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
            )
        except KclinicError as error:
            attach_error(form, error)
        else:
            return _done(request, session, "Session cancelled.")
    context["form"] = form
    return render(request, "infusions/cancel.html", context)
