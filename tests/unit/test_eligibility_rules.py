"""Each eligibility rule fires on its trigger, with its class, and on nothing else.

Every case starts from the clean candidate of src/kclinic/examples/profiles (no findings on
2025-03-01) and changes one thing, so the expected finding set is exactly that one rule.
"""

import json
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from kclinic.domain.eligibility import RULES, parse_profile, screen
from kclinic.domain.eligibility_profile import (
    BloodPressure,
    Diagnoses,
    Hypersensitivity,
    Medications,
    Psychosis,
    SubstanceUse,
)
from kclinic.domain.eligibility_protocol import (
    BENZODIAZEPINE_LIMITS,
    DEFAULT_PROTOCOL,
    ScreeningProtocol,
)
from kclinic.examples import PROFILES as EXAMPLE_PROFILES

PROFILES = EXAMPLE_PROFILES
ON = date(2025, 3, 1)
CLEAN = parse_profile(json.loads((PROFILES / "clean-candidate.json").read_text()))
NO_MEDS = Medications(Decimal(0), False, False, False, False)
SOBER = SubstanceUse(False, None, True, False)


def fired(profile, protocol=DEFAULT_PROTOCOL):
    return {(f.rule, f.finding_class) for f in screen(profile, ON, protocol).findings}


def test_the_clean_candidate_raises_no_finding_at_all():
    result = screen(CLEAN, ON)
    assert result.findings == ()
    assert result.status == "eligible"


def comorbid(*names):
    return replace(CLEAN, comorbidities=frozenset(names))


TRIGGERS = [
    # label contraindications: absolute (racemic: protocol default "absolute")
    ("aneurysmal-vascular-disease", "absolute", comorbid("aneurysmal-vascular-disease")),
    ("arteriovenous-malformation", "absolute", comorbid("arteriovenous-malformation")),
    ("intracerebral-haemorrhage", "absolute", comorbid("intracerebral-haemorrhage")),
    ("hypersensitivity", "absolute", replace(CLEAN, allergies=Hypersensitivity(True, False))),
    ("hypersensitivity", "absolute", replace(CLEAN, allergies=Hypersensitivity(False, True))),
    # label precautions and trial exclusions: relative
    ("predose-bp", "relative", replace(CLEAN, blood_pressure=BloodPressure(141, 80))),
    ("predose-bp", "relative", replace(CLEAN, blood_pressure=BloodPressure(130, 91))),
    ("hypertensive-encephalopathy", "relative", comorbid("hypertensive-encephalopathy")),
    ("cardiovascular-cerebrovascular-disease", "relative", comorbid("cardiovascular-disease")),
    ("cardiovascular-cerebrovascular-disease", "relative", comorbid("cerebrovascular-disease")),
    ("uncontrolled-hypertension", "relative", comorbid("uncontrolled-hypertension")),
    ("significant-arrhythmia", "relative", comorbid("significant-arrhythmia")),
    ("prolonged-qt", "relative", comorbid("prolonged-qt")),
    (
        "raised-intracranial-or-intraocular-pressure",
        "relative",
        comorbid("raised-intracranial-pressure"),
    ),
    (
        "raised-intracranial-or-intraocular-pressure",
        "relative",
        comorbid("raised-intraocular-pressure"),
    ),
    ("unstable-medical-condition", "relative", comorbid("unstable-medical-condition")),
    ("dementia", "relative", comorbid("dementia")),
    ("consent-capacity", "relative", replace(CLEAN, capacity_to_consent=False)),
    ("psychosis-current", "relative", replace(CLEAN, psychosis=Psychosis(True, False))),
    (
        "psychosis-current",
        "relative",
        replace(CLEAN, diagnoses=Diagnoses(("F33.3",), psychotic_features=None, bipolar=False)),
    ),
    ("psychosis-history", "relative", replace(CLEAN, psychosis=Psychosis(False, True))),
    (
        "substance-use-disorder",
        "relative",
        replace(CLEAN, substance_use=replace(SOBER, current_use_disorder=True)),
    ),
    (
        "recent-substance-use",
        "relative",
        replace(
            CLEAN,
            substance_use=SubstanceUse(False, Decimal("0.5"), never_used=False, cannabis=False),
        ),
    ),
    ("cannabis-use", "relative", replace(CLEAN, substance_use=replace(SOBER, cannabis=True))),
    ("pregnancy", "relative", replace(CLEAN, pregnant=True)),
    ("breastfeeding", "relative", replace(CLEAN, breastfeeding=True)),
    (
        "benzodiazepine-load",
        "relative",
        replace(
            CLEAN,
            medications=replace(NO_MEDS, benzodiazepine_lorazepam_eq_mg_per_day=Decimal("4.5")),
        ),
    ),
    (
        "benzodiazepine-morning-dose",
        "relative",
        replace(CLEAN, medications=replace(NO_MEDS, benzodiazepine_morning_dose=True)),
    ),
    ("adult", "relative", replace(CLEAN, date_of_birth=date(2008, 1, 1))),  # 17 on 2025-03-01
    (
        "depressive-diagnosis",
        "relative",
        replace(CLEAN, diagnoses=Diagnoses(("F41.1",), False, False, "severe")),
    ),
    ("trd-not-met", "relative", replace(CLEAN, trials=CLEAN.trials[:1])),
    # cautions
    ("controlled-hypertension", "caution", comorbid("controlled-hypertension")),
    ("maoi", "caution", replace(CLEAN, medications=replace(NO_MEDS, maoi=True))),
    (
        "psychostimulant",
        "caution",
        replace(CLEAN, medications=replace(NO_MEDS, psychostimulant=True)),
    ),
    (
        "cns-depressant",
        "caution",
        replace(CLEAN, medications=replace(NO_MEDS, other_cns_depressant=True)),
    ),
    (
        "esketamine-older-adult",
        "caution",
        replace(CLEAN, planned_treatment="esketamine", date_of_birth=date(1958, 1, 1)),
    ),
    (
        "esketamine-bipolar",
        "caution",
        replace(
            CLEAN,
            planned_treatment="esketamine",
            diagnoses=Diagnoses(("F31.4",), psychotic_features=False, bipolar=True),
        ),
    ),
    # missing information: the rule that needs the field says so
    ("planned-treatment", "missing", replace(CLEAN, planned_treatment=None)),
    ("comorbidity-list", "missing", replace(CLEAN, comorbidities=None)),
    ("medication-list", "missing", replace(CLEAN, medications=None)),
    ("substance-use-history", "missing", replace(CLEAN, substance_use=None)),
    ("predose-bp", "missing", replace(CLEAN, blood_pressure=None)),
    # 2025-01-29 is 31 days before 2025-03-01: older than the 30-day policy.
    (
        "predose-bp",
        "missing",
        replace(CLEAN, blood_pressure=BloodPressure(120, 80, date(2025, 1, 29))),
    ),
    ("consent-capacity", "missing", replace(CLEAN, capacity_to_consent=None)),
    ("psychosis-history", "missing", replace(CLEAN, psychosis=None)),
    ("pregnancy", "missing", replace(CLEAN, pregnant=None)),
    ("breastfeeding", "missing", replace(CLEAN, breastfeeding=None)),
    ("adult", "missing", replace(CLEAN, date_of_birth=None)),
    (
        "benzodiazepine-load",
        "missing",
        replace(CLEAN, medications=replace(NO_MEDS, benzodiazepine_lorazepam_eq_mg_per_day=None)),
    ),
    ("maoi", "missing", replace(CLEAN, medications=replace(NO_MEDS, maoi=None))),
    ("cannabis-use", "missing", replace(CLEAN, substance_use=replace(SOBER, cannabis=None))),
    (
        "recent-substance-use",
        "missing",
        replace(CLEAN, substance_use=replace(SOBER, never_used=False)),
    ),
    (
        "substance-use-disorder",
        "missing",
        replace(CLEAN, substance_use=replace(SOBER, current_use_disorder=None)),
    ),
    ("msm-stage", "missing", replace(CLEAN, ect=None)),
    ("msm-stage", "missing", replace(CLEAN, current_episode=None)),
]


@pytest.mark.parametrize(("rule", "finding_class", "profile"), TRIGGERS)
def test_rule_fires_on_its_trigger_and_nothing_else_does(rule, finding_class, profile):
    assert fired(profile) == {(rule, finding_class)}


def test_every_rule_is_exercised_by_a_trigger():
    assert {rule.id for rule in RULES} <= {rule for rule, _, _ in TRIGGERS}


def test_rules_have_unique_ids_and_cited_sources():
    ids = [rule.id for rule in RULES]
    assert len(ids) == len(set(ids))
    for rule in RULES:
        assert rule.source.citation
        assert rule.source.url or rule.source.confidence in {"unverified", "policy"}


def test_several_missing_fields_each_name_their_own_field():
    profile = replace(CLEAN, allergies=None, diagnoses=None)
    fields = {(f.rule, f.field) for f in screen(profile, ON).findings}
    assert fields == {
        ("hypersensitivity", "allergies.ketamine"),
        ("hypersensitivity", "allergies.esketamine"),
        ("depressive-diagnosis", "diagnoses.codes"),
        ("msm-stage", "diagnoses.episode_severity"),
    }


@pytest.mark.parametrize(
    "profile",
    [
        replace(CLEAN, blood_pressure=BloodPressure(140, 90)),  # "> 140/90": equal is fine
        replace(CLEAN, blood_pressure=BloodPressure(120, 80, date(2025, 1, 30))),  # 30 days
        replace(CLEAN, date_of_birth=date(2007, 3, 1)),  # 18 today
        replace(
            CLEAN, medications=replace(NO_MEDS, benzodiazepine_lorazepam_eq_mg_per_day=Decimal(4))
        ),
        replace(
            CLEAN, substance_use=SubstanceUse(False, Decimal(1), never_used=False, cannabis=False)
        ),
        replace(CLEAN, sex="male", pregnant=None, breastfeeding=None),
        comorbid("diabetes"),  # not excluded by the trials (PMC10812090)
        replace(CLEAN, diagnoses=Diagnoses(("F31.4",), False, True)),  # bipolar, IV ketamine
        replace(CLEAN, age_years=64, date_of_birth=None, planned_treatment="esketamine"),
    ],
)
def test_boundaries_and_neighbours_raise_nothing(profile):
    assert fired(profile) == set()


def test_vascular_class_for_racemic_ketamine_is_a_protocol_choice():
    profile = comorbid("intracerebral-haemorrhage")
    relative = ScreeningProtocol(racemic_vascular_class="relative")
    assert fired(profile, relative) == {("intracerebral-haemorrhage", "relative")}
    [finding] = screen(profile, ON, relative).findings
    assert finding.source.id == "ketalar-pi-4"
    # For esketamine the label decides whatever the protocol says.
    esketamine = replace(profile, planned_treatment="esketamine")
    assert fired(esketamine, relative) == {("intracerebral-haemorrhage", "absolute")}
    assert screen(esketamine, ON).findings[0].source.id == "spravato-contraindications"


@pytest.mark.parametrize(
    ("limit", "load", "fires"),
    [
        ("bio-k", "4", False),
        ("bio-k", "4.1", True),
        ("pmc10812090", "3", False),
        ("pmc10812090", "3.5", True),
        ("pmc6884875", "2", False),
        ("pmc6884875", "2.5", True),
    ],
)
def test_benzodiazepine_limit_is_selectable(limit, load, fires):
    protocol = ScreeningProtocol(benzodiazepine_limit=BENZODIAZEPINE_LIMITS[limit])
    meds = replace(NO_MEDS, benzodiazepine_lorazepam_eq_mg_per_day=Decimal(load))
    expected = {("benzodiazepine-load", "relative")} if fires else set()
    assert fired(replace(CLEAN, medications=meds), protocol) == expected


def test_default_benzodiazepine_limit_is_bio_k_4_mg():
    assert DEFAULT_PROTOCOL.benzodiazepine_limit.name == "bio-k"
    assert DEFAULT_PROTOCOL.benzodiazepine_limit.max_lorazepam_eq_mg_per_day == 4


def test_the_bp_threshold_is_configurable():
    protocol = ScreeningProtocol(
        predose_systolic_max_mmhg=replace(DEFAULT_PROTOCOL.predose_systolic_max_mmhg, value=130)
    )
    profile = replace(CLEAN, blood_pressure=BloodPressure(135, 80))
    assert fired(profile) == set()
    assert fired(profile, protocol) == {("predose-bp", "relative")}


def test_psychotic_features_from_the_flag_alone():
    profile = replace(CLEAN, diagnoses=Diagnoses(("F33.2",), psychotic_features=True))
    assert ("psychosis-current", "relative") in fired(profile)


def test_the_clinical_docs_list_every_rule_with_its_class():
    docs = (Path(__file__).parents[2] / "docs" / "clinical" / "eligibility.md").read_text()
    for rule in RULES:
        assert f"| `{rule.id}` | {rule.finding_class}" in docs, rule.id
