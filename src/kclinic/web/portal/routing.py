"""Routing risky self-report answers: an URGENT task for the patient's primary clinician and
the site's on-call clinician, in the same transaction that stores the answer.

Who they are (until the tasks and patients apps model them):
- primary clinician: the prescriber who opened the patient's active course (only a
  prescriber may open one), else of their latest course;
- on-call clinician: the latest `SiteOnCall` row of the patient's site that has started.
Either is skipped if they are inactive or may not resolve safety tasks at the site. With
neither, the task still shows on the task list of every clinician of the site, and every
prescriber of the site is notified.

Two moments raise a route (kclinic.domain.self_report_risk decides which answers):
- `route_answers`: the moment a risky answer is saved as partial progress, so a form the
  patient abandons is never missed (task source: the link);
- `route_assessment`: when the form is submitted, on the safety task the stored assessment
  opened for the flag (record_assessment opens one per flag in the same transaction).
A patient who answers and then submits therefore leaves two urgent tasks; both name the link.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from kclinic.domain.self_report_risk import UrgentFinding, urgent_findings
from kclinic.web.accounts.models import Role, Site, User
from kclinic.web.accounts.policy import Action, allowed
from kclinic.web.assessments.services import Recorded
from kclinic.web.audit.services import Actor, record
from kclinic.web.courses.models import Phase, TreatmentCourse
from kclinic.web.patients.models import Patient
from kclinic.web.portal.models import RiskRoute, SelfReportLink, SiteOnCall
from kclinic.web.tasks.models import Task
from kclinic.web.tasks.services import open_safety_task

LINK_SOURCE = "self_report_link"
TITLE_MAX = 200


def _can_resolve(user: User | None, site: Site) -> User | None:
    if user is None or not user.is_active:
        return None
    return user if allowed(user, Action.RESOLVE_SAFETY_TASK, site) else None


def primary_clinician(patient: Patient) -> User | None:
    courses = TreatmentCourse.objects.filter(patient=patient).select_related("created_by")
    course = courses.exclude(phase=Phase.ENDED).first() or courses.order_by("-created_at").first()
    return _can_resolve(course.created_by if course else None, patient.site)


def on_call_clinician(site: Site, now: datetime) -> User | None:
    row = (
        SiteOnCall.objects.filter(site=site, starts_at__lte=now)
        .select_related("clinician")
        .order_by("-starts_at", "-pk")
        .first()
    )
    return _can_resolve(row.clinician if row else None, site)


def site_prescribers(site: Site) -> list[User]:
    return list(User.objects.filter(sites=site, role=Role.PRESCRIBER, is_active=True))


def _mark_urgent(task: Task, finding: UrgentFinding, stage: str) -> None:
    when = " (answer saved before the form was submitted)" if stage == "answered" else ""
    title = f"URGENT self-report: {finding.rule.description}, {finding.detail}{when}. {task.title}"
    task.title = title[:TITLE_MAX]
    # The tasks app has no priority field yet; the title carries it to the list and chart.
    Task.objects.filter(pk=task.pk).update(title=task.title)


def _route(
    actor: Actor,
    link: SelfReportLink,
    finding: UrgentFinding,
    task: Task,
    *,
    stage: str,
    now: datetime,
    assessment_id: int | None = None,
) -> RiskRoute:
    patient = link.patient
    _mark_urgent(task, finding, stage)
    route = RiskRoute.objects.create(
        task=task,
        patient=patient,
        link=link,
        assessment_id=assessment_id,
        stage=stage,
        instrument=finding.rule.instrument,
        rule=finding.rule.id,
        detail=finding.detail,
        primary_clinician=primary_clinician(patient),
        on_call_clinician=on_call_clinician(patient.site, now),
        created_at=now,
    )
    record(
        actor,
        "route",
        patient_public_id=patient.public_id,
        object_type="task",
        object_id=task.public_id,
        detail={
            "priority": route.priority,
            "rule": finding.rule.id,
            "stage": stage,
            "link": str(link.public_id),
            "primary_clinician": route.primary_clinician.username
            if route.primary_clinician
            else None,
            "on_call_clinician": route.on_call_clinician.username
            if route.on_call_clinician
            else None,
        },
    )
    # Staff are told by a background job; the job row commits with the route or not at all.
    from kclinic.web.portal.jobs import notify_urgent_route

    notify_urgent_route.enqueue(str(route.public_id))
    return route


def route_answers(
    actor: Actor,
    link: SelfReportLink,
    section: str,
    answers: Mapping[str, Any],
    now: datetime,
) -> list[RiskRoute]:
    """Route each urgent finding of saved partial answers once per link, instrument and rule
    (the task stays open if the patient later changes the answer: a clinician decides)."""
    routes = []
    for finding in urgent_findings(section, answers):
        already = RiskRoute.objects.filter(
            link=link, instrument=section, rule=finding.rule.id, stage="answered"
        ).exists()
        if already:
            continue
        task = open_safety_task(actor, link.patient, finding.flag, LINK_SOURCE, link.public_id)
        routes.append(_route(actor, link, finding, task, stage="answered", now=now))
    return routes


def route_assessment(
    actor: Actor, link: SelfReportLink, recorded: Recorded, now: datetime
) -> list[RiskRoute]:
    """Mark the tasks the submitted assessment opened for its urgent findings, opening one
    if the instrument raised no task for the flag (the rules imply it always does)."""
    assessment = recorded.assessment
    routes = []
    for finding in urgent_findings(assessment.instrument_id, assessment.answers):
        tasks = [t for t in recorded.tasks if t.flag == finding.flag] or [
            open_safety_task(actor, link.patient, finding.flag, "assessment", assessment.public_id)
        ]
        for task in tasks:
            routes.append(
                _route(
                    actor,
                    link,
                    finding,
                    task,
                    stage="submitted",
                    now=now,
                    assessment_id=assessment.pk,
                )
            )
    return routes


def urgent_open_for(user: User) -> list[RiskRoute]:
    """Open urgent routes assigned to the user (primary or on call), newest first."""
    from django.db.models import Q

    return list(
        RiskRoute.objects.filter(task__status="open")
        .filter(Q(primary_clinician=user) | Q(on_call_clinician=user))
        .select_related("task", "patient")
    )
