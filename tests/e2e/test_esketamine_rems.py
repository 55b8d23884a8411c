"""The issue's REMS path: an esketamine session (course template esketamine-trd) ends in a
complete SPRAVATO REMS Patient Monitoring Form. The form page shows what the session
recorded; completion is refused while a required field is empty, naming it; the filled form
completes, downloads as a PDF, and the clinic's tracker lists it as due until the submission
is recorded.

The session itself (check-in to discharge) goes through the services as the staff would leave
it; its browser path is the IV test's (tests/e2e/test_iv_session.py).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from playwright.sync_api import Locator, Page, expect

from kclinic.web.infusions.models import InfusionSession, RemsForm
from tests.e2e.session_support import (
    BASELINE_BP,
    BP_40_MIN,
    BP_LEAVING,
    DOSE_MG,
    ESKETAMINE_LOT,
    MINUTES_TO_DISCHARGE,
    clock,  # noqa: F401  (fixture)
    desk,  # noqa: F401  (fixture)
    download_pdf,
    esketamine_discharged,
)
from tests.web.infusions_factories_discharge import pdf_text

# The clinician's part of the form: everything the session cannot know.
ANSWERS = {
    "hcp_first_name": "Kim",
    "hcp_last_name": "Ashby",
    "hcp_telephone": "555-0142",
    "hcp_email": "kim.ashby@north.example",
    "setting_name": "North clinic",
    "setting_address_1": "12 Harbour Road",
    "setting_city": "Springfield",
    "setting_state": "IL",
    "ready_to_leave_minutes": "100",
}
ZIP = "62701"


def test_an_esketamine_session_ends_in_a_complete_rems_form(clinic, clock, desk):  # noqa: F811
    dosed = esketamine_discharged(clinic, clock)
    session, treated = dosed.session, timezone.localdate(dosed.first_device_at)
    nurse = desk(clinic.nurse)

    # --- the tracker lists the session's form as due within 7 days of the treatment ------
    nurse.get_by_role("link", name="REMS forms").click()
    row = tracker_row(nurse, session)
    expect(row).to_contain_text("HART, Robin")
    expect(row).to_contain_text((treated + dt.timedelta(days=7)).isoformat())
    expect(row).to_contain_text("no form")
    row.get_by_role("link", name="Open").click()

    # --- what the session recorded is on the form, not typed ----------------------------
    for name, shown in (
        ("patient_last_name", "Hart"),
        ("dose_mg", str(DOSE_MG)),
        ("lot_number", ESKETAMINE_LOT),
        ("treatment_date", treated.isoformat()),
        ("total_monitoring_minutes", str(MINUTES_TO_DISCHARGE)),
        ("bp_before_administration", "{}/{} mmHg".format(*BASELINE_BP)),
        ("bp_40_min", "{}/{} mmHg".format(*BP_40_MIN)),
        ("bp_before_completion", "{}/{} mmHg".format(*BP_LEAVING)),
        ("sedation", "Yes"),  # MOAA/S 4 at 40 min
        ("dissociation", "Yes"),  # CADSS 2 at 40 min after 0 before the first device
        ("respiratory_depression", "No"),  # SpO2 97-98 %, RR 14 throughout
    ):
        expect(from_session(nurse, name)).to_contain_text(shown)
        expect(nurse.locator(f"[name={name}]")).to_have_count(0)

    # --- completion is refused while a required field is empty --------------------------
    for name, value in ANSWERS.items():
        nurse.locator(f"[name={name}]").fill(value)
    nurse.locator("[name=vitals_acceptable_before_administration]").select_option("yes")
    nurse.locator("[name=vitals_acceptable_before_completion]").select_option("yes")
    nurse.get_by_label("I have checked the four medicine answers").check()
    nurse.get_by_role("button", name="Save", exact=True).click()
    expect(nurse.get_by_text("REMS form saved.")).to_be_visible()
    status = nurse.get_by_test_id("rems-status")
    expect(status.locator(".rems-problems li")).to_have_text(["setting_zip: required"])

    nurse.get_by_role("button", name="Complete the form").click()
    expect(status.locator(".warning-note")).to_contain_text("Not completed")
    expect(status.locator(".warning-note")).to_contain_text("setting_zip: required")
    assert RemsForm.objects.get(session=session).completed_at is None

    # --- filled, it completes and locks -------------------------------------------------
    nurse.locator("[name=setting_zip]").fill(ZIP)
    nurse.get_by_role("button", name="Save", exact=True).click()
    expect(nurse.get_by_text("REMS form saved.")).to_be_visible()
    expect(status.locator(".rems-problems")).to_have_count(0)
    nurse.get_by_role("button", name="Complete the form").click()
    expect(nurse.get_by_text("REMS form completed.")).to_be_visible()
    expect(status).to_contain_text("not yet marked submitted")
    expect(nurse.locator("[name=setting_zip]")).to_have_count(0)
    expect(from_session(nurse, "setting_zip")).to_contain_text(ZIP)

    pdf = download_pdf(nurse, status.get_by_role("link", name="Download PDF"))
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    for expected in (clinic.patient.mrn, ESKETAMINE_LOT, ANSWERS["hcp_telephone"], ZIP):
        assert expected in text, expected

    # --- due on the tracker until the submission is recorded ----------------------------
    nurse.get_by_role("link", name="REMS forms").click()
    expect(tracker_row(nurse, session)).to_contain_text("completed")
    tracker_row(nurse, session).get_by_role("link", name="Open").click()
    today = timezone.localdate()  # the clinic's today (the test's clock)
    # The page's default date does not reach a date input (see the report): type it.
    nurse.get_by_label("Submitted to the REMS on").fill(today.isoformat())
    nurse.get_by_label("Confirmation reference").fill("PMF-20391")
    nurse.get_by_role("button", name="Mark submitted").click()
    expect(nurse.get_by_text("Submission recorded.")).to_be_visible()
    expect(nurse.get_by_test_id("rems-status")).to_contain_text("PMF-20391")

    nurse.get_by_role("link", name="REMS forms").click()
    expect(tracker_row(nurse, session)).to_have_count(0)
    expect(nurse.get_by_test_id("rems-due")).to_contain_text("No forms waiting for submission.")
    done = RemsForm.objects.get(session=session)
    assert (done.submitted_on, done.submitted_by) == (today, clinic.nurse)


def tracker_row(page: Page, session: InfusionSession) -> Locator:
    return page.get_by_test_id("rems-due").locator(f'tr[data-session="{session.public_id}"]')


def from_session(page: Page, name: str) -> Locator:
    """A field shown as a value (filled from the session, or locked once completed)."""
    return page.locator(f'.rems-fixed[data-field="{name}"]')
