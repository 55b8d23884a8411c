"""TRD under named definitions (clinical reference 2.4) and the Maudsley stage of a profile."""

import json
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from kclinic.domain.eligibility import parse_profile, screen, stage
from kclinic.domain.eligibility_profile import CurrentEpisode, EctCourse, TreatmentTrial
from kclinic.domain.eligibility_protocol import ScreeningProtocol
from kclinic.domain.errors import UnknownNameError, ValidationError
from kclinic.domain.trd import TRD_DEFINITIONS, assess_trd, trd_definition
from kclinic.examples import PROFILES as EXAMPLE_PROFILES

PROFILES = EXAMPLE_PROFILES
ON = date(2025, 3, 1)


def load(name):
    return parse_profile(json.loads((PROFILES / f"{name}.json").read_text()))


def trial(drug, drug_class, weeks, **changes):
    base = TreatmentTrial(
        drug=drug,
        drug_class=drug_class,
        max_daily_dose_mg=Decimal(100),
        weeks_at_dose=Decimal(weeks),
        adequate_dose=True,
        adherence="good",
        outcome="non-response",
        current_episode=True,
        augmentation=False,
    )
    return replace(base, **changes)


DEFAULT = trd_definition("two-adequate-current-episode")
BIO_K = trd_definition("bio-k")
THREE = trd_definition("three-classes-lifetime")


def test_three_definitions_ship_and_the_default_is_the_label_one():
    assert set(TRD_DEFINITIONS) == {
        "two-adequate-current-episode",
        "bio-k",
        "three-classes-lifetime",
    }
    assert ScreeningProtocol().trd_definition == "two-adequate-current-episode"
    assert all(d.version == "1" and d.source.citation for d in TRD_DEFINITIONS.values())


def test_unknown_definition_lists_the_known_ones():
    with pytest.raises(UnknownNameError, match="bio-k, three-classes-lifetime"):
        trd_definition("is-trd")


def test_the_definitions_disagree_on_the_crafted_profile():
    # sertraline 6 wk + venlafaxine 7 wk (current episode), nortriptyline 5 wk (earlier).
    profile = load("trd-definitions-disagree")
    default = assess_trd(profile.trials, profile.ect, DEFAULT)
    assert (default.met, default.failed_adequate_trials) == (True, 2)  # both >= 6 weeks
    assert [v.ref for v in default.counted] == ["trials[0]", "trials[1]"]
    assert default.not_counted[0].reason == (
        "not in the current episode; 5 weeks at dose, fewer than 6"
    )

    bio_k = assess_trd(profile.trials, profile.ect, BIO_K)
    assert (bio_k.met, bio_k.failed_adequate_trials) == (False, 0)  # none reaches 8 weeks
    assert [v.reason for v in bio_k.not_counted] == [
        "6 weeks at dose, fewer than 8",
        "7 weeks at dose, fewer than 8",
        "not in the current episode; 5 weeks at dose, fewer than 8",
    ]

    three = assess_trd(profile.trials, profile.ect, THREE)
    assert (three.met, three.failed_adequate_trials) == (True, 3)  # ssri, snri, tca; >= 4 wk
    assert {v.drug_class for v in three.counted} == {"ssri", "snri", "tca"}


def test_screen_status_follows_the_selected_definition():
    profile = load("trd-definitions-disagree")
    assert screen(profile, ON).status == "eligible"
    bio_k = screen(profile, ON, ScreeningProtocol(trd_definition="bio-k"))
    assert bio_k.status == "override-needed"
    assert [(f.rule, f.finding_class) for f in bio_k.findings] == [("trd-not-met", "relative")]
    assert "0 failed adequate trial(s) under bio-k v1; 2 needed" in bio_k.findings[0].message


def test_bio_k_counts_mood_stabilizers_and_ect_the_others_do_not():
    trials = (trial("lithium", "mood-stabilizer", 10, augmentation=True),)
    ect = (EctCourse(sessions=8, current_episode=True, outcome="non-response"),)
    bio_k = assess_trd(trials, ect, BIO_K)
    assert (bio_k.met, [v.ref for v in bio_k.counted]) == (True, ["trials[0]", "ect[0]"])
    default = assess_trd(trials, ect, DEFAULT)
    assert (default.met, default.failed_adequate_trials) == (False, 0)
    assert [v.reason for v in default.not_counted] == [
        "class mood-stabilizer not counted",
        "ECT does not count under two-adequate-current-episode",
    ]


def test_bio_k_needs_six_ect_sessions():
    ect = (
        EctCourse(sessions=5, current_episode=True, outcome="non-response"),
        EctCourse(sessions=6, current_episode=True, outcome="partial"),
    )
    result = assess_trd((trial("sertraline", "ssri", 8),), ect, BIO_K)
    assert [v.ref for v in result.counted] == ["trials[0]", "ect[1]"]
    assert result.not_counted[0].reason == "5 sessions, fewer than 6"


def test_three_classes_counts_each_class_once():
    trials = (
        trial("sertraline", "ssri", 6),
        trial("fluoxetine", "ssri", 8, current_episode=False),
        trial("duloxetine", "snri", 4),
    )
    result = assess_trd(trials, (), THREE)
    assert (result.met, result.failed_adequate_trials) == (False, 2)
    assert result.not_counted[0].reason == "class ssri already counted by trials[0]"


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"outcome": "response"}, "outcome response: not a failure"),
        ({"outcome": "intolerance"}, "stopped for intolerance: not an adequate trial"),
        ({"adequate_dose": False}, "dose judged inadequate"),
        ({"adherence": "poor"}, "poor adherence"),
        ({"current_episode": False}, "not in the current episode"),
        ({"weeks_at_dose": Decimal("5.9")}, "5.9 weeks at dose, fewer than 6"),
        (
            {"drug": "aripiprazole", "drug_class": "antipsychotic"},
            "class antipsychotic not counted",
        ),
    ],
)
def test_why_a_trial_does_not_count(changes, reason):
    result = assess_trd((replace(trial("sertraline", "ssri", 8), **changes),), (), DEFAULT)
    assert result.counted == ()
    assert result.not_counted[0].reason == reason
    assert result.met is False


def test_partial_response_and_partial_adherence_count():
    trials = (trial("a", "ssri", 6, outcome="partial"), trial("b", "snri", 6, adherence="partial"))
    assert assess_trd(trials, (), DEFAULT).met is True


def test_unknown_fields_leave_the_answer_open_and_name_the_fields():
    trials = (trial("a", "ssri", 8), trial("b", "snri", 8, weeks_at_dose=None, adherence=None))
    result = assess_trd(trials, (), DEFAULT)
    assert result.met is None
    assert result.missing == ("trials[1].weeks_at_dose", "trials[1].adherence")
    assert result.not_counted[0].undetermined


def test_undecided_trials_of_one_class_can_add_only_one_class():
    # 1 class counted + 2 undecided TCAs can reach 2 classes at most, never the 3 needed.
    trials = (
        trial("sertraline", "ssri", 8),
        trial("nortriptyline", "tca", 8, weeks_at_dose=None),
        trial("amitriptyline", "tca", 8, weeks_at_dose=None),
    )
    assert assess_trd(trials, (), THREE).met is False
    with_snri = (*trials, trial("duloxetine", "snri", 8, outcome=None))
    result = assess_trd(with_snri, (), THREE)  # now 1 + 2 possible classes = 3
    assert result.met is None
    assert "trials[3].outcome" in result.missing


def test_unknowns_do_not_matter_once_the_definition_is_met():
    trials = (trial("a", "ssri", 8), trial("b", "snri", 8), trial("c", "tca", 8, outcome=None))
    result = assess_trd(trials, (), DEFAULT)
    assert (result.met, result.missing) == (True, ())


def test_unknowns_that_cannot_reach_the_threshold_still_give_not_met():
    trials = (trial("a", "ssri", 8, outcome=None),)  # at best 1 of 2
    assert assess_trd(trials, (), DEFAULT).met is False


def test_no_trial_history_is_unknown_but_an_empty_one_is_not_met():
    assert assess_trd(None, (), DEFAULT).met is None
    assert assess_trd(None, (), DEFAULT).missing == ("trials",)
    assert assess_trd((), (), DEFAULT).met is False


def test_bio_k_cannot_decide_without_the_ect_history():
    result = assess_trd((trial("a", "ssri", 8),), None, BIO_K)
    assert (result.met, result.missing) == (None, ("ect",))


# -- Maudsley stage from a profile -----------------------------------------------------------


def test_msm_reference_vector_from_the_relative_findings_profile():
    # 14 months (2) + F33.2 severe (4) + 3 failed antidepressants (2) + lithium augmentation
    # (1) + no ECT (0) = 9, moderate (clinical reference 2.5).
    msm, note, missing = stage(load("relative-findings"), ON, DEFAULT)
    assert (note, missing) == (None, ())
    assert (msm.score.total, msm.score.band) == (9, "moderate")
    assert dict(msm.score.answers) == {
        "duration": 2,
        "severity": 4,
        "antidepressants": 2,
        "augmentation": 1,
        "ect": 0,
    }
    assert msm.failed_antidepressants == 3


def test_episode_months_are_completed_months_from_the_start_date():
    clean = load("clean-candidate")
    # 2023-12-01 -> 2025-03-01: 15 completed months -> 2 points.
    assert stage(clean, ON, DEFAULT)[0].episode_months == 15
    # 2024-03-02 -> 2025-03-01: the 12th month is not complete, so 11 -> 1 point.
    later = replace(clean, current_episode=CurrentEpisode(start_date=date(2024, 3, 2)))
    msm = stage(later, ON, DEFAULT)[0]
    assert (msm.episode_months, msm.score.answers["duration"]) == (11, 1)


def test_zero_failed_antidepressants_is_not_staged_and_says_why():
    clean = load("clean-candidate")
    no_failures = replace(clean, trials=(trial("sertraline", "ssri", 8, outcome="response"),))
    msm, note, missing = stage(no_failures, ON, DEFAULT)
    assert (msm, missing) == (None, ())
    assert "no level for zero failures" in note


def test_the_same_drug_twice_is_one_failed_medication():
    trials = (trial("sertraline", "ssri", 8), trial("Sertraline", "ssri", 8), trial("x", "tca", 8))
    msm = stage(replace(load("clean-candidate"), trials=trials), ON, DEFAULT)[0]
    assert msm.failed_antidepressants == 2


def test_ect_in_the_current_episode_adds_a_point():
    clean = load("clean-candidate")
    with_ect = replace(clean, ect=(EctCourse(sessions=9, current_episode=True, outcome="partial"),))
    assert (
        stage(with_ect, ON, DEFAULT)[0].score.total == stage(clean, ON, DEFAULT)[0].score.total + 1
    )


def test_dates_after_the_screening_date_are_refused():
    clean = load("clean-candidate")
    later = replace(clean, current_episode=CurrentEpisode(start_date=date(2025, 3, 2)))
    with pytest.raises(ValidationError, match=r"current_episode\.start_date: '2025-03-02'"):
        screen(later, ON)
    with pytest.raises(ValidationError, match="date_of_birth"):
        screen(replace(clean, date_of_birth=date(2030, 1, 1)), ON)
