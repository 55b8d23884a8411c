"""Builders for the reports tests (no tests here). Rows are created directly, so each test
states exactly the courses, sessions, scores and chair-side events it counts; the services
that normally write them are tested in their own apps."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from kclinic.web.assessments.models import Assessment
from kclinic.web.courses.models import CoursePlan, PlannedSession, TreatmentCourse
from kclinic.web.infusions.models import ClinicalEvent, DoseOrder, InfusionSession, VitalSet
from kclinic.web.patients.models import Patient
from tests.web.factories import PatientFactory

UTC = dt.UTC
JAN6 = dt.date(2025, 1, 6)  # a Monday


def at(day: dt.date, hour: int = 9, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=UTC)


def a_course(
    clinic: Any,
    patient: Patient,
    started_on: dt.date,
    *,
    modality: str = "iv-racemic",
    indication: str = "F33.2",
    phase: str = "induction",
    template_id: str = "iv-2-a-week-3-weeks",
) -> TreatmentCourse:
    extra = {}
    if phase == "ended":
        extra = {"ended_on": started_on + dt.timedelta(days=20), "end_reason": "Stopped early"}
    return TreatmentCourse.objects.create(
        patient=patient,
        indication_code=indication,
        indication_text="Depression",
        modality=modality,
        template_id=template_id,
        phase=phase,
        started_on=started_on,
        created_by=clinic.prescriber,
        **extra,
    )


def sessions(
    clinic: Any, course: TreatmentCourse, days: list[dt.date], *, status: str = "completed"
) -> list[PlannedSession]:
    plan = course.plans.first() or CoursePlan.objects.create(
        course=course,
        template_id=course.template_id,
        protocol_version="test",
        start_on=course.started_on,
        weekdays="mon,thu",
        created_by=clinic.prescriber,
    )
    first = course.sessions.count() + 1
    made = []
    for offset, day in enumerate(days):
        done = status == "completed"
        made.append(
            PlannedSession.objects.create(
                course=course,
                plan=plan,
                sequence=first + offset,
                scheduled_at=at(day),
                status=status,
                completed_at=at(day, 12) if done else None,
                completed_by=clinic.nurse if done else None,
                created_by=clinic.prescriber,
            )
        )
    return made


def twice_weekly(start: dt.date, count: int) -> list[dt.date]:
    """Mondays and Thursdays from a Monday."""
    days = []
    day = start
    while len(days) < count:
        if day.weekday() in (0, 3):
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def score(
    clinic: Any,
    patient: Patient,
    instrument_id: str,
    total: int,
    when: dt.datetime,
    *,
    supersedes: Assessment | None = None,
    complete: bool = True,
) -> Assessment:
    return Assessment.objects.create(
        patient=patient,
        instrument_id=instrument_id,
        instrument_version="test",
        answers={},
        total=total,
        complete=complete,
        context="follow-up",
        respondent="patient",
        administered_at=when,
        administered_by=clinic.nurse,
        entered_by=clinic.nurse,
        entered_at=timezone.now(),
        supersedes=supersedes,
    )


def chair_side(clinic: Any, planned: PlannedSession, state: str = "discharged") -> InfusionSession:
    course = planned.course
    return InfusionSession.objects.create(
        planned=planned,
        public_id=planned.public_id,
        patient=course.patient,
        site=course.patient.site,
        modality=course.modality,
        protocol_version="test",
        state=state,
        created_at=planned.scheduled_at,
    )


def event(clinic: Any, session: InfusionSession, description: str, kind: str = "side_effect"):
    when = session.planned.scheduled_at + dt.timedelta(minutes=30)
    return ClinicalEvent.objects.create(
        session=session,
        kind=kind,
        at=when,
        description=description,
        recorded_at=when,
        recorded_by=clinic.nurse,
    )


def vitals(
    clinic: Any,
    session: InfusionSession,
    systolic: int,
    diastolic: int,
    *,
    level: str = "",
    phase: str = "pre_dose",
) -> VitalSet:
    when = session.planned.scheduled_at + dt.timedelta(minutes=5 if phase == "pre_dose" else 20)
    return VitalSet.objects.create(
        session=session,
        phase=phase,
        taken_at=when,
        systolic=systolic,
        diastolic=diastolic,
        level=level,
        recorded_at=when,
        recorded_by=clinic.nurse,
    )


def dose(
    clinic: Any,
    session: InfusionSession,
    dose_mg: str,
    weight_kg: str,
    *,
    mg_per_kg: str | None = None,
    override_reason: str = "",
) -> DoseOrder:
    return DoseOrder.objects.create(
        session=session,
        ordered_at=session.planned.scheduled_at,
        ordered_by=clinic.prescriber,
        weight_kg=Decimal(weight_kg),
        dose_mg=Decimal(dose_mg),
        mg_per_kg=Decimal(mg_per_kg) if mg_per_kg else None,
        override_reason=override_reason,
    )


def build_small_clinic(clinic):
    """Seven courses at site A and one at site B.

    C1 (P1, IV, F33.2): 6 sessions; PHQ-9 20 -> 8 (an entry of 14 corrected to 8); QIDS 16 -> 5.
    C0 (P1): started later, no completed session.
    C2 (P2, IV, F32.2): 6 sessions; PHQ-9 25 (older) then 18 at baseline -> 3; a PHQ-9 of 27
        from 2024 lies outside the 90-day look-back.
    C3 (P3, esketamine, F33.1): 6 sessions; PHQ-9 15 -> 9 (a response only under Keith);
        a PHQ-9 of 2 forty days after induction lies outside the outcome window.
    C4 (P4): 3 sessions, ended: a dropout.  C5 (P5): 2 sessions, still in induction.
    C6 (P6): 6 sessions, PHQ-9 baseline 22, no outcome assessment.
    C7 (site B): 6 sessions, PHQ-9 20 -> 2: not the prescriber's site.
    """
    site_a = clinic.site_a
    people = [clinic.patient] + [
        PatientFactory(site=site_a, created_by=clinic.prescriber) for _ in range(5)
    ]
    p1, p2, p3, p4, p5, p6 = people
    six = twice_weekly(JAN6, 6)  # Jan 6, 9, 13, 16, 20, 23
    after = dt.date(2025, 2, 6)  # 14 days after the 6th session

    c1 = a_course(clinic, p1, JAN6)
    c1_sessions = sessions(clinic, c1, six)
    score(clinic, p1, "phq9", 20, at(JAN6, 8, 30))
    wrong = score(clinic, p1, "phq9", 14, at(after, 10))
    score(clinic, p1, "phq9", 8, at(after, 10), supersedes=wrong)
    score(clinic, p1, "qids-sr16", 16, at(dt.date(2025, 1, 5), 10))
    score(clinic, p1, "qids-sr16", 5, at(after, 10))
    c0 = a_course(clinic, p1, dt.date(2025, 3, 3))
    sessions(clinic, c0, [dt.date(2025, 3, 3)], status="scheduled")

    c2 = a_course(clinic, p2, JAN6, indication="F32.2")
    c2_sessions = sessions(clinic, c2, six)
    score(clinic, p2, "phq9", 27, at(dt.date(2024, 6, 1)))
    score(clinic, p2, "phq9", 25, at(dt.date(2025, 1, 2)))
    score(clinic, p2, "phq9", 18, at(JAN6, 8))
    score(clinic, p2, "phq9", 3, at(dt.date(2025, 1, 30)))

    c3 = a_course(
        clinic, p3, JAN6, modality="esketamine", indication="F33.1", template_id="esketamine-trd"
    )
    sessions(clinic, c3, six)
    score(clinic, p3, "phq9", 15, at(JAN6, 8))
    score(clinic, p3, "phq9", 9, at(dt.date(2025, 2, 2)))
    score(clinic, p3, "phq9", 2, at(dt.date(2025, 3, 4)))

    c4 = a_course(clinic, p4, JAN6, phase="ended")
    c4_sessions = sessions(clinic, c4, six[:3])
    c5 = a_course(clinic, p5, dt.date(2025, 2, 10))
    sessions(clinic, c5, twice_weekly(dt.date(2025, 2, 10), 2))
    c6 = a_course(clinic, p6, JAN6)
    sessions(clinic, c6, six)
    score(clinic, p6, "phq9", 22, at(JAN6, 8))

    other = clinic.other_site_patient
    c7 = a_course(clinic, other, JAN6)
    c7_sessions = sessions(clinic, c7, six)
    score(clinic, other, "phq9", 20, at(JAN6, 8))
    score(clinic, other, "phq9", 2, at(after))

    # Chair-side events: dissociation in 2 sessions (twice in one), nausea in 2, a confirmed
    # BP pause in 1; a warn-level reading, an intervention and site B's events do not count.
    s = chair_side(clinic, c1_sessions[0])
    event(clinic, s, "Dissociation, resolved by 60 min")
    event(clinic, s, "Mild nausea")
    vitals(clinic, chair_side(clinic, c1_sessions[1]), 184, 112, level="pause", phase="infusion")
    event(clinic, chair_side(clinic, c2_sessions[0]), "Vomiting once", kind="adverse_event")
    s = chair_side(clinic, c2_sessions[2])
    event(clinic, s, "Felt dissociated")
    event(clinic, s, "Dissociative, anxious")
    s = chair_side(clinic, c4_sessions[0])
    vitals(clinic, s, 150, 85, level="warn")
    event(clinic, s, "Ondansetron 4 mg IV for nausea", kind="intervention")
    event(clinic, chair_side(clinic, c7_sessions[0]), "Dissociation")
    return clinic
