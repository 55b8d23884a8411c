"""What a patient does through a link: save answers as they go, then submit them once.

Both find the link by its token (`services.find`, row locked) and refuse an unusable link
before writing anything. A risky answer is routed the moment it is saved: an urgent task for
the link (kclinic.web.portal.routing). Submitting stores each instrument through
`record_assessment` (respondent: patient), which opens a safety task per flag in the same
transaction; for an instrument whose saved answer was routed it does so inside
`tasks.services.continuing(link)`, so the assessment continues that task instead of opening
a second one. Urgent findings are routed and the link is marked used, all in one
transaction: all or nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from kclinic.domain.errors import ValidationError
from kclinic.domain.self_report_risk import shows_crisis_resources
from kclinic.web.assessments.services import record_assessment
from kclinic.web.audit.services import Actor, record
from kclinic.web.portal import questions, routing
from kclinic.web.portal.models import RiskRoute, SelfReportLink, SelfReportSubmission
from kclinic.web.portal.services import (
    OBJECT,
    LinkState,
    LinkUnavailable,
    find,
    recording_clinician,
)
from kclinic.web.tasks.services import continuing

# -- the patient: save as they go, then submit ----------------------------------------


@dataclass(frozen=True)
class Saved:
    link: SelfReportLink
    crisis: bool
    routes: list[RiskRoute] = field(default_factory=list)


def save_progress(
    token: str,
    section: str,
    posted: Mapping[str, object],
    *,
    now: datetime | None = None,
    source_address: str | None = None,
) -> Saved:
    """Merge answers into the link's saved progress. A risky answer is routed at once."""
    now = now or timezone.now()
    patient_actor = Actor(None, source_address)
    with transaction.atomic():
        link = find(token, now, lock=True)
        if section not in link.instruments:
            raise ValidationError("section", section, ", ".join(link.instruments))
        cleaned = questions.clean(section, link.progress.get(section, {}), posted)
        link.progress = {**link.progress, section: cleaned}
        link.progress_at = now
        SelfReportLink.objects.filter(pk=link.pk).update(progress=link.progress, progress_at=now)
        record(
            patient_actor,
            "update",
            patient_public_id=link.patient.public_id,
            object_type=OBJECT,
            object_id=link.public_id,
            detail={
                "section": section,
                "answered": sum(1 for v in cleaned.values() if v not in (None, "")),
            },
        )
        routes = []
        if section in questions.INSTRUMENTS:
            routes = routing.route_answers(patient_actor, link, section, cleaned, now)
    return Saved(link, crisis_shown(link), routes)


def crisis_shown(link: SelfReportLink) -> bool:
    """Whether any saved answer calls for the clinic's crisis text on the patient's page."""
    return any(
        shows_crisis_resources(section, answers)
        for section, answers in link.progress.items()
        if section in questions.INSTRUMENTS
    )


def incomplete(link: SelfReportLink) -> list[str]:
    return [s for s in link.instruments if not questions.complete(s, link.progress.get(s))]


@dataclass(frozen=True)
class Submitted:
    submission: SelfReportSubmission
    crisis: bool
    routes: list[RiskRoute]


def submit(
    token: str, *, now: datetime | None = None, source_address: str | None = None
) -> Submitted:
    """Store every answer and mark the link used, in one transaction (all or nothing)."""
    now = now or timezone.now()
    patient_actor = Actor(None, source_address)
    with transaction.atomic():
        link = find(token, now, lock=True)
        missing = incomplete(link)
        if missing:
            raise ValidationError(
                "answers", questions.title(missing[0]), "every question answered before sending"
            )
        clinician = recording_clinician(link, link.sent_by, now)
        if clinician is None:
            raise ValidationError("clinician", "none", "a clinician who may record assessments")
        clinician_actor = Actor(clinician, source_address)
        stored, routes = [], []
        routed = routing.answered_sections(link)
        for section in link.instruments:
            if section not in questions.INSTRUMENTS:
                continue
            # Only an instrument whose own saved answer was routed continues the link's task
            # (a low-risk C-SSRS "yes" must not take over the PHQ-9's urgent task).
            earlier: AbstractContextManager[None] = (
                continuing(routing.LINK_SOURCE, link.public_id)
                if section in routed
                else nullcontext()
            )
            with earlier:
                recorded = record_assessment(
                    clinician_actor,
                    link.patient,
                    section,
                    link.progress[section],
                    link.context,
                    now,
                    respondent="patient",
                )
            stored.append(recorded.assessment)
            routes += routing.route_assessment(patient_actor, link, recorded, now)
        submission = SelfReportSubmission.objects.create(
            link=link,
            patient=link.patient,
            submitted_at=now,
            urinary=dict(link.progress.get(questions.URINARY_SET.id, {})),
            side_effects=str(
                link.progress.get(questions.SIDE_EFFECTS_SET.id, {}).get(questions.TEXT_FIELD, "")
            ),
            recorded_for=clinician,
        )
        submission.assessments.set(stored)
        used = SelfReportLink.objects.filter(pk=link.pk, used_at=None, revoked_at=None).update(
            used_at=now
        )
        if not used:
            raise LinkUnavailable(LinkState.USED)
        record(
            patient_actor,
            "submit",
            patient_public_id=link.patient.public_id,
            object_type=OBJECT,
            object_id=link.public_id,
            detail={
                "assessments": [str(a.public_id) for a in stored],
                "recorded_for": clinician.username,
                "urinary_yes": sorted(k for k, v in submission.urinary.items() if v == 1),
                "side_effects": bool(submission.side_effects),
                "urgent_tasks": [str(r.task.public_id) for r in routes],
            },
        )
    return Submitted(submission, crisis_shown(link), routes)
