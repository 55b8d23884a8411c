"""The issue's acceptance path for an IV session, in the browser as the staff do it: the front
desk checks the patient in; the nurse works through the checklist; the prescriber orders
0.5 mg/kg over 40 min and sees the predicted curve; the nurse double-checks (a wrong vial
strength is refused, naming the field); the nurse starts the pump, records vitals, one of them
raising an alarm that is acknowledged, sees another nurse's set arrive by the screen's own
refresh, stops the pump and starts recovery; MOAA/S and Aldrete are recorded; discharge is
refused before the observation time, then allowed an hour later; the session record is
drafted, signed with the password and downloaded as a PDF.

What the patient brings to the chair (consent, screening, today's PHQ-9 and C-SSRS) is put on
the record through the services beforehand; the clock is moved on for the observation hour.
"""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from kclinic.web.audit.services import Actor
from kclinic.web.infusions import services_monitoring
from kclinic.web.infusions.models import Alarm, DoseCheck
from tests.e2e.session_support import (
    CHAIR,
    ESCORT,
    IV_LOT,
    clock,  # noqa: F401  (fixture)
    desk,  # noqa: F401  (fixture)
    download_pdf,
    fill_checklist,
    mark_page,
    page_not_reloaded,
    ready_for_iv_session,
    session_url,
)
from tests.web.factories import PASSWORD

# The prescriber's order and what it must come to, worked by hand: 0.5 mg/kg x 80 kg = 40 mg,
# 4 mL of the 10 mg/mL vial, made up to 100 mL (the drug replaces saline), over 40 min.
WEIGHT_KG = "80"
DOSE_MG = "40"
RATE_ML_PER_H = "150"  # 100 mL in 40 min
# The live region also refreshes itself every 10 s; a refresh that left before a post may land
# after it and show the older state until the next one, so wait out one refresh.
LIVE = 15_000


def test_a_whole_iv_session_from_check_in_to_the_signed_record(clinic, clock, desk):  # noqa: F811
    session = ready_for_iv_session(clinic)

    # --- the front desk checks the patient in ------------------------------------------
    front = desk(clinic.front_desk)
    front.get_by_role("link", name="Today").click()
    row = front.get_by_test_id(f"today-{session.public_id}")
    expect(row).to_contain_text("HART, Robin")
    row.get_by_role("link", name="Check in").click()
    front.get_by_label("Chair").select_option(label=CHAIR)
    front.get_by_role("button", name="Check in").click()
    expect(front.get_by_test_id("session-state")).to_have_text("Checked in")

    # --- the nurse's checklist ----------------------------------------------------------
    nurse = desk(clinic.nurse)
    nurse.goto(session_url("session", session))
    nurse.get_by_role("link", name="Pre-infusion checklist").first.click()
    fill_checklist(nurse)
    checklist = nurse.get_by_test_id("checklist")
    for item in ("consent", "fasting", "escort", "cssrs", "baseline_vitals", "weight"):
        expect(checklist.get_by_test_id(f"item-{item}")).to_contain_text("PASS")
    nurse.get_by_role("button", name="Complete the checklist").click()
    expect(nurse.get_by_test_id("session-state")).to_have_text("Prechecks done")

    # --- the prescriber orders the dose and sees the predicted curve ----------------------
    doctor = desk(clinic.prescriber)
    doctor.goto(session_url("order", session))
    expect(doctor.get_by_label("Weight (kg)")).to_have_value(re.compile(r"^80(\.0+)?$"))
    doctor.get_by_label("Dose (mg/kg)").fill("0.5")
    doctor.get_by_label("Infusion time (min)").fill("40")
    doctor.get_by_label("Vial strength (mg/mL)").fill("10")
    doctor.get_by_label("Bag volume (mL)").fill("100")
    doctor.get_by_label("Preparation").select_option("replace")
    doctor.get_by_role("button", name="Order the dose").click()
    order = doctor.get_by_test_id("order")
    expect(order).to_contain_text(re.compile(rf"{DOSE_MG}(\.00)? mg"))
    expect(order).to_contain_text(re.compile(rf"{RATE_ML_PER_H}(\.0)? mL/h"))
    expect(doctor.get_by_test_id("verification")).to_contain_text("Not verified yet")
    doctor.get_by_role("link", name="Dose order", exact=True).click()
    chart = doctor.get_by_test_id("pk-chart")
    expect(chart.locator("polyline.curve")).to_have_count(1)
    expect(chart).to_contain_text("Predicted peak")

    # --- the nurse's independent double check ---------------------------------------------
    nurse.goto(session_url("check", session))
    expect(nurse.get_by_test_id("patient-banner")).to_contain_text("withheld")
    nurse.get_by_label("Patient's weight (kg)").fill(WEIGHT_KG)
    nurse.get_by_label("Vial strength (mg/mL)").fill("50")  # misread label
    nurse.get_by_label("Pump rate (mL/h)").fill(RATE_ML_PER_H)
    lots = nurse.get_by_label("Vial / device lot")
    lots.select_option(lots.locator("option", has_text=IV_LOT).get_attribute("value"))
    nurse.get_by_role("button", name="Compare with the order").click()
    expect(nurse.get_by_text("vial_mg_per_ml: does not match the order")).to_be_visible()
    # Only the misread field is named; the weight and the pump rate matched.
    expect(nurse.locator(".errorlist.nonfield")).to_contain_text(
        "Does not match the order: vial_mg_per_ml."
    )
    nurse.get_by_label("Vial strength (mg/mL)").fill("10")
    nurse.get_by_role("button", name="Compare with the order").click()
    expect(nurse.get_by_test_id("session-state")).to_have_text("Dose verified")
    expect(nurse.get_by_test_id("verification")).to_contain_text("Verified")
    assert list(DoseCheck.objects.values_list("matched", flat=True).order_by("id")) == [
        False,
        True,
    ]

    # --- the monitoring screen: start, vitals, an alarm acknowledged ---------------------
    nurse.get_by_role("link", name="Open the monitoring screen").click()
    live = nurse.get_by_test_id("monitor-live")
    mark_page(nurse)
    pump = nurse.get_by_test_id("pump")
    expect(pump.get_by_label("Rate (mL/h)")).to_have_value(re.compile(rf"^{RATE_ML_PER_H}"))
    pump.get_by_role("button", name="Start infusion").click()
    expect(live.get_by_test_id("state")).to_have_text(re.compile("infusing", re.I), timeout=LIVE)
    expect(pump.get_by_role("button", name="Stop infusion")).to_be_visible()

    record_vitals(nurse, "132", "80", hr="76")
    expect(live.get_by_test_id("last-vitals")).to_have_text("132/80", timeout=LIVE)
    expect(live.get_by_test_id("alarm")).to_have_count(0, timeout=LIVE)

    record_vitals(nurse, "185", "112", hr="88")
    expect(live.get_by_test_id("last-vitals")).to_have_text("185/112", timeout=LIVE)
    alarm = live.get_by_test_id("alarm")
    expect(alarm).to_have_count(1, timeout=LIVE)
    expect(alarm).to_contain_text("185", timeout=LIVE)
    alarm.get_by_label("Action taken").select_option("rate_reduced")
    alarm.get_by_label("Note").fill("Rate reduced to 100 mL/h, BP recheck in 5 min")
    alarm.get_by_role("button", name="Acknowledge").click()
    expect(live.get_by_test_id("alarm")).to_have_count(0, timeout=LIVE)
    expect(live.get_by_text("No open alarms.")).to_be_visible(timeout=LIVE)
    acknowledged = Alarm.objects.get(session=session)
    assert (acknowledged.action, acknowledged.acknowledged_by) == ("rate_reduced", clinic.nurse)

    # A colleague records a set at another screen; this one shows it by its own refresh.
    services_monitoring.record_vitals(
        Actor(clinic.prescriber), session, sbp_mmhg=138, dbp_mmhg=84, hr_bpm=80, spo2_pct=98
    )
    expect(live.get_by_test_id("last-vitals")).to_have_text("138/84", timeout=LIVE + 5_000)
    assert page_not_reloaded(nurse), "the monitor page was reloaded instead of swapped"

    pump.get_by_role("button", name="Stop infusion").click()
    expect(live.get_by_test_id("state")).to_have_text(
        re.compile("infusion ended", re.I), timeout=LIVE
    )

    # --- recovery: start it, vitals back near baseline, MOAA/S and Aldrete ---------------
    nurse.get_by_role("link", name="Recovery and discharge").click()
    nurse.get_by_role("button", name="Start recovery").click()
    expect(nurse.get_by_test_id("readiness")).to_be_visible()
    nurse.get_by_role("link", name="Session", exact=True).click()
    nurse.get_by_role("link", name="Monitoring", exact=True).click()
    expect(nurse.get_by_test_id("state")).to_have_text(re.compile("recovery", re.I), timeout=LIVE)
    record_vitals(nurse, "126", "80", hr="70")
    expect(nurse.get_by_test_id("last-vitals")).to_have_text("126/80", timeout=LIVE)
    events = nurse.get_by_test_id("events")
    record_scale(nurse, "moaas", moaas="5")
    expect(events).to_contain_text("MOAAS at pre-discharge: 5")
    # Circulation is computed: 126 is within 20 mmHg of the baseline 124, so 2 of 2.
    record_scale(nurse, "aldrete", activity="2", respiration="2", consciousness="2", spo2="2")
    expect(events).to_contain_text("ALDRETE at pre-discharge: 10")

    # --- discharge: refused before the observation hour, allowed after it ---------------
    nurse.get_by_role("link", name="Recovery and discharge").click()
    readiness = nurse.get_by_test_id("readiness")
    expect(readiness.locator('[data-criterion="observation-time"]')).to_have_class("unmet")
    for met in ("aldrete", "systolic-baseline", "diastolic-baseline", "moaas"):
        expect(readiness.locator(f'[data-criterion="{met}"]')).to_have_class("met")
    confirm_escort(nurse)
    nurse.get_by_role("button", name="Discharge").click()
    refusal = nurse.locator(".errorlist").first
    expect(refusal).to_contain_text("observation-time")
    expect(refusal).not_to_contain_text("escort")
    session.refresh_from_db()
    assert session.state == "recovery"

    clock.advance(61)  # the patient rests; the observation hour passes
    nurse.get_by_role("link", name="Recovery and discharge").click()  # not a reload: no re-post
    expect(readiness.locator('[data-criterion="observation-time"]')).to_have_class("met")
    confirm_escort(nurse)
    nurse.get_by_role("button", name="Discharge").click()
    expect(nurse.get_by_text("Patient discharged.")).to_be_visible()
    session.refresh_from_db()
    assert session.state == "discharged"
    assert session.discharge.escort_name == ESCORT
    assert session.discharge.override_reason == ""

    # --- the session record: drafted, signed with the password, downloaded -------------
    nurse.get_by_role("link", name="Session record").click()
    nurse.get_by_role("button", name="Draft the session record").click()
    expect(nurse.get_by_test_id("record").locator(".badge")).to_have_text("draft")
    nurse.get_by_role("link", name="Open the note to edit, sign and lock it").click()
    expect(nurse.get_by_test_id("note")).to_contain_text("185/112")
    nurse.get_by_role("link", name="Sign and lock").click()
    nurse.get_by_label("Your password (to sign)").fill("not my password")
    nurse.get_by_role("button", name="Sign and lock").click()
    expect(nurse.locator(".errorlist")).to_contain_text("password")
    nurse.get_by_label("Your password (to sign)").fill(PASSWORD)
    nurse.get_by_role("button", name="Sign and lock").click()
    expect(nurse.get_by_test_id("badge-signed")).to_be_visible()
    session.refresh_from_db()
    assert session.record_note.status == "signed"
    assert session.record_note.signed_by == clinic.nurse

    nurse.goto(session_url("record", session))
    expect(nurse.get_by_test_id("record").locator(".badge")).to_have_text("signed")
    pdf = download_pdf(nurse, nurse.get_by_role("link", name="Download PDF"))
    assert pdf.startswith(b"%PDF")


def record_vitals(page: Page, sbp: str, dbp: str, *, hr: str) -> None:
    form = page.get_by_test_id("vitals-form")
    form.get_by_label("Systolic").fill(sbp)
    form.get_by_label("Diastolic").fill(dbp)
    form.get_by_label("Heart rate").fill(hr)
    form.get_by_label("SpO2").fill("98")
    form.get_by_label("Resp. rate").fill("14")
    form.get_by_role("button", name="Record").click()
    # The form comes back empty once the set is stored (an error would keep the values).
    expect(page.get_by_test_id("vitals-form").get_by_label("Systolic")).to_have_value("")


def record_scale(page: Page, instrument: str, **answers: str) -> None:
    form = page.get_by_test_id("scale-form")
    form.locator("[name=instrument]").select_option(instrument)
    form.locator("[name=time_point]").select_option("pre-discharge")
    for name, value in answers.items():
        form.locator(f"[name={name}]").select_option(value)
    form.get_by_role("button", name="Record scale").click()


def confirm_escort(page: Page) -> None:
    form = page.get_by_test_id("discharge-form")
    form.get_by_label("The escort is here").check()
    form.get_by_label("Escort's name").fill(ESCORT)
    form.get_by_label("Relationship").fill("partner")
