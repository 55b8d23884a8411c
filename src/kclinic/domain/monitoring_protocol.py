"""A clinic's own chair-side thresholds: the "vital_signs" and "discharge" sections of its
protocol file, turned into a `VitalSignPolicy` and a `DischargePolicy`.

The cited defaults (kclinic.domain.monitoring.DEFAULT_POLICY and
kclinic.domain.monitoring_discharge.DEFAULT_DISCHARGE_POLICY) apply to every key the clinic
leaves out. Each value the clinic sets carries the clinic's citation (the section's "source",
else the file's) with confidence "policy" and a note naming the default it replaced, so a
reader of any alert or discharge decision still sees where its number came from.

Refused with a ValidationError naming "<section>.<key>": unknown keys, values of the wrong
type or outside the allowed range, thresholds in the wrong order (pre-dose warning below
pause below stop), and changes to rules fixed by a regulator or a label (crisis symptoms
always escalate, Spravato PI 5.6; sedation must have resolved, MOAA/S 5, Spravato REMS; the
esketamine observation floor of 120 min, Spravato REMS). docs/clinical/monitoring.md lists
every key with its allowed range and an example file.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from typing import Any, Final, TypeVar

from kclinic.domain.errors import OutOfRangeError, UnknownNameError, ValidationError
from kclinic.domain.instruments.aldrete import CIRCULATION_RULES
from kclinic.domain.monitoring import (
    DEFAULT_POLICY,
    PHYSIOLOGICAL_RANGES,
    VitalSignPolicy,
)
from kclinic.domain.monitoring_discharge import (
    DEFAULT_DISCHARGE_POLICY,
    SPRAVATO_REMS_2H,
    DischargePolicy,
)
from kclinic.domain.sources import Cited, Source

CLINIC_PROTOCOL_ID: Final = "clinic-protocol"
UNNAMED_PROTOCOL: Final = "clinic protocol file (no source named)"
SOURCE_KEY: Final = "source"

_RANGES = {name: (low, high) for name, low, high, _unit in PHYSIOLOGICAL_RANGES.value}
SBP_RANGE: Final = _RANGES["sbp_mmhg"]
DBP_RANGE: Final = _RANGES["dbp_mmhg"]
HR_RANGE: Final = _RANGES["hr_bpm"]
SPO2_RANGE: Final = _RANGES["spo2_pct"]
RR_RANGE: Final = _RANGES["rr_per_min"]

P = TypeVar("P", VitalSignPolicy, DischargePolicy)

# Parsers: (section-qualified field name, raw JSON value) -> the policy value.
Parser = Callable[[str, object], object]


def _whole(field: str, value: object, low: int, high: int, unit: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(field, value, f"a whole number {low} to {high} {unit}".rstrip())
    if not low <= value <= high:
        raise OutOfRangeError(field, value, low, high, unit)
    return value


def _int(low: int, high: int, unit: str) -> Parser:
    return lambda field, value: _whole(field, value, low, high, unit)


def _pair(field: str, value: object, what: str) -> tuple[object, object]:
    if not isinstance(value, list | tuple) or len(value) != 2:
        raise ValidationError(field, value, f"a list of two whole numbers [{what}]")
    return value[0], value[1]


def _bp(field: str, value: object) -> tuple[int, int]:
    raw_sbp, raw_dbp = _pair(field, value, "systolic, diastolic] in mmHg")
    sbp = _whole(f"{field}[0]", raw_sbp, *SBP_RANGE, "mmHg")
    dbp = _whole(f"{field}[1]", raw_dbp, *DBP_RANGE, "mmHg")
    if dbp >= sbp:
        raise ValidationError(f"{field}[1]", dbp, f"below the systolic {sbp} mmHg")
    return sbp, dbp


def _band(low: int, high: int, unit: str) -> Parser:
    def parse(field: str, value: object) -> tuple[int, int]:
        raw_low, raw_high = _pair(field, value, f"low, high] in {unit}")
        lower = _whole(f"{field}[0]", raw_low, low, high, unit)
        upper = _whole(f"{field}[1]", raw_high, low, high, unit)
        if lower >= upper:
            raise ValidationError(f"{field}[1]", upper, f"above the low limit {lower} {unit}")
        return lower, upper

    return parse


def _bool(field: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(field, value, "true or false")
    return value


def _choice(*choices: str) -> Parser:
    def parse(field: str, value: object) -> str:
        if not isinstance(value, str) or value not in choices:
            raise UnknownNameError(field, value, choices)
        return value

    return parse


def _fixed(expected: object, why: str) -> Parser:
    # Rules set by a regulator or a label: a clinic may restate them, never change them.
    def parse(field: str, value: object) -> object:
        if value != expected or type(value) is not type(expected):
            raise ValidationError(field, value, f"{str(expected).lower()} only", detail=why)
        return expected

    return parse


CRISIS_FIXED: Final = (
    "Spravato PI 5.6: symptoms of hypertensive crisis or encephalopathy need emergency "
    "care whatever the numbers"
)
SEDATION_FIXED: Final = (
    "Spravato REMS: monitor until sedation has resolved (MOAA/S 5, responds readily to name)"
)

# Allowed values of each key. Ranges are the plausibility limits of a reading
# (kclinic.domain.monitoring.PHYSIOLOGICAL_RANGES) or, for times and scores, the limits named
# in docs/clinical/monitoring.md; each is kclinic policy unless a source is named there.
VITAL_SIGN_PARSERS: Final[dict[str, Parser]] = {
    "predose_warn_bp": _bp,
    "pause_bp": _bp,
    "confirm_minutes": _int(1, 30, "min"),
    "stop_bp": _bp,
    "low_sbp_mmhg": _int(*SBP_RANGE, "mmHg"),
    "hr_range_bpm": _band(*HR_RANGE, "bpm"),
    "min_spo2_pct": _int(*SPO2_RANGE, "%"),
    "rr_range_per_min": _band(*RR_RANGE, "/min"),
    "symptom_override": _fixed(True, CRISIS_FIXED),
    "infusion_interval_minutes": _int(1, 30, "min"),
    "recovery_interval_minutes": _int(1, 60, "min"),
}
DISCHARGE_PARSERS: Final[dict[str, Parser]] = {
    # The REMS minimum of two hours is a floor a clinic may only raise.
    "esketamine_min_observation_minutes": _int(120, 480, "min"),
    # 30 min: the lower end of the cited IV clinic practice (30-60 min).
    "iv_min_observation_minutes": _int(30, 480, "min"),
    # 8: the published variant "minimum 8"; the score runs to 10.
    "aldrete_min_total": _int(8, 10, ""),
    "circulation_rule": _choice(*CIRCULATION_RULES),
    "baseline_band_mmhg": _int(5, 50, "mmHg"),
    "moaas_required": _fixed(5, SEDATION_FIXED),
    "escort_required": _bool,
}
# Every key a section accepts, as documented (the section's own "source" first).
VITAL_SIGN_KEYS: Final = (SOURCE_KEY, *VITAL_SIGN_PARSERS)
DISCHARGE_KEYS: Final = (SOURCE_KEY, *DISCHARGE_PARSERS)


def clinic_source(citation: str, replaced: Source) -> Source:
    """The citation of a value a clinic set: its own protocol, marked policy, naming the
    kclinic default it replaced."""
    return Source(
        id=CLINIC_PROTOCOL_ID,
        citation=citation,
        confidence="policy",
        note=f"clinic override of the kclinic default ({replaced.id}: {replaced.citation})",
    )


@dataclass(frozen=True)
class _Parsed:
    values: dict[str, object]
    citation: str


def _parse(
    section: str,
    mapping: Mapping[str, object],
    parsers: Mapping[str, Parser],
    file_source: str,
) -> _Parsed:
    if not isinstance(mapping, Mapping):
        raise ValidationError(section, mapping, "an object of overrides")
    allowed = (SOURCE_KEY, *parsers)
    for key in mapping:
        if key not in allowed:
            raise UnknownNameError(section, key, allowed)
    citation = file_source.strip() or UNNAMED_PROTOCOL
    if SOURCE_KEY in mapping:
        raw = mapping[SOURCE_KEY]
        if not isinstance(raw, str) or not raw.strip():
            raise ValidationError(f"{section}.{SOURCE_KEY}", raw, "a non-blank citation")
        citation = raw.strip()
    values = {
        key: parse(f"{section}.{key}", mapping[key])
        for key, parse in parsers.items()
        if key in mapping
    }
    return _Parsed(values, citation)


def _apply(base: P, parsed: _Parsed) -> P:
    # Any: each field has its own Cited[...] type; the parser checked the value's type.
    changes: dict[str, Any] = {}
    for spec in fields(base):
        if spec.name in parsed.values:
            default: Cited[object] = getattr(base, spec.name)
            changes[spec.name] = Cited(
                parsed.values[spec.name], clinic_source(parsed.citation, default.source)
            )
    return replace(base, **changes)


def _below(field: str, lower: tuple[int, int], upper: tuple[int, int], upper_name: str) -> None:
    for index, name in enumerate(("systolic", "diastolic")):
        if lower[index] >= upper[index]:
            raise ValidationError(
                f"vital_signs.{field}[{index}]",
                lower[index],
                f"below the {upper_name} {name} {upper[index]} mmHg",
            )


def _check_vital_order(policy: VitalSignPolicy) -> None:
    # Pre-dose warning < pause < stop, or a rule could never fire (stop is tested first).
    _below("predose_warn_bp", policy.predose_warn_bp.value, policy.pause_bp.value, "pause_bp")
    _below("pause_bp", policy.pause_bp.value, policy.stop_bp.value, "stop_bp")
    low_sbp, warn_sbp = policy.low_sbp_mmhg.value, policy.predose_warn_bp.value[0]
    if low_sbp >= warn_sbp:
        raise ValidationError(
            "vital_signs.low_sbp_mmhg", low_sbp, f"below the pre-dose warning systolic {warn_sbp}"
        )


def vital_sign_policy_from_overrides(
    mapping: Mapping[str, object],
    source: str = "",
    base: VitalSignPolicy = DEFAULT_POLICY,
) -> VitalSignPolicy:
    """`base` (the cited defaults) with the clinic's "vital_signs" overrides applied.

    BP pairs are [systolic, diastolic] in mmHg, ranges [low, high]; `source` is the
    protocol file's own citation, used when the section names none. Raises ValidationError
    naming "vital_signs.<key>" for an unknown key, a bad value or thresholds out of order.
    """
    policy = _apply(base, _parse("vital_signs", mapping, VITAL_SIGN_PARSERS, source))
    _check_vital_order(policy)
    return policy


def discharge_policy_from_overrides(
    mapping: Mapping[str, object],
    source: str = "",
    base: DischargePolicy = DEFAULT_DISCHARGE_POLICY,
) -> DischargePolicy:
    """`base` (the cited defaults) with the clinic's "discharge" overrides applied.

    Minutes are whole minutes; `circulation_rule` is "mmhg" or "percent". Raises
    ValidationError naming "discharge.<key>" for an unknown key or a bad value.
    """
    return _apply(base, _parse("discharge", mapping, DISCHARGE_PARSERS, source))


# Chair-side scales and the time points they are given at (clinical reference 3.1, 3.4).
SCALE_TIMES_TRIAL = Source(
    id="cadss-bprs-0-40-120-240",
    citation="Ketamine trial protocol: CADSS and BPRS at 0, 40, 120 and 240 min on infusion days",
    url="https://pmc.ncbi.nlm.nih.gov/articles/PMC6727003/table/tbl2",
    note="kclinic adds 'end of dosing', 'pre-discharge' (discharge criteria) and 'as needed'",
)
SESSION_SCALES: Final = Cited(("cadss", "moaas", "aldrete", "bprs-positive"), SCALE_TIMES_TRIAL)
SCALE_TIME_POINTS: Final = Cited(
    ("pre-dose", "40 min", "end of dosing", "120 min", "240 min", "pre-discharge", "as needed"),
    SCALE_TIMES_TRIAL,
)
# The REMS form asks whether sedation had resolved before the patient left.
DISCHARGE_TIME_POINT: Final = Cited("pre-discharge", SPRAVATO_REMS_2H)
