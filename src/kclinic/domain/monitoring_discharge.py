"""Discharge readiness after a session: every criterion checked, every unmet one named.

Clinical reference 3.5, 3.6, 5.10 and 5.11. Readiness is a computed fact; a prescriber's
override with a reason is recorded by the web layer, not here.

Criteria (each threshold `Cited` in `DischargePolicy`):
- minimum observation: esketamine >= 120 min from the first device (REMS); IV racemic
  ketamine >= 60 min after the infusion ends (kclinic default from the 30-60 min clinic
  example, secondary source: no primary source was readable);
- modified Aldrete total >= 9 (1995 modification), the circulation item computed from
  baseline and latest systolic pressure with `circulation_score`;
- latest systolic and diastolic pressure within 20 mmHg of baseline (the Aldrete
  circulation band, applied to both pressures by kclinic policy);
- MOAA/S 5 (REMS: monitor until sedation has resolved);
- escort present.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Final

from kclinic.domain.errors import UnknownNameError, ValidationError
from kclinic.domain.instruments.aldrete import (
    ALDRETE,
    CIRCULATION_MMHG,
    DISCHARGE_9,
    circulation_score,
)
from kclinic.domain.monitoring import VitalSigns
from kclinic.domain.sources import Cited, Source

SPRAVATO_REMS_2H = Source(
    id="spravato-rems-2h",
    citation="SPRAVATO REMS: patients are monitored for at least two hours and until "
    "resolution of sedation, dissociation and respiratory depression",
    url="https://www.accessdata.fda.gov/scripts/cder/rems/index.cfm?event=IndvRemsDetails."
    "page&REMS=386",
)
IV_OBSERVATION_CLINIC = Source(
    id="iv-observation-30-60",
    citation="IV ketamine clinic example: post-infusion observation of 30-60 min",
    url="https://thriveanesthesia.com/sp_faq/iv-infusion-series-work/",
    confidence="secondary",
    note="kclinic takes the upper end, 60 min after the infusion ends; the Sanacora, Parikh "
    "and UT Health minimums could not be read",
)
ESCORT = Source(
    id="spravato-transport",
    citation="SPRAVATO: no driving until the next day after a restful sleep; the patient must "
    "arrange transportation (IV clinic examples: driver required)",
    url="https://www.spravatohcp.com/trd/dosing-and-administration",
)
BASELINE_BAND = replace(
    CIRCULATION_MMHG,
    confidence="policy",
    note="the Aldrete 2-point circulation band (20 mmHg) applied by kclinic to both systolic "
    "and diastolic pressure as 'back near baseline'",
)
MODALITIES: Final = ("esketamine", "iv")


@dataclass(frozen=True)
class DischargePolicy:
    """Discharge thresholds; each a `Cited` value a clinic may replace."""

    esketamine_min_observation_minutes: Cited[int]
    iv_min_observation_minutes: Cited[int]
    aldrete_min_total: Cited[int]
    circulation_rule: Cited[str]
    baseline_band_mmhg: Cited[int]
    moaas_required: Cited[int]
    escort_required: Cited[bool]


DEFAULT_DISCHARGE_POLICY: Final = DischargePolicy(
    esketamine_min_observation_minutes=Cited(120, SPRAVATO_REMS_2H),
    iv_min_observation_minutes=Cited(60, IV_OBSERVATION_CLINIC),
    aldrete_min_total=Cited(9, DISCHARGE_9),
    circulation_rule=Cited("mmhg", CIRCULATION_MMHG),
    baseline_band_mmhg=Cited(20, BASELINE_BAND),
    moaas_required=Cited(5, SPRAVATO_REMS_2H),
    escort_required=Cited(True, ESCORT),
)


@dataclass(frozen=True)
class Unmet:
    """A discharge criterion not met: its id, why, and the source of the threshold."""

    criterion: str
    message: str
    source: Source


@dataclass(frozen=True)
class DischargeReadiness:
    ready: bool
    unmet: tuple[Unmet, ...]
    aldrete_total: int
    observed_minutes: int


def discharge_readiness(
    modality: str,
    dosing_started_at: datetime,
    dosing_ended_at: datetime,
    now: datetime,
    baseline: VitalSigns,
    latest: VitalSigns,
    aldrete_items: Mapping[str, int],
    moaas: int,
    escort_present: bool,
    policy: DischargePolicy = DEFAULT_DISCHARGE_POLICY,
) -> DischargeReadiness:
    """Whether the patient may leave now, with every unmet criterion named.

    Observation minutes (whole minutes, rounded down) count from `dosing_started_at` (first
    device) for esketamine, as the REMS form does, and from `dosing_ended_at` for IV.
    `aldrete_items` holds activity, respiration, consciousness and spo2 (0-2 each); the
    circulation item is computed from baseline and latest systolic pressure.
    """
    if modality not in MODALITIES:
        raise UnknownNameError("modality", modality, MODALITIES)
    if dosing_ended_at < dosing_started_at:
        raise ValidationError(
            "dosing_ended_at", dosing_ended_at.isoformat(), "at or after dosing_started_at"
        )
    if now < dosing_ended_at:
        raise ValidationError("now", now.isoformat(), "at or after dosing_ended_at")
    if "circulation" in aldrete_items:
        raise ValidationError(
            "aldrete_items.circulation",
            aldrete_items["circulation"],
            "absent (computed from baseline and latest systolic pressure)",
        )
    if isinstance(moaas, bool) or moaas not in range(6):
        raise ValidationError("moaas", moaas, "a whole number 0 to 5")
    unmet: list[Unmet] = []

    if modality == "esketamine":
        anchor, minimum = dosing_started_at, policy.esketamine_min_observation_minutes
        since = "the first device"
    else:
        anchor, minimum = dosing_ended_at, policy.iv_min_observation_minutes
        since = "the end of the infusion"
    observed = int((now - anchor).total_seconds() // 60)
    if observed < minimum.value:
        message = f"observed {observed} min since {since}; at least {minimum.value} min needed"
        unmet.append(Unmet("observation-time", message, minimum.source))

    circulation = circulation_score(
        baseline.sbp_mmhg, latest.sbp_mmhg, policy.circulation_rule.value
    )
    answers = {**aldrete_items, "circulation": circulation}
    result = ALDRETE.score(answers, options={"circulation_rule": policy.circulation_rule.value})
    if result.total is None:
        missing = sorted(k for k, v in result.answers.items() if v is None)
        raise ValidationError(f"aldrete_items.{missing[0]}", None, "an answer 0 to 2")
    if result.total < policy.aldrete_min_total.value:
        message = f"modified Aldrete {result.total}; at least {policy.aldrete_min_total.value}"
        unmet.append(Unmet("aldrete", message, policy.aldrete_min_total.source))

    band = policy.baseline_band_mmhg.value
    for name, base, last in (
        ("systolic", baseline.sbp_mmhg, latest.sbp_mmhg),
        ("diastolic", baseline.dbp_mmhg, latest.dbp_mmhg),
    ):
        if abs(last - base) > band:
            message = f"{name} {last} mmHg is more than {band} mmHg from baseline {base}"
            unmet.append(Unmet(f"{name}-baseline", message, policy.baseline_band_mmhg.source))

    if moaas != policy.moaas_required.value:
        message = f"MOAA/S {moaas}; {policy.moaas_required.value} (alert) needed"
        unmet.append(Unmet("moaas", message, policy.moaas_required.source))

    if policy.escort_required.value and not escort_present:
        unmet.append(Unmet("escort", "no escort present", policy.escort_required.source))

    return DischargeReadiness(
        ready=not unmet,
        unmet=tuple(unmet),
        aldrete_total=result.total,
        observed_minutes=observed,
    )
