"""The exact solver against closed-form pharmacokinetics worked by hand in each test."""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pytest

from kclinic.domain.pk import Patient, constant_infusion, get_model, simulate
from kclinic.domain.pk.linear import (
    infused_mg,
    modal_system,
    plasma_at,
    plasma_auc,
    plasma_on_grid,
)
from kclinic.domain.pk.model import CompartmentModel, Parameter, Validity, disposition
from kclinic.domain.pk.regimen import Bolus, Infusion, Regimen
from kclinic.domain.sources import KCLINIC_POLICY
from tests.unit.pk.conftest import micro_matrix, ode_plasma

SEVENTY = Patient(Decimal(70))
MODELS = ("domino", "clements-250", "herd-2007")


def one_compartment(v_l_per_kg: str, k10: str) -> CompartmentModel:
    return CompartmentModel(
        id="one",
        name="test one-compartment",
        drug="test",
        compartments=1,
        parameterisation="micro",
        parameters=(
            Parameter("V1", Decimal(v_l_per_kg), "L/kg", "per_kg", KCLINIC_POLICY),
            Parameter("k10", Decimal(k10), "1/min", "none", KCLINIC_POLICY),
        ),
        sampling="test",
        validity=Validity(None, None, "test", KCLINIC_POLICY),
        verification="verified",
        source=KCLINIC_POLICY,
        effect_site="none",
    )


def test_one_compartment_bolus_is_a_single_exponential():
    # V = 2 L/kg × 50 kg = 100 L, k = 0.1/min, 10 mg bolus: C = 10/100 · e^{-0.1 t} mg/L.
    model = one_compartment("2", "0.1")
    regimen = Regimen(boluses=(Bolus(Decimal(0), Decimal(10)),))
    times = [0, 1, 5, 10, 30]
    result = simulate(model, Patient(Decimal(50)), regimen, times)
    expected = [100.0 * math.exp(-0.1 * t) for t in times]  # ng/mL
    np.testing.assert_allclose(result.plasma_ng_per_ml, expected, rtol=1e-12)


def test_one_compartment_infusion_rises_to_rate_over_clearance():
    # CL = 0.1 × 100 = 10 L/min; 2 mg/min for 20 min: C = R/CL (1 - e^{-kt}) then decays.
    model = one_compartment("2", "0.1")
    regimen = Regimen(infusions=(Infusion(Decimal(0), Decimal(20), Decimal(2)),))
    times = np.array([5.0, 20.0, 30.0])
    result = simulate(model, Patient(Decimal(50)), regimen, times)
    at_end = 0.2 * (1 - math.exp(-2.0))
    expected = [0.2 * (1 - math.exp(-0.5)), at_end, at_end * math.exp(-1.0)]
    np.testing.assert_allclose(result.plasma_ng_per_ml, np.array(expected) * 1000, rtol=1e-12)


def test_two_compartment_bolus_matches_the_biexponential_formula():
    # Clements: V1 = 1.7522 × 70 L, k10 .0109, k12 .0186, k21 .0137 /min. Hand formula:
    # α, β = roots of s² + (k10+k12+k21) s + k10 k21; C = D/V1 [A e^{-αt} + B e^{-βt}],
    # A = (α - k21)/(α - β), B = (k21 - β)/(α - β).
    k10, k12, k21, v1 = 0.0109, 0.0186, 0.0137, 1.7522 * 70
    total = k10 + k12 + k21
    root = math.sqrt(total**2 - 4 * k10 * k21)
    alpha, beta = (total + root) / 2, (total - root) / 2
    a, b = (alpha - k21) / (alpha - beta), (k21 - beta) / (alpha - beta)
    times = [0, 3, 30, 120, 600]
    expected = [100 / v1 * (a * math.exp(-alpha * t) + b * math.exp(-beta * t)) for t in times]
    regimen = Regimen(boluses=(Bolus(Decimal(0), Decimal(100)),))
    result = simulate(get_model("clements-250"), SEVENTY, regimen, times)
    np.testing.assert_allclose(result.plasma_ng_per_ml, np.array(expected) * 1000, rtol=1e-10)


@pytest.mark.parametrize("model_id", MODELS)
def test_mass_balance_holds_to_1e_9(model_id):
    regimen = (
        Regimen(
            infusions=(
                Infusion(Decimal(0), Decimal(40), Decimal("0.875")),
                Infusion(Decimal(10), Decimal(5), Decimal(2)),
            ),
            boluses=(Bolus(Decimal(3), Decimal(7)), Bolus(Decimal(100), Decimal(5))),
        )
    ).paused(Decimal(25), Decimal(8))
    for horizon in (12.5, 40.0, 61.0, 500.0):
        result = simulate(get_model(model_id), SEVENTY, regimen, [horizon])
        balance = result.mass_balance
        # Hand count: 0.875 mg/min before the pause (0-25) and after it (33-48), 2 mg/min
        # from 10 to 15, boluses 7 mg at 3 min and 5 mg at 100 min.
        running = min(horizon, 25.0) + max(0.0, min(horizon, 48.0) - 33.0)
        extra = min(max(horizon, 10.0), 15.0) - 10.0
        given = 0.875 * running + 2 * extra + 7.0 + (5.0 if horizon >= 100 else 0.0)
        assert balance.infused_mg == pytest.approx(given, rel=1e-12)
        assert balance.relative_error < 1e-9


@pytest.mark.parametrize(
    ("model_id", "cl_l_per_min"),
    [
        ("domino", 0.4381 * 0.063 * 70),
        ("clements-250", 0.0109 * 1.7522 * 70),
        ("herd-2007", 90 / 60),
    ],
)
def test_steady_state_is_rate_over_clearance(model_id, cl_l_per_min):
    rate = Decimal("0.875")
    regimen = Regimen(infusions=(Infusion(Decimal(0), Decimal(6000), rate),))
    result = simulate(get_model(model_id), SEVENTY, regimen, [5990])
    assert result.plasma_ng_per_ml[0] == pytest.approx(0.875 / cl_l_per_min * 1000, rel=1e-9)


@pytest.mark.parametrize(
    ("model_id", "cl_l_per_min"),
    [
        ("domino", 0.4381 * 0.063 * 70),
        ("clements-250", 0.0109 * 1.7522 * 70),
        ("herd-2007", 90 / 60),
    ],
)
def test_auc_to_infinity_is_dose_over_clearance(model_id, cl_l_per_min):
    result = simulate(
        get_model(model_id), SEVENTY, constant_infusion(Decimal(35), Decimal(40)), [60]
    )
    expected_ng_h_per_ml = 35 / cl_l_per_min * 1000 / 60
    assert result.summary.auc_inf_ng_h_per_ml == pytest.approx(expected_ng_h_per_ml, rel=1e-10)


@pytest.mark.parametrize("model_id", MODELS)
def test_superposition_of_two_infusions_is_their_sum(model_id):
    first = Regimen(infusions=(Infusion(Decimal(0), Decimal(40), Decimal("0.875")),))
    second = Regimen(infusions=(Infusion(Decimal(20), Decimal(30), Decimal("0.4")),))
    times = np.linspace(0, 300, 61)
    model = get_model(model_id)
    both = simulate(model, SEVENTY, first.plus(second), times).plasma_ng_per_ml
    alone = (
        simulate(model, SEVENTY, first, times).plasma_ng_per_ml
        + simulate(model, SEVENTY, second, times).plasma_ng_per_ml
    )
    np.testing.assert_allclose(both, alone, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("model_id", MODELS)
def test_pause_then_resume_equals_the_split_infusion(model_id):
    model = get_model(model_id)
    paused = constant_infusion(Decimal(35), Decimal(40)).paused(Decimal(15), Decimal(10))
    split = Regimen(
        infusions=(
            Infusion(Decimal(0), Decimal(15), Decimal("0.875")),
            Infusion(Decimal(25), Decimal(25), Decimal("0.875")),
        )
    )
    times = np.linspace(0, 240, 97)
    np.testing.assert_allclose(
        simulate(model, SEVENTY, paused, times).plasma_ng_per_ml,
        simulate(model, SEVENTY, split, times).plasma_ng_per_ml,
        rtol=1e-13,
        atol=1e-13,
    )


def test_grid_fast_path_matches_closed_form_and_an_ode_solver():
    # Domino micro-constants written out here; LSODA integration is the independent check.
    matrix = micro_matrix(0.4381, 0.5921, 0.2470, 0.5900, 0.0146, three=True)
    v1 = 0.063 * 70
    system = modal_system(disposition(get_model("domino"), SEVENTY))
    segments = constant_infusion(Decimal(35), Decimal(40)).segments()
    grid = plasma_on_grid(system, segments, 0.0, 1 / 60, 14_401)[0] * 1000
    times = np.arange(14_401) / 60
    closed = plasma_at(system, segments, times)[0] * 1000
    np.testing.assert_allclose(grid, closed, rtol=1e-12, atol=1e-12)
    pair = modal_system(disposition(get_model("domino"), SEVENTY, {"V1": np.array([0.0, 0.3])}))
    threaded = plasma_on_grid(pair, segments, 0.0, 1 / 60, 14_401, workers=2)
    np.testing.assert_array_equal(threaded, plasma_on_grid(pair, segments, 0.0, 1 / 60, 14_401))
    sample = times[::600]
    reference = ode_plasma(matrix, v1, [(0.0, 40.0, 0.875)], sample)
    np.testing.assert_allclose(grid[::600], reference, rtol=1e-6, atol=1e-9)


def test_exact_auc_matches_dense_trapezoid():
    system = modal_system(disposition(get_model("herd-2007"), SEVENTY))
    segments = constant_infusion(Decimal(35), Decimal(40)).segments()
    times = np.linspace(0, 240, 240 * 600 + 1)
    values = plasma_at(system, segments, times)[0]
    trapezoid = float(np.sum((values[1:] + values[:-1]) / 2 * np.diff(times)))
    assert plasma_auc(system, segments, 240.0)[0] == pytest.approx(trapezoid, rel=1e-7)
    assert infused_mg(segments, 240.0) == pytest.approx(35.0)
