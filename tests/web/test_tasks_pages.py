"""The clinic task list (urgent first, the user's own first, `?show=mine`) and the patient's
task page (open urgent tasks stand apart at the top)."""

from __future__ import annotations

import uuid

from django.urls import reverse

from kclinic.web.audit.models import AuditEvent
from kclinic.web.audit.services import Actor
from kclinic.web.tasks.selectors import open_tasks_for, task_list
from kclinic.web.tasks.services import open_safety_task, open_task, resolve_task
from tests.web.factories import PatientFactory, UserFactory

NOTE = "Called the patient; C-SSRS low risk; safety plan reviewed."


def _routine(clinic, patient=None, title="Review the session"):
    return open_task(
        Actor(None),
        patient or clinic.patient,
        kind="followup",
        flag="bp-trend",
        title=title,
        source_type="test",
        source_public_id=uuid.uuid4(),
    )


def _urgent(clinic, patient=None, assignees=()):
    return open_safety_task(
        Actor(None),
        patient or clinic.patient,
        "suicidal_ideation",
        "test",
        uuid.uuid4(),
        assignees=assignees,
    )


def _section(html, testid):
    start = html.index(f'data-testid="{testid}"')
    return html[start : html.index("</table>", start)]


def test_the_list_puts_urgent_first_then_the_oldest(clinic):
    routine = _routine(clinic)
    urgent = _urgent(clinic)
    older_routine = _routine(clinic, title="Older")
    assert list(open_tasks_for(clinic.prescriber)) == [urgent, routine, older_routine]


def test_my_tasks_come_first_and_mine_filters(clinic, login):
    on_call = UserFactory(
        username="dr_call", role="prescriber", sites=[clinic.site_a], last_name="Zed"
    )
    second = PatientFactory(
        site=clinic.site_a, created_by=clinic.prescriber, family_name="Moss", given_name="Ada"
    )
    mine = _urgent(clinic, assignees=[clinic.prescriber, on_call])
    theirs = _urgent(clinic, second, assignees=[on_call])
    routine = _routine(clinic, second)
    listed = task_list(clinic.prescriber)
    assert (listed.mine, listed.others) == ([mine], [theirs, routine])
    assert task_list(on_call).mine == [mine, theirs]
    assert task_list(clinic.prescriber, only_mine=True).others == []

    page = login(clinic.prescriber).get(reverse("tasks:list")).content.decode()
    own = _section(page, "tasks-mine")
    rest = _section(page, "tasks-others")
    assert "HART, Robin" in own
    assert "MOSS" not in own
    assert own.count('data-testid="task-urgent"') == 1
    # Assignees in name order: the fixture's prescriber is "Sam Staff<n>", before "Zed".
    assert f"<b>you</b>, {on_call.signature_name}" in own
    assert "MOSS, Ada" in rest
    assert rest.index('data-testid="task-urgent"') < rest.index('data-testid="task-routine"')
    assert "URGENT" in rest

    only = login(clinic.prescriber).get(reverse("tasks:list") + "?show=mine").content.decode()
    assert 'data-testid="tasks-others"' not in only
    assert "HART, Robin" in only
    assert "MOSS" not in only
    assert 'aria-current="page">Assigned to me' in only


def test_the_list_audits_a_view_per_patient_shown(clinic, login):
    second = PatientFactory(site=clinic.site_a, created_by=clinic.prescriber)
    _urgent(clinic, assignees=[clinic.prescriber])
    _routine(clinic, second)
    before = AuditEvent.objects.count()
    login(clinic.prescriber).get(reverse("tasks:list") + "?show=mine")
    viewed = AuditEvent.objects.filter(seq__gt=before, action="view", object_id="tasks")
    # Only the patient whose task the filtered page shows.
    assert list(viewed.values_list("patient_public_id", flat=True)) == [clinic.patient.public_id]


def test_another_sites_tasks_are_not_listed(clinic, login):
    _urgent(clinic, clinic.other_site_patient)
    page = login(clinic.prescriber).get(reverse("tasks:list")).content.decode()
    assert clinic.other_site_patient.mrn not in page
    assert not open_tasks_for(clinic.prescriber).exists()


def test_the_patient_page_shows_open_urgent_tasks_at_the_top(clinic, login):
    urgent = _urgent(clinic, assignees=[clinic.prescriber])
    routine = _routine(clinic)
    resolved = _urgent(clinic)
    resolve_task(Actor(clinic.prescriber), resolved, "cssrs_done", NOTE)
    url = reverse("tasks:patient", kwargs={"patient_id": clinic.patient.public_id})
    page = login(clinic.prescriber).get(url).content.decode()
    start = page.index('data-testid="urgent-tasks"')
    end = page.index("</section>", start)
    box = page[start:end]
    assert "Urgent: 1 open task" in box
    assert urgent.title in box
    assert reverse("tasks:resolve", args=[clinic.patient.public_id, urgent.public_id]) in box
    assert routine.title not in box
    table = page[end:]
    assert routine.title in table
    assert 'data-testid="task-resolved"' in table
    assert NOTE in table
    assert page.count(str(urgent.public_id)) == 1  # listed once, in the box


def test_a_nurse_sees_the_urgent_box_without_a_resolve_link(clinic, login):
    _urgent(clinic, assignees=[clinic.prescriber])
    url = reverse("tasks:patient", kwargs={"patient_id": clinic.patient.public_id})
    page = login(clinic.nurse).get(url).content.decode()
    assert 'data-testid="urgent-tasks"' in page
    assert ">Resolve<" not in page
    assert f"assigned to {clinic.prescriber.signature_name}" in page


def test_the_resolve_page_needs_a_documented_action(clinic, login):
    task = _urgent(clinic, assignees=[clinic.prescriber])
    url = reverse("tasks:resolve", args=[clinic.patient.public_id, task.public_id])
    client = login(clinic.prescriber)
    response = client.post(url, {"action": "cssrs_done", "note": "done"})
    assert response.status_code == 200
    assert "at least 10 characters" in response.content.decode()
    task.refresh_from_db()
    assert task.status == "open"
    response = client.post(url, {"action": "crisis_referral", "note": NOTE})
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.status, task.resolution_action) == ("resolved", "crisis_referral")
