"""The ketamine models kclinic ships, exactly as published or packaged, and their registry.

Which models, and why (see docs/clinical/pharmacokinetics.md):
- Herd & Anderson 2007 is the only racemic model whose parameters and between-subject
  variability were checked against the publication (PubMed abstract). It is the default, and
  the population (Monte Carlo) model. It was estimated in children; every adult prediction
  carries an extrapolation warning.
- Domino and Clements are the legacy STANPUMP-era deterministic sets. Their constants were
  transcribed from opentiva 1.1.2 (Domino also matches an independent Python TCI code); the
  original papers' tables could not be read, so they are shipped but flagged "transcribed" and
  are never the default.
- Not shipped: Kamp 2020 (its parameter table could not be transcribed from the paper; only
  the meta-analysis totals were verified), esketamine + norketamine models (Flint 2017: the
  abstract confirms the parent parameters, but the fixed apparent metabolite volume, the IIV
  correlation and the time-after-first-dose covariate could not be verified, and the model
  was built in infants in intensive care), Hijazi, Hornik, Sherwin, Elkomy.
No shipped model publishes a ke0, so kclinic shows no effect-site curve.
"""

from __future__ import annotations

from decimal import Decimal

from kclinic.domain.errors import UnknownNameError
from kclinic.domain.pk.model import CompartmentModel, Parameter, Validity
from kclinic.domain.sources import Source

NO_KE0 = "none published for this model; no effect-site curve is shown"

OPENTIVA = Source(
    id="opentiva-1.1.2",
    citation="opentiva 1.1.2, module opentiva.ketamine (MIT licence), as read in "
    "shared/pk-reference.md section 1.1",
    url="https://github.com/opentiva/opentiva",
    confidence="secondary",
)

DOMINO = Source(
    id="domino-pmid-7198883",
    citation="Domino EF et al., ketamine kinetics in surgical patients (PMID 7198883), "
    "micro-constants as packaged by opentiva 1.1.2 (class Domino)",
    url="https://pubmed.ncbi.nlm.nih.gov/7198883/",
    confidence="unverified",
    note="Transcribed from opentiva; an independent Python TCI implementation (fus_anes "
    "TCI_Ketamine) uses the same k10 0.438, k12 0.592, k13 0.590, k21 0.247, k31 0.0146 and "
    "V1 0.063 L/kg. Not checked against the paper; whether the constants come from Domino "
    "1982 (Anesth Analg) or 1984 (Clin Pharmacol Ther) is unconfirmed.",
)

CLEMENTS = Source(
    id="clements-1981",
    citation="Clements JA, Nimmo WS. Br J Anaesth 1981;53:27 (PMID 7459184), 250 µg/kg "
    "bolus data, micro-constants as packaged by opentiva 1.1.2 (class Clements250)",
    url="https://doi.org/10.1093/bja/53.1.27",
    confidence="unverified",
    note="Transcribed from opentiva; not checked against the paper. The large V1 reflects "
    "sparse venous sampling after a small bolus.",
)

HERD = Source(
    id="herd-2007",
    citation="Herd DW, Anderson BJ. Ketamine disposition in children presenting for "
    "procedural sedation and analgesia in a children's emergency department. Paediatr "
    "Anaesth 2007;17(7):622-9. doi:10.1111/j.1460-9592.2006.02145.x",
    url="https://www.ncbi.nlm.nih.gov/pubmed/17564643",
    confidence="verified",
    note="V1 38.7 (BSV 64%) L/70 kg, V2 102 (51.7%) L/70 kg, CL 90 (38.1%) L/h/70 kg, "
    "Q 215 (19%) L/h/70 kg, standardised to 70 kg with allometric models: read in the "
    "PubMed abstract.",
)

HERD_EXPONENTS = Source(
    id="herd-2007-allometry",
    citation="Allometric exponents 1 (volumes) and 0.75 (clearances) of the Herd 2007 "
    "standardisation, as implemented by opentiva 1.1.2 (class Herd)",
    url="https://github.com/opentiva/opentiva",
    confidence="secondary",
    note="The abstract says 'standardized to a 70-kg person using allometric models' "
    "without printing the exponents; 0.75/1 is the standard form of that group.",
)

ZANOS_2018 = Source(
    id="zanos-2018-table1",
    citation="Zanos P et al. Ketamine and ketamine metabolite pharmacology. Pharmacol Rev "
    "2018;70:621, Table 1 (0.5 mg/kg over 40 min: plasma Cmax 185 ng/mL, citing Zarate 2006)",
    url="https://pmc.ncbi.nlm.nih.gov/articles/PMC6020109/table/T1",
    confidence="verified",
)

_PER_MIN = "1/min"


def _micro(symbol: str, value: str, source: Source) -> Parameter:
    return Parameter(symbol, Decimal(value), _PER_MIN, "none", source)


DOMINO_MODEL = CompartmentModel(
    id="domino",
    name="Domino (STANPUMP-era racemic ketamine set)",
    drug="racemic ketamine",
    compartments=3,
    parameterisation="micro",
    parameters=(
        Parameter("V1", Decimal("0.063"), "L/kg", "per_kg", DOMINO),
        _micro("k10", "0.4381", DOMINO),
        _micro("k12", "0.5921", DOMINO),
        _micro("k13", "0.5900", DOMINO),
        _micro("k21", "0.2470", DOMINO),
        _micro("k31", "0.0146", DOMINO),
    ),
    sampling="not stated in the packaged source",
    validity=Validity(
        age_years=None,
        weight_kg=None,
        description="adult surgical patients; no covariates, no inter-individual variability",
        source=DOMINO,
    ),
    verification="transcribed",
    source=DOMINO,
    effect_site=NO_KE0,
    notes="Legacy deterministic set for comparison with TCI simulators. opentiva's ke0 "
    "0.652/min is derived from an assumed 1-min time to peak effect and is not a measurement, "
    "so it is not used.",
    sources=(DOMINO, OPENTIVA),
)

CLEMENTS_MODEL = CompartmentModel(
    id="clements-250",
    name="Clements & Nimmo 1981 (250 µg/kg bolus data)",
    drug="racemic ketamine",
    compartments=2,
    parameterisation="micro",
    parameters=(
        Parameter("V1", Decimal("1.7522"), "L/kg", "per_kg", CLEMENTS),
        _micro("k10", "0.0109", CLEMENTS),
        _micro("k12", "0.0186", CLEMENTS),
        _micro("k21", "0.0137", CLEMENTS),
    ),
    sampling="venous",
    validity=Validity(
        age_years=None,
        weight_kg=None,
        description="adults given a 250 µg/kg bolus; no covariates, no inter-individual "
        "variability",
        source=CLEMENTS,
    ),
    verification="transcribed",
    source=CLEMENTS,
    effect_site=NO_KE0,
    notes="Legacy deterministic set. opentiva's ke0 5.2/min is a 1-min time-to-peak "
    "artefact and is not used.",
    sources=(CLEMENTS, OPENTIVA),
)

HERD_MODEL = CompartmentModel(
    id="herd-2007",
    name="Herd & Anderson 2007 (population model with between-subject variability)",
    drug="racemic ketamine",
    compartments=2,
    parameterisation="clearance",
    parameters=(
        Parameter("V1", Decimal("38.7"), "L/70 kg", "allometric", HERD, Decimal(1), Decimal(64)),
        Parameter("V2", Decimal("102"), "L/70 kg", "allometric", HERD, Decimal(1), Decimal("51.7")),
        Parameter(
            "CL", Decimal("90"), "L/h/70 kg", "allometric", HERD, Decimal("0.75"), Decimal("38.1")
        ),
        Parameter(
            "Q2", Decimal("215"), "L/h/70 kg", "allometric", HERD, Decimal("0.75"), Decimal(19)
        ),
    ),
    sampling="venous (serum)",
    validity=Validity(
        age_years=(Decimal(1), Decimal(14)),
        weight_kg=(Decimal("10.8"), Decimal("74.8")),
        description="54 children in an emergency department, age 8.3 (SD 3.5) years, weight "
        "32.5 (SD 15.6) kg, ketamine 1-1.5 mg/kg IV (abstract); the ranges are opentiva's",
        source=OPENTIVA,
    ),
    verification="verified",
    source=HERD,
    effect_site=NO_KE0,
    notes="Paediatric model scaled allometrically; for adults it is an extrapolation. Its "
    "between-subject variability drives the population (Monte Carlo) bands.",
    sources=(HERD, HERD_EXPONENTS, OPENTIVA),
)

_MODELS: dict[str, CompartmentModel] = {
    model.id: model for model in (HERD_MODEL, DOMINO_MODEL, CLEMENTS_MODEL)
}

# The default must be a verified model (see the module docstring).
DEFAULT_MODEL_ID = HERD_MODEL.id


def all_models() -> tuple[CompartmentModel, ...]:
    """Every shipped model, the default first."""
    return tuple(_MODELS.values())


def default_models() -> tuple[CompartmentModel, ...]:
    """The models whose parameters were verified against the publication."""
    return tuple(model for model in _MODELS.values() if model.verification == "verified")


def get_model(model_id: str) -> CompartmentModel:
    """The model called `model_id`, or UnknownNameError listing the known ids."""
    try:
        return _MODELS[model_id]
    except KeyError:
        raise UnknownNameError("model", model_id, _MODELS) from None
