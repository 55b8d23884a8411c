"""The issue's acceptance path: a nurse records a PHQ-9 with item 9 = 1, sees the score, band
and the safety task; a prescriber signs in and resolves the task with a documented action."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from kclinic.web.tasks.models import Task
from tests.e2e.conftest import sign_in, sign_out

PHQ9 = [2, 1, 1, 2, 1, 1, 1, 0, 1]  # total 10 (moderate), item 9 = 1


def test_phq9_item9_raises_a_safety_task_that_a_prescriber_resolves(page: Page, clinic):
    sign_in(page, clinic.nurse.username)
    page.get_by_label("Search by name or MRN").fill(clinic.patient.mrn)
    page.get_by_role("link", name="HART, Robin").click()
    page.get_by_role("link", name="Assessments").click()
    page.get_by_role("link", name="Record an assessment").click()
    page.get_by_test_id("pick-phq9").click()

    page.get_by_label("Context").select_option("pre-session")
    for number, value in enumerate(PHQ9, start=1):
        page.locator(f"#item-{number} input[value='{value}']").check()
    # The score appears while entering (htmx preview), before anything is stored.
    score = page.get_by_test_id("score")
    expect(score.get_by_test_id("total")).to_have_text("10")
    expect(score.get_by_test_id("band")).to_have_text("moderate")
    expect(page.get_by_test_id("flag-suicidal_ideation")).to_be_visible()
    assert not Task.objects.exists()

    page.get_by_test_id("save").click()
    expect(page.get_by_test_id("total")).to_have_text("10")
    expect(page.get_by_test_id("band")).to_have_text("moderate")
    flag = page.get_by_test_id("flag-suicidal_ideation")
    expect(flag).to_contain_text("Open task")
    expect(page.get_by_test_id("patient-banner")).to_contain_text("1 open safety task")
    task = Task.objects.get()
    assert (task.status, task.flag) == ("open", "suicidal_ideation")

    sign_out(page)
    sign_in(page, clinic.prescriber.username)
    page.get_by_role("link", name="Tasks").first.click()
    expect(page.get_by_role("cell", name="HART, Robin")).to_be_visible()
    page.get_by_role("link", name="HART, Robin").click()
    page.get_by_role("link", name="Resolve").click()
    page.get_by_label("Action").select_option("cssrs_done")
    page.get_by_label("Note").fill(
        "C-SSRS screener done: passive ideation only, low risk; "
        "safety plan reviewed with the patient."
    )
    page.get_by_role("button", name="Resolve task").click()
    expect(page.get_by_test_id("task-resolved")).to_contain_text("C-SSRS completed")
    expect(page.get_by_test_id("patient-banner")).not_to_contain_text("open safety task")
    task.refresh_from_db()
    assert (task.status, task.resolved_by) == ("resolved", clinic.prescriber)
