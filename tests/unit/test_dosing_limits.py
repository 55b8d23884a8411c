"""The dosing protocol is data: versioned, every value cited, numbers as in the reference."""

from dataclasses import FrozenInstanceError
from decimal import Decimal

import pytest

from kclinic.domain.dosing import DEFAULT_PROTOCOL, ROUNDING, plan_iv
from kclinic.domain.sources import KCLINIC_POLICY, Cited

P = DEFAULT_PROTOCOL


def test_protocol_has_a_version_and_is_frozen():
    assert P.version
    with pytest.raises(FrozenInstanceError):
        P.version = "edited"  # type: ignore[misc]


def test_every_value_in_the_protocol_is_cited():
    cited = P.cited_values()
    assert len(cited) >= 25
    for path, value in cited:
        assert isinstance(value, Cited), path
        assert value.source.citation, path
        assert value.source.confidence in {"verified", "unverified", "derived", "policy"}, path


def test_policy_values_say_they_are_kclinic_policy():
    policies = [path for path, value in P.cited_values() if value.source.confidence == "policy"]
    assert "patient.weight_kg" in policies
    assert "patient.height_cm" in policies
    for path, value in P.cited_values():
        if value.source.confidence == "policy":
            assert value.source.id == KCLINIC_POLICY.id, path
            assert value.source.note, path


@pytest.mark.parametrize(
    ("limit", "low", "high", "source_id"),
    [
        (P.iv.mg_per_kg_usual, "0.1", "0.75", "andrade-2017"),
        (P.iv.minutes, "2", "100", "andrade-2017"),
        (P.iv.minutes_usual, "40", "100", "andrade-2017"),
        (P.patient.studied_weight_kg, "45", "115", "nct05803551"),
        (P.im.mg_per_kg_usual, "0.25", "0.5", "chilukuri-2014"),
    ],
)
def test_ranges_are_the_reference_numbers(limit, low, high, source_id):
    assert (limit.value.low, limit.value.high) == (Decimal(low), Decimal(high))
    assert limit.source.id == source_id


def test_hard_ceiling_is_the_highest_dose_fava_studied():
    assert P.iv.mg_per_kg_max.value == Decimal("1.0")
    assert P.iv.mg_per_kg_max.source.id == "fava-2018"


def test_absolute_cap_is_derived_and_says_no_published_cap_exists():
    cap = P.iv.dose_mg_max
    # 1.0 mg/kg x 115 kg.
    assert cap.value == P.iv.mg_per_kg_max.value * P.patient.studied_weight_kg.value.high
    assert cap.source.confidence == "derived"
    assert "no published absolute mg cap" in cap.source.note


def test_nasal_and_esketamine_numbers():
    assert P.intranasal.dose_mg_studied.value == Decimal(50)
    assert P.intranasal.application_mg.value == Decimal(10)
    assert P.intranasal.interval_min.value == Decimal(5)
    assert P.intranasal.concentration_mg_per_ml.value == Decimal(100)
    assert P.esketamine.device_mg.value == Decimal(28)
    assert P.esketamine.dose_mg_max.value == Decimal(84)
    assert P.esketamine.interval_min.value == Decimal(5)
    assert P.esketamine.default_label.value == "us"
    hk = P.esketamine.label("hk")
    assert hk.first_dose(65).value == Decimal(28)
    assert hk.first_dose(64).value == Decimal(56)
    assert P.esketamine.label("us").first_dose(80).value == Decimal(56)


def test_default_basis_is_actual_weight_as_in_the_landmark_trials():
    assert P.default_basis.value == "actual"
    assert P.obese_bmi.value == Decimal(30)


def test_rounding_rule_is_the_stated_one():
    assert (ROUNDING.dose_mg, ROUNDING.volume_ml, ROUNDING.rate_ml_per_h) == (
        Decimal("0.01"),
        Decimal("0.01"),
        Decimal("0.1"),
    )
    assert (ROUNDING.rate_mg_per_min, ROUNDING.weight_kg, ROUNDING.bmi_kg_per_m2) == (
        Decimal("0.001"),
        Decimal("0.01"),
        Decimal("0.01"),
    )
    assert ROUNDING.method == "ROUND_HALF_UP"


def test_rounding_is_half_up():
    # 0.5 mg/kg x 80.01 kg = 40.005 mg: half up gives 40.01 (half-even would give 40.00).
    plan = plan_iv(weight_kg="80.01", mg_per_kg="0.5", minutes=40)
    assert plan.dose_mg == Decimal("40.01")


def test_pump_rate_is_rounded_from_the_unrounded_volume():
    # 0.5 mg/kg x 80.98 kg = 40.49 mg of 100 mg/mL, undiluted: 0.4049 mL, shown as 0.40 mL.
    # Over 2 min: 0.4049 x 60 / 2 = 12.147 mL/h -> 12.1. Rounding the volume first would give
    # 0.40 x 30 = 12.0 mL/h.
    plan = plan_iv(weight_kg="80.98", mg_per_kg="0.5", minutes=2, vial_mg_per_ml=100)
    assert plan.final_volume_ml == Decimal("0.40")
    assert plan.rate_ml_per_h == Decimal("12.1")
    assert plan.rate_mg_per_min == Decimal("20.245")  # 40.49 / 2
