"""Virtual populations: seeded, log-normal as published, streamed with bounded memory."""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pytest

from kclinic.domain.errors import ValidationError
from kclinic.domain.pk import Patient, constant_infusion, get_model, simulate_population
from kclinic.domain.pk import population as population_module
from kclinic.domain.pk.linear import modal_system, plasma_on_grid
from kclinic.domain.pk.model import disposition
from kclinic.domain.pk.population import omega, sample_etas

HERD = get_model("herd-2007")
ADULT = Patient(Decimal(70), Decimal(40))
REGIMEN = constant_infusion(Decimal(35), Decimal(40))


def test_omega_conventions_by_hand():
    assert omega(Decimal(64), "sqrt-omega") == pytest.approx(0.64)
    assert omega(Decimal(64), "log-normal-cv") == pytest.approx(math.sqrt(math.log(1.4096)))


def test_sampled_parameters_have_the_published_spread():
    etas = sample_etas(HERD, 200_000, np.random.default_rng(7))
    assert set(etas) == {"V1", "V2", "CL", "Q2"}
    assert np.std(etas["CL"]) == pytest.approx(0.381, rel=0.01)
    assert np.std(etas["V1"]) == pytest.approx(0.64, rel=0.01)
    cl = disposition(HERD, Patient(Decimal(70)), etas).clearance_l_per_min * 60
    assert np.median(cl) == pytest.approx(90, rel=0.01)  # log-normal: median = typical


def test_same_seed_same_population_and_different_seed_differs():
    def run(seed):
        return simulate_population(HERD, ADULT, REGIMEN, 300, np.random.default_rng(seed), 1.0, 241)

    a, b, c = run(1), run(1), run(2)
    np.testing.assert_array_equal(a.p50_ng_per_ml, b.p50_ng_per_ml)
    assert a.cmax_ng_per_ml == b.cmax_ng_per_ml
    assert not np.array_equal(a.p50_ng_per_ml, c.p50_ng_per_ml)


def test_streamed_curves_equal_the_whole_array_computation(monkeypatch):
    # Force tiny chunks so streaming is exercised; compare with a direct full computation.
    monkeypatch.setattr(population_module, "CHUNK_VALUES", 500)
    result = simulate_population(
        HERD, ADULT, REGIMEN, 101, np.random.default_rng(3), 0.5, 401, Decimal(100)
    )
    etas = sample_etas(HERD, 101, np.random.default_rng(3))
    system = modal_system(disposition(HERD, ADULT, etas))
    full = np.maximum(plasma_on_grid(system, REGIMEN.segments(), 0.0, 0.5, 401) * 1000, 0)
    expected = np.percentile(full, [5, 50, 95], axis=0)
    np.testing.assert_allclose(result.p05_ng_per_ml, expected[0], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(result.p50_ng_per_ml, expected[1], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(result.p95_ng_per_ml, expected[2], rtol=1e-12, atol=1e-12)
    assert result.cmax_ng_per_ml.p50 == pytest.approx(np.median(full.max(axis=1)), rel=1e-12)
    above = (full >= 100).sum(axis=1) * 0.5
    assert result.time_above_threshold_min.p50 == pytest.approx(np.median(above))
    summary_only = simulate_population(
        HERD, ADULT, REGIMEN, 101, np.random.default_rng(3), 0.5, 401, Decimal(100), curves=False
    )
    assert summary_only.p50_ng_per_ml is None
    assert summary_only.cmax_ng_per_ml == result.cmax_ng_per_ml
    assert summary_only.tmax_min == result.tmax_min
    threaded = simulate_population(
        HERD,
        ADULT,
        REGIMEN,
        101,
        np.random.default_rng(3),
        0.5,
        401,
        Decimal(100),
        curves=False,
        workers=2,
    )
    assert threaded.cmax_ng_per_ml == result.cmax_ng_per_ml
    assert threaded.time_above_threshold_min == result.time_above_threshold_min


def test_population_band_brackets_the_typical_patient():
    result = simulate_population(HERD, ADULT, REGIMEN, 2000, np.random.default_rng(5), 1.0, 241)
    at_40 = 40
    assert result.p05_ng_per_ml[at_40] < 253.4 < result.p95_ng_per_ml[at_40]
    assert result.cmax_ng_per_ml.p05 < result.cmax_ng_per_ml.p50 < result.cmax_ng_per_ml.p95


def test_models_without_variability_cannot_make_a_population():
    with pytest.raises(ValidationError, match="variability"):
        simulate_population(
            get_model("domino"), ADULT, REGIMEN, 10, np.random.default_rng(0), 1.0, 10
        )
