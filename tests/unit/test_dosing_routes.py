"""IM and intranasal racemic ketamine, and esketamine (clinical reference 1.6-1.7, 8.1 item 3).

Expected values are hand arithmetic from the reference's doses, written in each test.
"""

from decimal import Decimal

import pytest

from kclinic.domain.dosing import plan_esketamine, plan_im, plan_intranasal
from kclinic.domain.errors import LimitError, OutOfRangeError, UnknownNameError, ValidationError


def codes(plan):
    return [warning.code for warning in plan.warnings]


# --- IM (Chilukuri 2014: 0.25 or 0.5 mg/kg) -------------------------------------------------


@pytest.mark.parametrize(("mg_per_kg", "dose"), [("0.5", "40.00"), ("0.25", "20.00")])
def test_im_studied_doses_for_80_kg(mg_per_kg, dose):
    plan = plan_im(weight_kg=80, mg_per_kg=mg_per_kg, vial_mg_per_ml=50)
    assert (plan.route, plan.drug, plan.dose_mg) == ("im", "ketamine", Decimal(dose))
    # 40 mg / 50 mg/mL = 0.80 mL; 20 mg / 50 mg/mL = 0.40 mL.
    assert plan.drug_volume_ml == Decimal(dose) / 50
    assert plan.warnings == ()
    assert plan.minutes is None
    assert plan.rate_ml_per_h is None


def test_im_without_a_vial_gives_the_dose_only():
    plan = plan_im(weight_kg=80, mg_per_kg="0.5")
    assert (plan.dose_mg, plan.drug_volume_ml) == (Decimal("40.00"), None)


def test_im_outside_the_studied_range_needs_an_override():
    plan = plan_im(weight_kg=80, mg_per_kg="0.6")
    assert codes(plan) == ["mg-per-kg-outside-usual"]
    assert plan.override_required is True


def test_im_above_the_hard_ceiling_is_refused():
    with pytest.raises(LimitError, match=r"mg_per_kg: 1\.1 mg/kg"):
        plan_im(weight_kg=80, mg_per_kg="1.1")


def test_im_large_injection_volume_needs_an_override():
    # 80 kg x 0.5 = 40 mg of 10 mg/mL = 4 mL: fine. 100 kg x 0.5 = 50 mg = 5 mL: fine.
    # 110 kg x 0.5 = 55 mg = 5.5 mL: above 5 mL.
    assert plan_im(weight_kg=100, mg_per_kg="0.5", vial_mg_per_ml=10).warnings == ()
    plan = plan_im(weight_kg=110, mg_per_kg="0.5", vial_mg_per_ml=10)
    assert plan.drug_volume_ml == Decimal("5.50")
    assert codes(plan) == ["im-volume-large"]


def test_im_uses_the_dosing_weight_basis():
    # 120 kg, 178 cm man on ideal weight: 0.5 x 73.1811 = 36.59 mg.
    plan = plan_im(weight_kg=120, height_cm=178, sex="male", basis="ideal", mg_per_kg="0.5")
    assert plan.dose_mg == Decimal("36.59")
    assert plan.dosing_weight_basis == "ideal"


# --- intranasal racemic (Lapidus 2014: 50 mg, 5 x 10 mg, 5 min apart, 100 mg/mL) ------------


def test_intranasal_lapidus_regimen():
    plan = plan_intranasal(dose_mg=50)
    assert (plan.route, plan.drug) == ("in", "ketamine")
    assert plan.dose_mg == Decimal("50.00")
    assert plan.drug_volume_ml == Decimal("0.50")  # 50 mg / 100 mg/mL
    assert plan.applications == 5  # 50 / 10
    assert plan.application_volume_ml == Decimal("0.10")  # 10 mg / 100 mg/mL
    assert plan.interval_min == Decimal(5)
    assert plan.minutes == Decimal(20)  # 4 gaps of 5 min
    assert plan.warnings == ()
    assert plan.dosing_weight_kg is None
    assert plan.dosing_weight_basis is None


def test_intranasal_above_the_studied_dose_is_refused():
    with pytest.raises(
        LimitError, match=r"dose_mg: 60\.00 mg is outside the hard limit maximum 50"
    ):
        plan_intranasal(dose_mg=60)


@pytest.mark.parametrize("dose", [45, "12.5"])
def test_intranasal_dose_must_be_whole_applications(dose):
    with pytest.raises(ValidationError, match="multiple of 10 mg"):
        plan_intranasal(dose_mg=dose)


def test_intranasal_lower_dose_needs_an_override():
    plan = plan_intranasal(dose_mg=30)
    assert plan.applications == 3
    assert codes(plan) == ["intranasal-dose-not-studied"]


def test_intranasal_other_concentration_needs_an_override():
    # 50 mg/mL: 10 mg per application is 0.20 mL; 50 mg is 1.00 mL.
    plan = plan_intranasal(dose_mg=50, concentration_mg_per_ml=50)
    assert plan.application_volume_ml == Decimal("0.20")
    assert plan.drug_volume_ml == Decimal("1.00")
    assert codes(plan) == ["intranasal-concentration-not-studied"]


def test_intranasal_reports_a_weight_given_but_does_not_use_it():
    plan = plan_intranasal(dose_mg=50, weight_kg=70)
    assert plan.body is not None
    assert plan.body.actual_weight_kg == Decimal("70.00")
    assert plan.dose_mg == Decimal("50.00")
    with pytest.raises(OutOfRangeError, match="weight_kg"):
        plan_intranasal(dose_mg=50, weight_kg=900)


# --- esketamine (28 mg devices; 28/56/84 mg) -------------------------------------------------


@pytest.mark.parametrize(("dose", "devices", "minutes"), [(28, 1, 0), (56, 2, 5), (84, 3, 10)])
def test_esketamine_devices_and_rest(dose, devices, minutes):
    plan = plan_esketamine(dose_mg=dose)
    assert (plan.route, plan.drug) == ("in", "esketamine")
    assert plan.devices == devices  # dose / 28
    assert plan.interval_min == Decimal(5)
    assert plan.minutes == Decimal(minutes)  # 5 min rest between devices
    assert plan.label == "us"


def test_esketamine_above_84_mg_is_refused():
    with pytest.raises(
        LimitError, match=r"dose_mg: 112\.00 mg is outside the hard limit maximum 84"
    ):
        plan_esketamine(dose_mg=112)


@pytest.mark.parametrize("dose", [30, 42, "56.5", 14])
def test_esketamine_dose_must_be_whole_devices(dose):
    with pytest.raises(ValidationError, match="whole 28-mg devices"):
        plan_esketamine(dose_mg=dose)


def test_esketamine_zero_dose_is_refused():
    with pytest.raises(ValidationError, match="dose_mg: 0"):
        plan_esketamine(dose_mg=0)


def test_us_label_first_session_is_56_mg():
    plan = plan_esketamine(dose_mg=56, first_session=True)
    assert (plan.label_first_dose_mg, plan.warnings) == (Decimal(56), ())
    low = plan_esketamine(dose_mg=28, first_session=True)
    assert codes(low) == ["esketamine-first-dose-differs-from-label"]
    assert low.override_required is True


def test_us_label_later_sessions_are_56_or_84_mg():
    assert plan_esketamine(dose_mg=84).warnings == ()
    assert codes(plan_esketamine(dose_mg=28)) == ["esketamine-dose-not-labelled"]


def test_hk_label_starts_patients_65_and_over_at_28_mg():
    plan = plan_esketamine(dose_mg=28, first_session=True, age_years=65, label="hk")
    assert (plan.label, plan.label_first_dose_mg, plan.warnings) == ("hk", Decimal(28), ())
    high = plan_esketamine(dose_mg=56, first_session=True, age_years=70, label="hk")
    assert codes(high) == ["esketamine-first-dose-differs-from-label"]


def test_hk_label_under_65_starts_at_56_mg():
    plan = plan_esketamine(dose_mg=56, first_session=True, age_years=64, label="hk")
    assert (plan.label_first_dose_mg, plan.warnings) == (Decimal(56), ())


def test_hk_label_allows_28_mg_later_only_from_65():
    assert plan_esketamine(dose_mg=28, age_years=70, label="hk").warnings == ()
    assert codes(plan_esketamine(dose_mg=28, age_years=50, label="hk")) == [
        "esketamine-dose-not-labelled"
    ]


def test_hk_label_needs_the_age():
    with pytest.raises(ValidationError, match=r"^age_years: None .*hk label"):
        plan_esketamine(dose_mg=56, first_session=True, label="hk")


def test_us_label_older_adult_gets_an_unverified_notice():
    plan = plan_esketamine(dose_mg=56, first_session=True, age_years=70)
    (notice,) = plan.warnings
    assert notice.code == "esketamine-us-older-adult-unverified"
    assert notice.override_required is False
    assert plan.override_required is False


@pytest.mark.parametrize(("age", "message"), [(17, "18 to 120 years"), ("70.5", "whole years")])
def test_esketamine_bad_age(age, message):
    with pytest.raises(ValidationError, match=message):
        plan_esketamine(dose_mg=56, age_years=age)


def test_unknown_label_lists_the_known_ones():
    with pytest.raises(UnknownNameError, match="hk, us"):
        plan_esketamine(dose_mg=56, label="eu")
