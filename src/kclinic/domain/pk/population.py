"""Virtual populations: log-normal inter-individual variability, streamed in time chunks.

Each virtual patient has the model's typical values times exp(η) with η ~ N(0, ω²) per
parameter that has published variability (independent; no shipped model publishes
correlations). The random numbers come from a numpy Generator passed in, so a seed reproduces
a population exactly.

How a published "%" becomes ω is a named choice (`IivConvention`), because papers differ:
- "sqrt-omega" (default): the percentage is 100·ω, the usual NONMEM report of between-subject
  variability as the square root of the variance of η (Herd & Anderson 2007 report "BSV" so).
- "log-normal-cv": the percentage is the true coefficient of variation of the log-normal
  parameter, ω² = ln(1 + CV²).

Memory stays bounded whatever N: the curve is computed for all patients a block of output
times at a time (N × block values), percentiles are taken across patients for that block,
and per-patient running summaries (Cmax, time of Cmax, time above threshold) are updated.
AUC is the exact integral, not a sum over the grid.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

import numpy as np

from kclinic.domain.errors import OutOfRangeError, ValidationError
from kclinic.domain.pk.linear import (
    ModalSystem,
    modal_system,
    plasma_auc,
    plasma_on_grid,
    segment_starts,
    subset,
)
from kclinic.domain.pk.model import (
    CompartmentModel,
    FloatArray,
    Patient,
    disposition,
    validity_warnings,
)
from kclinic.domain.pk.regimen import Regimen, Segment
from kclinic.domain.pk.simulate import NG_PER_ML_PER_MG_PER_L, check_threshold

IivConvention = Literal["sqrt-omega", "log-normal-cv"]
IIV_CONVENTIONS: tuple[IivConvention, ...] = ("sqrt-omega", "log-normal-cv")
DEFAULT_IIV_CONVENTION: IivConvention = "sqrt-omega"

MAX_PATIENTS = 1_000_000
PERCENTILES = (5.0, 50.0, 95.0)
# Values held at once (N × block); 8 M float64 is 64 MB.
CHUNK_VALUES = 8_000_000


def omega(iiv_percent: Decimal, convention: IivConvention) -> float:
    """Standard deviation of η for a published variability percentage."""
    fraction = float(iiv_percent) / 100.0
    if convention == "sqrt-omega":
        return fraction
    if convention == "log-normal-cv":
        return float(np.sqrt(np.log1p(fraction**2)))
    raise ValidationError("iiv_convention", convention, " or ".join(IIV_CONVENTIONS))


def sample_etas(
    model: CompartmentModel,
    patients: int,
    rng: np.random.Generator,
    convention: IivConvention = DEFAULT_IIV_CONVENTION,
) -> dict[str, FloatArray]:
    """η per parameter with published variability, drawn in parameter order from `rng`."""
    if not 1 <= patients <= MAX_PATIENTS:
        raise OutOfRangeError("population", patients, 1, MAX_PATIENTS, "patients")
    if not model.has_iiv:
        raise ValidationError(
            "model",
            model.id,
            "a model that publishes inter-individual variability",
            "a population needs published variability; this model has none",
        )
    etas: dict[str, FloatArray] = {}
    for parameter in model.parameters:
        if parameter.iiv_percent is not None:
            sd = omega(parameter.iiv_percent, convention)
            etas[parameter.symbol] = rng.normal(0.0, sd, patients)
    return etas


def _percentile_rows(columns: FloatArray) -> FloatArray:
    """5/50/95th percentiles of each row of `columns` (numpy's default linear method).

    One partition for all six order statistics needed is about twice as fast as
    np.percentile on this layout, and it is exact."""
    rows = np.ascontiguousarray(columns)
    n = rows.shape[1]
    positions = np.array(PERCENTILES) / 100.0 * (n - 1)
    low = np.floor(positions).astype(np.int64)
    high = np.minimum(low + 1, n - 1)
    rows.partition(sorted(set(low.tolist()) | set(high.tolist())), axis=1)
    fraction = positions - low
    result: FloatArray = rows[:, low] + fraction * (rows[:, high] - rows[:, low])
    return result.T


@dataclass(frozen=True)
class Distribution:
    """5th, 50th and 95th percentiles and the mean of one per-patient quantity."""

    p05: float
    p50: float
    p95: float
    mean: float

    @classmethod
    def of(cls, values: FloatArray) -> Distribution:
        p05, p50, p95 = np.percentile(values, PERCENTILES)
        return cls(float(p05), float(p50), float(p95), float(values.mean()))


class _Running:
    """Per-patient Cmax, its grid index and the count of grid points at/above threshold."""

    def __init__(self, patients: int, threshold: float | None) -> None:
        self.cmax = np.full(patients, -np.inf)
        self.tmax_index = np.zeros(patients, dtype=np.int64)
        self.above = np.zeros(patients, dtype=np.int64)
        self.threshold = threshold

    def update(self, values: FloatArray, first: int, rows: slice, axis: int) -> None:
        """Fold in `values` (ng/mL) for patients `rows` and grid columns from `first`;
        `axis` is the time axis of `values`."""
        peak = values.argmax(axis=axis)
        peak_value = values.max(axis=axis)
        cmax = self.cmax[rows]
        better = peak_value > cmax
        cmax[better] = peak_value[better]
        index = self.tmax_index[rows]
        index[better] = first + peak[better]
        self.tmax_index[rows] = index
        self.cmax[rows] = cmax
        if self.threshold is not None:
            self.above[rows] += (values >= self.threshold).sum(axis=axis)


def _summaries_by_patient_chunk(
    system: ModalSystem,
    segments: tuple[Segment, ...],
    step_min: float,
    count: int,
    running: _Running,
    workers: int,
) -> None:
    """Whole curves for a few hundred patients at a time (the fast matmul path); `workers`
    threads take every workers-th chunk, each with its own buffer, and update disjoint rows
    of the running summaries (numpy releases the GIL in the heavy calls)."""
    chunk = max(1, CHUNK_VALUES // (count * max(1, workers)))
    starts = list(range(0, system.patients, chunk))
    # Compare in mg/L so the grid values need no rescaling pass.
    threshold = None if running.threshold is None else running.threshold / NG_PER_ML_PER_MG_PER_L

    def work(mine: list[int]) -> None:
        buffer = np.empty((min(chunk, system.patients), count))
        for first in mine:
            rows = slice(first, min(first + chunk, system.patients))
            sub = subset(system, rows)
            values = buffer[: sub.patients]
            plasma_on_grid(sub, segments, 0.0, step_min, count, out=values)
            peak = values.argmax(axis=1)
            running.cmax[rows] = values[np.arange(sub.patients), peak] * NG_PER_ML_PER_MG_PER_L
            running.tmax_index[rows] = peak
            if threshold is not None:
                running.above[rows] = np.count_nonzero(values >= threshold, axis=1)

    shares = [starts[w :: max(1, workers)] for w in range(max(1, workers))]
    if len(shares) == 1:
        work(shares[0])
        return
    with ThreadPoolExecutor(max_workers=len(shares)) as pool:
        for job in [pool.submit(work, share) for share in shares]:
            job.result()


def _curves_by_time_block(
    system: ModalSystem,
    segments: tuple[Segment, ...],
    times: FloatArray,
    step_min: float,
    running: _Running,
) -> FloatArray:
    """All patients, a block of output times at a time, laid out time × patient so the
    percentile partition runs along contiguous rows. Cp(t0 + jΔ) = Σ_i β_i R_i[j] + c with
    R_i[j] = e^{λ_i jΔ} tabulated once and β_i = α_i e^{λ_i (t0 - segment start)}."""
    patients, n = system.rates_per_min.shape
    count = times.size
    block = max(1, min(count, CHUNK_VALUES // (patients * (n + 1))))
    lam = system.rates_per_min.T  # (n, N)
    offsets = step_min * np.arange(block, dtype=np.float64)
    table = np.exp(lam[:, None, :] * offsets[None, :, None])  # (n, block, N)
    starts = segment_starts(system, segments)
    bounds = np.array([segment.start_min for segment in segments] + [np.inf])
    which = np.searchsorted(bounds, times, side="right") - 1
    buffer = np.empty((block, patients))
    curve = np.empty((3, count))
    everyone = slice(0, patients)
    for first in range(0, count, block):
        last = min(first + block, count)
        values = buffer[: last - first]
        column = first
        while column < last:
            index = int(which[column])
            stop = min(last, int(np.searchsorted(times, bounds[index + 1], side="left")))
            segment = segments[index]
            steady = -system.gain * segment.rate_mg_per_min / system.rates_per_min
            tau = times[column] - segment.start_min
            beta = (system.gain * (starts[index] - steady) * np.exp(system.rates_per_min * tau)).T
            part = values[column - first : stop - first]
            part[:] = (system.gain * steady).sum(axis=1)
            for i in range(n):
                part += table[i, : stop - column] * beta[i]
            column = stop
        values *= NG_PER_ML_PER_MG_PER_L
        np.maximum(values, 0.0, out=values)  # -1e-19 rounding residue of exact zeros
        running.update(values, first, everyone, axis=0)
        curve[:, first:last] = _percentile_rows(values)
    return curve


@dataclass(frozen=True)
class PopulationResult:
    """Percentile curves (ng/mL) on the output grid and the distribution of summaries."""

    model: CompartmentModel
    patients: int
    iiv_convention: IivConvention
    times_min: FloatArray
    p05_ng_per_ml: FloatArray | None
    p50_ng_per_ml: FloatArray | None
    p95_ng_per_ml: FloatArray | None
    cmax_ng_per_ml: Distribution
    tmax_min: Distribution
    auc_ng_h_per_ml: Distribution
    time_above_threshold_min: Distribution | None
    threshold_ng_per_ml: float | None
    warnings: tuple[str, ...]


def simulate_population(
    model: CompartmentModel,
    patient: Patient,
    regimen: Regimen,
    patients: int,
    rng: np.random.Generator,
    step_min: float,
    count: int,
    threshold_ng_per_ml: Decimal | None = None,
    convention: IivConvention = DEFAULT_IIV_CONVENTION,
    curves: bool = True,
    workers: int = 1,
) -> PopulationResult:
    """Simulate `patients` virtual patients like `patient` on the grid k·step_min, k < count.

    Returns percentile curves (unless `curves` is False) and the 5/50/95th percentiles of
    Cmax, time of Cmax, AUC(0-last) and time above the threshold. Memory use is bounded by
    CHUNK_VALUES values whatever `patients` and `count` are (streaming). `workers` threads
    share the summary-only path (the caller decides how many cores to use)."""
    if not 0 < step_min <= 1440 or not 1 <= count <= 2_000_000:
        raise OutOfRangeError("output grid", f"{count} points every {step_min} min", 1, 2_000_000)
    threshold = check_threshold(threshold_ng_per_ml)
    etas = sample_etas(model, patients, rng, convention)
    system = modal_system(disposition(model, patient, etas))
    segments = regimen.segments()
    times = step_min * np.arange(count, dtype=np.float64)
    running = _Running(patients, threshold)
    curve = None
    if curves:
        curve = _curves_by_time_block(system, segments, times, step_min, running)
    else:
        _summaries_by_patient_chunk(system, segments, step_min, count, running, workers)
    horizon = float(times[-1])
    auc = plasma_auc(system, segments, horizon) * NG_PER_ML_PER_MG_PER_L / 60.0
    return PopulationResult(
        model=model,
        patients=patients,
        iiv_convention=convention,
        times_min=times,
        p05_ng_per_ml=None if curve is None else curve[0],
        p50_ng_per_ml=None if curve is None else curve[1],
        p95_ng_per_ml=None if curve is None else curve[2],
        cmax_ng_per_ml=Distribution.of(running.cmax),
        tmax_min=Distribution.of(running.tmax_index.astype(np.float64) * step_min),
        auc_ng_h_per_ml=Distribution.of(auc),
        # Grid count × step: the resolution of the grid (stated in the docs).
        time_above_threshold_min=None
        if threshold is None
        else Distribution.of(running.above.astype(np.float64) * step_min),
        threshold_ng_per_ml=threshold,
        warnings=validity_warnings(model, patient),
    )
