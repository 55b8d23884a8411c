"""A nurse signs in, finds a patient by MRN and opens the chart with its banner."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.conftest import sign_in


def test_nurse_finds_a_patient_and_sees_the_banner(page: Page, clinic):
    sign_in(page, clinic.nurse.username)
    page.get_by_label("Search by name or MRN").fill(clinic.patient.mrn)
    row = page.get_by_role("link", name="HART, Robin")
    expect(row).to_be_visible()
    row.click()
    banner = page.get_by_test_id("patient-banner")
    expect(banner).to_contain_text("HART, Robin")
    expect(banner).to_contain_text(clinic.patient.mrn)
    expect(banner).to_contain_text("Allergies not recorded")
