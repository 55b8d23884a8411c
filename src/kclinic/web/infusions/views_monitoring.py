"""The live monitoring page of one session and the clinic's chair board.

The monitor page is one URL: a GET renders the page, an htmx GET (the 10-second poll)
renders only its live region, and a POST records one thing (`entry`: vitals, ack, pump,
abort, scale, clinical) through one service. Everything shown is read back from the
database, so a reload or a server restart loses nothing. Each GET, polls included, writes
the view audit row; each refresh also raises the overdue-vitals alarm when a set is late.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from kclinic.domain import session_states as sm
from kclinic.domain.errors import KclinicError
from kclinic.web.accounts.policy import Action, allowed, require
from kclinic.web.audit.services import Actor, record, record_poll_view
from kclinic.web.common.views import AuthedRequest, attach_error, patient_page
from kclinic.web.infusions import board as reads
from kclinic.web.infusions import services_events as events
from kclinic.web.infusions import services_monitoring as monitoring
from kclinic.web.infusions.forms_monitoring import (
    AbortForm,
    AcknowledgeForm,
    ClinicalEventForm,
    PumpForm,
    ScaleForm,
    VitalsForm,
)
from kclinic.web.infusions.models import Alarm, InfusionSession
from kclinic.web.infusions.selectors import session_of

TAB = "courses"  # sessions belong to a course; the session pages sit under that tab
ENTRY_FORMS = ("vitals", "scale", "clinical")  # outside the live region
AFTER_DRUG = (sm.State.INFUSING, sm.State.PAUSED, sm.State.INFUSION_ENDED, sm.State.RECOVERY)

Handler = Callable[[AuthedRequest, Actor, InfusionSession], tuple[forms.Form, str | None]]


def _page(
    request: AuthedRequest, patient_id: uuid.UUID, session_id: uuid.UUID
) -> tuple[InfusionSession, dict[str, Any]]:
    patient, context = patient_page(request, patient_id, TAB, audit=False)
    session = session_of(request.user, session_id, patient_id)
    if not allowed(request.user, Action.VIEW_CLINICAL, patient.site):
        raise PermissionDenied("the monitor needs view_clinical")
    if request.method == "GET":
        _audit_view(
            request,
            Actor.from_request(request),
            "session-monitor",
            patient.public_id,
            {"session": str(session.public_id)},
        )
    context.update({"session": session, "page": "monitor"})
    return session, context


def _audit_view(
    request: AuthedRequest,
    actor: Actor,
    page: str,
    patient_public_id: uuid.UUID | None,
    detail: dict[str, object] | None = None,
) -> None:
    """Opening the page writes a view row; its 10-second self-refresh (an htmx GET) writes one
    at most every few minutes (kclinic.web.audit.services.POLL_AUDIT_INTERVAL)."""
    if request.htmx:
        record_poll_view(actor, object_id=page, patient_public_id=patient_public_id, detail=detail)
    else:
        record(
            actor,
            "view",
            patient_public_id=patient_public_id,
            object_type="page",
            object_id=page,
            detail=detail,
        )


def _run(form: forms.Form, call: Callable[[], object]) -> str | None:
    """Call the service when the form parses; put a core error on its field. Returns the
    success message, or None when the form shows errors."""
    if not form.is_valid():
        return None
    try:
        call()
    except KclinicError as error:
        attach_error(form, error)
        return None
    return "saved"


def _vitals(
    request: AuthedRequest, actor: Actor, session: InfusionSession
) -> tuple[forms.Form, str | None]:
    form = VitalsForm(request.POST)
    done = _run(form, lambda: monitoring.record_vitals(actor, session, **form.service_kwargs()))
    return form, done and "Vital signs recorded."


def _ack(
    request: AuthedRequest, actor: Actor, session: InfusionSession
) -> tuple[forms.Form, str | None]:
    form = AcknowledgeForm(request.POST)
    if form.is_valid():
        alarm = get_object_or_404(Alarm, public_id=form.cleaned_data["alarm"], session=session)
        data = form.cleaned_data
        done = _run(
            form, lambda: monitoring.acknowledge_alarm(actor, alarm, data["action"], data["note"])
        )
        return form, done and "Alarm acknowledged."
    return form, None


def _pump(
    request: AuthedRequest, actor: Actor, session: InfusionSession
) -> tuple[forms.Form, str | None]:
    form = PumpForm(request.POST)
    done = _run(
        form,
        lambda: events.record_infusion_event(
            actor,
            session,
            form.cleaned_data["event"],
            rate_ml_per_h=form.cleaned_data.get("rate_ml_per_h"),
            note=form.cleaned_data.get("note") or "",
        ),
    )
    return form, done and "Pump event recorded."


def _abort(
    request: AuthedRequest, actor: Actor, session: InfusionSession
) -> tuple[forms.Form, str | None]:
    form = AbortForm(request.POST)
    done = _run(
        form, lambda: events.abort_session(actor, session, reason=form.cleaned_data["reason"])
    )
    return form, done and "Session aborted."


def _scale(
    request: AuthedRequest, actor: Actor, session: InfusionSession
) -> tuple[forms.Form, str | None]:
    form = ScaleForm(request.POST)
    done = _run(
        form,
        lambda: events.record_scale(
            actor,
            session,
            form.cleaned_data["instrument"],
            form.scale_answers(),
            form.cleaned_data["time_point"],
            administered_at=form.cleaned_data.get("administered_at") or None,
        ),
    )
    return form, done and "Scale recorded."


def _clinical(
    request: AuthedRequest, actor: Actor, session: InfusionSession
) -> tuple[forms.Form, str | None]:
    form = ClinicalEventForm(request.POST)
    done = _run(form, lambda: events.record_clinical_event(actor, session, **form.service_kwargs()))
    return form, done and "Event recorded."


HANDLERS: dict[str, Handler] = {
    "vitals": _vitals,
    "ack": _ack,
    "pump": _pump,
    "abort": _abort,
    "scale": _scale,
    "clinical": _clinical,
}


def _entry_forms() -> dict[str, forms.Form]:
    return {"vitals": VitalsForm(), "scale": ScaleForm(), "clinical": ClinicalEventForm()}


def live_context(
    request: AuthedRequest,
    session: InfusionSession,
    *,
    posted: str | None = None,
    bound: forms.Form | None = None,
) -> dict[str, Any]:
    """What the live region shows, read fresh from the database."""
    now = timezone.now()
    monitoring.check_overdue(Actor.from_request(request), session, now)
    session.refresh_from_db()
    snap = reads.snapshot(session, now)
    state = sm.State(session.state)
    ack_forms = []
    for alarm in snap.alarms:
        mine = (
            posted == "ack"
            and bound is not None
            and str(bound.data.get("alarm")) == str(alarm.public_id)
        )
        form = bound if mine else AcknowledgeForm(initial={"alarm": alarm.public_id})
        ack_forms.append((alarm, form, mine))
    order = monitoring.active_order(session)
    return {
        "snap": snap,
        "chart": reads.chart_for(session, snap),
        "vitals_rows": list(
            session.vitals.select_related("recorded_by").order_by("-taken_at", "-id")
        ),
        "events": list(reads.events_of(session)),
        "scales": list(
            session.scales.select_related("assessment").order_by("-assessment__administered_at")
        ),
        "clinical_events": list(session.clinical_events.order_by("-at", "-id")),
        "ack_forms": ack_forms,
        "pump_form": bound if posted == "pump" else None,
        "abort_form": bound if posted == "abort" else AbortForm(),
        "order": order,
        "has_pump": session.modality in events.PUMP_MODALITIES,
        "after_drug": state in AFTER_DRUG,
        "can_run": allowed(request.user, Action.RUN_SESSION, session.site),
        # A discharged or cancelled session changes no more: its page stops polling.
        "polling": state not in (sm.State.DISCHARGED, sm.State.CANCELLED),
        # After a post the whole region is drawn fresh; a poll keeps what a nurse is typing.
        "preserve": request.method == "GET",
        "posted": posted,
    }


@login_required
def monitor(request: AuthedRequest, patient_id: uuid.UUID, session_id: uuid.UUID) -> HttpResponse:
    session, context = _page(request, patient_id, session_id)
    entry = _entry_forms()
    posted: str | None = None
    bound: forms.Form | None = None
    if request.method == "POST":
        require(request.user, Action.RUN_SESSION, session.site)
        posted = request.POST.get("entry", "")
        handler = HANDLERS.get(posted)
        if handler is None:
            return HttpResponseBadRequest("unknown entry")
        bound, done = handler(request, Actor.from_request(request), session)
        if done:
            if not request.htmx:
                messages.success(request, done)
                return redirect("infusions:monitor", patient_id, session_id)
            bound = None
            context["saved"] = done
        elif posted in ENTRY_FORMS:
            entry[posted] = bound
    context.update(live_context(request, session, posted=posted, bound=bound))
    context.update({"entry": entry, "oob": posted in ENTRY_FORMS})
    if request.htmx:
        template = "infusions/_monitor_posted.html" if posted else "infusions/_monitor_live.html"
        return render(request, template, context)
    return render(request, "infusions/monitor.html", context)


@login_required
def board(request: AuthedRequest) -> HttpResponse:
    """Every chair with a patient at the user's sites; the table polls itself every 10 s."""
    if not allowed(request.user, Action.VIEW_CLINICAL):
        raise PermissionDenied
    actor = Actor.from_request(request)
    now = timezone.now()
    sessions = list(reads.board_sessions(request.user))
    for session in sessions:
        monitoring.check_overdue(actor, session, now)
    rows = [reads.snapshot(session, now) for session in sessions]
    _audit_view(request, actor, "chair-board", None, {"sessions": len(rows)})
    for patient_id in dict.fromkeys(row.session.patient.public_id for row in rows):
        _audit_view(request, actor, "chair-board", patient_id)
    template = "infusions/_board_rows.html" if request.htmx else "infusions/board.html"
    return render(request, template, {"rows": rows, "now": now})
