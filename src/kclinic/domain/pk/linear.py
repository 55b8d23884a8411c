"""Exact solution of mammillary compartment models under piecewise-constant input.

Why this is exact and stable: with amounts x (mg), concentrations C = x / V and a symmetric
matrix S of clearances (S[0,0] = -(CL + ΣQj), S[0,j] = S[j,0] = Qj, S[j,j] = -Qj), the model
is x' = S·diag(1/V)·x + e1·r(t). Scaling y = x / sqrt(V) gives y' = M·y with
M = diag(V)^-1/2 · S · diag(V)^-1/2 symmetric, so M = U Λ Uᵀ with U orthogonal (numpy's
`eigh`, batched over patients). In modal coordinates z = Uᵀ y every mode is independent:

    z_i' = λ_i z_i + g_i r,     Cp = Σ g_i z_i,     g_i = U[0, i] / sqrt(V1)

and on a segment with constant rate r, z_i(τ) = (z_i(0) - s_i) e^{λ_i τ} + s_i with
s_i = -g_i r / λ_i. No time stepping, no truncation error: only float64 rounding. Orthogonal U
keeps the transform well conditioned even when two rates nearly coincide.

Units: time in minutes, amounts in mg, volumes in L, rates in mg/min, Cp in mg/L (= µg/mL;
multiply by 1000 for ng/mL).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from kclinic.domain.pk.model import Disposition, FloatArray
from kclinic.domain.pk.regimen import Segment


@dataclass(frozen=True)
class ModalSystem:
    """The eigen-decomposition of N patients' models (see the module docstring)."""

    rates_per_min: FloatArray  # λ, shape (N, n), all negative
    basis: FloatArray  # U, shape (N, n, n), orthonormal columns
    sqrt_volumes: FloatArray  # sqrt(V), shape (N, n)
    gain: FloatArray  # g, shape (N, n): Cp = Σ g z and a unit input adds g to z'
    clearance_l_per_min: FloatArray  # shape (N,)

    @property
    def patients(self) -> int:
        return int(self.rates_per_min.shape[0])


def modal_system(disposition: Disposition) -> ModalSystem:
    """Decompose every patient's model at once (batched symmetric eigen-solver)."""
    volumes = disposition.volumes_l
    n_patients, n = volumes.shape
    inter = disposition.intercompartmental_l_per_min
    s = np.zeros((n_patients, n, n), dtype=np.float64)
    s[:, 0, 0] = -(disposition.clearance_l_per_min + inter.sum(axis=1))
    for j in range(1, n):
        s[:, 0, j] = inter[:, j - 1]
        s[:, j, 0] = inter[:, j - 1]
        s[:, j, j] = -inter[:, j - 1]
    root = np.sqrt(volumes)
    m = s / (root[:, :, None] * root[:, None, :])
    rates, basis = np.linalg.eigh(m)
    gain = basis[:, 0, :] / root[:, :1]
    return ModalSystem(
        rates_per_min=rates,
        basis=basis,
        sqrt_volumes=root,
        gain=gain,
        clearance_l_per_min=disposition.clearance_l_per_min,
    )


def _steady(system: ModalSystem, rate: FloatArray | float) -> FloatArray:
    """Modal coordinates of the steady state under a constant rate (mg/min)."""
    steady: FloatArray = -system.gain * np.asarray(rate)[..., None] / system.rates_per_min
    return steady


def segment_starts(
    system: ModalSystem, segments: Sequence[Segment], dose_scale: FloatArray | None = None
) -> list[FloatArray]:
    """Modal state (N, n) at the start of each segment, just after its bolus.

    `dose_scale` (shape (N,)) multiplies every dose per patient (1 when None)."""
    scale = np.ones(system.patients) if dose_scale is None else dose_scale
    z = np.zeros_like(system.rates_per_min)
    starts: list[FloatArray] = []
    for segment in segments:
        z = z + system.gain * (segment.bolus_mg * scale)[:, None]
        starts.append(z)
        length = segment.end_min - segment.start_min
        if np.isfinite(length):
            steady = _steady(system, segment.rate_mg_per_min * scale)
            z = (z - steady) * np.exp(system.rates_per_min * length) + steady
    return starts


def _segment_of(segments: Sequence[Segment], times: FloatArray) -> npt.NDArray[np.intp]:
    starts = np.array([segment.start_min for segment in segments])
    return np.searchsorted(starts, times, side="right") - 1


def plasma_at(
    system: ModalSystem,
    segments: Sequence[Segment],
    times_min: FloatArray,
    dose_scale: FloatArray | None = None,
) -> FloatArray:
    """Plasma concentration (mg/L), shape (N, T), at any times ≥ 0 (closed form).

    At a bolus time the value includes the bolus (concentrations are right-continuous)."""
    scale = np.ones(system.patients) if dose_scale is None else dose_scale
    starts = segment_starts(system, segments, scale)
    which = _segment_of(segments, times_min)
    result = np.empty((system.patients, times_min.shape[0]), dtype=np.float64)
    for index, segment in enumerate(segments):
        mask = which == index
        if not mask.any():
            continue
        tau = times_min[mask] - segment.start_min
        steady = _steady(system, segment.rate_mg_per_min * scale)
        alpha = system.gain * (starts[index] - steady)
        decay = np.exp(system.rates_per_min[:, None, :] * tau[None, :, None])
        result[:, mask] = (
            np.einsum("pti,pi->pt", decay, alpha) + (system.gain * steady).sum(axis=1)[:, None]
        )
    return result


def amounts_at(
    system: ModalSystem, segments: Sequence[Segment], times_min: FloatArray
) -> FloatArray:
    """Drug amount (mg) in each compartment, shape (N, n, T), central first."""
    starts = segment_starts(system, segments)
    which = _segment_of(segments, times_min)
    n_patients, n = system.rates_per_min.shape
    result = np.empty((n_patients, n, times_min.shape[0]), dtype=np.float64)
    for index, segment in enumerate(segments):
        mask = which == index
        if not mask.any():
            continue
        tau = times_min[mask] - segment.start_min
        steady = _steady(system, segment.rate_mg_per_min)
        decay = np.exp(system.rates_per_min[:, :, None] * tau[None, None, :])
        z = (starts[index] - steady)[:, :, None] * decay + steady[:, :, None]
        y = np.einsum("pij,pjt->pit", system.basis, z)
        result[:, :, mask] = y * system.sqrt_volumes[:, :, None]
    return result


def plasma_auc(
    system: ModalSystem,
    segments: Sequence[Segment],
    until_min: float,
    dose_scale: FloatArray | None = None,
) -> FloatArray:
    """Exact ∫_0^until Cp dt (mg·min/L) per patient; until may be inf (needs no infusion
    running at the end)."""
    scale = np.ones(system.patients) if dose_scale is None else dose_scale
    starts = segment_starts(system, segments, scale)
    total = np.zeros(system.patients)
    for index, segment in enumerate(segments):
        if segment.start_min >= until_min:
            break
        length = min(segment.end_min, until_min) - segment.start_min
        steady = _steady(system, segment.rate_mg_per_min * scale)
        lam = system.rates_per_min
        if np.isinf(length):
            integral = -(starts[index] - steady) / lam
            if segment.rate_mg_per_min > 0:
                return np.full(system.patients, np.inf)
        else:
            integral = (starts[index] - steady) * np.expm1(lam * length) / lam + steady * length
        total += (system.gain * integral).sum(axis=1)
    return total


def infused_mg(segments: Sequence[Segment], until_min: float) -> float:
    """Drug given (boluses plus infusion) from time 0 up to and including `until_min`."""
    total = 0.0
    for segment in segments:
        if segment.start_min > until_min:
            break
        total += segment.bolus_mg
        total += segment.rate_mg_per_min * (min(segment.end_min, until_min) - segment.start_min)
    return total


def _block_length(points: int) -> int:
    # Square-ish blocks balance the two exp tables (N·K·n and N·B·n values).
    return max(8, min(512, math.isqrt(points)))


def plasma_on_grid(
    system: ModalSystem,
    segments: Sequence[Segment],
    start_min: float,
    step_min: float,
    count: int,
    out: FloatArray | None = None,
    dose_scale: FloatArray | None = None,
    workers: int = 1,
) -> FloatArray:
    """Plasma concentration (mg/L), shape (N, count), at start + k·step: the fast path.

    Inside a segment Cp(τ0 + (kB + j)Δ) = Σ_i β[k, i] E[i, j] with β[k, i] =
    α_i e^{λ_i(τ0 + kBΔ)} and E[i, j] = e^{λ_i jΔ} (plus a constant column), so each block
    of B output columns is one small matrix product per patient, written straight into
    `out` (batched matmul): every value is exact closed form (no recurrence, no error growth)
    and the output array is written once. Pass `out` (C-ordered, N × count) to reuse memory.
    """
    n_patients = system.patients
    if out is None:
        out = np.empty((n_patients, count), dtype=np.float64)
    scale = np.ones(n_patients) if dose_scale is None else dose_scale
    if workers > 1 and n_patients >= 2 * workers:
        # numpy releases the GIL in matmul and exp, so threads over patient slices run in
        # parallel; every slice writes its own rows of `out` (results are identical).
        bounds = np.linspace(0, n_patients, workers + 1).astype(int)
        slices = [slice(int(a), int(b)) for a, b in itertools.pairwise(bounds)]
        with ThreadPoolExecutor(max_workers=workers) as pool:
            jobs = [
                pool.submit(
                    _plasma_rows,
                    subset(system, rows),
                    segments,
                    start_min,
                    step_min,
                    count,
                    out[rows],
                    scale[rows],
                )
                for rows in slices
            ]
            for job in jobs:
                job.result()
        return out
    return _plasma_rows(system, segments, start_min, step_min, count, out, scale)


def subset(system: ModalSystem, rows: slice) -> ModalSystem:
    """The patients `rows` of `system`."""
    return ModalSystem(
        rates_per_min=system.rates_per_min[rows],
        basis=system.basis[rows],
        sqrt_volumes=system.sqrt_volumes[rows],
        gain=system.gain[rows],
        clearance_l_per_min=system.clearance_l_per_min[rows],
    )


def _plasma_rows(
    system: ModalSystem,
    segments: Sequence[Segment],
    start_min: float,
    step_min: float,
    count: int,
    out: FloatArray,
    scale: FloatArray,
) -> FloatArray:
    n_patients, n = system.rates_per_min.shape
    grid = start_min + step_min * np.arange(count, dtype=np.float64)
    starts = segment_starts(system, segments, scale)
    bounds = np.array([segment.start_min for segment in segments] + [np.inf])
    edges = np.searchsorted(grid, bounds, side="left")
    lam = system.rates_per_min
    for index, segment in enumerate(segments):
        lo, hi = int(edges[index]), int(edges[index + 1])
        if hi <= lo:
            continue
        points = hi - lo
        steady = _steady(system, segment.rate_mg_per_min * scale)
        tau0 = grid[lo] - segment.start_min
        alpha = system.gain * (starts[index] - steady)
        constant = (system.gain * steady).sum(axis=1)
        block = _block_length(points)
        blocks = points // block
        if blocks:
            # Powers by running products: B and K are at most a few hundred, so the relative
            # rounding error stays below ~1e-13, and it avoids N·(K + B)·n exp calls.
            step_decay = np.exp(lam * step_min)
            table = np.empty((n_patients, n + 1, block))
            table[:, :n, 0] = 1.0
            table[:, :n, 1:] = step_decay[:, :, None]
            np.multiply.accumulate(table[:, :n, :], axis=2, out=table[:, :n, :])
            table[:, n, :] = 1.0
            beta = np.empty((n_patients, blocks, n + 1))
            beta[:, 0, :n] = alpha * np.exp(lam * tau0)
            beta[:, 1:, :n] = np.exp(lam * (block * step_min))[:, None, :]
            np.multiply.accumulate(beta[:, :, :n], axis=1, out=beta[:, :, :n])
            beta[:, :, n] = constant[:, None]
            target = out[:, lo : lo + blocks * block].reshape(n_patients, blocks, block)
            if not np.shares_memory(target, out):
                raise AssertionError("output block is not a view")  # pragma: no cover
            np.matmul(beta, table, out=target)
        done = lo + blocks * block
        if done < hi:
            tau = grid[done:hi] - segment.start_min
            decay = np.exp(lam[:, None, :] * tau[None, :, None])
            out[:, done:hi] = np.einsum("pti,pi->pt", decay, alpha) + constant[:, None]
    return out
