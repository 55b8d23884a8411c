"""PK speed: kclinic against pytci, opentiva and a plain solve_ivp loop (issue 7).

Runs in bench/.venv (bench/peers.sh installs the peers there; `make bench` does both). Work:
0.5 mg/kg over 40 min then 200 min washout, plasma concentration at every second (14,401
points), for 1 patient, 10,000 patients (full trajectories) and 100,000 patients (summary
statistics only). The population is the Domino model (70 kg) with an illustrative 30 %
log-normal variability on V1 and every rate constant (bench only: Domino publishes none), so
every implementation gets the same per-patient constants. Peers simulate one patient per call;
their population times are measured on a subset (--subset, default 50) and scaled linearly
(marked "scaled"); --full runs them on everyone (pytci then takes about 15 minutes).
Checks that every implementation agrees with kclinic to 1e-6 relative (|difference| divided
by the patient's peak). Prints wall times (best of --repeat) and ratios; never fails on time.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
import time
from collections.abc import Callable
from decimal import Decimal

import numpy as np

from kclinic.domain.pk import Patient, constant_infusion, get_model, simulate_population
from kclinic.domain.pk.linear import modal_system, plasma_on_grid
from kclinic.domain.pk.model import disposition
from kclinic.domain.pk.population import sample_etas

WEIGHT_KG = 70.0
DOSE_MG = 0.5 * WEIGHT_KG
INFUSION_S = 40 * 60
END_S = 240 * 60
POINTS = END_S + 1
STEP_MIN = 1 / 60
RATE_MG_PER_MIN = DOSE_MG / 40
BENCH_IIV_PERCENT = Decimal(30)
WORKERS = os.cpu_count() or 1
MICRO = ("V1", "k10", "k12", "k13", "k21", "k31")


def bench_model():
    """Domino with illustrative variability: for benchmarking only, never shipped."""
    domino = get_model("domino")
    return dataclasses.replace(
        domino,
        id="domino-bench-iiv",
        parameters=tuple(
            dataclasses.replace(p, iiv_percent=BENCH_IIV_PERCENT) for p in domino.parameters
        ),
    )


def micro_constants(etas: dict[str, np.ndarray]) -> np.ndarray:
    """Per-patient V1 (L) and k10, k12, k13, k21, k31 (1/min), shape (N, 6)."""
    domino = get_model("domino")
    columns = []
    for symbol in MICRO:
        typical = float(domino.parameter(symbol).value)
        if symbol == "V1":
            typical *= WEIGHT_KG
        columns.append(typical * np.exp(etas[symbol]))
    return np.stack(columns, axis=1)


def best(function: Callable[[], object], repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return min(times), result


# --- kclinic ----------------------------------------------------------------------------------


def kclinic_curves(etas, out=None):
    system = modal_system(disposition(bench_model(), Patient(Decimal(70)), etas))
    segments = constant_infusion(Decimal(35), Decimal(40)).segments()
    values = plasma_on_grid(system, segments, 0.0, STEP_MIN, POINTS, out=out, workers=WORKERS)
    return values  # mg/L


# --- peers --------------------------------------------------------------------------------------


def pytci_curve(constants: np.ndarray) -> np.ndarray:
    from PyTCI.models.base import Three

    model = Three()
    model.v1 = float(constants[0])
    model.k10, model.k12, model.k13, model.k21, model.k31 = map(float, constants[1:])
    model.keo = 0.0
    model.setup()
    model.set_integrator("exact")
    out = np.empty(POINTS)
    out[0] = 0.0
    rate = DOSE_MG / INFUSION_S
    for second in range(1, POINTS):
        out[second] = model.giveoverseconds(rate if second <= INFUSION_S else 0.0, 1)
    return out


def opentiva_curve(constants: np.ndarray) -> np.ndarray:
    from opentiva.model import Model
    from opentiva.pump import Pump

    class Custom(Model):
        def __init__(self) -> None:
            super().__init__(0, 40, WEIGHT_KG, 170)
            self.compartments = 3
            self.concentration_unit = "mg/ml"
            self.target_unit = "ug/ml"
            self.v1 = float(constants[0])
            self.k10, self.k12, self.k13, self.k21, self.k31 = map(float, constants[1:])
            self.ke0 = 1.0  # unused: only Cp is compared

    pump = Pump(Custom(), 10, END_S)
    pump.add_infusion(0, DOSE_MG / INFUSION_S, INFUSION_S)
    pump.generate_infusions()
    cp = pump.pkpd_model.cp_over_time(pump.infusion_list, 0, END_S + 1)  # rows 0..END_S
    return np.asarray(cp)[:, 1]


def solve_ivp_curve(constants: np.ndarray) -> np.ndarray:
    from scipy.integrate import solve_ivp

    v1, k10, k12, k13, k21, k31 = constants
    matrix = np.array([[-(k10 + k12 + k13), k21, k31], [k12, -k21, 0.0], [k13, 0.0, -k31]])
    minutes = np.arange(POINTS) / 60.0
    first = solve_ivp(
        lambda _t, x: matrix @ x + np.array([RATE_MG_PER_MIN, 0.0, 0.0]),
        (0.0, 40.0),
        np.zeros(3),
        method="LSODA",
        rtol=1e-10,
        atol=1e-13,
        t_eval=minutes[: INFUSION_S + 1],
    )
    second = solve_ivp(
        lambda _t, x: matrix @ x,
        (40.0, 240.0),
        first.y[:, -1],
        method="LSODA",
        rtol=1e-10,
        atol=1e-13,
        t_eval=minutes[INFUSION_S:],
    )
    return np.concatenate([first.y[0], second.y[0, 1:]]) / v1


PEERS = {
    "pytci 1.2.0 (exact mode)": pytci_curve,
    "opentiva 1.1.2 (Cp only)": opentiva_curve,
    "scipy solve_ivp loop (LSODA)": solve_ivp_curve,
}


def deviation(curve: np.ndarray, reference: np.ndarray) -> float:
    return float(np.max(np.abs(curve - reference)) / np.max(np.abs(reference)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subset", type=int, default=50, help="patients per peer timing")
    parser.add_argument("--full", action="store_true", help="run peers on all 10,000")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    print(
        f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, numpy {np.__version__}"
    )
    rng = np.random.default_rng(2024)
    etas = sample_etas(bench_model(), 10_000, rng)
    constants = micro_constants(etas)
    one = {k: v[:1] for k, v in etas.items()}

    rows: list[tuple[str, str, float, str]] = []

    # kclinic: 1 patient, 10,000 patients (warm output buffer and fresh), 100,000 summary.
    t1, curve1 = best(lambda: kclinic_curves(one), max(args.repeat, 20))
    rows.append(("1 patient", "kclinic", t1, "measured"))
    out = np.empty((10_000, POINTS))
    out.fill(0.0)  # fault the pages in once: the warm case reuses a buffer
    t10_warm, _ = best(lambda: kclinic_curves(etas, out), args.repeat)
    t10_cold, reference10 = best(lambda: kclinic_curves(etas), 2)
    rows.append(("10,000 patients", "kclinic (reused output buffer)", t10_warm, "measured"))
    rows.append(("10,000 patients", "kclinic (fresh 1.15 GB output)", t10_cold, "measured"))
    reference10 = np.asarray(reference10)
    t100, population = best(
        lambda: simulate_population(
            bench_model(),
            Patient(Decimal(70)),
            constant_infusion(Decimal(35), Decimal(40)),
            100_000,
            np.random.default_rng(7),
            STEP_MIN,
            POINTS,
            curves=False,
            workers=WORKERS,
        ),
        2,
    )
    rows.append(("100,000 patients, summaries", "kclinic", t100, "measured"))

    # Memory-bandwidth bound: writing an array of the same size.
    fill_warm, _ = best(lambda: out.fill(1.0), args.repeat)
    fill_cold, _ = best(lambda: np.full((10_000, POINTS), 1.0), 2)
    rows.append(("10,000 patients", "bound: numpy fill, reused array", fill_warm, "measured"))
    rows.append(("10,000 patients", "bound: numpy fill, fresh array", fill_cold, "measured"))

    # Peers: agreement on the subset and timings.
    subset = 10_000 if args.full else args.subset
    print(f"\nagreement with kclinic on {subset} patients (max |Δ| / patient peak):")
    for name, function in PEERS.items():
        start = time.perf_counter()
        worst = 0.0
        for index in range(subset):
            worst = max(worst, deviation(function(constants[index]), reference10[index]))
        per_patient = (time.perf_counter() - start) / subset
        single, _ = best(lambda function=function: function(constants[0]), 3)
        status = "ok" if worst <= 1e-6 else "DISAGREES"
        print(f"  {name:32s} {worst:.1e}  {status}")
        kind = "measured" if args.full else f"scaled from {subset}"
        rows.append(("1 patient", name, single, "measured"))
        rows.append(("10,000 patients", name, per_patient * 10_000, kind))
        rows.append(
            ("100,000 patients, summaries", name, per_patient * 100_000, f"scaled from {subset}")
        )

    print("\n| case | implementation | wall time | × kclinic | how |")
    print("|---|---|---|---|---|")
    kclinic_time = {
        "1 patient": t1,
        "10,000 patients": t10_warm,
        "100,000 patients, summaries": t100,
    }
    for case, name, seconds, how in sorted(rows, key=lambda r: (r[0], r[2])):
        ratio = seconds / kclinic_time[case]
        shown = f"{seconds * 1000:.2f} ms" if seconds < 1 else f"{seconds:.2f} s"
        print(f"| {case} | {name} | {shown} | {ratio:.3g} | {how} |")
    print(
        f"\nkclinic 10k vs the bandwidth bound: {t10_warm / fill_warm:.2f}× (reused buffers), "
        f"{t10_cold / fill_cold:.2f}× (fresh arrays)"
    )
    print(
        f"100k summary: Cmax median {population.cmax_ng_per_ml.p50:.1f} ng/mL "
        f"(5th-95th {population.cmax_ng_per_ml.p05:.1f}-{population.cmax_ng_per_ml.p95:.1f})"
    )
    cp40 = float(np.asarray(curve1)[0, INFUSION_S]) * 1000
    print(f"bench patient 1 Cp at 40 min: {cp40:.3f} ng/mL")


if __name__ == "__main__":
    main()
