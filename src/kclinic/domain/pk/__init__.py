"""Pharmacokinetics of ketamine: published compartment models, solved exactly.

- `model`: models as data (parameters with units, scaling, variability, validity).
- `library`: the shipped models and the registry (`get_model`, `all_models`).
- `regimen`: infusions, boluses, pauses and courses as piecewise-constant input.
- `linear`: the exact modal (eigen-decomposition) solution, batched over patients.
- `simulate`: one patient's curve, amounts and summaries.
- `population`: virtual patients with log-normal variability, streamed in time blocks.

NumPy is allowed here and only here in the domain (an import-linter contract says so).
"""

from kclinic.domain.pk.library import (
    DEFAULT_MODEL_ID,
    all_models,
    default_models,
    get_model,
)
from kclinic.domain.pk.model import CompartmentModel, Parameter, Patient, Validity
from kclinic.domain.pk.population import (
    DEFAULT_IIV_CONVENTION,
    IIV_CONVENTIONS,
    PopulationResult,
    simulate_population,
)
from kclinic.domain.pk.regimen import Bolus, Infusion, Regimen, constant_infusion, course
from kclinic.domain.pk.simulate import Simulation, grid_times, simulate

__all__ = [
    "DEFAULT_IIV_CONVENTION",
    "DEFAULT_MODEL_ID",
    "IIV_CONVENTIONS",
    "Bolus",
    "CompartmentModel",
    "Infusion",
    "Parameter",
    "Patient",
    "PopulationResult",
    "Regimen",
    "Simulation",
    "Validity",
    "all_models",
    "constant_infusion",
    "course",
    "default_models",
    "get_model",
    "grid_times",
    "simulate",
    "simulate_population",
]
