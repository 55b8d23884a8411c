"""`kclinic pk models` and `kclinic pk simulate`: predicted ketamine concentrations."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import click
import numpy as np
from rich.table import Table

from kclinic.cli.output import console, domain_errors_exit_2, emit_json, fail
from kclinic.domain import pk
from kclinic.domain.errors import OutOfRangeError
from kclinic.domain.pk.model import CompartmentModel
from kclinic.domain.pk.population import Distribution
from kclinic.domain.units import round_half_up, to_decimal

# Output rounding, applied once at the edge: 0.001 ng/mL, 0.001 min, 0.0001 mg.
NG_STEP = Decimal("0.001")
MIN_STEP = Decimal("0.001")
MG_STEP = Decimal("0.0001")
MAX_POPULATION = 100_000


def _one(value: float, step: Decimal) -> Decimal:
    # "+ 0" turns a rounded -0.000 into 0.000.
    return round_half_up(Decimal(repr(float(value))), step) + 0


def _rounded(values: Any, step: Decimal) -> list[Decimal]:
    return [_one(v, step) for v in values]


def describe_model(model: CompartmentModel) -> dict[str, object]:
    return {
        "id": model.id,
        "name": model.name,
        "drug": model.drug,
        "compartments": model.compartments,
        "parameterisation": model.parameterisation,
        "verification": model.verification,
        "default": model.id == pk.DEFAULT_MODEL_ID,
        "population_variability": model.has_iiv,
        "sampling": model.sampling,
        "effect_site": model.effect_site,
        "validity": model.validity.as_dict(),
        "parameters": [parameter.as_dict() for parameter in model.parameters],
        "notes": model.notes,
        "sources": [source.as_dict() for source in model.sources],
    }


@click.group("pk")
def pk_group() -> None:
    """Pharmacokinetic predictions (planning aid, not drug-level monitoring)."""


@pk_group.command("models")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def models_command(as_json: bool) -> None:
    """List the ketamine models, their sources and whether they were verified."""
    listing = [describe_model(model) for model in pk.all_models()]
    if as_json:
        emit_json(listing)
        return
    table = Table(title="Ketamine PK models")
    for column in ("id", "drug", "cmt", "verification", "IIV", "default", "validity"):
        table.add_column(column)
    for model in pk.all_models():
        table.add_row(
            model.id,
            model.drug,
            str(model.compartments),
            model.verification,
            "yes" if model.has_iiv else "no",
            "yes" if model.id == pk.DEFAULT_MODEL_ID else "",
            model.validity.description,
        )
    console.print(table)


def _times(times: str | None, step_s: str | None, until_min: str | None, minutes: Decimal) -> Any:
    if times is not None and (step_s is not None or until_min is not None):
        fail("--times: give either --times or --step-s/--until-min, not both")
    if times is not None:
        try:
            values = [Decimal(part.strip()) for part in times.split(",") if part.strip()]
        except ArithmeticError:
            fail(f"--times: {times!r} is not a comma-separated list of minutes")
        return np.array([float(v) for v in values], dtype=np.float64)
    step = to_decimal(step_s, "--step-s") if step_s is not None else Decimal(60)
    until = to_decimal(until_min, "--until-min") if until_min is not None else minutes + 200
    return pk.grid_times(step / 60, until)


@pk_group.command("simulate")
@click.option("--model", "model_id", required=True, help="Model id (see `kclinic pk models`).")
@click.option("--weight-kg", required=True, help="Body weight in kg.")
@click.option("--age", "age_years", default=None, help="Age in years (checked against validity).")
@click.option("--sex", type=click.Choice(["female", "male"]), default=None)
@click.option("--dose-mg-per-kg", required=True, help="Dose in mg/kg, e.g. 0.5.")
@click.option("--minutes", required=True, help="Infusion duration in minutes, e.g. 40.")
@click.option("--times", default=None, help="Comma-separated output times in minutes.")
@click.option("--step-s", default=None, help="Output every S seconds (default 60).")
@click.option("--until-min", default=None, help="Last output time in minutes (default M + 200).")
@click.option("--threshold-ng-per-ml", default=None, help="Report time at/above this level.")
@click.option("--population", type=int, default=None, help="Simulate N virtual patients.")
@click.option("--seed", type=int, default=None, help="Seed for the population (required).")
@click.option(
    "--iiv-convention",
    type=click.Choice(list(pk.IIV_CONVENTIONS)),
    default=pk.DEFAULT_IIV_CONVENTION,
    show_default=True,
    help="How a published variability % becomes the SD of η.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV (time and concentration).")
@domain_errors_exit_2
def simulate_command(
    model_id: str,
    weight_kg: str,
    age_years: str | None,
    sex: str | None,
    dose_mg_per_kg: str,
    minutes: str,
    times: str | None,
    step_s: str | None,
    until_min: str | None,
    threshold_ng_per_ml: str | None,
    population: int | None,
    seed: int | None,
    iiv_convention: str,
    as_json: bool,
    as_csv: bool,
) -> None:
    """Predict plasma ketamine after DOSE mg/kg infused over MINUTES."""
    if as_json and as_csv:
        fail("--json and --csv: choose one")
    model = pk.get_model(model_id)
    weight = to_decimal(weight_kg, "--weight-kg")
    age = None if age_years is None else to_decimal(age_years, "--age")
    patient = pk.Patient(weight, age, sex)  # type: ignore[arg-type]
    dose_per_kg = to_decimal(dose_mg_per_kg, "--dose-mg-per-kg")
    if not Decimal(0) < dose_per_kg <= Decimal(10):
        raise OutOfRangeError("--dose-mg-per-kg", dose_per_kg, "> 0", 10, "mg/kg")
    duration = to_decimal(minutes, "--minutes")
    regimen = pk.constant_infusion(dose_per_kg * weight, duration)
    threshold = (
        None if threshold_ng_per_ml is None else to_decimal(threshold_ng_per_ml, "--threshold")
    )
    grid = _times(times, step_s, until_min, duration)
    header: dict[str, object] = {
        "model": {"id": model.id, "name": model.name, "verification": model.verification},
        "patient": {"weight_kg": weight, "age_years": age, "sex": sex},
        "regimen": {
            "dose_mg_per_kg": dose_per_kg,
            "dose_mg": regimen.total_dose_mg,
            "minutes": duration,
            "rate_mg_per_min": regimen.infusions[0].rate_mg_per_min,
        },
        "effect_site": model.effect_site,
    }
    if population is None:
        if seed is not None:
            fail("--seed: only with --population")
        result = pk.simulate(model, patient, regimen, grid, threshold)
        _print_one(header, result, as_json, as_csv)
        return
    if not 1 <= population <= MAX_POPULATION:
        fail(f"--population: {population} is not allowed; allowed: 1 to {MAX_POPULATION}")
    if seed is None:
        fail("--seed: required with --population (a seed makes the population reproducible)")
    step = float(grid[1] - grid[0]) if grid.size > 1 else 1.0
    if grid.size > 1 and not np.allclose(np.diff(grid), step, rtol=0, atol=1e-9):
        fail("--times: a population needs an even grid; use --step-s and --until-min")
    if float(grid[0]) != 0.0:
        fail("--times: a population grid starts at 0")
    outcome = pk.simulate_population(
        model,
        patient,
        regimen,
        population,
        np.random.default_rng(seed),
        step,
        int(grid.size),
        threshold,
        iiv_convention,  # type: ignore[arg-type]
    )
    header["population"] = {
        "patients": population,
        "seed": seed,
        "iiv_convention": iiv_convention,
    }
    _print_population(header, outcome, as_json, as_csv)


def _csv(columns: dict[str, list[Decimal]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(zip(*columns.values(), strict=True))
    click.echo(buffer.getvalue(), nl=False)


def _print_one(
    header: dict[str, object], result: pk.Simulation, as_json: bool, as_csv: bool
) -> None:
    times = _rounded(result.times_min, MIN_STEP)
    plasma = _rounded(result.plasma_ng_per_ml, NG_STEP)
    if as_csv:
        _warn(result.warnings)
        _csv({"time_min": times, "plasma_ng_per_ml": plasma})
        return
    s = result.summary
    names = ["central"] + [f"peripheral_{j}" for j in range(1, result.amounts_mg.shape[0])]
    data = {
        **header,
        "times_min": times,
        "plasma_ng_per_ml": plasma,
        "amounts_mg": {
            name: _rounded(row, MG_STEP) for name, row in zip(names, result.amounts_mg, strict=True)
        },
        "summary": {
            "cmax_ng_per_ml": _one(s.cmax_ng_per_ml, NG_STEP),
            "tmax_min": _one(s.tmax_min, MIN_STEP),
            "auc_ng_h_per_ml": _one(s.auc_ng_h_per_ml, NG_STEP),
            "auc_inf_ng_h_per_ml": _one(s.auc_inf_ng_h_per_ml, NG_STEP),
            "threshold_ng_per_ml": s.threshold_ng_per_ml,
            "time_above_threshold_min": None
            if s.time_above_threshold_min is None
            else _one(s.time_above_threshold_min, MIN_STEP),
            "resolution_min": _one(s.resolution_min, Decimal("0.0001")),
            "clearance_l_per_h": _one(result.clearance_l_per_h, MIN_STEP),
        },
        "mass_balance": {
            "infused_mg": _one(result.mass_balance.infused_mg, MG_STEP),
            "in_body_mg": _one(result.mass_balance.in_body_mg, MG_STEP),
            "eliminated_mg": _one(result.mass_balance.eliminated_mg, MG_STEP),
            "relative_error": float(f"{result.mass_balance.relative_error:.3e}"),
        },
        "warnings": list(result.warnings),
    }
    if as_json:
        emit_json(data)
        return
    _warn(result.warnings)
    table = Table(title=f"{result.model.name}: plasma ketamine")
    table.add_column("min", justify="right")
    table.add_column("ng/mL", justify="right")
    for t, c in zip(times, plasma, strict=True):
        table.add_row(str(t), str(round_half_up(c, Decimal("0.1"))))
    console.print(table)
    summary = data["summary"]
    assert isinstance(summary, dict)
    for key, value in summary.items():
        console.print(f"{key}: {value}")


def _distribution(d: Distribution | None, step: Decimal) -> dict[str, Decimal] | None:
    if d is None:
        return None
    return {name: _one(getattr(d, name), step) for name in ("p05", "p50", "p95", "mean")}


def _print_population(
    header: dict[str, object], result: pk.PopulationResult, as_json: bool, as_csv: bool
) -> None:
    assert result.p50_ng_per_ml is not None
    assert result.p05_ng_per_ml is not None
    assert result.p95_ng_per_ml is not None
    times = _rounded(result.times_min, MIN_STEP)
    curves = {
        "p05": _rounded(result.p05_ng_per_ml, NG_STEP),
        "p50": _rounded(result.p50_ng_per_ml, NG_STEP),
        "p95": _rounded(result.p95_ng_per_ml, NG_STEP),
    }
    if as_csv:
        _warn(result.warnings)
        _csv({"time_min": times, **{f"{k}_ng_per_ml": v for k, v in curves.items()}})
        return
    data = {
        **header,
        "times_min": times,
        "plasma_ng_per_ml": curves,
        "summary": {
            "cmax_ng_per_ml": _distribution(result.cmax_ng_per_ml, NG_STEP),
            "tmax_min": _distribution(result.tmax_min, MIN_STEP),
            "auc_ng_h_per_ml": _distribution(result.auc_ng_h_per_ml, NG_STEP),
            "threshold_ng_per_ml": result.threshold_ng_per_ml,
            "time_above_threshold_min": _distribution(result.time_above_threshold_min, MIN_STEP),
        },
        "warnings": list(result.warnings),
    }
    if as_json:
        emit_json(data)
        return
    _warn(result.warnings)
    table = Table(title=f"{result.model.name}: {result.patients} virtual patients (ng/mL)")
    for column in ("min", "p05", "median", "p95"):
        table.add_column(column, justify="right")
    for index, t in enumerate(times):
        table.add_row(
            str(t), *(str(round_half_up(curves[k][index], Decimal("0.1"))) for k in curves)
        )
    console.print(table)
    summary = data["summary"]
    assert isinstance(summary, dict)
    for key, value in summary.items():
        console.print(f"{key}: {value}")


def _warn(warnings: tuple[str, ...]) -> None:
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
