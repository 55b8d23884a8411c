"""Parsing eligibility profiles, and the status of every example profile in tests/data."""

import copy
import json
from datetime import date

import pytest

from kclinic.domain.eligibility import STATUSES, parse_profile, screen
from kclinic.domain.eligibility_profile import EligibilityProfile
from kclinic.domain.errors import UnknownNameError, ValidationError
from kclinic.examples import PROFILES as EXAMPLE_PROFILES

PROFILES = EXAMPLE_PROFILES
ON = date(2025, 3, 1)


def raw(name):
    return json.loads((PROFILES / f"{name}.json").read_text())


# Expected status and finding set of each example, worked out by hand from its description.
EXPECTED = {
    "clean-candidate": ("eligible", set()),
    "absolute-aneurysm-esketamine": (
        "blocked",
        {("aneurysmal-vascular-disease", "absolute"), ("controlled-hypertension", "caution")},
    ),
    "relative-findings": (
        "override-needed",
        {
            ("predose-bp", "relative"),  # 152/94 > 140/90
            ("benzodiazepine-load", "relative"),  # 6 > 4 mg lorazepam-eq (Bio-K)
            ("cannabis-use", "relative"),
            ("psychosis-history", "relative"),
        },
    ),
    "missing-information": (
        "incomplete",
        {
            ("predose-bp", "missing"),
            ("medication-list", "missing"),
            ("substance-use-history", "missing"),
            ("pregnancy", "missing"),
            ("breastfeeding", "missing"),
            ("trd-not-met", "missing"),  # bupropion has no duration: 1 of 2 counted so far
            ("msm-stage", "missing"),
        },
    ),
    "trd-definitions-disagree": ("eligible", set()),
}


def test_every_example_profile_has_an_expectation():
    assert {path.stem for path in PROFILES.glob("*.json")} == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_profiles_give_their_expected_status(name):
    status, findings = EXPECTED[name]
    result = screen(parse_profile(raw(name)), ON)
    assert result.status == status
    assert {(f.rule, f.finding_class) for f in result.findings} == findings


def test_findings_are_ordered_absolute_relative_caution_missing():
    data = raw("relative-findings")
    data["comorbidities"] = ["arteriovenous-malformation", "controlled-hypertension"]
    data["pregnant"] = None
    data["sex"] = "female"
    result = screen(parse_profile(data), ON)
    classes = [f.finding_class for f in result.findings]
    assert classes == sorted(classes, key=["absolute", "relative", "caution", "missing"].index)
    assert classes[0] == "absolute"
    assert classes[-1] == "missing"
    assert result.status == "blocked"  # an absolute wins over everything else


def test_relative_wins_over_missing():
    data = raw("relative-findings")
    data["medications"] = None
    assert screen(parse_profile(data), ON).status == "override-needed"


def test_statuses_are_the_four_documented_ones():
    assert STATUSES == ("blocked", "override-needed", "incomplete", "eligible")


def test_a_parsed_profile_is_frozen_and_keeps_unknowns_as_none():
    profile = parse_profile({"planned_treatment": "esketamine"})
    assert isinstance(profile, EligibilityProfile)
    assert (profile.trials, profile.comorbidities, profile.pregnant) == (None, None, None)
    with pytest.raises(AttributeError):
        profile.pregnant = True  # type: ignore[misc]


def test_an_empty_profile_is_incomplete_not_eligible():
    result = screen(parse_profile({}), ON)
    assert result.status == "incomplete"
    assert all(f.finding_class == "missing" for f in result.findings)


def test_json_shape_of_a_result():
    data = screen(parse_profile(raw("relative-findings")), ON).as_dict()
    assert {"status", "findings", "trd", "msm", "msm_note", "decision_support"} <= set(data)
    assert set(data["findings"][0]) == {"rule", "class", "message", "field", "source"}
    assert {
        "definition",
        "version",
        "failed_adequate_trials",
        "counted",
        "not_counted",
        "met",
    } <= set(data["trd"])
    assert data["msm"]["total"] == 9
    assert set(data["msm"]["dimensions"]) == {
        "duration",
        "severity",
        "antidepressants",
        "augmentation",
        "ect",
    }


def with_change(path, value):
    data = copy.deepcopy(raw("clean-candidate"))
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "field", "allowed"),
    [
        (("trials", 2, "weeks_at_dose"), "eight", "trials[2].weeks_at_dose", "a number 0 to 520"),
        (("trials", 1, "weeks_at_dose"), -1, "trials[1].weeks_at_dose", "0 to 520 weeks"),
        (("trials", 0, "class"), "SSRI", "trials[0].class", "mood-stabilizer"),
        (("trials", 0, "class"), None, "trials[0].class", "ssri"),
        (("trials", 0, "drug"), " ", "trials[0].drug", "a non-empty text"),
        (("trials", 0, "outcome"), "failed", "trials[0].outcome", "non-response"),
        (("trials", 0, "adequate_dose"), "yes", "trials[0].adequate_dose", "true, false or null"),
        (("trials", 0, "adherence"), 1, "trials[0].adherence", "good, partial, poor"),
        (("trials",), {"drug": "x"}, "trials", "a JSON array"),
        (("comorbidities",), ["aneurysm"], "comorbidities[0]", "aneurysmal-vascular-disease"),
        (("planned_treatment",), "ketamine", "planned_treatment", "esketamine, im-ketamine"),
        (("date_of_birth",), "1980-13-01", "date_of_birth", "a date YYYY-MM-DD"),
        (("age_years",), 44, "age_years", "null when date_of_birth is given"),
        (("blood_pressure", "diastolic_mmhg"), 130, "blood_pressure.diastolic_mmhg", "less than"),
        (("blood_pressure", "systolic_mmhg"), 400, "blood_pressure.systolic_mmhg", "50 to 300"),
        (("blood_pressure", "systolic_mmhg"), None, "blood_pressure.systolic_mmhg", "mmHg"),
        (("diagnoses", "codes", 0), "depression", "diagnoses.codes[0]", "ICD-10-CM"),
        (("diagnoses", "codes", 0), "F31.4", "diagnoses.bipolar", "code F31.4 is bipolar"),
        (("diagnoses", "codes", 0), "F33.3", "diagnoses.psychotic_features", "F33.3"),
        (("current_episode", "months"), 12, "current_episode.months", "null when start_date"),
        (("ect",), [{"sessions": 2.5}], "ect[0].sessions", "a whole number 0 to 200"),
        (
            ("medications", "benzodiazepine_lorazepam_eq_mg_per_day"),
            True,
            "medications.benzodiazepine_lorazepam_eq_mg_per_day",
            "a number 0 to 100",
        ),
        (
            ("substance_use", "months_since_last_use"),
            "sometimes",
            "substance_use.months_since_last_use",
            '"never"',
        ),
        (("pregnent",), False, "pregnent", "pregnant"),
        (("allergies", "latex"), True, "allergies.latex", "esketamine, ketamine"),
        (("psychosis",), [True], "psychosis", "a JSON object"),
    ],
)
def test_bad_fields_name_their_path_and_what_is_allowed(path, value, field, allowed):
    data = with_change(path, value)
    with pytest.raises(ValidationError) as caught:
        parse_profile(data)
    assert caught.value.field == field
    assert allowed in str(caught.value)


def test_unknown_keys_are_refused_with_the_known_ones():
    with pytest.raises(UnknownNameError, match="capacity_to_consent"):
        parse_profile({"capacity": True})


def test_a_profile_must_be_an_object():
    with pytest.raises(ValidationError, match=r"profile: .* a JSON object"):
        parse_profile([1, 2])


def test_codes_are_normalised_and_severity_comes_from_the_code():
    profile = parse_profile({"diagnoses": {"codes": [" f33.1 "]}})
    assert profile.diagnoses.codes == ("F33.1",)
    assert profile.diagnoses.severity() == "moderate"
    assert parse_profile({"diagnoses": {"codes": ["F32.2", "F33.1"]}}).diagnoses.severity() is None
    explicit = {"diagnoses": {"codes": ["F32.9"], "episode_severity": "subsyndromal"}}
    assert parse_profile(explicit).diagnoses.severity() == "subsyndromal"


def test_never_used_substances_need_no_month_count():
    profile = parse_profile({"substance_use": {"months_since_last_use": "never"}})
    assert profile.substance_use.never_used is True
    assert profile.substance_use.months_since_last_use is None


def test_status_after_overrides_counts_only_documented_relative_overrides():
    from kclinic.domain.eligibility import status_after_overrides

    partial = status_after_overrides(
        "override-needed", ["predose-bp", "cannabis-use"], ["predose-bp"], information_missing=False
    )
    assert (partial.status, partial.pending) == ("override-needed", ("cannabis-use",))
    done = status_after_overrides(
        "override-needed", ["predose-bp"], ["predose-bp"], information_missing=False
    )
    assert (done.status, done.overridden) == ("eligible-with-overrides", ("predose-bp",))
    missing = status_after_overrides(
        "override-needed", ["predose-bp"], ["predose-bp"], information_missing=True
    )
    assert missing.status == "incomplete"
    blocked = status_after_overrides(
        "blocked", ["predose-bp"], ["predose-bp"], information_missing=False
    )
    assert blocked.status == "blocked"
