"""Independent reference solutions for the PK tests (never the code under test)."""

from __future__ import annotations

import itertools

import numpy as np
from scipy.integrate import solve_ivp


def micro_matrix(k10, k12=0.0, k21=1.0, k13=0.0, k31=1.0, three=False):
    """The textbook amount equations x' = A x of a mammillary model (1/min)."""
    if three:
        return np.array(
            [
                [-(k10 + k12 + k13), k21, k31],
                [k12, -k21, 0.0],
                [k13, 0.0, -k31],
            ]
        )
    return np.array([[-(k10 + k12), k21], [k12, -k21]])


def ode_plasma(matrix, v1_l, infusions, times_min):
    """Plasma ng/mL by numerical integration (LSODA, tight tolerances), infusions given as
    (start_min, end_min, rate_mg_per_min). Integrates piece by piece so rate steps are
    honoured exactly."""
    breaks = sorted({0.0, *(s for s, _, _ in infusions), *(e for _, e, _ in infusions)})
    breaks = [b for b in breaks if b < max(times_min)] + [float(max(times_min))]
    x = np.zeros(matrix.shape[0])
    out = {}
    wanted = np.asarray(times_min, dtype=float)
    for a, b in itertools.pairwise(breaks):
        rate = sum(r for s, e, r in infusions if s <= a and b <= e)
        inside = wanted[(wanted >= a) & (wanted <= b)]
        solution = solve_ivp(
            lambda _t, y, rate=rate: matrix @ y + np.eye(len(y))[0] * rate,
            (a, b),
            x,
            method="LSODA",
            rtol=1e-11,
            atol=1e-14,
            t_eval=np.unique(np.concatenate([inside, [b]])),
        )
        for t, value in zip(solution.t, solution.y[0], strict=True):
            out[float(t)] = value / v1_l * 1000.0
        x = solution.y[:, -1]
    out[0.0] = 0.0
    return np.array([out[float(t)] for t in wanted])
