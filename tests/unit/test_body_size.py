"""BMI, Devine ideal body weight, adjusted body weight and the dosing-weight bases.

Expected values are the worked examples of clinical reference 1.2 or hand arithmetic written
out in each test.
"""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kclinic.domain.body_size import (
    BASES,
    BodySize,
    adjusted_body_weight_kg,
    bmi_kg_per_m2,
    choose_dosing_weight,
    height_in,
    ideal_body_weight_kg,
)
from kclinic.domain.errors import UnknownNameError, ValidationError
from kclinic.domain.units import round_half_up

CENT = Decimal("0.01")


def r2(value):
    return round_half_up(value, CENT)


def test_male_178_cm_120_kg_reference_vector():
    # Reference 1.2: BMI 120 / 1.78² = 37.87; IBW 50 + 2.3 x (70.079 - 60) = 73.18;
    # AdjBW 73.18 + 0.4 x (120 - 73.18) = 91.91.
    assert r2(bmi_kg_per_m2(120, 178)) == Decimal("37.87")
    ideal = ideal_body_weight_kg(178, "male")
    assert r2(ideal) == Decimal("73.18")
    assert r2(adjusted_body_weight_kg(120, ideal)) == Decimal("91.91")


def test_female_163_cm_68_kg_reference_vector():
    # Reference 1.2: BMI 25.59; IBW 45.5 + 2.3 x 4.173 = 55.10.
    assert r2(bmi_kg_per_m2(68, 163)) == Decimal("25.59")
    assert r2(ideal_body_weight_kg(163, "female")) == Decimal("55.10")


def test_height_in_inches_is_exact():
    assert height_in(Decimal("152.4")) == Decimal(60)
    assert r2(height_in(178)) == Decimal("70.08")


@pytest.mark.parametrize(("sex", "base"), [("male", "50"), ("female", "45.5")])
def test_sixty_inches_gives_the_devine_base(sex, base):
    assert ideal_body_weight_kg(Decimal("152.4"), sex) == Decimal(base)


def test_below_sixty_inches_extrapolates_by_default():
    # 150 cm = 59.0551 in: 45.5 - 2.3 x 0.9449 = 43.3268 kg.
    assert r2(ideal_body_weight_kg(150, "female")) == Decimal("43.33")
    # 140 cm = 55.1181 in: 50 - 2.3 x 4.8819 = 38.7717 kg.
    assert r2(ideal_body_weight_kg(140, "male")) == Decimal("38.77")


def test_below_sixty_inches_floor_rule_holds_the_base():
    assert ideal_body_weight_kg(150, "female", below_60_in="floor") == Decimal("45.5")
    assert ideal_body_weight_kg(140, "male", below_60_in="floor") == Decimal("50")
    # Above 60 in both rules agree.
    assert ideal_body_weight_kg(178, "male", "floor") == ideal_body_weight_kg(178, "male")


def test_unknown_short_stature_rule_is_refused():
    with pytest.raises(UnknownNameError, match="below_60_in"):
        ideal_body_weight_kg(150, "female", below_60_in="clamp")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: bmi_kg_per_m2(0, 170), "weight_kg"),
        (lambda: bmi_kg_per_m2(70, -1), "height_cm"),
        (lambda: ideal_body_weight_kg(170, "other"), "sex"),
        (lambda: ideal_body_weight_kg("tall", "male"), "height_cm"),
    ],
)
def test_bad_measurements_name_the_field(call, field):
    with pytest.raises(ValidationError, match=field):
        call()


MAN_178_120 = BodySize.of(120, 178, "male")


@pytest.mark.parametrize(
    ("basis", "used", "kg"),
    [
        ("actual", "actual", "120.00"),
        ("ideal", "ideal", "73.18"),
        ("adjusted", "adjusted", "91.91"),
        ("ideal-if-obese", "ideal", "73.18"),  # BMI 37.87 >= 30
    ],
)
def test_each_basis_on_the_reference_man(basis, used, kg):
    weight = choose_dosing_weight(MAN_178_120, basis)
    assert (weight.basis, weight.used, r2(weight.kg)) == (basis, used, Decimal(kg))
    assert weight.obese is True


def test_ideal_if_obese_uses_actual_weight_below_bmi_30():
    # 163 cm, 68 kg: BMI 25.59 < 30, so actual weight.
    weight = choose_dosing_weight(BodySize.of(68, 163, "female"), "ideal-if-obese")
    assert (weight.used, weight.kg, weight.obese) == ("actual", Decimal(68), False)


def test_bmi_30_exactly_counts_as_obese():
    # 30 x 1.78² = 95.052 kg is BMI 30.000 exactly.
    at_30 = choose_dosing_weight(BodySize.of("95.052", 178, "male"), "ideal-if-obese")
    below = choose_dosing_weight(BodySize.of("95.051", 178, "male"), "ideal-if-obese")
    assert at_30.used == "ideal"
    assert below.used == "actual"


def test_ideal_if_obese_drops_at_bmi_30_so_it_is_not_monotonic():
    # A documented property of the consensus rule: one gram over BMI 30 moves the dosing
    # weight from 95.05 kg to the ideal 73.18 kg.
    below = choose_dosing_weight(BodySize.of("95.05", 178, "male"), "ideal-if-obese")
    above = choose_dosing_weight(BodySize.of("95.06", 178, "male"), "ideal-if-obese")
    assert below.kg == Decimal("95.05")
    assert r2(above.kg) == Decimal("73.18")


@pytest.mark.parametrize("basis", ["ideal", "adjusted"])
def test_actual_below_ideal_doses_on_actual(basis):
    # 178 cm man weighing 60 kg: ideal 73.18 kg is more than he weighs.
    weight = choose_dosing_weight(BodySize.of(60, 178, "male"), basis)
    assert (weight.used, weight.kg, weight.actual_below_ideal) == ("actual", Decimal(60), True)


@pytest.mark.parametrize("basis", ["ideal", "adjusted", "ideal-if-obese"])
def test_height_is_required_for_every_basis_but_actual(basis):
    with pytest.raises(ValidationError, match=r"height_cm: None .*required for dosing-weight"):
        choose_dosing_weight(BodySize.of(80, sex="male"), basis)


@pytest.mark.parametrize("basis", ["ideal", "adjusted", "ideal-if-obese"])
def test_sex_is_required_for_every_basis_but_actual(basis):
    with pytest.raises(ValidationError, match=r"^sex: None .*male or female"):
        choose_dosing_weight(BodySize.of(80, 170), basis)


def test_actual_basis_needs_neither_height_nor_sex():
    weight = choose_dosing_weight(BodySize.of(80), "actual")
    assert (weight.kg, weight.used, weight.obese) == (Decimal(80), "actual", None)


def test_unknown_basis_lists_the_known_ones():
    with pytest.raises(UnknownNameError, match="ideal-if-obese"):
        choose_dosing_weight(MAN_178_120, "lean")


def test_bases_are_the_four_documented_ones():
    assert BASES == ("actual", "ideal", "adjusted", "ideal-if-obese")


weights = st.decimals(min_value=25, max_value=350, places=2)
heights = st.decimals(min_value=120, max_value=230, places=1)
sexes = st.sampled_from(["male", "female"])


@given(weight=weights, height=heights, sex=sexes, basis=st.sampled_from(BASES))
def test_no_basis_doses_on_more_than_the_patient_weighs(weight, height, sex, basis):
    chosen = choose_dosing_weight(BodySize.of(weight, height, sex), basis)
    assert 0 < chosen.kg <= weight


@given(weight=weights, height=heights, sex=sexes)
def test_adjusted_lies_between_ideal_and_actual(weight, height, sex):
    ideal = ideal_body_weight_kg(height, sex)
    adjusted = adjusted_body_weight_kg(weight, ideal)
    assert min(ideal, weight) <= adjusted <= max(ideal, weight)


@given(low=heights, high=heights, sex=sexes)
def test_ideal_weight_rises_with_height(low, high, sex):
    low, high = sorted((low, high))
    assert ideal_body_weight_kg(low, sex) <= ideal_body_weight_kg(high, sex)
