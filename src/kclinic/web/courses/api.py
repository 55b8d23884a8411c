"""/api/v1/patients/{id}/courses and /api/v1/course-templates: the same services, permissions
and audit as the pages.

Front desk tokens see the schedule (dates, chairs, status) but the clinical fields
(indication, modality, template, phase, reasons, findings) come back as null. A write that
names an out-of-date `version` gets 409 with the error envelope and changes nothing.

No `from __future__ import annotations`: ninja reads the parameter types of the paginated
operation through its wrapper, where postponed (string) annotations cannot be resolved.
"""

import datetime as dt
import uuid

from ninja import Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from kclinic.domain import courses as rules
from kclinic.domain.errors import ValidationError
from kclinic.web.accounts.models import Chair
from kclinic.web.accounts.policy import Action, allowed
from kclinic.web.audit.services import Actor, record
from kclinic.web.common.views import AuthedRequest
from kclinic.web.courses import services
from kclinic.web.courses.models import PlannedSession, TreatmentCourse
from kclinic.web.courses.selectors import (
    chairs_for,
    course_of,
    courses_of,
    session_of,
    sessions_of,
    summary,
)
from kclinic.web.patients.selectors import patient_for

router = Router(tags=["courses"])
templates_router = Router(tags=["courses"])


class ErrorOut(Schema):
    error: dict[str, object]


class SessionOut(Schema):
    id: uuid.UUID
    sequence: int
    scheduled_at: dt.datetime
    chair: str | None
    status: str
    cancel_reason: str | None = None
    override_reason: str | None = None


class CourseOut(Schema):
    id: uuid.UUID
    patient: uuid.UUID
    started_on: dt.date
    ended_on: dt.date | None
    active: bool
    version: int
    indication_code: str | None = None
    indication_text: str | None = None
    modality: str | None = None
    template_id: str | None = None
    protocol_version: str | None = None
    phase: str | None = None
    end_reason: str | None = None


class CourseDetailOut(CourseOut):
    sessions: list[SessionOut]
    findings: list[dict[str, object]] | None = None


class CourseIn(Schema):
    indication_code: str
    indication_text: str
    modality: str
    template_id: str
    started_on: dt.date
    phase: str = "evaluation"


class PlanIn(Schema):
    version: int
    start_on: dt.date
    weekdays: list[int]
    time_of_day: dt.time
    chair: uuid.UUID | None = None
    open_ended_sessions: int = 0
    pace: str | None = None


class SessionIn(Schema):
    version: int
    scheduled_at: dt.datetime
    chair: uuid.UUID | None = None
    override_reason: str = ""


class CancelIn(Schema):
    version: int
    reason: str


class PhaseIn(Schema):
    version: int
    phase: str
    reason: str = ""
    template_id: str | None = None


class TemplateOut(Schema):
    id: str
    name: str
    sessions: int
    window_days: int
    open_ended: bool
    modalities: list[str]
    blocks: list[dict[str, object]]
    source: dict[str, str]


def _clinical(request: AuthedRequest, course: TreatmentCourse) -> bool:
    return allowed(request.user, Action.VIEW_CLINICAL, course.patient.site)


def _session(session: PlannedSession, clinical: bool) -> dict[str, object]:
    return {
        "id": session.public_id,
        "sequence": session.sequence,
        "scheduled_at": session.scheduled_at,
        "chair": session.chair.name if session.chair else None,
        "status": session.status,
        "cancel_reason": session.cancel_reason if clinical else None,
        "override_reason": session.override_reason if clinical else None,
    }


def _course(course: TreatmentCourse, clinical: bool) -> dict[str, object]:
    out: dict[str, object] = {
        "id": course.public_id,
        "patient": course.patient.public_id,
        "started_on": course.started_on,
        "ended_on": course.ended_on,
        "active": course.active,
        "version": course.version,
    }
    if clinical:
        out.update(
            {
                "indication_code": course.indication_code,
                "indication_text": course.indication_text,
                "modality": course.modality,
                "template_id": course.template_id,
                "protocol_version": course.protocol_version,
                "phase": course.phase,
                "end_reason": course.end_reason,
            }
        )
    return out


def _detail(request: AuthedRequest, course: TreatmentCourse) -> dict[str, object]:
    course.refresh_from_db()
    clinical = _clinical(request, course)
    out = _course(course, clinical)
    out["sessions"] = [_session(s, clinical) for s in sessions_of(course)]
    out["findings"] = [f.as_dict() for f in summary(course).findings] if clinical else None
    return out


def _conflict(error: services.ConflictError) -> Status[dict[str, object]]:
    return Status(409, {"error": {"code": "conflict", "message": str(error), "fields": []}})


def _chair(course: TreatmentCourse, chair_id: uuid.UUID | None) -> Chair | None:
    if chair_id is None:
        return None
    chair = chairs_for(course).filter(public_id=chair_id).first()
    if chair is None:
        raise ValidationError("chair", str(chair_id), f"a chair at {course.patient.site.name}")
    return chair


def _course_in(
    request: AuthedRequest, patient_id: uuid.UUID, course_id: uuid.UUID, what: str = ""
) -> TreatmentCourse:
    """The course of a patient the user may see (404 otherwise); a read writes a view row."""
    course = course_of(patient_for(request.user, patient_id), course_id)
    if what:
        record(
            Actor.from_request(request),
            "view",
            patient_public_id=course.patient.public_id,
            object_type="api",
            object_id=what,
        )
    return course


Out = Status[dict[str, object]]
COURSE = "/{patient_id}/courses/{course_id}"
SESSION = COURSE + "/sessions/{session_id}"


@templates_router.get("/", response=list[TemplateOut])
def list_course_templates(request: AuthedRequest, modality: str | None = None) -> object:
    """The course templates, their blocks and sources (no patient data)."""
    templates = rules.templates_for(modality) if modality else rules.DEFAULT_TEMPLATES.values()
    return [t.as_dict() for t in templates]


@router.get("/{patient_id}/courses", response=list[CourseOut])
@paginate(LimitOffsetPagination)
def list_courses(request: AuthedRequest, patient_id: uuid.UUID) -> object:
    patient = patient_for(request.user, patient_id)
    record(
        Actor.from_request(request),
        "view",
        patient_public_id=patient.public_id,
        object_type="api",
        object_id="courses",
    )
    clinical = allowed(request.user, Action.VIEW_CLINICAL, patient.site)
    return [_course(c, clinical) for c in courses_of(patient)]


@router.post("/{patient_id}/courses", response={201: CourseDetailOut})
def create_course(request: AuthedRequest, patient_id: uuid.UUID, payload: CourseIn) -> Out:
    patient = patient_for(request.user, patient_id)
    data = services.NewCourse(**payload.dict())
    course = services.create_course(Actor.from_request(request), patient, data)
    return Status(201, _detail(request, course))


@router.get(COURSE, response=CourseDetailOut)
def get_course(
    request: AuthedRequest, patient_id: uuid.UUID, course_id: uuid.UUID
) -> dict[str, object]:
    return _detail(request, _course_in(request, patient_id, course_id, "course"))


@router.post(COURSE + "/plan", response={201: CourseDetailOut, 409: ErrorOut})
def plan_course_sessions(
    request: AuthedRequest, patient_id: uuid.UUID, course_id: uuid.UUID, payload: PlanIn
) -> Out:
    course = _course_in(request, patient_id, course_id)
    try:
        services.plan_sessions(
            Actor.from_request(request),
            course,
            start_on=payload.start_on,
            weekdays=payload.weekdays,
            time_of_day=payload.time_of_day,
            chair=_chair(course, payload.chair),
            expected_version=payload.version,
            open_ended_sessions=payload.open_ended_sessions,
            pace=payload.pace,
        )
    except services.ConflictError as error:
        return _conflict(error)
    return Status(201, _detail(request, course))


@router.post(COURSE + "/sessions", response={201: SessionOut, 409: ErrorOut})
def add_course_session(
    request: AuthedRequest, patient_id: uuid.UUID, course_id: uuid.UUID, payload: SessionIn
) -> Out:
    course = _course_in(request, patient_id, course_id)
    try:
        session = services.add_session(
            Actor.from_request(request),
            course,
            scheduled_at=payload.scheduled_at,
            chair=_chair(course, payload.chair),
            expected_version=payload.version,
            override_reason=payload.override_reason,
        )
    except services.ConflictError as error:
        return _conflict(error)
    return Status(201, _session(session, _clinical(request, course)))


@router.post(SESSION + "/reschedule", response={200: SessionOut, 409: ErrorOut})
def reschedule_course_session(
    request: AuthedRequest,
    patient_id: uuid.UUID,
    course_id: uuid.UUID,
    session_id: uuid.UUID,
    payload: SessionIn,
) -> Out:
    course = _course_in(request, patient_id, course_id)
    session = session_of(course, session_id)
    try:
        services.reschedule_session(
            Actor.from_request(request),
            session,
            scheduled_at=payload.scheduled_at,
            chair=_chair(course, payload.chair),
            expected_version=payload.version,
            override_reason=payload.override_reason,
        )
    except services.ConflictError as error:
        return _conflict(error)
    return Status(200, _session(session, _clinical(request, course)))


@router.post(SESSION + "/cancel", response={200: SessionOut, 409: ErrorOut})
def cancel_course_session(
    request: AuthedRequest,
    patient_id: uuid.UUID,
    course_id: uuid.UUID,
    session_id: uuid.UUID,
    payload: CancelIn,
) -> Out:
    course = _course_in(request, patient_id, course_id)
    session = session_of(course, session_id)
    try:
        services.cancel_session(
            Actor.from_request(request),
            session,
            reason=payload.reason,
            expected_version=payload.version,
        )
    except services.ConflictError as error:
        return _conflict(error)
    return Status(200, _session(session, _clinical(request, course)))


@router.post(SESSION + "/complete", response=SessionOut)
def complete_course_session(
    request: AuthedRequest, patient_id: uuid.UUID, course_id: uuid.UUID, session_id: uuid.UUID
) -> dict[str, object]:
    course = _course_in(request, patient_id, course_id)
    session = services.complete_session(Actor.from_request(request), session_of(course, session_id))
    return _session(session, _clinical(request, course))


@router.post(COURSE + "/phase", response={200: CourseDetailOut, 409: ErrorOut})
def change_course_phase(
    request: AuthedRequest, patient_id: uuid.UUID, course_id: uuid.UUID, payload: PhaseIn
) -> Out:
    course = _course_in(request, patient_id, course_id)
    try:
        services.change_phase(
            Actor.from_request(request),
            course,
            phase=payload.phase,
            reason=payload.reason,
            template_id=payload.template_id,
            expected_version=payload.version,
        )
    except services.ConflictError as error:
        return _conflict(error)
    return Status(200, _detail(request, course))
