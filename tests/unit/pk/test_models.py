"""The shipped models carry the published numbers, their sources and honest flags."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from kclinic.domain.errors import OutOfRangeError, UnknownNameError
from kclinic.domain.pk import DEFAULT_MODEL_ID, Patient, all_models, default_models, get_model
from kclinic.domain.pk.model import validity_warnings

ABSTRACT = json.loads(
    (Path(__file__).parents[2] / "data" / "pk" / "reference_0p5_mg_per_kg_40_min.json").read_text()
)["herd_2007_abstract"]


def test_herd_values_are_exactly_the_abstract():
    model = get_model("herd-2007")
    expected = {
        "V1": (ABSTRACT["V1_l_per_70kg"], ABSTRACT["V1_bsv_percent"]),
        "V2": (ABSTRACT["V2_l_per_70kg"], ABSTRACT["V2_bsv_percent"]),
        "CL": (ABSTRACT["CL_l_per_h_per_70kg"], ABSTRACT["CL_bsv_percent"]),
        "Q2": (ABSTRACT["Q_l_per_h_per_70kg"], ABSTRACT["Q_bsv_percent"]),
    }
    for symbol, (value, bsv) in expected.items():
        parameter = model.parameter(symbol)
        assert parameter.value == Decimal(str(value))
        assert parameter.iiv_percent == Decimal(str(bsv))
        assert parameter.source.confidence == "verified"


def test_default_model_is_verified_and_unverified_models_are_flagged():
    assert get_model(DEFAULT_MODEL_ID).verification == "verified"
    assert [m.id for m in default_models()] == ["herd-2007"]
    for model in all_models():
        assert model.effect_site.startswith("none published")
        if model.verification != "verified":
            assert model.source.confidence == "unverified"
            assert validity_warnings(model, Patient(Decimal(70)))[0].endswith(
                "not verified against the publication"
            )


def test_every_parameter_has_a_unit_and_a_source():
    for model in all_models():
        model.check()
        for parameter in model.parameters:
            assert parameter.unit
            assert parameter.source.citation


def test_adult_outside_herd_validity_is_warned_about():
    warnings = validity_warnings(get_model("herd-2007"), Patient(Decimal(90), Decimal(40)))
    assert any("weight 90 kg is outside" in w for w in warnings)
    assert any("age 40 years is outside" in w for w in warnings)


def test_unknown_model_and_bad_weight_are_refused():
    with pytest.raises(UnknownNameError, match="clements-250, domino, herd-2007"):
        get_model("kamp-2020")
    with pytest.raises(OutOfRangeError, match="weight_kg"):
        Patient(Decimal(0))
