"""Staff pages: a patient's self-report page (schedule, links, send), the QR code to show in
the clinic, revoking a link, and the clinic's due and overdue list.

Front desk staff may send links and see the schedule; the answers, urgent routes and side
effects are shown only to roles with Action.VIEW_CLINICAL.
"""

from __future__ import annotations

import uuid

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe

from kclinic.domain.errors import KclinicError
from kclinic.web.accounts.policy import Action, allowed
from kclinic.web.audit.services import Actor, record
from kclinic.web.common.views import AuthedRequest, attach_error, patient_page
from kclinic.web.patients.models import Patient
from kclinic.web.portal import selectors, services
from kclinic.web.portal.forms import SendForm
from kclinic.web.portal.models import Channel

PAGE = "self-report"


def _need(request: AuthedRequest, patient: Patient | None, action: Action) -> None:
    if not allowed(request.user, action, patient.site if patient else None):
        raise PermissionDenied


def _initial(patient: Patient, key: str) -> dict[str, object]:
    found = selectors.due_item(patient, key, timezone.now()) if key else None
    if found is None:
        return {"instruments": ["phq9", "gad7", "cssrs-screener"]}
    _, item = found
    return {"instruments": list(item.instruments), "context": item.context, "due_key": key}


def _page_context(request: AuthedRequest, patient: Patient) -> dict[str, object]:
    now = timezone.now()
    clinical = allowed(request.user, Action.VIEW_CLINICAL, patient.site)
    return {
        "links": [(link, services.state_of(link, now)) for link in selectors.links_of(patient)],
        "due": selectors.due_rows([patient], now),
        "upcoming": selectors.upcoming_for(patient, now),
        "routes": selectors.routes_of(patient) if clinical else [],
        "submissions": selectors.submissions_of(patient) if clinical else [],
        "can_send": allowed(request.user, Action.SEND_SELF_REPORT, patient.site),
        "crisis_default": settings.KCLINIC_CRISIS_TEXT_IS_DEFAULT,
    }


def _qr_page(
    request: AuthedRequest, context: dict[str, object], issued: services.Issued
) -> HttpResponse:
    qr = segno.make(issued.url, error="m")
    context.update(
        {
            "issued": issued,
            # segno writes the SVG from the URL alone (no user text), so it is safe inline.
            "qr_svg": mark_safe(
                qr.svg_inline(scale=6, title="Self-report link", border=2, omitsize=True)
            ),
        }
    )
    response = render(request, "portal/qr.html", context)
    # The page holds a working link: never keep it in a cache or the browser history store.
    response["Cache-Control"] = "no-store"
    return response


@login_required
def patient_self_report(request: AuthedRequest, patient_id: uuid.UUID) -> HttpResponse:
    patient, context = patient_page(request, patient_id, PAGE)
    if request.method == "POST":
        _need(request, patient, Action.SEND_SELF_REPORT)
        form = SendForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            base_url = services.base_url_for(request.build_absolute_uri("/"))
            actor = Actor.from_request(request)
            try:
                if data["due_key"]:
                    issued = services.create_link_for_item(
                        actor,
                        patient,
                        due_key=data["due_key"],
                        channel=data["channel"],
                        base_url=base_url,
                    )
                else:
                    issued = services.create_link(
                        actor,
                        patient,
                        instruments=data["instruments"],
                        channel=data["channel"],
                        context=data["context"],
                        base_url=base_url,
                    )
            except KclinicError as error:
                attach_error(form, error)
            else:
                if issued.link.channel == Channel.QR:
                    return _qr_page(request, context, issued)
                messages.success(
                    request,
                    f"Link sent by {issued.link.get_channel_display().lower()} to "
                    f"{issued.link.sent_to}.",
                )
                return redirect("portal:patient", patient.public_id)
    else:
        form = SendForm(initial=_initial(patient, request.GET.get("due", "")))
    context.update(_page_context(request, patient))
    context["form"] = form
    return render(request, "portal/patient.html", context)


@login_required
def revoke(request: AuthedRequest, patient_id: uuid.UUID, link_id: uuid.UUID) -> HttpResponse:
    patient, context = patient_page(request, patient_id, PAGE)
    link = selectors.link_of(patient, link_id)
    if link is None:
        raise Http404("No such link")
    if request.method == "POST":
        _need(request, patient, Action.SEND_SELF_REPORT)
        try:
            services.revoke_link(Actor.from_request(request), link)
        except KclinicError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "Link withdrawn: it no longer opens.")
        return redirect("portal:patient", patient.public_id)
    context.update(
        {
            "link": link,
            "state": services.state_of(link, timezone.now()),
            "can_send": allowed(request.user, Action.SEND_SELF_REPORT, patient.site),
        }
    )
    return render(request, "portal/revoke.html", context)


@login_required
def due_list(request: AuthedRequest) -> HttpResponse:
    """Self-report items due or overdue now for every patient the user may see."""
    _need(request, None, Action.SEND_SELF_REPORT)
    rows = selectors.due_for(request.user, timezone.now())
    actor = Actor.from_request(request)
    record(
        actor, "view", object_type="page", object_id="self-report-due", detail={"rows": len(rows)}
    )
    for patient_id in {row.patient.public_id for row in rows}:
        record(
            actor,
            "view",
            patient_public_id=patient_id,
            object_type="page",
            object_id="self-report-due",
        )
    return render(request, "portal/due.html", {"rows": rows})
