"""/api/v1/sessions/...: live monitoring over the same services, permissions and audit as the
monitor page. Bedside monitors post their readings to /{session_id}/vitals with
source "device" and their device id.

Reads need view_clinical at the session's site and write a view audit row naming the
patient; writes need run_session (the services check it). A session of a patient the user
cannot see is 404. Schemas are prefixed "Monitor" to keep their OpenAPI names unique.

No `from __future__ import annotations`: ninja resolves the annotations at runtime.
"""

import datetime as dt
import uuid
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone
from ninja import Router, Schema, Status

from kclinic.web.accounts.policy import Action, allowed
from kclinic.web.audit.services import Actor, record
from kclinic.web.common.views import AuthedRequest
from kclinic.web.infusions import board as reads
from kclinic.web.infusions import services_events as events
from kclinic.web.infusions import services_monitoring as monitoring
from kclinic.web.infusions.api_common import ERRORS, session_for_api
from kclinic.web.infusions.models import Alarm, ClinicalEvent, VitalSet

router = Router(tags=["sessions"])
SESSION = "/{session_id}"


class MonitorVitalsIn(Schema):
    sbp_mmhg: int
    dbp_mmhg: int
    hr_bpm: int | None = None
    spo2_pct: int | None = None
    rr_per_min: int | None = None
    symptoms: list[str] = []
    source: str = "manual"
    device_id: str = ""
    taken_at: dt.datetime | None = None


class MonitorAlarmOut(Schema):
    id: uuid.UUID
    kind: str
    level: str
    code: str
    message: str
    vital_set: uuid.UUID | None
    raised_at: dt.datetime
    acknowledged_at: dt.datetime | None
    acknowledged_by: str | None
    action: str
    action_note: str


class MonitorVitalSetOut(Schema):
    id: uuid.UUID
    phase: str
    taken_at: dt.datetime
    sbp_mmhg: int | None
    dbp_mmhg: int | None
    hr_bpm: int | None
    spo2_pct: int | None
    rr_per_min: int | None
    symptoms: list[str]
    source: str
    device_id: str
    level: str
    alerts: list[dict[str, object]]
    recorded_at: dt.datetime
    recorded_by: str


class MonitorVitalsRecordedOut(MonitorVitalSetOut):
    alarms: list[MonitorAlarmOut]
    resolved_alarms: list[uuid.UUID]


class MonitorAckIn(Schema):
    action: str
    note: str = ""


class MonitorInfusionEventIn(Schema):
    kind: str
    rate_ml_per_h: Decimal | None = None
    note: str = ""
    at: dt.datetime | None = None


class MonitorInfusionEventOut(Schema):
    kind: str
    at: dt.datetime
    rate_ml_per_h: Decimal | None
    note: str
    state: str
    version: int
    volume_infused_ml: Decimal


class MonitorScaleIn(Schema):
    instrument_id: str
    answers: list[int | None] | dict[str, int | None]
    time_point: str
    administered_at: dt.datetime | None = None
    options: dict[str, str] | None = None


class MonitorScaleOut(Schema):
    assessment: uuid.UUID
    instrument_id: str
    time_point: str
    administered_at: dt.datetime
    total: int | None
    band: str
    flags: list[str]


class MonitorClinicalEventIn(Schema):
    kind: str
    description: str
    at: dt.datetime | None = None
    medication: str = ""
    dose: str = ""
    route: str = ""
    grade: int | None = None
    serious: bool = False
    seriousness: list[str] = []
    outcome: str = ""


class MonitorClinicalEventOut(Schema):
    id: uuid.UUID
    kind: str
    at: dt.datetime
    description: str
    medication: str
    dose: str
    route: str
    grade: int | None
    serious: bool
    seriousness: list[str]
    outcome: str


class MonitorAbortIn(Schema):
    reason: str
    at: dt.datetime | None = None


class MonitorSessionStateOut(Schema):
    id: uuid.UUID
    state: str
    version: int


class ChairBoardRowOut(Schema):
    session: uuid.UUID
    patient: uuid.UUID
    patient_name: str
    mrn: str
    site: str
    chair: str | None
    state: str
    dosing_started_at: dt.datetime | None
    elapsed_s: int | None
    volume_infused_ml: Decimal | None
    last_vitals: MonitorVitalSetOut | None
    next_vitals_due: dt.datetime | None
    overdue_s: int | None
    open_alarms: list[MonitorAlarmOut]


def _alarm(alarm: Alarm) -> dict[str, object]:
    return {
        "id": alarm.public_id,
        "kind": alarm.kind,
        "level": alarm.level,
        "code": alarm.code,
        "message": alarm.message,
        "vital_set": alarm.vital_set.public_id if alarm.vital_set_id else None,  # type: ignore[union-attr]
        "raised_at": alarm.raised_at,
        "acknowledged_at": alarm.acknowledged_at,
        "acknowledged_by": alarm.acknowledged_by.username if alarm.acknowledged_by else None,
        "action": alarm.action,
        "action_note": alarm.action_note,
    }


def _vitals(row: VitalSet) -> dict[str, object]:
    return {
        "id": row.public_id,
        "phase": row.phase,
        "taken_at": row.taken_at,
        "sbp_mmhg": row.systolic,
        "dbp_mmhg": row.diastolic,
        "hr_bpm": row.heart_rate,
        "spo2_pct": row.spo2,
        "rr_per_min": row.respiratory_rate,
        "symptoms": list(row.symptoms),
        "source": row.source,
        "device_id": row.device_id,
        "level": row.level,
        "alerts": list(row.alerts),
        "recorded_at": row.recorded_at,
        "recorded_by": row.recorded_by.username,
    }


@router.post(SESSION + "/vitals", response={201: MonitorVitalsRecordedOut, **ERRORS})
def record_session_vitals(
    request: AuthedRequest, session_id: uuid.UUID, payload: MonitorVitalsIn
) -> Status[dict[str, object]]:
    """Record one set of vital signs (manual, or from a bedside monitor with its device id);
    the reply carries the policy's verdict and any alarms it raised."""
    session = session_for_api(request, session_id)
    done = monitoring.record_vitals(Actor.from_request(request), session, **payload.dict())
    body = _vitals(done.vital_set) | {
        "alarms": [_alarm(a) for a in done.alarms],
        "resolved_alarms": [a.public_id for a in done.resolved],
    }
    return Status(201, body)


@router.get(SESSION + "/vitals", response={200: list[MonitorVitalSetOut], **ERRORS})
def list_session_vitals(request: AuthedRequest, session_id: uuid.UUID) -> list[dict[str, object]]:
    """Every set of the session, in the order taken."""
    session = session_for_api(request, session_id, read="session-vitals")
    rows = session.vitals.select_related("recorded_by").order_by("taken_at", "id")
    return [_vitals(row) for row in rows]


@router.get(SESSION + "/alarms", response={200: list[MonitorAlarmOut], **ERRORS})
def list_session_alarms(
    request: AuthedRequest, session_id: uuid.UUID, open_only: bool = False
) -> list[dict[str, object]]:
    """The session's alarms, oldest first (raising the overdue-vitals alarm when due)."""
    session = session_for_api(request, session_id, read="session-alarms")
    monitoring.check_overdue(Actor.from_request(request), session)
    alarms = session.alarms.select_related("vital_set", "acknowledged_by").order_by(
        "raised_at", "id"
    )
    if open_only:
        alarms = alarms.filter(acknowledged_at__isnull=True)
    return [_alarm(alarm) for alarm in alarms]


@router.post(SESSION + "/alarms/{alarm_id}/acknowledge", response={200: MonitorAlarmOut, **ERRORS})
def acknowledge_session_alarm(
    request: AuthedRequest, session_id: uuid.UUID, alarm_id: uuid.UUID, payload: MonitorAckIn
) -> dict[str, object]:
    """Close an open alarm with the action taken; a second acknowledgement is 409."""
    session = session_for_api(request, session_id)
    alarm = Alarm.objects.filter(session=session, public_id=alarm_id).first()
    if alarm is None:
        raise Http404("No such alarm")
    done = monitoring.acknowledge_alarm(
        Actor.from_request(request), alarm, payload.action, payload.note
    )
    return _alarm(done)


@router.post(SESSION + "/infusion-events", response={201: MonitorInfusionEventOut, **ERRORS})
def record_session_infusion_event(
    request: AuthedRequest, session_id: uuid.UUID, payload: MonitorInfusionEventIn
) -> Status[dict[str, object]]:
    """A pump event: start, pause, resume (optionally at a new rate), rate_change (rate and
    reason in `note`), stop. Start, pause, resume and stop move the session's state."""
    session = session_for_api(request, session_id)
    event = events.record_infusion_event(
        Actor.from_request(request),
        session,
        payload.kind,
        rate_ml_per_h=payload.rate_ml_per_h,
        note=payload.note,
        at=payload.at,
    )
    return Status(
        201,
        {
            "kind": event.kind,
            "at": event.at,
            "rate_ml_per_h": event.rate_ml_per_h,
            "note": event.note,
            "state": session.state,
            "version": session.version,
            "volume_infused_ml": monitoring.volume_infused_ml(session, timezone.now()),
        },
    )


@router.post(SESSION + "/scales", response={201: MonitorScaleOut, **ERRORS})
def record_session_scale(
    request: AuthedRequest, session_id: uuid.UUID, payload: MonitorScaleIn
) -> Status[dict[str, object]]:
    """A chair-side scale (cadss, moaas, aldrete, bprs-positive) at a protocol time point."""
    session = session_for_api(request, session_id)
    scale = events.record_scale(
        Actor.from_request(request),
        session,
        payload.instrument_id,
        payload.answers,
        payload.time_point,
        administered_at=payload.administered_at,
        options=payload.options,
    )
    assessment = scale.assessment
    return Status(
        201,
        {
            "assessment": assessment.public_id,
            "instrument_id": assessment.instrument_id,
            "time_point": scale.time_point,
            "administered_at": assessment.administered_at,
            "total": assessment.total,
            "band": assessment.band,
            "flags": list(assessment.flags),
        },
    )


CLINICAL_FIELDS = ("kind", "at", "description", "medication", "dose", "route", "grade")


def _clinical(event: ClinicalEvent) -> dict[str, object]:
    shown = {name: getattr(event, name) for name in CLINICAL_FIELDS}
    return shown | {
        "id": event.public_id,
        "serious": event.serious,
        "seriousness": list(event.seriousness),
        "outcome": event.outcome,
    }


@router.post(SESSION + "/clinical-events", response={201: MonitorClinicalEventOut, **ERRORS})
def record_session_clinical_event(
    request: AuthedRequest, session_id: uuid.UUID, payload: MonitorClinicalEventIn
) -> Status[dict[str, object]]:
    """A side effect, an intervention (medication, dose, route) or an adverse event (grade
    1-5, seriousness criteria when serious)."""
    session = session_for_api(request, session_id)
    data = payload.dict()
    event = events.record_clinical_event(
        Actor.from_request(request), session, data.pop("kind"), data.pop("description"), **data
    )
    return Status(201, _clinical(event))


@router.post(SESSION + "/abort", response={200: MonitorSessionStateOut, **ERRORS})
def abort_infusion_session(
    request: AuthedRequest, session_id: uuid.UUID, payload: MonitorAbortIn
) -> dict[str, object]:
    """Stop a session after drug was given, with a reason (before that: cancel)."""
    session = session_for_api(request, session_id)
    moved = events.abort_session(
        Actor.from_request(request), session, reason=payload.reason, at=payload.at
    )
    return {"id": moved.public_id, "state": moved.state, "version": moved.version}


# GET /{uuid:session_id} (the session part's) only matches a UUID, so "board" is free.
@router.get("/board", response={200: list[ChairBoardRowOut], **ERRORS})
def get_chair_board(request: AuthedRequest) -> list[dict[str, object]]:
    """Every chair with a patient at the user's sites (as the chair board page)."""
    if not allowed(request.user, Action.VIEW_CLINICAL):
        raise PermissionDenied("view_clinical is not permitted for this user")
    actor = Actor.from_request(request)
    now = timezone.now()
    rows = []
    sessions = list(reads.board_sessions(request.user))
    for session in sessions:
        monitoring.check_overdue(actor, session, now)
        snap = reads.snapshot(session, now)
        patient = session.patient
        rows.append(
            {
                "session": session.public_id,
                "patient": patient.public_id,
                "patient_name": f"{patient.family_name.upper()}, {patient.given_name}",
                "mrn": patient.mrn,
                "site": session.site.name,
                "chair": session.chair.name if session.chair else None,
                "state": session.state,
                "dosing_started_at": snap.dosing_started_at,
                "elapsed_s": snap.elapsed_s,
                "volume_infused_ml": snap.pump.volume_ml if snap.pump else None,
                "last_vitals": _vitals(snap.last_vitals) if snap.last_vitals else None,
                "next_vitals_due": snap.clock.due_at,
                "overdue_s": snap.clock.overdue_s,
                "open_alarms": [_alarm(alarm) for alarm in snap.alarms],
            }
        )
    record(
        actor, "view", object_type="api", object_id="chair-board", detail={"sessions": len(rows)}
    )
    for patient_id in dict.fromkeys(s.patient.public_id for s in sessions):
        record(
            actor, "view", patient_public_id=patient_id, object_type="api", object_id="chair-board"
        )
    return rows
