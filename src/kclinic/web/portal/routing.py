"""Routing risky self-report answers: an urgent task assigned to the patient's primary
clinician and the site's on-call clinician, in the same transaction that stores the answer.

Who they are:
- primary clinician: the prescriber who opened the patient's active course, else of their
  latest course (kclinic.web.tasks.priority.primary_clinician);
- on-call clinician: the latest `SiteOnCall` row of the patient's site that has started.
Either is skipped if they are inactive or may not resolve safety tasks at the site. With
neither, the task is assigned to no one; it still shows on the task list of every clinician
of the site, and every prescriber of the site is notified.

Two moments route a finding (kclinic.domain.self_report_risk decides which answers):
- `route_answers`: the moment a risky answer is saved as partial progress, so a form the
  patient abandons is never missed (task source: the link);
- `route_assessment`: when the form is submitted. The assessment stored for the instrument
  continues the task its saved answer opened (`answering.submit` stores it inside
  `tasks.services.continuing(link)`): the task's source becomes the assessment and no second
  task is opened. Without an earlier task (the answer was never saved as progress, or its task
  was already resolved), the task the assessment opens for the flag is routed.
Each moment leaves a `RiskRoute` row (the link, the rule, the answer's detail); staff are
notified once per task, when it is first routed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from kclinic.domain.self_report_risk import UrgentFinding, urgent_findings
from kclinic.web.accounts.models import Role, Site, User
from kclinic.web.assessments.services import Recorded
from kclinic.web.audit.services import Actor, record
from kclinic.web.patients.models import Patient
from kclinic.web.portal.models import RiskRoute, SelfReportLink, SiteOnCall
from kclinic.web.tasks.models import Priority, Task
from kclinic.web.tasks.priority import may_resolve, primary_clinician
from kclinic.web.tasks.services import assign_task, open_safety_task

LINK_SOURCE = "self_report_link"

__all__ = [
    "LINK_SOURCE",
    "answered_sections",
    "assignees",
    "on_call_clinician",
    "primary_clinician",
    "route_answers",
    "route_assessment",
    "site_prescribers",
    "task_title",
]


def on_call_clinician(site: Site, now: datetime) -> User | None:
    row = (
        SiteOnCall.objects.filter(site=site, starts_at__lte=now)
        .select_related("clinician")
        .order_by("-starts_at", "-pk")
        .first()
    )
    return may_resolve(row.clinician if row else None, site)


def site_prescribers(site: Site) -> list[User]:
    return list(User.objects.filter(sites=site, role=Role.PRESCRIBER, is_active=True))


def assignees(patient: Patient, now: datetime) -> tuple[User | None, User | None]:
    """(primary clinician, on-call clinician); either may be None."""
    return primary_clinician(patient), on_call_clinician(patient.site, now)


def task_title(finding: UrgentFinding) -> str:
    # The answer's value is on the route (it may still change before the form is submitted).
    return f"Self-report: {finding.rule.description}. Contact the patient and assess suicide risk"


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
    primary, on_call = assignees(patient, now)
    first = not RiskRoute.objects.filter(task=task).exists()
    # A submitted assessment's task is titled by its own finding (a task continued from a
    # saved answer of another instrument of the link then says what it is now about).
    retitle = first or stage == RiskRoute.Stage.SUBMITTED
    task = assign_task(
        actor,
        task,
        assignees=(primary, on_call),
        priority=Priority.URGENT,
        title=task_title(finding) if retitle else None,
    )
    route = RiskRoute.objects.create(
        task=task,
        patient=patient,
        link=link,
        assessment_id=assessment_id,
        stage=stage,
        instrument=finding.rule.instrument,
        rule=finding.rule.id,
        detail=finding.detail,
        created_at=now,
    )
    detail: dict[str, Any] = {
        "priority": task.priority,
        "rule": finding.rule.id,
        "stage": stage,
        "link": str(link.public_id),
        "primary_clinician": primary.username if primary else None,
        "on_call_clinician": on_call.username if on_call else None,
    }
    record(
        actor,
        "route",
        patient_public_id=patient.public_id,
        object_type="task",
        object_id=task.public_id,
        detail=detail,
    )
    if first:
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
        task = open_safety_task(
            actor,
            link.patient,
            finding.flag,
            LINK_SOURCE,
            link.public_id,
            priority=Priority.URGENT,
            title=task_title(finding),
        )
        routes.append(_route(actor, link, finding, task, stage="answered", now=now))
    return routes


def answered_sections(link: SelfReportLink) -> set[str]:
    """The instruments of the link whose saved answers were routed."""
    rows = RiskRoute.objects.filter(link=link, stage="answered")
    return set(rows.values_list("instrument", flat=True))


def route_assessment(
    actor: Actor, link: SelfReportLink, recorded: Recorded, now: datetime
) -> list[RiskRoute]:
    """Route the tasks the submitted assessment opened or continued for its urgent findings,
    opening one if the instrument raised no task for the flag (the rules imply it always
    does)."""
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
