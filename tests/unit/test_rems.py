"""SPRAVATO REMS Patient Monitoring Form: completeness, 120 min, 40-min BP, 7-day rule (3.6)."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kclinic.domain.errors import ValidationError
from kclinic.domain.monitoring import VitalSigns
from kclinic.domain.rems import (
    REQUIRED_FIELDS,
    BloodPressure,
    PatientMonitoringForm,
    check_form,
    form_blood_pressures,
    missing_fields,
    require_complete,
    submission_due,
    submission_overdue,
)

FIRST_DEVICE = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)


def minutes(n: float) -> datetime:
    return FIRST_DEVICE + timedelta(minutes=n)


COMPLETE = PatientMonitoringForm(
    patient_first_name="Ada",
    patient_last_name="Example",
    patient_birthdate=date(1980, 5, 17),
    patient_sex="female",
    takes_benzodiazepines=False,
    takes_non_benzodiazepine_sedative_hypnotics=False,
    takes_psychostimulants=False,
    takes_maois=False,
    hcp_first_name="Nia",
    hcp_last_name="Nurse",
    hcp_telephone="555-0100",
    hcp_email="nia@example.org",
    setting_name="Demo Clinic",
    setting_address_1="1 Main St",
    setting_city="Springfield",
    setting_state="IL",
    setting_zip="62701",
    treatment_date=date(2026, 3, 3),
    dose_mg=56,
    first_device_at=FIRST_DEVICE,
    total_monitoring_minutes=125,
    vitals_acceptable_before_administration=True,
    vitals_acceptable_before_completion=True,
    bp_before_administration=BloodPressure(128, 82, minutes(-5)),
    bp_40_min=BloodPressure(142, 90, minutes(40)),
    bp_before_completion=BloodPressure(130, 84, minutes(120)),
    sedation=True,
    dissociation=True,
    respiratory_depression=False,
)


def test_complete_form_has_no_problems() -> None:
    assert check_form(COMPLETE) == ()
    require_complete(COMPLETE)
    assert COMPLETE.form_version == "2021-11"


def test_required_fields_written_out() -> None:
    assert len(REQUIRED_FIELDS) == 30
    for optional in ("patient_middle_initial", "setting_address_2", "lot_number"):
        assert optional not in REQUIRED_FIELDS
    assert "respiratory_depression" in REQUIRED_FIELDS
    assert "bp_40_min" in REQUIRED_FIELDS


def test_empty_form_names_every_required_field() -> None:
    empty = PatientMonitoringForm()
    assert missing_fields(empty) == REQUIRED_FIELDS[:-1]  # form_version has a default
    assert check_form(empty)[0] == "patient_first_name: required"


def test_missing_and_blank_fields_are_named() -> None:
    form = replace(COMPLETE, hcp_email="  ", takes_maois=None, bp_40_min=None)
    assert missing_fields(form) == ("takes_maois", "hcp_email", "bp_40_min")
    with pytest.raises(ValidationError) as caught:
        require_complete(form)
    text = str(caught.value)
    for name in ("takes_maois: required", "hcp_email: required", "bp_40_min: required"):
        assert name in text


def test_false_is_an_answer_not_a_gap() -> None:
    assert "respiratory_depression" not in missing_fields(COMPLETE)


@pytest.mark.parametrize(("total", "ok"), [(119, False), (120, True), (240, True)])
def test_total_monitoring_at_least_120(total: int, ok: bool) -> None:
    problems = check_form(replace(COMPLETE, total_monitoring_minutes=total))
    assert (problems == ()) is ok
    if not ok:
        assert problems[0].startswith("total_monitoring_minutes: 119 is below 120")


@pytest.mark.parametrize(
    ("offset", "ok"), [(30, True), (29.5, False), (50, True), (51, False), (40, True)]
)
def test_second_bp_is_40_plus_minus_10_min_after_the_first_device(offset: float, ok: bool) -> None:
    form = replace(COMPLETE, bp_40_min=BloodPressure(140, 88, minutes(offset)))
    problems = check_form(form)
    assert (problems == ()) is ok
    if not ok:
        assert problems == (
            f"bp_40_min.at: {offset:g} min after the first device; allowed 30 to 50 min",
        )


@pytest.mark.parametrize(
    ("dose", "ok"), [(56, True), (84, True), (28, True), (112, True), (50, False), (0, False)]
)
def test_dose_is_a_multiple_of_28(dose: int, ok: bool) -> None:
    assert (check_form(replace(COMPLETE, dose_mg=dose)) == ()) is ok


def test_sex_choices() -> None:
    assert check_form(replace(COMPLETE, patient_sex="x")) == (
        "patient_sex: 'x' is not one of male, female, other",
    )


def test_due_date_is_treatment_plus_seven_days() -> None:
    assert submission_due(date(2026, 3, 3)) == date(2026, 3, 10)
    assert submission_due(date(2026, 12, 28)) == date(2027, 1, 4)


@pytest.mark.parametrize(
    ("submitted", "today", "expected"),
    [
        (None, date(2026, 3, 10), False),  # the due day itself is in time
        (None, date(2026, 3, 11), True),
        (date(2026, 3, 10), date(2026, 4, 1), False),
        (date(2026, 3, 11), date(2026, 4, 1), True),
    ],
)
def test_overdue(submitted: date | None, today: date, expected: bool) -> None:
    assert submission_overdue(date(2026, 3, 3), submitted, today) is expected


@given(st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 1, 1)), st.integers(0, 30))
def test_overdue_iff_more_than_seven_days(treated: date, days: int) -> None:
    today = treated + timedelta(days=days)
    assert submission_overdue(treated, None, today) is (days > 7)


def _reading(sbp: int, dbp: int, minute: float) -> VitalSigns:
    return VitalSigns(sbp, dbp, minutes(minute))


def test_form_blood_pressures_from_session_readings() -> None:
    # Readings at -10, -2, 10, 35, 44, 60, 118, 130 min; first device at 0; done at 125.
    # Before: -2 min. Near 40 (30-50): 35 (5 away) and 44 (4 away) -> 44. Before completion:
    # last at or before 125 and after 44 -> 118.
    readings = [
        _reading(120, 80, 130),
        _reading(126, 80, -10),
        _reading(128, 82, -2),
        _reading(135, 85, 10),
        _reading(150, 95, 35),
        _reading(148, 92, 44),
        _reading(140, 88, 60),
        _reading(131, 84, 118),
    ]
    pre, at_40, done = form_blood_pressures(readings, FIRST_DEVICE, minutes(125))
    assert pre == BloodPressure(128, 82, minutes(-2))
    assert at_40 == BloodPressure(148, 92, minutes(44))
    assert done == BloodPressure(131, 84, minutes(118))


def test_form_blood_pressures_leaves_gaps_for_check_form() -> None:
    pre, at_40, done = form_blood_pressures([_reading(150, 95, 60)], FIRST_DEVICE, minutes(125))
    assert (pre, at_40, done) == (None, None, None)


def test_form_bp_is_checked_like_a_reading() -> None:
    with pytest.raises(ValidationError, match="sbp_mmhg: 400"):
        BloodPressure(400, 90, FIRST_DEVICE)
