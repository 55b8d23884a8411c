"""Writes about planned sessions: plan from the template, add, reschedule, cancel, complete.

Every change to a plan is checked against the plan's template by the domain
(kclinic.domain.courses). A change that introduces a departure (a short or crowded week, an
interval out of bounds) is refused unless a prescriber approves it with a reason, which is
stored on the session and in the audit trail. Departures already accepted are not asked
about again. A cancellation is always allowed with a reason (a patient cannot be made to
come); the departures it leaves are recorded in its audit row and shown on the course page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from kclinic.domain import courses as rules
from kclinic.domain.errors import ValidationError
from kclinic.web.accounts.models import Chair, User
from kclinic.web.accounts.policy import Action, allowed, require
from kclinic.web.audit.services import Actor, record
from kclinic.web.courses.models import (
    CoursePlan,
    Phase,
    PlannedSession,
    SessionStatus,
    TreatmentCourse,
)
from kclinic.web.courses.services_common import (
    BOOKING_HORIZON_DAYS,
    bump_version,
)


def plan_findings(
    plan: CoursePlan,
    *,
    moved: dict[int, dt.date | None] | None = None,
    added: dt.date | None = None,
) -> tuple[rules.Finding, ...]:
    """The template findings for `plan`'s sessions that are not cancelled, with the session
    of pk k moved to `moved[k]` (or dropped when None) and a session on `added`."""
    moved = moved or {}
    dates: list[dt.date] = []
    for session in plan.sessions.exclude(status=SessionStatus.CANCELLED):
        if session.pk in moved:
            day = moved[session.pk]
            if day is not None:
                dates.append(day)
        else:
            dates.append(timezone.localdate(session.scheduled_at))
    if added is not None:
        dates.append(added)
    return rules.validate_plan(rules.get_template(plan.template_id), plan.start_on, dates)


def plan_sessions(
    actor: Actor,
    course: TreatmentCourse,
    *,
    start_on: dt.date,
    weekdays: Iterable[int],
    time_of_day: dt.time,
    expected_version: int,
    chair: Chair | None = None,
    open_ended_sessions: int = 0,
    pace: str | None = None,
) -> CoursePlan:
    """Generate the sessions of the course's template from `start_on` on `weekdays` at
    `time_of_day` (clinic time). Week 1 of the template starts on `start_on`; the plan may
    not overlap sessions already planned or completed."""
    user = actor.signed_in()
    require(user, Action.SCHEDULE_SESSION, course.patient.site)
    _check_active(course)
    _check_chair(course, chair)
    latest = timezone.localdate() + dt.timedelta(days=BOOKING_HORIZON_DAYS)
    if not course.started_on <= start_on <= latest:
        raise ValidationError("start_on", start_on.isoformat(), f"{course.started_on} to {latest}")
    template = rules.get_template(course.template_id)
    days = rules.generate_schedule(
        template, start_on, weekdays, open_ended_sessions=open_ended_sessions, pace=pace
    )
    with transaction.atomic():
        bump_version(course, expected_version)
        start_at = timezone.make_aware(dt.datetime.combine(start_on, dt.time.min))
        overlap = (
            course.sessions.exclude(status=SessionStatus.CANCELLED)
            .filter(scheduled_at__gte=start_at)
            .order_by("-scheduled_at")
            .first()
        )
        if overlap is not None:
            last = timezone.localdate(overlap.scheduled_at)
            raise ValidationError(
                "start_on",
                start_on.isoformat(),
                f"a date after the course's last planned or completed session ({last}), "
                "or cancel the remaining sessions first",
            )
        plan = CoursePlan.objects.create(
            course=course,
            template_id=template.id,
            protocol_version=rules.TEMPLATES_VERSION,
            start_on=start_on,
            weekdays=",".join(rules.WEEKDAY_NAMES[d] for d in sorted(set(weekdays))),
            pace=pace or "",
            created_by=user,
        )
        first = _next_sequence(course)
        sessions = PlannedSession.objects.bulk_create(
            PlannedSession(
                course=course,
                plan=plan,
                sequence=first + index,
                scheduled_at=timezone.make_aware(dt.datetime.combine(day, time_of_day)),
                chair=chair,
                created_by=user,
            )
            for index, day in enumerate(days)
        )
        record(
            actor,
            "create",
            patient_public_id=course.patient.public_id,
            object_type="course_plan",
            object_id=plan.public_id,
            detail={
                "course": str(course.public_id),
                "template_id": template.id,
                "start_on": start_on.isoformat(),
                "weekdays": plan.weekdays,
                "time_of_day": time_of_day.isoformat(timespec="minutes"),
                "chair": chair.name if chair else None,
                "dates": [d.isoformat() for d in days],
                "sessions": [str(s.public_id) for s in sessions],
            },
        )
    return plan


def add_session(
    actor: Actor,
    course: TreatmentCourse,
    *,
    scheduled_at: dt.datetime,
    expected_version: int,
    chair: Chair | None = None,
    override_reason: str = "",
) -> PlannedSession:
    """Add a session to the course's latest plan; a departure needs a prescriber's reason."""
    user = actor.signed_in()
    require(user, Action.SCHEDULE_SESSION, course.patient.site)
    _check_active(course)
    _check_chair(course, chair)
    when = _check_when(course, scheduled_at)
    with transaction.atomic():
        bump_version(course, expected_version)
        plan = course.plans.order_by("-pk").first()
        if plan is None or plan.template_id != course.template_id:
            raise ValidationError(
                "plan",
                plan.template_id if plan else "none",
                f"a plan made from the course's template ({course.template_id}) first",
            )
        day = timezone.localdate(when)
        reason, accepted = _approve(
            user, course, plan_findings(plan), plan_findings(plan, added=day), override_reason, when
        )
        session = PlannedSession.objects.create(
            course=course,
            plan=plan,
            sequence=_next_sequence(course),
            scheduled_at=when,
            chair=chair,
            override_reason=reason,
            override_findings=accepted,
            created_by=user,
        )
        record(
            actor,
            "create",
            patient_public_id=course.patient.public_id,
            object_type="session",
            object_id=session.public_id,
            detail={
                "course": str(course.public_id),
                "scheduled_at": when.isoformat(),
                "chair": chair.name if chair else None,
                "override_reason": reason,
                "departures": [f["code"] for f in accepted],
            },
        )
    return session


def reschedule_session(
    actor: Actor,
    session: PlannedSession,
    *,
    scheduled_at: dt.datetime,
    expected_version: int,
    chair: Chair | None = None,
    override_reason: str = "",
) -> PlannedSession:
    """Move a scheduled session (and set its chair); a departure needs a prescriber's reason."""
    course = session.course
    user = actor.signed_in()
    require(user, Action.SCHEDULE_SESSION, course.patient.site)
    _check_active(course)
    _check_chair(course, chair)
    when = _check_when(course, scheduled_at)
    with transaction.atomic():
        bump_version(course, expected_version)
        session.refresh_from_db()
        _check_scheduled(session)
        day = timezone.localdate(when)
        plan = session.plan
        reason, accepted = _approve(
            user,
            course,
            plan_findings(plan),
            plan_findings(plan, moved={session.pk: day}),
            override_reason,
            when,
        )
        before = (session.scheduled_at.isoformat(), session.chair.name if session.chair else None)
        session.scheduled_at = when
        session.chair = chair
        if accepted:
            session.override_reason = reason
            session.override_findings = accepted
        session.save(
            update_fields=["scheduled_at", "chair", "override_reason", "override_findings"]
        )
        record(
            actor,
            "update",
            patient_public_id=course.patient.public_id,
            object_type="session",
            object_id=session.public_id,
            detail={
                "scheduled_at": [before[0], when.isoformat()],
                "chair": [before[1], chair.name if chair else None],
                "override_reason": reason,
                "departures": [f["code"] for f in accepted],
            },
        )
    return session


def cancel_session(
    actor: Actor, session: PlannedSession, *, reason: str, expected_version: int
) -> PlannedSession:
    """Cancel a scheduled session with a reason. It stays in the record."""
    course = session.course
    user = actor.signed_in()
    require(user, Action.SCHEDULE_SESSION, course.patient.site)
    text = rules.check_reason(reason)
    with transaction.atomic():
        bump_version(course, expected_version)
        session.refresh_from_db()
        _check_scheduled(session)
        left = rules.departures(
            plan_findings(session.plan), plan_findings(session.plan, moved={session.pk: None})
        )
        session.status = SessionStatus.CANCELLED
        session.cancel_reason = text
        session.cancelled_at = timezone.now()
        session.cancelled_by = user
        session.save(update_fields=["status", "cancel_reason", "cancelled_at", "cancelled_by"])
        record(
            actor,
            "cancel",
            patient_public_id=course.patient.public_id,
            object_type="session",
            object_id=session.public_id,
            detail={
                "reason": text,
                "scheduled_at": session.scheduled_at.isoformat(),
                "departures_left": [f.as_dict() for f in left],
            },
        )
    return session


def complete_session(
    actor: Actor, session: PlannedSession, *, now: dt.datetime | None = None
) -> PlannedSession:
    """Record that a scheduled session took place (the chair-side workflow will call this).

    A session cannot be completed before its day; one that took place at another time is
    rescheduled first, so the record shows when it really happened.
    """
    course = session.course
    user = actor.signed_in()
    require(user, Action.RECORD_CLINICAL_DATA, course.patient.site)
    now = now or timezone.now()
    _check_active(course)
    today = timezone.localdate(now)
    day = timezone.localdate(session.scheduled_at)
    if day > today:
        raise ValidationError(
            "scheduled_at",
            day.isoformat(),
            f"a session scheduled on or before {today}; reschedule it to when it took place",
        )
    with transaction.atomic():
        bump_version(course, None)
        done = PlannedSession.objects.filter(pk=session.pk, status=SessionStatus.SCHEDULED).update(
            status=SessionStatus.COMPLETED, completed_at=now, completed_by=user
        )
        if not done:
            session.refresh_from_db()
            _check_scheduled(session)
        record(
            actor,
            "complete",
            patient_public_id=course.patient.public_id,
            object_type="session",
            object_id=session.public_id,
            detail={"scheduled_at": session.scheduled_at.isoformat()},
        )
    session.refresh_from_db()
    return session


def _approve(
    user: User,
    course: TreatmentCourse,
    before: tuple[rules.Finding, ...],
    after: tuple[rules.Finding, ...],
    reason: str,
    when: dt.datetime,
) -> tuple[str, list[dict[str, object]]]:
    new = rules.departures(before, after)
    if not new:
        return "", []
    if not allowed(user, Action.MANAGE_COURSE, course.patient.site):
        raise ValidationError(
            "scheduled_at",
            timezone.localtime(when).strftime("%Y-%m-%d %H:%M"),
            "a time that keeps to the course's template; only a prescriber may approve a departure",
            "; ".join(f.message for f in new),
        )
    return rules.require_override(new, reason), [f.as_dict() for f in new]


def _check_active(course: TreatmentCourse) -> None:
    if course.phase == Phase.ENDED:
        raise ValidationError("phase", course.phase, "an active course (this course has ended)")


def _check_chair(course: TreatmentCourse, chair: Chair | None) -> None:
    site = course.patient.site
    if chair is not None and chair.site_id != site.pk:
        raise ValidationError("chair", str(chair), f"a chair at {site.name}")


def _check_scheduled(session: PlannedSession) -> None:
    if session.status != SessionStatus.SCHEDULED:
        raise ValidationError(
            "status", session.status, "a scheduled session (completed and cancelled ones stay)"
        )


def _check_when(course: TreatmentCourse, scheduled_at: dt.datetime) -> dt.datetime:
    when = scheduled_at if timezone.is_aware(scheduled_at) else timezone.make_aware(scheduled_at)
    latest = timezone.localdate() + dt.timedelta(days=BOOKING_HORIZON_DAYS)
    if not course.started_on <= timezone.localdate(when) <= latest:
        raise ValidationError(
            "scheduled_at",
            timezone.localtime(when).strftime("%Y-%m-%d %H:%M"),
            f"{course.started_on} to {latest}",
        )
    return when


def _next_sequence(course: TreatmentCourse) -> int:
    highest = course.sessions.aggregate(n=Max("sequence"))["n"]
    return (highest or 0) + 1
