"""Tasks: priority by flag, assignees, one open task per patient, flag and source (retries and
continued sources reuse it), and resolution only with a documented action."""

from __future__ import annotations

import uuid

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from kclinic.domain.errors import ValidationError
from kclinic.web.assessments.services import record_assessment
from kclinic.web.audit.models import AuditEvent
from kclinic.web.audit.services import Actor
from kclinic.web.tasks.models import Task
from kclinic.web.tasks.priority import primary_clinician
from kclinic.web.tasks.services import (
    assign_task,
    continuing,
    open_safety_task,
    open_task,
    resolve_task,
)
from tests.web.courses_factories import todays_course
from tests.web.factories import UserFactory

NOTE = "C-SSRS done by phone: low risk, safety plan reviewed."


def _open(clinic, flag="suicidal_ideation", source=None, **kwargs):
    return open_safety_task(
        Actor(clinic.nurse),
        clinic.patient,
        flag,
        "test",
        source or clinic.patient.public_id,
        **kwargs,
    )


def _audit(task, action):
    return AuditEvent.objects.filter(
        object_type="task", object_id=str(task.public_id), action=action
    )


@pytest.mark.parametrize(
    ("flag", "priority"),
    [
        ("suicidal_ideation", "urgent"),
        ("suicidal_behaviour", "urgent"),
        ("loss_of_consciousness", "routine"),
        ("something_new", "routine"),
    ],
)
def test_a_safety_task_takes_its_flag_priority(clinic, flag, priority):
    assert _open(clinic, flag).priority == priority


def test_a_phq9_item9_assessment_opens_an_urgent_unassigned_task(clinic):
    recorded = record_assessment(
        Actor(clinic.nurse),
        clinic.patient,
        "phq9",
        [0, 0, 0, 0, 0, 0, 0, 0, 1],
        "pre-session",
        timezone.now(),
    )
    (task,) = recorded.tasks
    assert (task.flag, task.priority, task.kind) == ("suicidal_ideation", "urgent", "safety")
    assert not task.assigned_to.exists()


def test_a_moaas_zero_opens_a_routine_task(clinic):
    recorded = record_assessment(
        Actor(clinic.nurse), clinic.patient, "moaas", [0], "post-session", timezone.now()
    )
    (task,) = recorded.tasks
    assert (task.flag, task.priority) == ("loss_of_consciousness", "routine")


def test_the_same_open_finding_is_one_task_and_gains_assignees(clinic):
    on_call = UserFactory(username="dr_call", role="prescriber", sites=[clinic.site_a])
    first = _open(clinic, assignees=[clinic.prescriber])
    again = _open(clinic, assignees=[clinic.prescriber, on_call, None])
    assert again.pk == first.pk
    assert Task.objects.count() == 1
    assert set(first.assigned_to.all()) == {clinic.prescriber, on_call}
    assert _audit(first, "create").count() == 1
    (update,) = _audit(first, "update")
    assert update.detail["assigned"] == ["dr_call"]
    # A retry that changes nothing writes nothing.
    _open(clinic, assignees=[on_call])
    assert _audit(first, "update").count() == 1


def test_a_retry_raises_the_priority_and_never_lowers_it(clinic):
    task = _open(clinic, "loss_of_consciousness")
    assert task.priority == "routine"
    assert _open(clinic, "loss_of_consciousness", priority="urgent").priority == "urgent"
    assert _open(clinic, "loss_of_consciousness", priority="routine").priority == "urgent"
    task.refresh_from_db()
    assert task.priority == "urgent"


def test_another_flag_source_or_patient_opens_its_own_task(clinic):
    from tests.web.factories import PatientFactory

    base = _open(clinic)
    assert _open(clinic, "suicidal_behaviour").pk != base.pk
    assert _open(clinic, source=uuid.uuid4()).pk != base.pk
    other = PatientFactory(site=clinic.site_a, created_by=clinic.prescriber)
    elsewhere = open_safety_task(
        Actor(clinic.nurse), other, "suicidal_ideation", "test", clinic.patient.public_id
    )
    assert elsewhere.pk != base.pk
    assert Task.objects.count() == 4


def test_a_resolved_task_is_not_reused(clinic):
    first = _open(clinic)
    resolve_task(Actor(clinic.prescriber), first, "cssrs_done", NOTE)
    second = _open(clinic)
    assert second.pk != first.pk
    assert second.status == "open"


def test_continuing_moves_the_open_task_to_the_new_source(clinic):
    link_id, assessment_id = uuid.uuid4(), uuid.uuid4()
    task = open_safety_task(
        Actor(None), clinic.patient, "suicidal_ideation", "self_report_link", link_id
    )
    with continuing("self_report_link", link_id):
        continued = open_safety_task(
            Actor(clinic.nurse), clinic.patient, "suicidal_ideation", "assessment", assessment_id
        )
        other_flag = open_safety_task(
            Actor(clinic.nurse), clinic.patient, "suicidal_behaviour", "assessment", assessment_id
        )
    assert continued.pk == task.pk
    assert (continued.source_type, continued.source_public_id) == ("assessment", assessment_id)
    task.refresh_from_db()
    assert (task.source_type, task.source_public_id) == ("assessment", assessment_id)
    assert other_flag.pk != task.pk
    (update,) = _audit(task, "update")
    assert update.detail["previous_source"] == {"type": "self_report_link", "id": str(link_id)}
    assert update.detail["why"] == "continued"
    # Once continued, the link has no open task left to continue: the next one is new.
    with continuing("self_report_link", link_id):
        later = open_safety_task(
            Actor(clinic.nurse), clinic.patient, "suicidal_ideation", "assessment", uuid.uuid4()
        )
    assert later.pk != task.pk


def test_without_continuing_an_earlier_source_is_left_alone(clinic):
    link_id = uuid.uuid4()
    task = open_safety_task(
        Actor(None), clinic.patient, "suicidal_ideation", "self_report_link", link_id
    )
    fresh = open_safety_task(
        Actor(clinic.nurse), clinic.patient, "suicidal_ideation", "assessment", uuid.uuid4()
    )
    assert fresh.pk != task.pk
    task.refresh_from_db()
    assert task.source_public_id == link_id


def test_assign_task_adds_people_and_may_retitle(clinic):
    task = _open(clinic, "loss_of_consciousness")
    assign_task(
        Actor(None), task, assignees=[clinic.prescriber], priority="urgent", title="New title"
    )
    task.refresh_from_db()
    assert (task.priority, task.title) == ("urgent", "New title")
    assert list(task.assigned_to.all()) == [clinic.prescriber]


def test_assign_task_refuses_a_resolved_task_and_an_unknown_priority(clinic):
    task = _open(clinic)
    with pytest.raises(ValidationError, match="priority"):
        assign_task(Actor(None), task, priority="asap")
    with pytest.raises(ValidationError, match="priority"):
        open_task(
            Actor(None),
            clinic.patient,
            kind="safety",
            flag="x",
            title="x",
            source_type="test",
            source_public_id=uuid.uuid4(),
            priority="asap",
        )
    resolve_task(Actor(clinic.prescriber), task, "cssrs_done", NOTE)
    with pytest.raises(ValidationError, match="already resolved"):
        assign_task(Actor(None), task, assignees=[clinic.prescriber])
    assert not task.assigned_to.exists()


def test_resolution_needs_a_known_action_and_a_note_and_a_prescriber(clinic):
    task = _open(clinic, assignees=[clinic.prescriber])
    with pytest.raises(ValidationError, match="action"):
        resolve_task(Actor(clinic.prescriber), task, "called", NOTE)
    with pytest.raises(ValidationError, match="note"):
        resolve_task(Actor(clinic.prescriber), task, "cssrs_done", " ok ")
    with pytest.raises(PermissionDenied):
        resolve_task(Actor(clinic.nurse), task, "cssrs_done", NOTE)
    task.refresh_from_db()
    assert task.status == "open"
    resolve_task(Actor(clinic.prescriber), task, "safety_plan", NOTE)
    task.refresh_from_db()
    assert (task.status, task.resolved_by, task.resolution_action) == (
        "resolved",
        clinic.prescriber,
        "safety_plan",
    )


def test_primary_clinician_is_the_course_prescriber_while_they_may_resolve(clinic):
    assert primary_clinician(clinic.patient) is None  # no course yet
    todays_course(clinic)
    assert primary_clinician(clinic.patient) == clinic.prescriber
    clinic.prescriber.is_active = False
    clinic.prescriber.save()
    assert primary_clinician(clinic.patient) is None
