"""Every write about treatment courses: permission check, the domain's rules, one transaction,
an audit row, and the course's version moved on so concurrent edits are refused.

Courses are managed by prescribers (Action.MANAGE_COURSE): creating one, changing its phase
or template, and approving a plan that departs from its template. Sessions are scheduled by
nurses, front desk and prescribers (Action.SCHEDULE_SESSION). Marking a session completed
records that a treatment took place, so it needs Action.RECORD_CLINICAL_DATA.
Session writes live in `session_services` and are re-exported here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from kclinic.domain import courses as rules
from kclinic.domain.errors import ValidationError
from kclinic.web.accounts.policy import Action, require
from kclinic.web.audit.services import Actor, record
from kclinic.web.courses.models import (
    Phase,
    PhaseChange,
    PlannedSession,
    SessionStatus,
    TreatmentCourse,
)
from kclinic.web.courses.services_common import (
    BOOKING_HORIZON_DAYS,
    EARLIEST_START,
    ConflictError,
    bump_version,
)
from kclinic.web.courses.session_services import (
    add_session,
    cancel_session,
    complete_session,
    plan_sessions,
    reschedule_session,
)
from kclinic.web.patients.models import Patient

__all__ = [
    "ConflictError",
    "NewCourse",
    "add_session",
    "cancel_session",
    "change_phase",
    "complete_session",
    "create_course",
    "plan_sessions",
    "reschedule_session",
]

# ICD-10-CM: a letter, two characters, then optionally a dot and up to four more (F33.2).
ICD10_CM = re.compile(r"^[A-TV-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$")


@dataclass(frozen=True)
class NewCourse:
    indication_code: str
    indication_text: str
    modality: str
    template_id: str
    started_on: date
    phase: str = Phase.EVALUATION

    def check(self, today: date) -> str:
        """Validate; return the normalised ICD-10-CM code."""
        code = self.indication_code.strip().upper()
        if not ICD10_CM.match(code):
            raise ValidationError(
                "indication_code", self.indication_code, "an ICD-10-CM code such as F33.2"
            )
        if not self.indication_text.strip():
            raise ValidationError("indication_text", self.indication_text, "a non-empty value")
        rules.check_modality(self.modality)
        rules.check_template_for_modality(rules.get_template(self.template_id), self.modality)
        latest = today + timedelta(days=BOOKING_HORIZON_DAYS)
        if not EARLIEST_START <= self.started_on <= latest:
            raise ValidationError(
                "started_on", self.started_on.isoformat(), f"{EARLIEST_START} to {latest}"
            )
        starting = [p for p in rules.PHASES if p != Phase.ENDED]
        if self.phase not in starting:
            raise ValidationError("phase", self.phase, ", ".join(starting))
        return code


def create_course(actor: Actor, patient: Patient, data: NewCourse) -> TreatmentCourse:
    """Open a course for `patient`. A patient has at most one active course at a time."""
    user = actor.signed_in()
    require(user, Action.MANAGE_COURSE, patient.site)
    code = data.check(timezone.localdate())
    with transaction.atomic():
        # Lock the patient row so two prescribers cannot open two active courses at once.
        Patient.objects.select_for_update().filter(pk=patient.pk).first()
        active = TreatmentCourse.objects.filter(patient=patient).exclude(phase=Phase.ENDED).first()
        if active is not None:
            raise ValidationError(
                "patient",
                patient.mrn,
                "a patient without an active course (end the course started "
                f"{active.started_on} first)",
            )
        course = TreatmentCourse.objects.create(
            patient=patient,
            indication_code=code,
            indication_text=data.indication_text.strip(),
            modality=data.modality,
            template_id=data.template_id,
            protocol_version=rules.TEMPLATES_VERSION,
            phase=data.phase,
            started_on=data.started_on,
            created_by=user,
        )
        record(
            actor,
            "create",
            patient_public_id=patient.public_id,
            object_type="course",
            object_id=course.public_id,
            detail={
                "indication_code": code,
                "modality": data.modality,
                "template_id": data.template_id,
                "protocol_version": rules.TEMPLATES_VERSION,
                "phase": data.phase,
                "started_on": data.started_on.isoformat(),
            },
        )
    return course


def change_phase(
    actor: Actor,
    course: TreatmentCourse,
    *,
    phase: str,
    expected_version: int,
    reason: str = "",
    template_id: str | None = None,
    now: datetime | None = None,
) -> TreatmentCourse:
    """Move the course to `phase` (domain rules: forward only, re-induction from maintenance,
    ending needs a reason), optionally switching the template the next plan is made from.

    Ending a course cancels its remaining scheduled sessions with the ending reason. A new
    template needs the old plan's scheduled sessions cancelled first, so no session is left
    checked against a template it was not planned from.
    """
    user = actor.signed_in()
    require(user, Action.MANAGE_COURSE, course.patient.site)
    now = now or timezone.now()
    with transaction.atomic():
        bump_version(course, expected_version)
        before = course.phase
        text = rules.check_phase_change(before, phase, reason)
        new_template = template_id if template_id and template_id != course.template_id else None
        if new_template:
            rules.check_template_for_modality(rules.get_template(new_template), course.modality)
        scheduled = course.sessions.filter(status=SessionStatus.SCHEDULED)
        if new_template and phase != Phase.ENDED and scheduled.exists():
            raise ValidationError(
                "template_id",
                new_template,
                "the current template until the remaining "
                f"{scheduled.count()} scheduled session(s) are cancelled",
            )
        cancelled = _end(actor, course, text, now) if phase == Phase.ENDED else []
        if new_template and phase != Phase.ENDED:
            course.template_id = new_template
        course.phase = phase
        course.save(update_fields=["phase", "template_id", "ended_on", "end_reason"])
        PhaseChange.objects.create(
            course=course,
            from_phase=before,
            to_phase=phase,
            template_id=new_template or "",
            reason=text,
            changed_at=now,
            changed_by=user,
        )
        record(
            actor,
            "update",
            patient_public_id=course.patient.public_id,
            object_type="course",
            object_id=course.public_id,
            detail={
                "phase": [before, phase],
                "reason": text,
                "template_id": new_template,
                "cancelled_sessions": cancelled,
            },
        )
    return course


def _end(actor: Actor, course: TreatmentCourse, reason: str, now: datetime) -> list[str]:
    user = actor.signed_in()
    course.ended_on = timezone.localdate(now)
    course.end_reason = reason
    cancelled: list[str] = []
    for session in course.sessions.filter(status=SessionStatus.SCHEDULED):
        PlannedSession.objects.filter(pk=session.pk).update(
            status=SessionStatus.CANCELLED,
            cancel_reason=f"course ended: {reason}"[:500],
            cancelled_at=now,
            cancelled_by=user,
        )
        record(
            actor,
            "cancel",
            patient_public_id=course.patient.public_id,
            object_type="session",
            object_id=session.public_id,
            detail={"reason": "course ended", "scheduled_at": session.scheduled_at.isoformat()},
        )
        cancelled.append(str(session.public_id))
    return cancelled
