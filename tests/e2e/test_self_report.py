"""The issue's acceptance path for the portal: a patient answers a PHQ-9 on a phone through a
single-use link, one question at a time, with item 9 = 2; the crisis text appears; after
sending, one urgent task is assigned to the primary and the on-call clinician, and it heads the
prescriber's task list ("Assigned to me") and their chart of the patient."""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from kclinic.web.audit.services import Actor
from kclinic.web.portal import services
from kclinic.web.portal.models import RiskRoute
from kclinic.web.tasks.models import Task
from tests.e2e.conftest import sign_in
from tests.web.courses_factories import todays_course
from tests.web.factories import UserFactory
from tests.web.test_portal_support import on_call

PHONE = {"width": 390, "height": 844}
LABELS = {0: "Not at all", 1: "Several days", 2: "More than half the days", 3: "Nearly every day"}
PHQ9 = [1, 2, 1, 1, 0, 1, 1, 0, 2]  # total 9, item 9 = 2


def test_patient_on_a_phone_reports_item9_and_the_clinician_sees_an_urgent_task(
    browser: Browser, live_server, clinic
):
    todays_course(clinic)  # the prescriber's course: they are the primary clinician
    doctor_on_call = UserFactory(username="dr_call", role="prescriber", sites=[clinic.site_a])
    on_call(clinic, doctor_on_call)
    issued = services.create_link(
        Actor(clinic.nurse),
        clinic.patient,
        instruments=["phq9"],
        channel="qr",
        base_url=live_server.url,
    )

    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    patient = phone.new_page()
    patient.set_default_timeout(15_000)
    patient.goto(issued.url)
    expect(patient.get_by_role("heading", name="Your questionnaires")).to_be_visible()
    patient.get_by_test_id("start").click()
    for number, value in enumerate(PHQ9, start=1):
        expect(patient.get_by_text(f"Question {number} of 9")).to_be_visible()
        patient.get_by_label(LABELS[value], exact=True).check()
        patient.get_by_role("button", name="Next").click()
    # The page fits the phone: nothing wider than the viewport.
    width = patient.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]
    expect(patient.get_by_test_id("crisis-resources")).to_be_visible()
    expect(patient.get_by_test_id("crisis-resources")).to_contain_text("988")
    patient.get_by_test_id("submit").click()
    expect(patient.get_by_test_id("done")).to_contain_text("Thank you")
    expect(patient.get_by_test_id("crisis-resources")).to_be_visible()
    phone.close()

    # Each answer was saved as the patient went (item 9 routed at once), then submitted: one
    # task, continued by the stored assessment.
    (task,) = Task.objects.filter(patient=clinic.patient)
    assert (task.status, task.priority) == ("open", "urgent")
    assert set(task.assigned_to.all()) == {clinic.prescriber, doctor_on_call}
    route = RiskRoute.objects.get(stage="submitted")
    assert route.task == task
    assert route.assessment is not None
    assert route.assessment.answers["9"] == 2

    desk = browser.new_context(base_url=live_server.url, viewport={"width": 1024, "height": 900})
    page = desk.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, clinic.prescriber.username)
    page.get_by_role("link", name="Tasks").first.click()
    row = page.get_by_test_id("tasks-mine").get_by_role("row").filter(has_text="HART, Robin")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("URGENT")
    expect(row).to_contain_text("Self-report: PHQ-9 item 9")
    expect(row).to_contain_text(doctor_on_call.signature_name)
    row.get_by_role("link", name="HART, Robin").click()
    urgent = page.get_by_test_id("urgent-tasks")
    expect(urgent).to_contain_text("Urgent: 1 open task")
    expect(urgent.get_by_role("link", name="Resolve")).to_be_visible()
    desk.close()
