"""The data steps of the migrations that gave tasks a priority and assignees: tasks raised
before (tasks 0002) take their flag's priority, and an urgent self-report route's priority,
primary and on-call clinicians move to its task, whose title loses the "URGENT " prefix
(portal 0002). Runs the real migrations backwards and forwards on the test database."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from kclinic.web.audit.services import Actor
from kclinic.web.tasks.models import Task
from tests.web.factories import UserFactory
from tests.web.test_portal_support import issue

BEFORE = [("tasks", "0001_initial"), ("portal", "0001_initial")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def _latest():
    executor = MigrationExecutor(connection)
    return [key for key in executor.loader.graph.leaf_nodes() if key[0] in ("tasks", "portal")]


@pytest.mark.django_db(transaction=True)
def test_old_tasks_and_routes_move_to_priority_and_assignees(clinic):
    on_call = UserFactory(username="dr_call", role="prescriber", sites=[clinic.site_a])
    link = issue(clinic).link
    latest = _latest()
    old = _migrate(BEFORE)
    old_task = old.get_model("tasks", "Task")
    old_route = old.get_model("portal", "RiskRoute")

    def task(flag, title, kind="safety"):
        return old_task.objects.create(
            patient_id=clinic.patient.pk,
            kind=kind,
            flag=flag,
            title=title,
            source_type="test",
            source_public_id=uuid.uuid4(),
        )

    routed = task("suicidal_ideation", "URGENT self-report: PHQ-9 item 9 above 0. Assess risk")
    unassigned = task("suicidal_behaviour", "URGENT self-report: C-SSRS. Assess risk")
    chair = task("suicidal_ideation", "Suicidal ideation reported: assess risk")
    behaviour = task("suicidal_behaviour", "Suicidal behaviour reported")
    moaas = task("loss_of_consciousness", "Loss of consciousness recorded")
    followup = task("suicidal_ideation", "A follow-up that happens to reuse the name", "followup")
    for row, primary, call in (
        (routed, clinic.prescriber.pk, on_call.pk),
        (unassigned, None, None),
    ):
        old_route.objects.create(
            task_id=row.pk,
            patient_id=clinic.patient.pk,
            link_id=link.pk,
            stage="answered",
            instrument="phq9",
            rule="phq9-item9",
            detail="item 9 = 2",
            priority="urgent",
            primary_clinician_id=primary,
            on_call_clinician_id=call,
            created_at=link.created_at,
        )

    _migrate(latest)

    now = {t.pk: t for t in Task.objects.all()}
    assert set(now[routed.pk].assigned_to.all()) == {clinic.prescriber, on_call}
    assert now[routed.pk].title == "Self-report: PHQ-9 item 9 above 0. Assess risk"
    assert now[routed.pk].priority == "urgent"
    assert not now[unassigned.pk].assigned_to.exists()
    assert now[unassigned.pk].title == "Self-report: C-SSRS. Assess risk"
    assert {pk: now[pk].priority for pk in (chair.pk, behaviour.pk, moaas.pk, followup.pk)} == {
        chair.pk: "urgent",
        behaviour.pk: "urgent",
        moaas.pk: "routine",
        followup.pk: "routine",
    }
    # The routes kept their link and detail and still reach the task.
    assert now[routed.pk].risk_routes.get().detail == "item 9 = 2"
    # And the current code works on the migrated rows.
    from kclinic.web.tasks.services import open_safety_task

    again = open_safety_task(
        Actor(None), clinic.patient, "suicidal_ideation", "test", routed.source_public_id
    )
    assert again.pk == routed.pk
