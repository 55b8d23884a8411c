"""The issue's acceptance path for the portal: a patient answers a PHQ-9 on a phone through a
single-use link, one question at a time, with item 9 = 2; the crisis text appears; after
sending, the prescriber's task list shows the URGENT task."""

from __future__ import annotations

from playwright.sync_api import Browser, expect

from kclinic.web.audit.services import Actor
from kclinic.web.portal import services
from kclinic.web.portal.models import RiskRoute
from tests.e2e.conftest import sign_in
from tests.web.courses_factories import todays_course

PHONE = {"width": 390, "height": 844}
LABELS = {0: "Not at all", 1: "Several days", 2: "More than half the days", 3: "Nearly every day"}
PHQ9 = [1, 2, 1, 1, 0, 1, 1, 0, 2]  # total 9, item 9 = 2


def test_patient_on_a_phone_reports_item9_and_the_clinician_sees_an_urgent_task(
    browser: Browser, live_server, clinic
):
    todays_course(clinic)  # the prescriber's course: they are the primary clinician
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

    route = RiskRoute.objects.get(stage="submitted")
    assert route.primary_clinician == clinic.prescriber
    assert route.assessment is not None
    assert route.assessment.answers["9"] == 2

    desk = browser.new_context(base_url=live_server.url, viewport={"width": 1024, "height": 900})
    page = desk.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, clinic.prescriber.username)
    page.get_by_role("link", name="Tasks").first.click()
    row = (
        page.get_by_role("row")
        .filter(has_text="HART, Robin")
        .filter(has_text="URGENT self-report: PHQ-9 item 9")
    )
    expect(row.first).to_be_visible()
    expect(row.first).to_contain_text("item 9 = 2")
    desk.close()
