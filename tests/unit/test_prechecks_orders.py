"""Dose orders for a session (kclinic.domain.session_orders): the plan per modality, titration
between sessions, the independent double check, and the clinic's dosing overrides.

(Named test_prechecks_* because it belongs to the same chair-side workflow part.)
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from kclinic.domain.dosing import DEFAULT_PROTOCOL
from kclinic.domain.errors import LimitError, UnknownNameError, ValidationError
from kclinic.domain.session_orders import (
    CLINIC_DOSING,
    OrderInput,
    check_fields,
    compare,
    dosing_protocol_from_overrides,
    plan_for,
    titration_amount,
    titration_reason,
)


def iv(**changes: object) -> OrderInput:
    values: dict[str, object] = {
        "modality": "iv-racemic",
        "weight_kg": "80",
        "age_years": 45,
        "mg_per_kg": "0.5",
        "minutes": "40",
        "vial_mg_per_ml": "10",
        "bag_ml": "100",
        "dilution": "replace",
    } | changes
    return OrderInput(**values)  # type: ignore[arg-type]


def test_iv_plan_reproduces_the_reference_arithmetic() -> None:
    # Clinical reference 1.1: 80 kg x 0.5 mg/kg = 40 mg over 40 min; 100 mL over 40 min is
    # 150 mL/h. 40 mg of a 10 mg/mL vial is 4 mL; in 100 mL the bag holds 0.4 mg/mL.
    plan = plan_for(iv())
    assert plan.dose_mg == Decimal("40.00")
    assert plan.drug_volume_ml == Decimal("4.00")
    assert plan.final_mg_per_ml == Decimal("0.400")
    assert plan.rate_ml_per_h == Decimal("150.0")
    assert plan.vtbi_ml == Decimal("100.00")
    assert plan.dosing_weight_basis == "actual"


def test_iv_plan_adding_the_drug_to_a_full_bag() -> None:
    plan = plan_for(iv(dilution="add"))
    # 104 mL in 40 min = 156 mL/h; 40 mg / 104 mL = 0.3846... -> 0.385 mg/mL
    assert (plan.vtbi_ml, plan.rate_ml_per_h) == (Decimal("104.00"), Decimal("156.0"))
    assert plan.final_mg_per_ml == Decimal("0.385")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"vial_mg_per_ml": None}, "vial_mg_per_ml"),
        ({"minutes": None}, "minutes"),
        ({"mg_per_kg": ""}, "mg_per_kg"),
    ],
)
def test_iv_order_needs_its_inputs(changes: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        plan_for(iv(**changes))
    assert caught.value.field == field


def test_above_the_hard_ceiling_is_refused() -> None:
    with pytest.raises(LimitError) as caught:
        plan_for(iv(mg_per_kg="1.05"))
    assert caught.value.field == "mg_per_kg"
    assert "fava-2018" in str(caught.value)


def test_above_the_usual_range_needs_an_override() -> None:
    plan = plan_for(iv(mg_per_kg="0.8"))
    assert plan.override_required
    assert not plan_for(iv(mg_per_kg="0.75")).override_required


@pytest.mark.parametrize(("dose", "devices"), [("56", 2), ("84", 3)])
def test_esketamine_dose_is_whole_devices(dose: str, devices: int) -> None:
    order = OrderInput(modality="esketamine", weight_kg="70", age_years=40, dose_mg=dose)
    plan = plan_for(order)
    assert plan.devices == devices
    assert plan.drug == "esketamine"


@pytest.mark.parametrize(("dose", "error"), [("70", ValidationError), ("112", LimitError)])
def test_esketamine_other_doses_are_refused(dose: str, error: type[Exception]) -> None:
    order = OrderInput(modality="esketamine", weight_kg="70", age_years=40, dose_mg=dose)
    with pytest.raises(error):
        plan_for(order)


def test_esketamine_first_session_other_than_56_needs_an_override() -> None:
    order = OrderInput(
        modality="esketamine", weight_kg="70", age_years=40, dose_mg="84", first_session=True
    )
    assert plan_for(order).override_required


def test_unknown_modality_is_refused() -> None:
    with pytest.raises(UnknownNameError):
        plan_for(iv(modality="oral"))


# --- titration ------------------------------------------------------------------------------


def test_titration_compares_mg_per_kg_for_iv_and_mg_for_esketamine() -> None:
    assert titration_amount("iv-racemic", plan_for(iv())) == (Decimal("0.5"), "mg/kg")
    spray = plan_for(OrderInput(modality="esketamine", weight_kg="70", age_years=40, dose_mg="84"))
    assert titration_amount("esketamine", spray) == (Decimal("84.00"), "mg")


@pytest.mark.parametrize(
    ("previous", "new", "reason", "expected"),
    [
        (None, Decimal("0.75"), "", ""),
        (Decimal("0.5"), Decimal("0.50"), "", ""),
        (
            Decimal("0.5"),
            Decimal("0.75"),
            "  No response after 3 infusions ",
            "No response after 3 infusions",
        ),
    ],
)
def test_titration_reason(
    previous: Decimal | None, new: Decimal, reason: str, expected: str
) -> None:
    assert titration_reason(previous, new, "mg/kg", reason) == expected


def test_titration_without_a_reason_is_refused_naming_both_doses() -> None:
    with pytest.raises(ValidationError) as caught:
        titration_reason(Decimal("0.5"), Decimal("0.75"), "mg/kg", "more")
    assert caught.value.field == "titration_reason"
    assert "from 0.5 mg/kg last session to 0.75 mg/kg" in str(caught.value)


# --- the double check -----------------------------------------------------------------------


ORDERED = {
    "weight_kg": Decimal("80.00"),
    "vial_mg_per_ml": Decimal("10.00"),
    "rate_ml_per_h": Decimal("150.0"),
}


def test_matching_entries_compare_by_value() -> None:
    parsed, mismatches = compare(
        "iv-racemic", ORDERED, {"weight_kg": "80", "vial_mg_per_ml": 10, "rate_ml_per_h": "150"}
    )
    assert mismatches == ()
    assert parsed == {
        "weight_kg": Decimal(80),
        "vial_mg_per_ml": Decimal(10),
        "rate_ml_per_h": Decimal(150),
    }


def test_mismatches_name_each_field() -> None:
    _, mismatches = compare(
        "iv-racemic", ORDERED, {"weight_kg": "82", "vial_mg_per_ml": "50", "rate_ml_per_h": "150"}
    )
    assert [m.as_dict() for m in mismatches] == [
        {"field": "weight_kg", "ordered": "80.00", "entered": "82"},
        {"field": "vial_mg_per_ml", "ordered": "10.00", "entered": "50"},
    ]


def test_every_check_field_must_be_entered() -> None:
    with pytest.raises(ValidationError) as caught:
        compare("iv-racemic", ORDERED, {"weight_kg": "80", "vial_mg_per_ml": "10"})
    assert caught.value.field == "rate_ml_per_h"
    with pytest.raises(ValidationError) as caught:
        compare(
            "iv-racemic",
            ORDERED,
            {"weight_kg": "-80", "vial_mg_per_ml": "10", "rate_ml_per_h": "1"},
        )
    assert caught.value.field == "weight_kg"


def test_fields_per_modality() -> None:
    assert check_fields("iv-racemic") == ("weight_kg", "vial_mg_per_ml", "rate_ml_per_h")
    assert check_fields("esketamine") == ("weight_kg", "devices")
    _, mismatches = compare(
        "esketamine", {"weight_kg": Decimal(70), "devices": 3}, {"weight_kg": "70", "devices": "2"}
    )
    assert [m.field for m in mismatches] == ["devices"]


# --- the clinic's dosing overrides ----------------------------------------------------------


def test_a_clinic_may_lower_the_ceiling_and_it_is_enforced() -> None:
    protocol = dosing_protocol_from_overrides(
        {"iv_mg_per_kg_max": "0.75", "iv_mg_per_kg_usual": ["0.25", "0.6"]}
    )
    assert protocol.iv.mg_per_kg_max.value == Decimal("0.75")
    assert protocol.iv.mg_per_kg_max.source == CLINIC_DOSING
    assert protocol.version == f"{DEFAULT_PROTOCOL.version}+clinic"
    with pytest.raises(LimitError):
        plan_for(iv(mg_per_kg="0.8"), protocol)
    assert plan_for(iv(mg_per_kg="0.7"), protocol).override_required


def test_no_overrides_is_the_default_protocol() -> None:
    assert dosing_protocol_from_overrides({}) == DEFAULT_PROTOCOL


def test_named_version_basis_and_label() -> None:
    protocol = dosing_protocol_from_overrides(
        {"version": "riverside-3", "default_basis": "ideal-if-obese", "esketamine_label": "hk"}
    )
    assert protocol.version == "riverside-3"
    with_source = dosing_protocol_from_overrides({"source": "Riverside v3", "iv_dose_mg_max": 100})
    assert with_source.iv.dose_mg_max.source.citation == "Riverside v3"
    assert protocol.default_basis.value == "ideal-if-obese"
    assert protocol.esketamine.default_label.value == "hk"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"iv_mg_per_kg_max": "1.2"}, "dosing.iv_mg_per_kg_max"),
        ({"iv_mg_per_kg_max": "0.6"}, "dosing.iv_mg_per_kg_usual"),
        ({"iv_dose_mg_max": "150"}, "dosing.iv_dose_mg_max"),
        ({"iv_mg_per_kg_usual": ["0.6", "0.3"]}, "dosing.iv_mg_per_kg_usual"),
        ({"iv_minutes_usual": ["40", "200"]}, "dosing.iv_minutes_usual"),
        ({"default_basis": "lean"}, "dosing.default_basis"),
        ({"esketamine_label": "uk"}, "dosing.esketamine_label"),
        ({"version": " "}, "dosing.version"),
        ({"ceiling": "1"}, "dosing"),
    ],
)
def test_bad_dosing_overrides_are_refused(overrides: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        dosing_protocol_from_overrides(overrides)
    assert caught.value.field == field
