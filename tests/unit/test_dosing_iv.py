"""IV ketamine dose plans against clinical reference 1.1-1.2 and acceptance check 8.1.

Expected values are the reference's worked examples or hand arithmetic written in the test.
"""

from dataclasses import replace
from decimal import Decimal

import pytest

from kclinic.domain.dosing import DEFAULT_PROTOCOL, plan_iv
from kclinic.domain.errors import LimitError, OutOfRangeError, UnknownNameError, ValidationError
from kclinic.domain.sources import Cited

TOLERANCE_MG = Decimal("0.01")


def codes(plan):
    return [warning.code for warning in plan.warnings]


def test_80_kg_reference_vector_replace_mode():
    # Reference 1.1: 0.5 mg/kg x 80 kg = 40.0 mg; 40 mg / 40 min = 1.0 mg/min;
    # 100 mL over 40 min = 150 mL/h. 40 mg of a 10 mg/mL vial is 4 mL.
    plan = plan_iv(
        weight_kg=80,
        mg_per_kg="0.5",
        minutes=40,
        vial_mg_per_ml=10,
        bag_ml=100,
        dilution="replace",
    )
    assert plan.dose_mg == Decimal("40.00")
    assert plan.rate_mg_per_min == Decimal("1.000")
    assert plan.drug_volume_ml == Decimal("4.00")
    assert plan.final_volume_ml == Decimal("100.00")
    assert plan.final_mg_per_ml == Decimal("0.400")
    assert plan.rate_ml_per_h == Decimal("150.0")
    assert plan.vtbi_ml == Decimal("100.00")
    assert (plan.dosing_weight_kg, plan.dosing_weight_basis) == (Decimal("80.00"), "actual")
    assert plan.warnings == ()
    assert plan.override_required is False


def test_add_mode_counts_the_drug_volume_in_the_final_volume():
    # 4 mL added to 100 mL: 104 mL; 40 / 104 = 0.3846 mg/mL; 104 x 60 / 40 = 156.0 mL/h.
    plan = plan_iv(weight_kg=80, mg_per_kg="0.5", minutes=40, vial_mg_per_ml=10, bag_ml=100)
    assert plan.dilution == "add"
    assert plan.final_volume_ml == Decimal("104.00")
    assert plan.final_mg_per_ml == Decimal("0.385")
    assert plan.rate_ml_per_h == Decimal("156.0")
    assert plan.vtbi_ml == Decimal("104.00")


def test_without_a_bag_the_vial_runs_undiluted_by_syringe_pump():
    # 4 mL over 40 min = 6.0 mL/h at the vial's 10 mg/mL.
    plan = plan_iv(weight_kg=80, mg_per_kg="0.5", minutes=40, vial_mg_per_ml=10)
    assert (plan.dilution, plan.bag_ml) == (None, None)
    assert plan.final_volume_ml == Decimal("4.00")
    assert plan.final_mg_per_ml == Decimal("10.000")
    assert plan.rate_ml_per_h == Decimal("6.0")


def test_without_a_vial_only_dose_and_mg_per_min_are_computed():
    plan = plan_iv(weight_kg=80, mg_per_kg="0.5", minutes=40)
    assert (plan.dose_mg, plan.rate_mg_per_min) == (Decimal("40.00"), Decimal("1.000"))
    assert plan.drug_volume_ml is plan.final_volume_ml is plan.rate_ml_per_h is None


def test_a_bag_needs_a_vial_strength():
    with pytest.raises(ValidationError, match="vial_mg_per_ml: None"):
        plan_iv(weight_kg=80, mg_per_kg="0.5", minutes=40, bag_ml=100)


@pytest.mark.parametrize(
    ("basis", "reference_mg", "expected_mg"),
    [
        ("actual", "60.0", "60.00"),
        # 0.5 x 73.1811 = 36.59; the reference table rounds IBW first and shows 36.6.
        ("ideal", "36.6", "36.59"),
        ("adjusted", "45.95", "45.95"),
        ("ideal-if-obese", "36.6", "36.59"),
    ],
)
def test_120_kg_178_cm_man_reference_doses(basis, reference_mg, expected_mg):
    plan = plan_iv(
        weight_kg=120, height_cm=178, sex="male", basis=basis, mg_per_kg="0.5", minutes=40
    )
    assert plan.dose_mg == Decimal(expected_mg)
    assert abs(plan.dose_mg - Decimal(reference_mg)) <= TOLERANCE_MG
    assert plan.dosing_weight_basis == basis
    assert plan.body is not None
    assert plan.body.bmi_kg_per_m2 == Decimal("37.87")
    assert plan.body.ideal_body_weight_kg == Decimal("73.18")
    assert plan.body.adjusted_body_weight_kg == Decimal("91.91")
    # 120 kg is above the 45-115 kg range studied (NCT05803551): override needed.
    assert "weight-outside-studied-range" in codes(plan)
    assert plan.override_required is True


def test_163_cm_68_kg_woman_reference_vector():
    plan = plan_iv(weight_kg=68, height_cm=163, sex="female", mg_per_kg="0.5", minutes=40)
    assert plan.dose_mg == Decimal("34.00")
    assert plan.body is not None
    assert plan.body.bmi_kg_per_m2 == Decimal("25.59")
    assert plan.body.ideal_body_weight_kg == Decimal("55.10")


def test_obese_patient_dosed_on_actual_weight_gets_a_notice_not_an_override():
    plan = plan_iv(weight_kg=100, height_cm=170, sex="female", mg_per_kg="0.5", minutes=40)
    # BMI 100 / 1.7² = 34.6.
    (notice,) = plan.warnings
    assert notice.code == "obese-dosed-on-actual-weight"
    assert notice.override_required is False
    assert plan.override_required is False


def test_actual_below_ideal_is_reported():
    plan = plan_iv(
        weight_kg=60, height_cm=178, sex="male", basis="ideal", mg_per_kg="0.5", minutes=40
    )
    assert plan.dose_mg == Decimal("30.00")
    assert plan.dosing_weight_used == "actual"
    assert "actual-weight-below-ideal" in codes(plan)


def test_short_patient_on_ideal_basis_gets_a_devine_range_notice():
    # 150 cm, 60 kg woman: IBW 43.33 kg (extrapolated) -> 0.5 x 43.3268 = 21.66 mg.
    plan = plan_iv(
        weight_kg=60, height_cm=150, sex="female", basis="ideal", mg_per_kg="0.5", minutes=40
    )
    assert plan.dose_mg == Decimal("21.66")
    assert "height-below-devine-range" in codes(plan)


@pytest.mark.parametrize(
    ("kwargs", "field", "limit"),
    [
        ({"mg_per_kg": "1.01"}, "mg_per_kg", "maximum 1.0 mg/kg"),
        ({"minutes": "1.5"}, "minutes", "2 to 100 min"),
        ({"minutes": 101}, "minutes", "2 to 100 min"),
        # 240 kg x 0.5 mg/kg = 120 mg, above the derived 115 mg cap.
        ({"weight_kg": 240}, "dose_mg", "maximum 115 mg"),
        # 116 kg x 1.0 mg/kg = 116 mg.
        ({"weight_kg": 116, "mg_per_kg": "1.0"}, "dose_mg", "maximum 115 mg"),
    ],
)
def test_hard_limits_refuse_naming_field_value_and_limit(kwargs, field, limit):
    arguments = {"weight_kg": 80, "mg_per_kg": "0.5", "minutes": 40, **kwargs}
    with pytest.raises(LimitError) as caught:
        plan_iv(**arguments)
    assert caught.value.field == field
    assert limit in str(caught.value)
    assert str(caught.value).startswith(f"{field}: ")


def test_hard_limit_message_shows_the_computed_dose():
    with pytest.raises(LimitError, match=r"dose_mg: 120\.00 mg is outside"):
        plan_iv(weight_kg=240, mg_per_kg="0.5", minutes=40)


def test_the_limits_themselves_are_allowed():
    # 115 kg x 1.0 mg/kg = 115 mg over 2 and over 100 minutes: at every hard limit.
    for minutes in (2, 100):
        plan = plan_iv(weight_kg=115, mg_per_kg="1.0", minutes=minutes)
        assert plan.dose_mg == Decimal("115.00")


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"mg_per_kg": "0.8"}, "mg-per-kg-outside-usual"),
        ({"mg_per_kg": "0.05"}, "mg-per-kg-outside-usual"),
        ({"minutes": 20}, "minutes-outside-usual"),
        ({"weight_kg": 44}, "weight-outside-studied-range"),
    ],
)
def test_soft_limits_warn_and_need_an_override(kwargs, code):
    arguments = {"weight_kg": 80, "mg_per_kg": "0.5", "minutes": 40, **kwargs}
    plan = plan_iv(**arguments)
    (warning,) = plan.warnings
    assert warning.code == code
    assert warning.override_required is True
    assert plan.override_required is True
    assert warning.source.citation


@pytest.mark.parametrize(
    "kwargs",
    [{"mg_per_kg": "0.1"}, {"mg_per_kg": "0.75"}, {"minutes": 100}, {"weight_kg": 45}],
)
def test_soft_limit_edges_are_inside(kwargs):
    arguments = {"weight_kg": 80, "mg_per_kg": "0.5", "minutes": 40, **kwargs}
    assert plan_iv(**arguments).warnings == ()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"weight_kg": 500}, "weight_kg"),
        ({"weight_kg": "1.78"}, "weight_kg"),
        ({"weight_kg": 80, "height_cm": "1.78"}, "height_cm"),
        ({"mg_per_kg": 0}, "mg_per_kg"),
        ({"minutes": -40}, "minutes"),
        ({"weight_kg": "eighty"}, "weight_kg"),
    ],
)
def test_implausible_or_bad_input_is_a_validation_error(kwargs, field):
    arguments = {"weight_kg": 80, "mg_per_kg": "0.5", "minutes": 40, **kwargs}
    with pytest.raises(ValidationError, match=f"^{field}: "):
        plan_iv(**arguments)


def test_implausible_weight_names_the_plausible_range():
    with pytest.raises(OutOfRangeError, match="25 to 350 kg"):
        plan_iv(weight_kg=800, mg_per_kg="0.5", minutes=40)


def test_vial_stronger_than_any_product_is_refused():
    with pytest.raises(ValidationError, match="vial_mg_per_ml: 200"):
        plan_iv(weight_kg=80, mg_per_kg="0.5", minutes=40, vial_mg_per_ml=200)


def test_unmarketed_vial_strength_needs_an_override():
    plan = plan_iv(weight_kg=80, mg_per_kg="0.5", minutes=40, vial_mg_per_ml=25)
    assert codes(plan) == ["vial-strength-not-marketed"]
    assert plan.drug_volume_ml == Decimal("1.60")  # 40 / 25


def test_replace_mode_refuses_a_drug_volume_as_large_as_the_bag():
    # 100 kg x 1.0 mg/kg = 100 mg = 10 mL of 10 mg/mL; a 10 mL bag has nothing left.
    with pytest.raises(ValidationError, match="bag_ml: 10 "):
        plan_iv(
            weight_kg=100,
            mg_per_kg="1.0",
            minutes=40,
            vial_mg_per_ml=10,
            bag_ml=10,
            dilution="replace",
        )


def test_add_mode_notes_a_drug_volume_above_the_bag_headroom():
    # 80 mg = 8 mL of 10 mg/mL into 50 mL: above 10 % of the bag.
    plan = plan_iv(weight_kg=80, mg_per_kg="1.0", minutes=40, vial_mg_per_ml=10, bag_ml=50)
    notices = [w for w in plan.warnings if w.code == "bag-headroom"]
    assert len(notices) == 1
    assert notices[0].override_required is False
    assert plan.final_volume_ml == Decimal("58.00")


def test_more_than_one_vial_is_counted():
    # 40 mg = 4 mL of 10 mg/mL; 2 mL vials -> 2 vials; 3 mL vials -> 2 vials.
    plan = plan_iv(weight_kg=80, mg_per_kg="0.5", minutes=40, vial_mg_per_ml=10, vial_ml=2)
    assert plan.vials_needed == 2
    assert "multiple-vials" in codes(plan)
    single = plan_iv(weight_kg=80, mg_per_kg="0.5", minutes=40, vial_mg_per_ml=10, vial_ml=20)
    assert single.vials_needed == 1
    assert single.warnings == ()


def test_unknown_dilution_mode_is_refused():
    with pytest.raises(UnknownNameError, match="dilution"):
        plan_iv(
            weight_kg=80,
            mg_per_kg="0.5",
            minutes=40,
            vial_mg_per_ml=10,
            bag_ml=100,
            dilution="mix",
        )


def test_protocol_default_basis_applies_when_none_is_given():
    ideal_protocol = replace(
        DEFAULT_PROTOCOL, default_basis=Cited("ideal", DEFAULT_PROTOCOL.obese_bmi.source)
    )
    plan = plan_iv(
        weight_kg=120,
        height_cm=178,
        sex="male",
        mg_per_kg="0.5",
        minutes=40,
        protocol=ideal_protocol,
    )
    assert (plan.dosing_weight_basis, plan.dose_mg) == ("ideal", Decimal("36.59"))


def test_a_clinic_protocol_with_a_lower_ceiling_refuses_more():
    iv = replace(
        DEFAULT_PROTOCOL.iv,
        mg_per_kg_max=Cited(Decimal("0.75"), DEFAULT_PROTOCOL.iv.mg_per_kg_max.source),
    )
    clinic = replace(DEFAULT_PROTOCOL, version="clinic-2", iv=iv)
    assert (
        plan_iv(weight_kg=80, mg_per_kg="0.75", minutes=40, protocol=clinic).protocol_version
        == "clinic-2"
    )
    with pytest.raises(LimitError, match=r"maximum 0\.75 mg/kg"):
        plan_iv(weight_kg=80, mg_per_kg="0.8", minutes=40, protocol=clinic)
