"""One patient's outcomes, course by course: a trajectory per instrument with baseline,
response and remission lines under the definition chosen for it (the instrument's kclinic
default unless the page names another), time to response, sustained response and relapse;
with the patient's cumulative ketamine exposure, side effects per course and the long-term
safety checks due.

Each course is read as the dashboard reads it (kclinic.domain.outcome_stats.READING_RULES):
the baseline is the last assessment at or before the first completed session and within the
look-back (before any session: the first assessment of the course); the course's
assessments run until the next course starts. Current assessments only (a corrected one is
replaced by its correction).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from kclinic.domain import instruments, outcomes
from kclinic.domain.errors import ValidationError
from kclinic.domain.outcome_stats import (
    AE_CATEGORIES,
    READING_RULES,
    CourseReading,
    Exposure,
    ae_category,
    exposure,
    read_course,
)
from kclinic.domain.safety_followup import Finding
from kclinic.web.accounts.models import User
from kclinic.web.accounts.policy import Action, require
from kclinic.web.assessments.chart import Geometry
from kclinic.web.assessments.models import Assessment
from kclinic.web.courses.models import PlannedSession, SessionStatus, TreatmentCourse
from kclinic.web.infusions.models import ClinicalEvent
from kclinic.web.patients.models import Patient
from kclinic.web.reports import facts
from kclinic.web.reports.models import SafetyFinding
from kclinic.web.reports.outcome_chart import chart, short_name
from kclinic.web.reports.safety import findings_for, policy

# Depression scales first, then the rest in the registry's order.
FIRST = ("phq9", "qids-sr16", "madrs", "hamd17", "gad7")


@dataclass(frozen=True)
class InstrumentOutcome:
    instrument_id: str
    short: str
    definition: outcomes.OutcomeDefinition | None
    choices: tuple[outcomes.OutcomeDefinition, ...]
    points: tuple[tuple[datetime, int], ...]
    baseline: tuple[datetime, int] | None
    reading: CourseReading[datetime] | None
    chart: Geometry
    note: str = ""


@dataclass(frozen=True)
class CourseOutcome:
    course: TreatmentCourse
    number: int
    sessions: tuple[datetime, ...]
    instruments: tuple[InstrumentOutcome, ...]
    side_effects: tuple[tuple[str, int], ...]  # category label, sessions with one


@dataclass(frozen=True)
class PatientOutcomes:
    patient: Patient
    today: date
    courses: tuple[CourseOutcome, ...]  # newest first
    exposure: Exposure
    findings: tuple[Finding, ...]
    recorded: tuple[SafetyFinding, ...]

    @property
    def definition_choices(self) -> tuple[InstrumentOutcome, ...]:
        """One entry per scale that can be read under more than one named definition."""
        seen: dict[str, InstrumentOutcome] = {}
        for course in self.courses:
            for item in course.instruments:
                if len(item.choices) > 1:
                    seen.setdefault(item.instrument_id, item)
        return tuple(sorted(seen.values(), key=lambda item: _order(item.instrument_id)))


def chosen_definitions(ids: Sequence[str]) -> dict[str, outcomes.OutcomeDefinition]:
    """instrument id -> the definition named for it; unknown ids raise UnknownNameError."""
    chosen = {}
    for definition_id in ids:
        definition = outcomes.get_definition(definition_id)
        chosen[definition.instrument_id] = definition
    return chosen


def _order(instrument_id: str) -> tuple[int, int]:
    ids = list(instruments.REGISTRY)
    if instrument_id in FIRST:
        return (0, FIRST.index(instrument_id))
    return (1, ids.index(instrument_id) if instrument_id in ids else len(ids))


def _distinct_times(rows: Sequence[tuple[datetime, int]]) -> list[tuple[datetime, int]]:
    """One score per time: of two assessments at the same minute the later-entered wins."""
    by_time: dict[datetime, int] = {}
    for when, total in rows:
        by_time[when] = total
    return sorted(by_time.items())


def _instrument(
    course_no: int,
    instrument_id: str,
    rows: list[tuple[datetime, int]],
    sessions: tuple[datetime, ...],
    anchor: datetime,
    chosen: dict[str, outcomes.OutcomeDefinition],
) -> InstrumentOutcome | None:
    instrument = instruments.REGISTRY.get(instrument_id)
    if instrument is None or instrument.max_total is None or not rows:
        return None
    rows = _distinct_times(rows)
    lookback = anchor - timedelta(days=READING_RULES.baseline_lookback_days.value)
    before = [r for r in rows if lookback < r[0] <= anchor]
    baseline = before[-1] if before else None
    points = rows if baseline is None else [r for r in rows if r[0] >= baseline[0]]
    choices = outcomes.definitions_for(instrument_id)
    definition = chosen.get(instrument_id) or (choices[0] if choices else None)
    short = short_name(instrument_id)
    reading = None
    note = ""
    if baseline is None:
        note = "No baseline: no assessment in the 90 days before the first session."
    elif definition is None:
        note = "No outcome definition for this instrument: the trajectory is shown only."
    elif baseline[1] == 0:
        note = "Baseline total 0: response is undefined."
    else:
        try:
            read = outcomes.trajectory(points, definition)
        except ValidationError as error:
            note = f"Cannot be read: {error}"
        else:
            reading = read_course(read, sessions)
    description = (
        f"{short} totals (0-{instrument.max_total}) over course {course_no}: {len(points)} "
        f"assessments" + (f", baseline {baseline[1]}" if baseline else "") + "."
    )
    return InstrumentOutcome(
        instrument_id=instrument_id,
        short=short,
        definition=definition,
        choices=choices,
        points=tuple(points),
        baseline=baseline,
        reading=reading,
        chart=chart(
            f"c{course_no}-{instrument_id}",
            short,
            instrument.max_total,
            points,
            sessions,
            definition,
            baseline[1] if baseline else None,
            description,
        ),
        note=note,
    )


def _side_effects(course: TreatmentCourse) -> tuple[tuple[str, int], ...]:
    sessions: dict[str, set[int]] = {c.id: set() for c in AE_CATEGORIES}
    rows = ClinicalEvent.objects.filter(
        session__planned__course=course, kind__in=facts.EVENT_KINDS
    ).values_list("session_id", "description")
    for session_id, text in rows:
        for category in ae_category(text):
            sessions[category].add(session_id)
    return tuple((c.label, len(sessions[c.id])) for c in AE_CATEGORIES)


def patient_outcomes(
    user: User, patient: Patient, today: date, definition_ids: Sequence[str] = ()
) -> PatientOutcomes:
    """The outcomes of a patient the caller already found with `patient_for`."""
    require(user, Action.VIEW_CLINICAL, patient.site)
    chosen = chosen_definitions(definition_ids)
    courses = list(TreatmentCourse.objects.filter(patient=patient).order_by("started_on", "pk"))
    done = PlannedSession.objects.filter(course__patient=patient, status=SessionStatus.COMPLETED)
    times: dict[int, list[datetime]] = {c.pk: [] for c in courses}
    for course_id, when in done.order_by("scheduled_at").values_list("course_id", "scheduled_at"):
        times[course_id].append(timezone.localtime(when))
    scores = [
        (a_id, timezone.localtime(when), total)
        for a_id, when, total in Assessment.objects.filter(
            patient=patient, complete=True, total__isnull=False, superseded_by__isnull=True
        )
        .order_by("administered_at", "entered_at")
        .values_list("instrument_id", "administered_at", "total")
    ]
    tz = timezone.get_current_timezone()
    read: list[CourseOutcome] = []
    for number, course in enumerate(courses, start=1):
        sessions = tuple(times[course.pk])
        first = sessions[0] if sessions else None
        # The baseline is read at the first session; before any, at the end of the day the
        # course started.
        anchor = first or datetime.combine(
            course.started_on + timedelta(days=1), time(0), tzinfo=tz
        )
        start = anchor - timedelta(days=READING_RULES.baseline_lookback_days.value)
        following = courses[number] if number < len(courses) else None
        end = datetime.combine(following.started_on, time(0), tzinfo=tz) if following else None
        by_instrument: dict[str, list[tuple[datetime, int]]] = {}
        for instrument_id, when, total in scores:
            if total is not None and when > start and (end is None or when < end):
                by_instrument.setdefault(instrument_id, []).append((when, total))
        found = [
            _instrument(number, i, rows, sessions, anchor, chosen)
            for i, rows in sorted(by_instrument.items(), key=lambda item: _order(item[0]))
        ]
        read.append(
            CourseOutcome(
                course=course,
                number=number,
                sessions=sessions,
                instruments=tuple(f for f in found if f is not None),
                side_effects=_side_effects(course),
            )
        )
    window = policy().exposure_window_days.value
    return PatientOutcomes(
        patient=patient,
        today=today,
        courses=tuple(reversed(read)),
        exposure=exposure(facts.doses(patient), today, window),
        findings=findings_for(patient, today),
        recorded=tuple(SafetyFinding.objects.filter(patient=patient).select_related("task")),
    )
