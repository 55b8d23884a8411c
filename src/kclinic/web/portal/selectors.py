"""Reads for the portal: courses as measurement timelines, what is due or overdue, links.

The schedule is computed, not stored: `kclinic.domain.measurement_schedule` turns a course's
sessions, phase changes and end into items, and the questionnaires the patient completed
(assessments of any respondent, and the portal's question sets) complete them. So a
rescheduled session moves its items, and a PHQ-9 taken at the chair counts as done.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from kclinic.domain import measurement_schedule as ms
from kclinic.web.accounts.models import User
from kclinic.web.assessments.models import Assessment
from kclinic.web.courses.models import Phase, PhaseChange, PlannedSession, TreatmentCourse
from kclinic.web.patients.models import Patient
from kclinic.web.portal.models import RiskRoute, SelfReportLink, SelfReportSubmission
from kclinic.web.tasks.selectors import assignees_prefetch

# Items close at most 30 days after they open (after-course), and after-course items run
# for 12 months: older courses and evidence cannot affect what is due now.
LOOKBACK = timedelta(days=31)
AFTER_COURSE_SPAN = timedelta(days=30 * 13)


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=timezone.get_current_timezone())


def timeline(course: TreatmentCourse) -> ms.CourseTimeline:
    """The course as the schedule rules see it (uses prefetched sessions and phase changes)."""
    sessions = tuple(
        ms.SessionPoint(
            id=str(s.public_id),
            sequence=s.sequence,
            at=s.scheduled_at,
            status=s.status,  # type: ignore[arg-type]
            completed_at=s.completed_at,
        )
        for s in course.sessions.all()
    )
    changes = sorted(course.phase_changes.all(), key=lambda c: (c.changed_at, c.pk))
    first_phase = changes[0].from_phase if changes else course.phase
    points = [(first_phase, _start_of(course.started_on))]
    points += [(c.to_phase, c.changed_at) for c in changes]
    spans = tuple(
        ms.PhaseSpan(phase, start, points[i + 1][1] if i + 1 < len(points) else None)
        for i, (phase, start) in enumerate(points)
    )
    ended_at = None
    if course.phase == Phase.ENDED:
        ended = [c.changed_at for c in changes if c.to_phase == Phase.ENDED]
        ended_at = ended[-1] if ended else _start_of(course.ended_on or course.started_on)
    return ms.CourseTimeline(str(course.public_id), sessions, spans, ended_at)


def _courses(
    patients: QuerySet[Patient] | Iterable[Patient], now: datetime
) -> list[TreatmentCourse]:
    recent = now.date() - AFTER_COURSE_SPAN
    return list(
        TreatmentCourse.objects.filter(patient__in=patients)
        .filter(~Q(phase=Phase.ENDED) | Q(ended_on__gte=recent))
        .select_related("patient__site")
        .prefetch_related(
            Prefetch("sessions", queryset=PlannedSession.objects.order_by("sequence")),
            Prefetch("phase_changes", queryset=PhaseChange.objects.all()),
        )
    )


def evidence(patient_ids: Iterable[int], since: datetime) -> dict[int, list[ms.Evidence]]:
    """Completed questionnaires per patient (pk) since `since`."""
    found: dict[int, list[ms.Evidence]] = defaultdict(list)
    ids = list(patient_ids)
    rows = (
        Assessment.objects.current()
        .filter(patient_id__in=ids, administered_at__gte=since)
        .values_list("patient_id", "instrument_id", "administered_at")
    )
    for patient_id, instrument, at in rows:
        found[patient_id].append(ms.Evidence(instrument, at))
    submissions = SelfReportSubmission.objects.filter(
        patient_id__in=ids, submitted_at__gte=since
    ).select_related("link")
    for sub in submissions:
        for section in sub.link.instruments:
            if section in (ms.URINARY, ms.SIDE_EFFECTS):
                found[sub.patient_id].append(ms.Evidence(section, sub.submitted_at))
    return found


@dataclass(frozen=True)
class DueRow:
    patient: Patient
    course: TreatmentCourse
    state: ms.ItemState
    link: SelfReportLink | None  # an open link already sent for this item

    @property
    def item(self) -> ms.DueItem:
        return self.state.item


def _open_links(patient_ids: Iterable[int], now: datetime) -> dict[str, SelfReportLink]:
    links = SelfReportLink.objects.filter(
        patient_id__in=list(patient_ids),
        used_at=None,
        revoked_at=None,
        expires_at__gt=now,
    ).exclude(due_key="")
    return {link.due_key: link for link in links.order_by("created_at")}


def due_rows(patients: QuerySet[Patient] | Iterable[Patient], now: datetime) -> list[DueRow]:
    """Due and overdue items of these patients' courses, overdue first, then by due time."""
    courses = _courses(patients, now)
    patient_ids = {c.patient_id for c in courses}
    done = evidence(patient_ids, now - LOOKBACK)
    links = _open_links(patient_ids, now)
    rows = [
        DueRow(course.patient, course, state, links.get(state.item.key))
        for course in courses
        for state in ms.outstanding(timeline(course), done.get(course.patient_id, []), now)
    ]
    rows.sort(key=lambda r: (r.state.status != "overdue", r.item.due_at, r.patient.family_name))
    return rows


def due_for(user: User, now: datetime) -> list[DueRow]:
    from kclinic.web.patients.selectors import visible_patients

    return due_rows(visible_patients(user), now)


def due_item(
    patient: Patient, key: str, now: datetime
) -> tuple[TreatmentCourse, ms.DueItem] | None:
    """The patient's item with this key if it is due or overdue now."""
    for row in due_rows([patient], now):
        if row.item.key == key:
            return row.course, row.item
    return None


def upcoming_for(patient: Patient, now: datetime, days: int = 14) -> list[ms.DueItem]:
    """Items of the patient's courses that open in the next `days` days."""
    horizon = now + timedelta(days=days)
    items = []
    for course in _courses([patient], now):
        for item in ms.schedule(timeline(course), until=horizon):
            if item.opens_at > now:
                items.append(item)
    return sorted(items, key=lambda i: i.opens_at)


def links_of(patient: Patient) -> QuerySet[SelfReportLink]:
    return (
        SelfReportLink.objects.filter(patient=patient)
        .select_related("sent_by", "revoked_by")
        .prefetch_related("submission")
        .order_by("-created_at")
    )


def link_of(patient: Patient, link_id: uuid.UUID) -> SelfReportLink | None:
    return links_of(patient).filter(public_id=link_id).first()


def routes_of(patient: Patient) -> QuerySet[RiskRoute]:
    return (
        RiskRoute.objects.filter(patient=patient)
        .select_related("task", "link")
        .prefetch_related(assignees_prefetch("task__assigned_to"))
        .order_by("-created_at")
    )


def submissions_of(patient: Patient) -> QuerySet[SelfReportSubmission]:
    return SelfReportSubmission.objects.filter(patient=patient).order_by("-submitted_at")
