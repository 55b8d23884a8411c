"""Hypothesis properties of the exact solver: numeric invariants over random regimens."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from kclinic.domain.pk import Patient, get_model, simulate
from kclinic.domain.pk.regimen import Infusion, Regimen

MODELS = st.sampled_from(["domino", "clements-250", "herd-2007"])
WEIGHTS = st.integers(min_value=40, max_value=150).map(Decimal)
TIMES = np.linspace(0, 600, 121)


@st.composite
def regimens(draw):
    infusions = []
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        start = Decimal(draw(st.integers(min_value=0, max_value=200)))
        duration = Decimal(draw(st.integers(min_value=1, max_value=120)))
        rate = Decimal(draw(st.integers(min_value=0, max_value=400))) / 100
        infusions.append(Infusion(start, duration, rate))
    return Regimen(infusions=tuple(infusions))


@settings(max_examples=40, deadline=None)
@given(MODELS, WEIGHTS, regimens())
def test_concentrations_are_never_negative(model_id, weight, regimen):
    result = simulate(get_model(model_id), Patient(weight), regimen, TIMES)
    assert np.all(result.plasma_ng_per_ml >= 0)
    assert np.all(result.amounts_mg >= -1e-12 * max(1.0, float(regimen.total_dose_mg)))


@settings(max_examples=40, deadline=None)
@given(MODELS, WEIGHTS, regimens(), st.integers(min_value=2, max_value=9))
def test_linear_in_dose(model_id, weight, regimen, factor):
    scaled = Regimen(
        infusions=tuple(
            Infusion(i.start_min, i.duration_min, i.rate_mg_per_min * factor)
            for i in regimen.infusions
        )
    )
    model, patient = get_model(model_id), Patient(weight)
    base = simulate(model, patient, regimen, TIMES).plasma_ng_per_ml
    np.testing.assert_allclose(
        simulate(model, patient, scaled, TIMES).plasma_ng_per_ml,
        factor * base,
        rtol=1e-11,
        atol=1e-11,
    )


@settings(max_examples=40, deadline=None)
@given(MODELS, WEIGHTS, regimens())
def test_decays_after_the_infusion_ends(model_id, weight, regimen):
    end = float(regimen.last_event_min)
    after = np.linspace(end, end + 600, 61)
    values = simulate(get_model(model_id), Patient(weight), regimen, after).plasma_ng_per_ml
    # Strictly non-increasing once all input has stopped (rounding slack 1e-12 relative).
    assert np.all(np.diff(values) <= 1e-12 * max(1.0, values.max()))


@settings(max_examples=30, deadline=None)
@given(
    MODELS,
    st.integers(min_value=1, max_value=39).map(Decimal),
    st.integers(min_value=1, max_value=60).map(Decimal),
)
def test_pause_then_resume_equals_the_split_infusion(model_id, at, length):
    rate = Decimal("0.875")
    paused = Regimen(infusions=(Infusion(Decimal(0), Decimal(40), rate),)).paused(at, length)
    split = Regimen(
        infusions=(
            Infusion(Decimal(0), at, rate),
            Infusion(at + length, Decimal(40) - at, rate),
        )
    )
    model, patient = get_model(model_id), Patient(Decimal(70))
    np.testing.assert_allclose(
        simulate(model, patient, paused, TIMES).plasma_ng_per_ml,
        simulate(model, patient, split, TIMES).plasma_ng_per_ml,
        rtol=1e-12,
        atol=1e-12,
    )
