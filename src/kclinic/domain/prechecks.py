"""The pre-infusion checklist: what each item's facts say, and whether the list is complete.

`evaluate(facts, policy)` returns one `ItemResult` (pass / warn / fail / na, hard stop or
not, message, source) for every item whose facts are known. Items that need a nurse's answer
(fasting, escort, pregnancy test, new contraindications) are left out until it is given;
`completion` then lists them as missing. Facts gathered from the record (consent, screening,
today's assessments, baseline vitals, weight) are always evaluated.

A checklist is complete when every item has a result and every failed hard stop has been
reviewed by a prescriber with a reason (`ItemResult.override_reason`). A high C-SSRS result
always blocks until then (Columbia triage; design rule 3). The rules' defaults and sources
are in `prechecks_policy` and docs/clinical/prechecks.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Final

from kclinic.domain import monitoring
from kclinic.domain.errors import OutOfRangeError, UnknownNameError, ValidationError
from kclinic.domain.instruments.base import SUICIDAL_IDEATION
from kclinic.domain.prechecks_facts import (
    AssessmentFact,
    ConsentFact,
    Entered,
    ItemResult,
    PrecheckFacts,
    ScreeningFact,
    Status,
)
from kclinic.domain.prechecks_policy import (
    DEFAULT_PRECHECK_POLICY,
    ITEMS,
    LABELS,
    SPRAVATO_PREGNANCY,
    Item,
    PrecheckPolicy,
)
from kclinic.domain.sources import Source
from kclinic.domain.units import to_decimal

__all__ = [
    "DEFAULT_PRECHECK_POLICY",
    "ITEMS",
    "LABELS",
    "PREGNANCY_RESULTS",
    "AssessmentFact",
    "Completion",
    "ConsentFact",
    "Entered",
    "Item",
    "ItemResult",
    "PrecheckFacts",
    "PrecheckPolicy",
    "ScreeningFact",
    "Status",
    "completion",
    "evaluate",
]

PREGNANCY_RESULTS: Final = ("negative", "positive", "not_done", "no_potential")
CSSRS_ID: Final = "cssrs-screener"
MAX_HOURS: Final = Decimal(72)
OK_SCREENING: Final = ("eligible", "eligible-with-overrides")
BASELINE_FIELDS: Final = (("hr_bpm", "HR"), ("spo2_pct", "SpO2"), ("rr_per_min", "RR"))


def _result(
    policy: PrecheckPolicy,
    item: Item,
    status: Status,
    message: str,
    source: Source,
    value: Mapping[str, object] | None = None,
) -> ItemResult:
    return ItemResult(item, status, policy.is_hard_stop(item), message, source, dict(value or {}))


def _consent(facts: PrecheckFacts, policy: PrecheckPolicy) -> ItemResult:
    source = policy.consent_documents.source
    fact = facts.consent
    if fact is None:
        message = f"no consent document is set for {facts.modality} in the protocol"
        return _result(policy, Item.CONSENT, "fail", message, source)
    value = {"code": fact.code, "signed_version": fact.signed_version}
    if fact.signed_version is None:
        message = f"no valid consent to {fact.code} on file (never signed, or withdrawn)"
        return _result(policy, Item.CONSENT, "fail", message, source, value)
    if fact.version_in_effect is not None and fact.signed_version < fact.version_in_effect:
        message = (
            f"consent to {fact.code} signed on version {fact.signed_version}; version "
            f"{fact.version_in_effect} is now in effect: ask the patient to sign it"
        )
        return _result(policy, Item.CONSENT, "warn", message, source, value)
    message = f"consent to {fact.code} (version {fact.signed_version}) on file"
    return _result(policy, Item.CONSENT, "pass", message, source, value)


def _contraindications(facts: PrecheckFacts, policy: PrecheckPolicy) -> ItemResult | None:
    screening = facts.screening
    entered = facts.entered
    value: dict[str, object] = {
        "screening_status": screening.status if screening else None,
        "new_contraindication": entered.new_contraindication,
        "note": entered.contraindication_note,
    }
    source = policy.hard_stops.source
    if entered.new_contraindication and not entered.contraindication_note.strip():
        raise ValidationError("contraindication_note", "", "what is new since screening")
    if screening is None:
        message = "no eligibility screening on file"
        return _result(policy, Item.CONTRAINDICATIONS, "fail", message, source, value)
    if screening.status == "blocked":
        message = f"the screening of {screening.screened_on} is blocked (absolute contraindication)"
        return _result(policy, Item.CONTRAINDICATIONS, "fail", message, source, value)
    if screening.status == "override-needed":
        message = "relative findings not yet reviewed by a prescriber: " + ", ".join(
            screening.pending
        )
        return _result(policy, Item.CONTRAINDICATIONS, "fail", message, source, value)
    if entered.new_contraindication:
        message = f"new since screening: {entered.contraindication_note.strip()}"
        return _result(policy, Item.CONTRAINDICATIONS, "fail", message, source, value)
    if entered.new_contraindication is None:
        return None
    if screening.status not in OK_SCREENING:
        message = f"screening of {screening.screened_on} is incomplete: information missing"
        return _result(policy, Item.CONTRAINDICATIONS, "warn", message, source, value)
    message = f"nothing new since the screening of {screening.screened_on}"
    return _result(policy, Item.CONTRAINDICATIONS, "pass", message, source, value)


def _hours(value: Decimal, field_name: str) -> Decimal:
    hours = to_decimal(value, field_name)
    if not Decimal(0) <= hours <= MAX_HOURS:
        raise OutOfRangeError(field_name, value, 0, MAX_HOURS, "h")
    return hours


def _fasting(facts: PrecheckFacts, policy: PrecheckPolicy) -> ItemResult | None:
    entered = facts.entered
    if entered.fasting_hours is None:
        return None
    food = _hours(entered.fasting_hours, "fasting_hours")
    liquids = entered.liquids_hours
    if liquids is not None:
        liquids = _hours(liquids, "liquids_hours")
    food_min = policy.fasting_minimum(facts.modality)
    liquid_min = policy.liquids_minimum(facts.modality)
    value = {"fasting_hours": str(food), "liquids_hours": None if liquids is None else str(liquids)}
    short: list[str] = []
    if food < food_min.value:
        short.append(f"no food for {food} h; the protocol asks for at least {food_min.value} h")
    if liquids is not None and liquids < liquid_min.value:
        short.append(
            f"no liquids for {liquids} h; the protocol asks for at least {liquid_min.value} h"
        )
    if short:
        source = food_min.source if food < food_min.value else liquid_min.source
        return _result(policy, Item.FASTING, "fail", "; ".join(short), source, value)
    message = f"no food for {food} h (at least {food_min.value} h)"
    if liquids is not None:
        message += f", no liquids for {liquids} h (at least {liquid_min.value} h)"
    return _result(policy, Item.FASTING, "pass", message, food_min.source, value)


def _escort(facts: PrecheckFacts, policy: PrecheckPolicy) -> ItemResult | None:
    source = policy.escort_required.source
    if not policy.escort_required.value:
        return _result(policy, Item.ESCORT, "na", "not required by the protocol", source)
    entered = facts.entered
    if entered.escort_confirmed is None:
        return None
    name = entered.escort_name.strip()
    value = {"escort_confirmed": entered.escort_confirmed, "escort_name": name}
    if not entered.escort_confirmed:
        message = "no escort or driver confirmed: the patient may not leave alone or drive"
        return _result(policy, Item.ESCORT, "fail", message, source, value)
    if not name:
        raise ValidationError("escort_name", "", "the name of the escort or driver")
    return _result(policy, Item.ESCORT, "pass", f"escort confirmed: {name}", source, value)


def pregnancy_applies(facts: PrecheckFacts, policy: PrecheckPolicy) -> bool:
    """A test is asked for unless the protocol drops it, the patient is male, or the age is
    outside the child-bearing range (sex other/unknown: asked, the nurse may record why not)."""
    low, high = policy.childbearing_age_years.value
    return (
        policy.pregnancy_test_required.value
        and facts.sex != "male"
        and low <= facts.age_years <= high
    )


def _pregnancy(facts: PrecheckFacts, policy: PrecheckPolicy) -> ItemResult | None:
    if not policy.pregnancy_test_required.value:
        source = policy.pregnancy_test_required.source
        return _result(policy, Item.PREGNANCY, "na", "not required by the protocol", source)
    if not pregnancy_applies(facts, policy):
        low, high = policy.childbearing_age_years.value
        message = f"not applicable ({facts.sex}, age {facts.age_years}; tested at {low}-{high})"
        source = policy.childbearing_age_years.source
        return _result(policy, Item.PREGNANCY, "na", message, source)
    entered = facts.entered
    if entered.pregnancy is None:
        return None
    if entered.pregnancy not in PREGNANCY_RESULTS:
        raise UnknownNameError("pregnancy", entered.pregnancy, PREGNANCY_RESULTS)
    note = entered.pregnancy_note.strip()
    value = {"pregnancy": entered.pregnancy, "note": note}
    source = SPRAVATO_PREGNANCY
    if entered.pregnancy == "negative":
        return _result(policy, Item.PREGNANCY, "pass", "test negative today", source, value)
    if entered.pregnancy == "positive":
        message = "test POSITIVE: do not dose without a prescriber's decision"
        return _result(policy, Item.PREGNANCY, "fail", message, source, value)
    if entered.pregnancy == "not_done":
        return _result(policy, Item.PREGNANCY, "fail", "no test result today", source, value)
    if not note:
        raise ValidationError(
            "pregnancy_note", "", "why the patient cannot become pregnant (e.g. post-menopausal)"
        )
    message = f"no child-bearing potential: {note}"
    return _result(policy, Item.PREGNANCY, "na", message, source, value)


def _latest(facts: PrecheckFacts, instrument_ids: Iterable[str]) -> AssessmentFact | None:
    wanted = set(instrument_ids)
    found = [a for a in facts.assessments if a.instrument_id in wanted and a.complete]
    return found[-1] if found else None


def _symptom_scale(facts: PrecheckFacts, policy: PrecheckPolicy) -> ItemResult:
    names = policy.symptom_instruments
    done = _latest(facts, names.value)
    if done is None:
        message = f"no complete {' or '.join(names.value)} today"
        return _result(policy, Item.SYMPTOM_SCALE, "fail", message, names.source)
    value = {"instrument": done.instrument_id, "total": done.total}
    scored = f"{done.instrument_id} done today (total {done.total})"
    if SUICIDAL_IDEATION in done.flags:
        message = f"{scored}; suicidal ideation flagged: a safety task is open"
        return _result(policy, Item.SYMPTOM_SCALE, "warn", message, names.source, value)
    return _result(policy, Item.SYMPTOM_SCALE, "pass", scored, names.source, value)


def _cssrs(facts: PrecheckFacts, policy: PrecheckPolicy) -> ItemResult:
    levels = policy.cssrs_review_levels
    given = [a for a in facts.assessments if a.instrument_id == CSSRS_ID]
    if not given:
        return _result(policy, Item.CSSRS, "fail", "no C-SSRS screener today", levels.source)
    latest = given[-1]
    value = {"band": latest.band, "flags": list(latest.flags)}
    # Blocking is decided before completeness: an incomplete form can already be high.
    if latest.band in levels.value:
        message = (
            f"C-SSRS {latest.band} risk today: blocked until a prescriber reviews it "
            "(Columbia triage)"
        )
        result = _result(policy, Item.CSSRS, "fail", message, levels.source, value)
        return replace(result, hard_stop=True)  # the C-SSRS always blocks (design rule 3)
    if latest.band is None:
        message = "the C-SSRS screener today is incomplete"
        return _result(policy, Item.CSSRS, "fail", message, levels.source, value)
    if latest.flags:
        message = f"C-SSRS {latest.band} risk today ({', '.join(latest.flags)})"
        return _result(policy, Item.CSSRS, "warn", message, levels.source, value)
    message = f"C-SSRS today: {latest.band}" + (
        " (no risk identified)" if latest.band == "none" else " risk"
    )
    return _result(policy, Item.CSSRS, "pass", message, levels.source, value)


def _vitals(
    facts: PrecheckFacts, policy: PrecheckPolicy, vital_policy: monitoring.VitalSignPolicy
) -> ItemResult | None:
    if not facts.baseline:
        return None
    *earlier, latest = facts.baseline
    # One reading: the pre-dose check; more: earlier ones may confirm a pause-level BP.
    if earlier:
        alerts = monitoring.assess(earlier, latest, facts.symptoms, "pre_dose", vital_policy)
    else:
        alerts = monitoring.predose_check(latest, facts.symptoms, vital_policy)
    shown = f"BP {latest.sbp_mmhg}/{latest.dbp_mmhg}"
    value = {"at": latest.at.isoformat(), "alerts": [a.rule for a in alerts]}
    missing = [label for name, label in BASELINE_FIELDS if getattr(latest, name) is None]
    level = monitoring.highest_level(alerts)
    if level is not None and monitoring.level_rank(level) >= monitoring.level_rank("pause"):
        message = "; ".join(a.message for a in alerts)
        return _result(policy, Item.BASELINE_VITALS, "fail", message, alerts[0].source, value)
    if missing:
        message = f"baseline incomplete: add {', '.join(missing)}"
        source = vital_policy.hr_range_bpm.source
        return _result(policy, Item.BASELINE_VITALS, "fail", message, source, value)
    if alerts:
        message = "; ".join(a.message for a in alerts)
        return _result(policy, Item.BASELINE_VITALS, "warn", message, alerts[0].source, value)
    message = (
        f"{shown}, HR {latest.hr_bpm}, SpO2 {latest.spo2_pct}%, RR {latest.rr_per_min}: "
        "within pre-dose limits"
    )
    source = vital_policy.predose_warn_bp.source
    return _result(policy, Item.BASELINE_VITALS, "pass", message, source, value)


def _weight(facts: PrecheckFacts, policy: PrecheckPolicy) -> ItemResult:
    rule = policy.weight_today_modalities
    measured = facts.weight_measured_on
    value = {"measured_on": measured.isoformat() if measured else None}
    if facts.modality not in rule.value:
        message = f"not required for {facts.modality}"
        return _result(policy, Item.WEIGHT, "na", message, rule.source, value)
    if measured == facts.today:
        return _result(policy, Item.WEIGHT, "pass", "weighed today", rule.source, value)
    last = f"last weighed {measured.isoformat()}" if measured else "no weight on file"
    message = f"{last}: weigh the patient today (the dose is weight-based)"
    return _result(policy, Item.WEIGHT, "fail", message, rule.source, value)


def evaluate(
    facts: PrecheckFacts,
    policy: PrecheckPolicy = DEFAULT_PRECHECK_POLICY,
    vital_policy: monitoring.VitalSignPolicy = monitoring.DEFAULT_POLICY,
) -> tuple[ItemResult, ...]:
    """The verdict on every item whose facts are known, in checklist order.

    Raises ValidationError for an entry that cannot be judged (hours outside 0-72, an
    unknown pregnancy result, a yes without saying what, a confirmed escort with no name).
    """
    found = (
        _consent(facts, policy),
        _contraindications(facts, policy),
        _fasting(facts, policy),
        _escort(facts, policy),
        _pregnancy(facts, policy),
        _symptom_scale(facts, policy),
        _cssrs(facts, policy),
        _vitals(facts, policy, vital_policy),
        _weight(facts, policy),
    )
    return tuple(result for result in found if result is not None)


@dataclass(frozen=True)
class Completion:
    """Whether a checklist may be completed, and if not, why (in checklist order)."""

    missing: tuple[Item, ...]
    blocking: tuple[ItemResult, ...]

    @property
    def complete(self) -> bool:
        return not self.missing and not self.blocking

    def reasons(self) -> tuple[str, ...]:
        """One line per missing item or unreviewed failed hard stop."""
        lines = [f"{item.value}: not recorded yet" for item in self.missing]
        lines += [
            f"{r.item.value}: {r.message} (a prescriber must review it)" for r in self.blocking
        ]
        return tuple(lines)


def completion(results: Iterable[ItemResult], items: tuple[Item, ...] = ITEMS) -> Completion:
    """Complete when every item in `items` has a result and no failed hard stop is left
    unreviewed. `results` are the latest per item (a later one replaces an earlier one)."""
    latest = {result.item: result for result in results}
    missing = tuple(item for item in items if item not in latest)
    blocking = tuple(latest[item] for item in items if item in latest and latest[item].blocking)
    return Completion(missing, blocking)
