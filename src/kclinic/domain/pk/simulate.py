"""One patient: predicted plasma concentrations, compartment amounts and summaries.

Everything is the exact closed-form solution of `linear.py`. Summaries that depend on the
shape of the curve (Cmax, time of Cmax, time above a threshold) are read from a dense internal
grid (1 s unless the horizon is very long) plus every dose change point; AUC and mass balance
are exact integrals.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from kclinic.domain.errors import OutOfRangeError, ValidationError
from kclinic.domain.pk.linear import (
    ModalSystem,
    amounts_at,
    infused_mg,
    modal_system,
    plasma_at,
    plasma_auc,
)
from kclinic.domain.pk.model import (
    CompartmentModel,
    FloatArray,
    Patient,
    disposition,
    validity_warnings,
)
from kclinic.domain.pk.regimen import MAX_TIME_MIN, Regimen, Segment

NG_PER_ML_PER_MG_PER_L = 1000.0
MAX_OUTPUT_POINTS = 2_000_000
# Cap on the internal summary grid; beyond it the grid coarsens (stated in the result).
MAX_SUMMARY_POINTS = 2_000_000


@dataclass(frozen=True)
class Summary:
    """Exposure over [0, horizon]: Cmax (ng/mL) and its time (min), AUC (ng·h/mL) to the
    horizon and to infinity, and minutes at or above `threshold_ng_per_ml`."""

    cmax_ng_per_ml: float
    tmax_min: float
    auc_ng_h_per_ml: float
    auc_inf_ng_h_per_ml: float
    threshold_ng_per_ml: float | None
    time_above_threshold_min: float | None
    resolution_min: float


@dataclass(frozen=True)
class MassBalance:
    """Drug given = drug in the body + drug eliminated (CL·AUC), at the horizon, in mg."""

    infused_mg: float
    in_body_mg: float
    eliminated_mg: float

    @property
    def relative_error(self) -> float:
        if self.infused_mg == 0:
            return abs(self.in_body_mg + self.eliminated_mg)
        return abs(self.infused_mg - self.in_body_mg - self.eliminated_mg) / self.infused_mg


@dataclass(frozen=True)
class Simulation:
    """The prediction for one patient at the requested times (minutes from time 0)."""

    model: CompartmentModel
    times_min: FloatArray
    plasma_ng_per_ml: FloatArray
    amounts_mg: FloatArray  # shape (compartments, T), central first
    summary: Summary
    mass_balance: MassBalance
    clearance_l_per_h: float
    warnings: tuple[str, ...]


def check_times(times_min: Sequence[float] | FloatArray) -> FloatArray:
    """Requested output times as a float array, checked: finite, 0 to 60 days, not too many."""
    times = np.asarray(times_min, dtype=np.float64)
    if times.ndim != 1 or times.size == 0:
        raise ValidationError("times_min", "empty", "at least one time")
    if times.size > MAX_OUTPUT_POINTS:
        raise OutOfRangeError("number of times", times.size, 1, MAX_OUTPUT_POINTS)
    if not np.all(np.isfinite(times)) or times.min() < 0 or times.max() > float(MAX_TIME_MIN):
        bad = times[~np.isfinite(times) | (times < 0) | (times > float(MAX_TIME_MIN))][0]
        raise OutOfRangeError("times_min", float(bad), 0, MAX_TIME_MIN, "min")
    return times


def grid_times(step_min: Decimal, until_min: Decimal) -> FloatArray:
    """0, step, 2·step, ... up to and including `until_min` (minutes)."""
    if not Decimal(0) < step_min <= MAX_TIME_MIN:
        raise OutOfRangeError("step", step_min, "> 0", MAX_TIME_MIN, "min")
    if not Decimal(0) <= until_min <= MAX_TIME_MIN:
        raise OutOfRangeError("until_min", until_min, 0, MAX_TIME_MIN, "min")
    count = int(until_min / step_min) + 1
    if count > MAX_OUTPUT_POINTS:
        raise OutOfRangeError("number of times", count, 1, MAX_OUTPUT_POINTS)
    return float(step_min) * np.arange(count, dtype=np.float64)


def time_above(values: FloatArray, times: FloatArray, threshold: float) -> float:
    """Minutes with values ≥ threshold on a sampled curve, crossings linearly interpolated."""
    a, b = values[:-1], values[1:]
    width = np.diff(times)
    both = (a >= threshold) & (b >= threshold)
    cross = (a >= threshold) != (b >= threshold)
    with np.errstate(divide="ignore", invalid="ignore"):
        fraction = np.where(cross, (threshold - a) / (b - a), 0.0)
    partial = np.where(b >= threshold, 1 - fraction, fraction)
    return float(width[both].sum() + (width[cross] * partial[cross]).sum())


def summary_grid(segments: Sequence[Segment], horizon_min: float) -> FloatArray:
    """1-s points (coarser for very long horizons) plus every dose change point."""
    step = max(1.0 / 60.0, horizon_min / MAX_SUMMARY_POINTS)
    count = int(horizon_min / step) + 1
    dense = step * np.arange(count, dtype=np.float64)
    changes = [s.start_min for s in segments if s.start_min <= horizon_min]
    return np.unique(np.concatenate([dense, np.array(changes), np.array([horizon_min])]))


def summarise(
    system: ModalSystem,
    segments: Sequence[Segment],
    horizon_min: float,
    threshold_ng_per_ml: float | None,
) -> Summary:
    """Cmax, tmax, AUC and time above threshold for patient 0 of `system`."""
    grid = summary_grid(segments, horizon_min)
    values = plasma_at(system, segments, grid)[0] * NG_PER_ML_PER_MG_PER_L
    peak = int(np.argmax(values))
    auc = plasma_auc(system, segments, horizon_min)[0] * NG_PER_ML_PER_MG_PER_L / 60.0
    auc_inf = plasma_auc(system, segments, float("inf"))[0] * NG_PER_ML_PER_MG_PER_L / 60.0
    above = None
    if threshold_ng_per_ml is not None:
        above = time_above(values, grid, threshold_ng_per_ml)
    return Summary(
        cmax_ng_per_ml=float(values[peak]),
        tmax_min=float(grid[peak]),
        auc_ng_h_per_ml=float(auc),
        auc_inf_ng_h_per_ml=float(auc_inf),
        threshold_ng_per_ml=threshold_ng_per_ml,
        time_above_threshold_min=above,
        resolution_min=float(max(1.0 / 60.0, horizon_min / MAX_SUMMARY_POINTS)),
    )


def check_threshold(threshold_ng_per_ml: Decimal | None) -> float | None:
    if threshold_ng_per_ml is None:
        return None
    if not Decimal(0) < threshold_ng_per_ml <= Decimal(100_000):
        raise OutOfRangeError("threshold", threshold_ng_per_ml, "> 0", 100_000, "ng/mL")
    return float(threshold_ng_per_ml)


def simulate(
    model: CompartmentModel,
    patient: Patient,
    regimen: Regimen,
    times_min: Sequence[float] | FloatArray,
    threshold_ng_per_ml: Decimal | None = None,
) -> Simulation:
    """Predict the typical patient's plasma concentration (ng/mL) at `times_min`.

    The model's published typical values, scaled to the patient's weight as the paper says
    (model.parameters), solved exactly for the piecewise-constant input of `regimen`. Summaries
    run from 0 to the last requested time. See library.py for each model's source."""
    times = check_times(times_min)
    threshold = check_threshold(threshold_ng_per_ml)
    segments = regimen.segments()
    system = modal_system(disposition(model, patient))
    # Exact zeros can come out as -1e-19 after rounding; a concentration is never negative.
    plasma = np.maximum(plasma_at(system, segments, times)[0] * NG_PER_ML_PER_MG_PER_L, 0.0)
    amounts = amounts_at(system, segments, times)[0]
    horizon = float(times.max())
    summary = summarise(system, segments, horizon, threshold)
    body = float(amounts_at(system, segments, np.array([horizon]))[0].sum())
    eliminated = float(system.clearance_l_per_min[0] * plasma_auc(system, segments, horizon)[0])
    balance = MassBalance(infused_mg(segments, horizon), body, eliminated)
    return Simulation(
        model=model,
        times_min=times,
        plasma_ng_per_ml=plasma,
        amounts_mg=amounts,
        summary=summary,
        mass_balance=balance,
        clearance_l_per_h=float(system.clearance_l_per_min[0] * 60.0),
        warnings=validity_warnings(model, patient),
    )
