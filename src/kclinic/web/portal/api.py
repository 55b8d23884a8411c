"""/api/v1 for self-report links and the due list. Same services, permissions and audit as
the pages. The patient's side (answering through a link) is page-only.

    POST /patients/{id}/self-report-links            create and send a link (201)
    GET  /patients/{id}/self-report-links            the patient's links
    POST /patients/{id}/self-report-links/{id}/revoke withdraw an open link
    GET  /self-report/due                            items due or overdue now, all patients

No `from __future__ import annotations` here: django-ninja reads the annotations at runtime.
"""

import uuid
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone
from ninja import Router, Schema, Status

from kclinic.web.accounts.policy import Action, allowed
from kclinic.web.assessments.models import Context
from kclinic.web.audit.services import Actor, record
from kclinic.web.common.views import AuthedRequest
from kclinic.web.patients.selectors import patient_for
from kclinic.web.portal import selectors, services
from kclinic.web.portal.models import Channel, SelfReportLink

router = Router(tags=["portal"])


class LinkIn(Schema):
    channel: str
    # Either a schedule item (its questionnaires and context are used) or a list of
    # instrument / question-set ids with a context.
    due_key: str | None = None
    instruments: list[str] | None = None
    context: str = Context.FOLLOW_UP


class LinkOut(Schema):
    id: uuid.UUID
    patient: uuid.UUID
    instruments: list[str]
    context: str
    due_key: str | None
    channel: str
    sent_to: str
    sent_by: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None
    revoked_at: datetime | None
    status: str
    reminders_sent: int
    # Only in the answer to the POST that created a QR link: the caller shows it as a code.
    url: str | None = None


class DueOut(Schema):
    patient: uuid.UUID
    mrn: str
    name: str
    course: uuid.UUID
    key: str
    rule: str
    instruments: list[str]
    missing: list[str]
    status: str
    context: str
    opens_at: datetime
    due_at: datetime
    closes_at: datetime
    link: uuid.UUID | None


def _out(link: SelfReportLink, url: str | None = None) -> dict[str, Any]:
    return {
        "id": link.public_id,
        "patient": link.patient.public_id,
        "instruments": list(link.instruments),
        "context": link.context,
        "due_key": link.due_key or None,
        "channel": link.channel,
        "sent_to": link.sent_to,
        "sent_by": link.sent_by.username,
        "created_at": link.created_at,
        "expires_at": link.expires_at,
        "used_at": link.used_at,
        "revoked_at": link.revoked_at,
        "status": services.state_of(link, timezone.now()).value,
        "reminders_sent": link.reminders_sent,
        "url": url,
    }


@router.post("/patients/{patient_id}/self-report-links", response={201: LinkOut})
def create_self_report_link(
    request: AuthedRequest, patient_id: uuid.UUID, payload: LinkIn
) -> Status[dict[str, Any]]:
    """Create a single-use link and deliver it by email or SMS, or (channel "qr") return its
    URL once for the caller to show as a QR code."""
    patient = patient_for(request.user, patient_id)
    actor = Actor.from_request(request)
    base_url = services.base_url_for(request.build_absolute_uri("/"))
    if payload.due_key:
        issued = services.create_link_for_item(
            actor, patient, due_key=payload.due_key, channel=payload.channel, base_url=base_url
        )
    else:
        issued = services.create_link(
            actor,
            patient,
            instruments=payload.instruments or [],
            channel=payload.channel,
            context=payload.context,
            base_url=base_url,
        )
    url = issued.url if issued.link.channel == Channel.QR else None
    return Status(201, _out(issued.link, url))


@router.get("/patients/{patient_id}/self-report-links", response=list[LinkOut])
def list_self_report_links(request: AuthedRequest, patient_id: uuid.UUID) -> list[dict[str, Any]]:
    """The patient's links, newest first (never their tokens: only digests are stored)."""
    patient = patient_for(request.user, patient_id)
    record(
        Actor.from_request(request),
        "view",
        patient_public_id=patient.public_id,
        object_type="api",
        object_id="self-report-links",
    )
    return [_out(link) for link in selectors.links_of(patient).select_related("patient")]


@router.post("/patients/{patient_id}/self-report-links/{link_id}/revoke", response={200: LinkOut})
def revoke_self_report_link(
    request: AuthedRequest, patient_id: uuid.UUID, link_id: uuid.UUID
) -> dict[str, Any]:
    patient = patient_for(request.user, patient_id)
    link = selectors.link_of(patient, link_id)
    if link is None:
        raise Http404("No such link")
    return _out(services.revoke_link(Actor.from_request(request), link))


@router.get("/self-report/due", response=list[DueOut])
def list_self_report_due(request: AuthedRequest) -> list[dict[str, Any]]:
    """Items due or overdue now for every patient the caller may see, overdue first."""
    if not allowed(request.user, Action.SEND_SELF_REPORT):
        raise PermissionDenied("send_self_report is not permitted for this user")
    rows = selectors.due_for(request.user, timezone.now())
    actor = Actor.from_request(request)
    record(
        actor, "view", object_type="api", object_id="self-report-due", detail={"rows": len(rows)}
    )
    for patient_id in {row.patient.public_id for row in rows}:
        record(
            actor,
            "view",
            patient_public_id=patient_id,
            object_type="api",
            object_id="self-report-due",
        )
    return [
        {
            "patient": row.patient.public_id,
            "mrn": row.patient.mrn,
            "name": row.patient.full_name,
            "course": row.course.public_id,
            "key": row.item.key,
            "rule": row.item.rule,
            "instruments": list(row.item.instruments),
            "missing": list(row.state.missing),
            "status": row.state.status,
            "context": row.item.context,
            "opens_at": row.item.opens_at,
            "due_at": row.item.due_at,
            "closes_at": row.item.closes_at,
            "link": row.link.public_id if row.link else None,
        }
        for row in rows
    ]
