"""Compartment models as data: parameters with units, scaling rules, IIV and validity.

A model is a frozen description of a published pharmacokinetic model. Nothing here computes a
concentration; `disposition` turns a model plus a patient into volumes and clearances (floats,
per virtual patient) that the exact solver in `linear.py` consumes.

Two parameterisations occur in the ketamine literature:
- "micro": a central volume per kg and micro rate constants in 1/min (the STANPUMP-era sets,
  e.g. Domino, Clements); converted exactly to clearances with CL = k10·V1, Qj = k1j·V1,
  Vj = k1j·V1/kj1.
- "clearance": volumes in L and clearances in L/h standardised to 70 kg with allometric
  exponents (e.g. Herd & Anderson 2007).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

import numpy as np
import numpy.typing as npt

from kclinic.domain.errors import ConfigurationError, OutOfRangeError, ValidationError
from kclinic.domain.sources import Source

FloatArray = npt.NDArray[np.float64]

Scaling = Literal["per_kg", "allometric", "none"]
Parameterisation = Literal["micro", "clearance"]
Verification = Literal["verified", "transcribed"]
Sex = Literal["female", "male"]

# Standard allometric reference weight (kg) used by every "clearance" model shipped here.
REFERENCE_WEIGHT_KG = Decimal(70)

# Plausibility bounds for any patient (not model validity): outside them the input is a typo.
WEIGHT_BOUNDS_KG = (Decimal(1), Decimal(350))
AGE_BOUNDS_YEARS = (Decimal(0), Decimal(120))


@dataclass(frozen=True)
class Parameter:
    """One published parameter: its value exactly as printed, its unit and how it scales.

    `scaling` says how the printed value becomes an individual value: "per_kg" multiplies by
    body weight, "allometric" multiplies by (weight/70 kg)**exponent, "none" uses it as is.
    `iiv_percent` is the published inter-individual variability (None if none was published).
    """

    symbol: str
    value: Decimal
    unit: str
    scaling: Scaling
    source: Source
    exponent: Decimal = Decimal(1)
    iiv_percent: Decimal | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "symbol": self.symbol,
            "value": str(self.value),
            "unit": self.unit,
            "scaling": self.scaling,
            "exponent": str(self.exponent),
            "iiv_percent": None if self.iiv_percent is None else str(self.iiv_percent),
            "source": self.source.id,
        }


@dataclass(frozen=True)
class Validity:
    """The population a model was estimated in; outside it a prediction is an extrapolation."""

    age_years: tuple[Decimal, Decimal] | None
    weight_kg: tuple[Decimal, Decimal] | None
    description: str
    source: Source

    def as_dict(self) -> dict[str, object]:
        return {
            "age_years": None if self.age_years is None else [str(v) for v in self.age_years],
            "weight_kg": None if self.weight_kg is None else [str(v) for v in self.weight_kg],
            "description": self.description,
            "source": self.source.id,
        }


@dataclass(frozen=True)
class CompartmentModel:
    """A published mammillary compartment model of one drug (central elimination only)."""

    id: str
    name: str
    drug: str
    compartments: int
    parameterisation: Parameterisation
    parameters: tuple[Parameter, ...]
    sampling: str
    validity: Validity
    verification: Verification
    source: Source
    effect_site: str
    notes: str = ""
    sources: tuple[Source, ...] = field(default=())

    def parameter(self, symbol: str) -> Parameter:
        for parameter in self.parameters:
            if parameter.symbol == symbol:
                return parameter
        raise KeyError(symbol)

    @property
    def has_iiv(self) -> bool:
        return any(p.iiv_percent is not None for p in self.parameters)

    def check(self) -> None:
        """Raise ConfigurationError if the parameters do not describe this structure."""
        peripherals = range(2, self.compartments + 1)
        if self.parameterisation == "micro":
            wanted = {"V1", "k10"} | {f"k1{j}" for j in peripherals}
            wanted |= {f"k{j}1" for j in peripherals}
        else:
            wanted = {"V1", "CL"} | {f"V{j}" for j in peripherals} | {f"Q{j}" for j in peripherals}
        have = {p.symbol for p in self.parameters}
        if have != wanted:
            raise ConfigurationError(
                f"model {self.id}: parameters {sorted(have)} do not match {sorted(wanted)}"
            )


@dataclass(frozen=True)
class Patient:
    """The covariates a model may use. Weight is required; age and sex are optional."""

    weight_kg: Decimal
    age_years: Decimal | None = None
    sex: Sex | None = None

    def __post_init__(self) -> None:
        low, high = WEIGHT_BOUNDS_KG
        if not low <= self.weight_kg <= high:
            raise OutOfRangeError("weight_kg", self.weight_kg, low, high, "kg")
        if self.age_years is not None:
            low, high = AGE_BOUNDS_YEARS
            if not low <= self.age_years <= high:
                raise OutOfRangeError("age_years", self.age_years, low, high, "years")
        if self.sex is not None and self.sex not in ("female", "male"):
            raise ValidationError("sex", self.sex, "female or male")


@dataclass(frozen=True)
class Disposition:
    """Individual volumes (L) and clearances (L/min) for N virtual patients.

    `volumes_l` has shape (N, n) with the central compartment first; `clearance_l_per_min`
    has shape (N,); `intercompartmental_l_per_min` has shape (N, n - 1).
    """

    volumes_l: FloatArray
    clearance_l_per_min: FloatArray
    intercompartmental_l_per_min: FloatArray

    @property
    def patients(self) -> int:
        return int(self.volumes_l.shape[0])

    @property
    def compartments(self) -> int:
        return int(self.volumes_l.shape[1])


def validity_warnings(model: CompartmentModel, patient: Patient) -> tuple[str, ...]:
    """Plain-language warnings when the patient lies outside what the model was built on."""
    warnings: list[str] = []
    if model.verification != "verified":
        warnings.append(
            f"{model.id}: parameters transcribed from other software, "
            "not verified against the publication"
        )
    weight_range = model.validity.weight_kg
    if weight_range is not None and not weight_range[0] <= patient.weight_kg <= weight_range[1]:
        warnings.append(
            f"{model.id}: weight {patient.weight_kg} kg is outside the studied range "
            f"{weight_range[0]}-{weight_range[1]} kg (extrapolation)"
        )
    age_range = model.validity.age_years
    if age_range is not None:
        if patient.age_years is None:
            warnings.append(
                f"{model.id}: no age given; the model was built on ages "
                f"{age_range[0]}-{age_range[1]} years"
            )
        elif not age_range[0] <= patient.age_years <= age_range[1]:
            warnings.append(
                f"{model.id}: age {patient.age_years} years is outside the studied range "
                f"{age_range[0]}-{age_range[1]} years (extrapolation)"
            )
    return tuple(warnings)


def _individual(parameter: Parameter, weight_kg: float) -> float:
    value = float(parameter.value)
    if parameter.scaling == "per_kg":
        return value * weight_kg
    if parameter.scaling == "allometric":
        ratio = weight_kg / float(REFERENCE_WEIGHT_KG)
        return float(value * ratio ** float(parameter.exponent))
    return value


_PER_HOUR = {"L/h", "L/h/70 kg"}


def disposition(
    model: CompartmentModel,
    patient: Patient,
    etas: dict[str, FloatArray] | None = None,
) -> Disposition:
    """Individual volumes (L) and clearances (L/min) for one patient, or N virtual ones.

    `etas` maps a parameter symbol to an array of N log-scale random effects; the individual
    value is typical × exp(eta) (log-normal IIV). Without etas the result has N = 1 (the typical
    patient). Scaling with weight follows each parameter's published rule.
    """
    model.check()
    weight = float(patient.weight_kg)
    n_patients = 1
    if etas:
        n_patients = int(next(iter(etas.values())).shape[0])
    values: dict[str, FloatArray] = {}
    for parameter in model.parameters:
        typical = _individual(parameter, weight)
        if parameter.unit in _PER_HOUR:
            typical /= 60.0
        column = np.full(n_patients, typical, dtype=np.float64)
        if etas and parameter.symbol in etas:
            column = column * np.exp(etas[parameter.symbol])
        values[parameter.symbol] = column
    n = model.compartments
    if model.parameterisation == "micro":
        v1 = values["V1"]
        volumes = [v1]
        inter = []
        for j in range(2, n + 1):
            k1j = values[f"k1{j}"]
            kj1 = values[f"k{j}1"]
            inter.append(k1j * v1)
            volumes.append(k1j * v1 / kj1)
        clearance = values["k10"] * v1
    else:
        volumes = [values["V1"]] + [values[f"V{j}"] for j in range(2, n + 1)]
        inter = [values[f"Q{j}"] for j in range(2, n + 1)]
        clearance = values["CL"]
    inter_array = np.stack(inter, axis=1) if inter else np.zeros((n_patients, 0), dtype=np.float64)
    return Disposition(
        volumes_l=np.stack(volumes, axis=1),
        clearance_l_per_min=clearance,
        intercompartmental_l_per_min=inter_array,
    )
