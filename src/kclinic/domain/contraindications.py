"""Evaluate the eligibility rules against a profile (rules and sources: `eligibility_rules`).

Each check reads one part of the profile and yields findings under the ids of
`eligibility_rules.RULES`. An unknown input yields a *missing* finding for the rule that
needed it. Vascular label contraindications take their class from the protocol when the
planned treatment is racemic ketamine (see `eligibility_protocol`).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from kclinic.domain.eligibility_profile import RACEMIC_TREATMENTS, EligibilityProfile, age_on
from kclinic.domain.eligibility_protocol import KETALAR_CONTRAINDICATION, ScreeningProtocol
from kclinic.domain.eligibility_rules import (
    ADULT,
    BENZODIAZEPINE,
    BIPOLAR,
    BREASTFEEDING,
    CANNABIS,
    CNS_DEPRESSANT,
    COMORBIDITY_LIST,
    COMORBIDITY_RULES,
    CONSENT,
    DIAGNOSIS,
    HYPERSENSITIVITY,
    MAOI,
    MEDICATION_LIST,
    MORNING_BENZODIAZEPINE,
    OLDER_ADULT,
    PLANNED_TREATMENT,
    PREDOSE_BP,
    PREGNANCY,
    PSYCHOSIS_CURRENT,
    PSYCHOSIS_HISTORY,
    PSYCHOSTIMULANT,
    RECENT_USE,
    SUBSTANCE_HISTORY,
    SUD,
    VASCULAR,
    Finding,
)


def _comorbidities(p: EligibilityProfile, protocol: ScreeningProtocol) -> Iterator[Finding]:
    if p.comorbidities is None:
        yield COMORBIDITY_LIST.missing("comorbidities", "needed for the label contraindications")
        return
    racemic = p.planned_treatment in RACEMIC_TREATMENTS
    for rule in VASCULAR:
        if rule.id in p.comorbidities:
            if racemic:
                # Ketalar's wording could not be read: the class is the protocol's choice.
                text = f"{rule.summary}: contraindicated for esketamine; racemic ketamine raises BP"
                klass = protocol.racemic_vascular_class
                yield Finding(rule.id, klass, text, KETALAR_CONTRAINDICATION, "comorbidities")
            else:
                yield rule.found(f"{rule.summary}: label contraindication", "comorbidities")
    for rule, triggers in COMORBIDITY_RULES:
        hits = sorted(triggers & p.comorbidities)
        if hits:
            # Name the recorded condition when the rule covers more than one.
            named = f" ({', '.join(hits)})" if len(triggers) > 1 else ""
            yield rule.found(f"{rule.summary}{named}", "comorbidities")


def _hypersensitivity(p: EligibilityProfile) -> Iterator[Finding]:
    allergies = p.allergies
    known = {
        "ketamine": allergies.ketamine if allergies else None,
        "esketamine": allergies.esketamine if allergies else None,
    }
    hits = [name for name, value in known.items() if value]
    if hits:
        yield HYPERSENSITIVITY.found(
            f"hypersensitivity to {' and '.join(hits)}: label contraindication", "allergies"
        )
        return
    for name, value in known.items():
        if value is None:
            yield HYPERSENSITIVITY.missing(f"allergies.{name}", "a label contraindication")


def _blood_pressure(
    p: EligibilityProfile, on: date, protocol: ScreeningProtocol
) -> Iterator[Finding]:
    bp = p.blood_pressure
    if bp is None:
        yield PREDOSE_BP.missing("blood_pressure", "a baseline reading is needed")
        return
    max_age = protocol.bp_reading_max_age_days.value
    if bp.measured_on is not None and (on - bp.measured_on).days > max_age:
        yield PREDOSE_BP.missing(
            "blood_pressure", f"the latest reading ({bp.measured_on}) is older than {max_age} days"
        )
        return
    sbp, dbp = protocol.predose_systolic_max_mmhg.value, protocol.predose_diastolic_max_mmhg.value
    if bp.systolic_mmhg > sbp or bp.diastolic_mmhg > dbp:
        yield PREDOSE_BP.found(
            f"blood pressure {bp.systolic_mmhg}/{bp.diastolic_mmhg} mmHg is above {sbp}/{dbp}: "
            "weigh benefit and risk, consider delaying",
            "blood_pressure",
        )


def _psychosis(p: EligibilityProfile) -> Iterator[Finding]:
    psychosis = p.psychosis
    coded = p.diagnoses.has_psychotic_features if p.diagnoses else None
    current = psychosis.current if psychosis else None
    if current or coded:
        yield PSYCHOSIS_CURRENT.found(
            "current psychosis or psychotic features", "psychosis.current"
        )
    elif current is None and coded is None:
        yield PSYCHOSIS_CURRENT.missing("psychosis.current", "psychosis is a label precaution")
    history = psychosis.history if psychosis else None
    if history:
        yield PSYCHOSIS_HISTORY.found("history of psychosis", "psychosis.history")
    elif history is None:
        yield PSYCHOSIS_HISTORY.missing("psychosis.history", "psychosis is a label precaution")


def _substances(p: EligibilityProfile, protocol: ScreeningProtocol) -> Iterator[Finding]:
    use = p.substance_use
    if use is None:
        yield SUBSTANCE_HISTORY.missing("substance_use", "part of the pre-treatment evaluation")
        return
    if use.current_use_disorder:
        yield SUD.found("substance use disorder current or within 3 months", "substance_use")
    elif use.current_use_disorder is None:
        yield SUD.missing("substance_use.current_use_disorder", "a label precaution")
    free = protocol.substance_free_months.value
    months = use.months_since_last_use
    if months is not None and months < free:
        yield RECENT_USE.found(
            f"last substance use {months} months ago, less than {free}", "substance_use"
        )
    elif months is None and not use.never_used:
        yield RECENT_USE.missing("substance_use.months_since_last_use", 'a number or "never"')
    if use.cannabis:
        yield CANNABIS.found("current cannabis use", "substance_use.cannabis")
    elif use.cannabis is None:
        yield CANNABIS.missing("substance_use.cannabis", "a Bio-K exclusion")


def _reproduction(p: EligibilityProfile) -> Iterator[Finding]:
    for rule, value, name in (
        (PREGNANCY, p.pregnant, "pregnant"),
        (BREASTFEEDING, p.breastfeeding, "breastfeeding"),
    ):
        if value:
            yield rule.found(f"{rule.summary}: the esketamine label says do not use", name)
        elif value is None and p.sex != "male":
            yield rule.missing(name, "needed unless the patient is male")


def _medications(p: EligibilityProfile, protocol: ScreeningProtocol) -> Iterator[Finding]:
    meds = p.medications
    if meds is None:
        yield MEDICATION_LIST.missing("medications", "needed for the interaction rules")
        return
    limit = protocol.benzodiazepine_limit
    load = meds.benzodiazepine_lorazepam_eq_mg_per_day
    if load is None:
        yield BENZODIAZEPINE.missing(
            "medications.benzodiazepine_lorazepam_eq_mg_per_day", "0 if none"
        )
    elif load > limit.max_lorazepam_eq_mg_per_day:
        yield Finding(
            BENZODIAZEPINE.id,
            "relative",
            f"benzodiazepine {load} mg/day lorazepam-equivalent is above "
            f"{limit.max_lorazepam_eq_mg_per_day} ({limit.name})",
            limit.source,
            "medications.benzodiazepine_lorazepam_eq_mg_per_day",
        )
    if meds.benzodiazepine_morning_dose:
        yield MORNING_BENZODIAZEPINE.found("a morning benzodiazepine dose", "medications")
    for rule, value, name in (
        (MAOI, meds.maoi, "maoi"),
        (PSYCHOSTIMULANT, meds.psychostimulant, "psychostimulant"),
        (CNS_DEPRESSANT, meds.other_cns_depressant, "other_cns_depressant"),
    ):
        if value:
            yield rule.found(rule.summary, f"medications.{name}")
        elif value is None:
            yield rule.missing(f"medications.{name}", "an interaction rule")


def _patient(p: EligibilityProfile, on: date, protocol: ScreeningProtocol) -> Iterator[Finding]:
    if p.planned_treatment is None:
        yield PLANNED_TREATMENT.missing("planned_treatment", "it decides which label applies")
    age = age_on(p, on)
    if age is None:
        yield ADULT.missing("date_of_birth", "or age_years; the regimens are for adults")
    elif age < protocol.adult_age_years.value:
        yield ADULT.found(f"age {age}: {ADULT.summary}", "date_of_birth")
    esketamine = p.planned_treatment == "esketamine"
    if esketamine and age is not None and age >= protocol.esketamine_older_adult_age_years.value:
        yield OLDER_ADULT.found(f"age {age}: {OLDER_ADULT.summary}", "date_of_birth")
    if esketamine and p.diagnoses is not None and p.diagnoses.is_bipolar:
        yield BIPOLAR.found(BIPOLAR.summary, "diagnoses")
    if p.capacity_to_consent is False:
        yield CONSENT.found("no capacity to consent: clinic exclusion", "capacity_to_consent")
    elif p.capacity_to_consent is None:
        yield CONSENT.missing("capacity_to_consent", "consent is needed before treatment")
    if p.diagnoses is None or not p.diagnoses.codes:
        yield DIAGNOSIS.missing("diagnoses.codes", "an ICD-10-CM code of the episode")
    elif not p.diagnoses.current_episode_codes:
        codes = ", ".join(p.diagnoses.codes)
        yield DIAGNOSIS.found(f"{codes}: {DIAGNOSIS.summary}", "diagnoses.codes")


def contraindication_findings(
    profile: EligibilityProfile, on: date, protocol: ScreeningProtocol
) -> tuple[Finding, ...]:
    """Every finding of the contraindication rules, in rule order (not yet sorted by class)."""
    return (
        *_patient(profile, on, protocol),
        *_hypersensitivity(profile),
        *_comorbidities(profile, protocol),
        *_blood_pressure(profile, on, protocol),
        *_psychosis(profile),
        *_substances(profile, protocol),
        *_reproduction(profile),
        *_medications(profile, protocol),
    )
