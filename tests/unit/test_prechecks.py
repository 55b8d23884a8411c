"""The pre-infusion checklist: each item's rule from the protocol data, and completion."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from kclinic.domain.errors import OutOfRangeError, UnknownNameError, ValidationError
from kclinic.domain.monitoring import DEFAULT_POLICY, VitalSigns
from kclinic.domain.prechecks import (
    ITEMS,
    AssessmentFact,
    ConsentFact,
    Entered,
    Item,
    ItemResult,
    PrecheckFacts,
    ScreeningFact,
    completion,
    evaluate,
)
from kclinic.domain.prechecks_policy import (
    ASA_FASTING,
    CLINIC_PROTOCOL,
    DEFAULT_PRECHECK_POLICY,
    SPRAVATO_FASTING,
    precheck_policy_from_overrides,
)
from kclinic.domain.sources import Source

TODAY = date(2026, 3, 3)
T0 = datetime(2026, 3, 3, 8, 30, tzinfo=UTC)
PHQ9 = AssessmentFact("phq9", complete=True, total=14, band="moderate")
CSSRS_LOW = AssessmentFact(
    "cssrs-screener", complete=True, band="low", flags=("suicidal_ideation",)
)
CSSRS_NONE = AssessmentFact("cssrs-screener", complete=True, band="none")
CSSRS_HIGH = AssessmentFact(
    "cssrs-screener", complete=True, band="high", flags=("suicidal_ideation",)
)
ANSWERED = Entered(
    fasting_hours=Decimal(8),
    liquids_hours=Decimal(3),
    escort_confirmed=True,
    escort_name="Chris Hart",
    pregnancy="negative",
    new_contraindication=False,
)


def vitals(sbp: int = 124, dbp: int = 78, minute: int = 0, **other: int | None) -> VitalSigns:
    values: dict[str, int | None] = {"hr_bpm": 72, "spo2_pct": 98, "rr_per_min": 14} | other
    return VitalSigns(sbp, dbp, T0 + timedelta(minutes=minute), **values)  # type: ignore[arg-type]


def facts(**changes: object) -> PrecheckFacts:
    """An IV session whose every item passes, with `changes` applied."""
    base = PrecheckFacts(
        modality="iv-racemic",
        today=TODAY,
        sex="female",
        age_years=41,
        consent=ConsentFact("iv-ketamine-treatment", signed_version=1, version_in_effect=1),
        screening=ScreeningFact("eligible", date(2026, 2, 20)),
        assessments=(PHQ9, CSSRS_NONE),
        baseline=(vitals(),),
        weight_measured_on=TODAY,
        entered=ANSWERED,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def entered(**changes: object) -> Entered:
    return replace(ANSWERED, **changes)  # type: ignore[arg-type]


def result(item: Item, the_facts: PrecheckFacts, policy=DEFAULT_PRECHECK_POLICY) -> ItemResult:
    found = {r.item: r for r in evaluate(the_facts, policy)}
    return found[item]


def test_everything_in_order_passes_and_completes() -> None:
    results = evaluate(facts())
    assert [r.item for r in results] == list(ITEMS)
    assert {r.status for r in results} == {"pass"}
    assert completion(results).complete


# --- each item, table-driven ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("item", "changes", "status", "words"),
    [
        # consent
        (
            Item.CONSENT,
            {"consent": ConsentFact("iv-ketamine-treatment", None, 1)},
            "fail",
            "no valid consent",
        ),
        (
            Item.CONSENT,
            {"consent": ConsentFact("iv-ketamine-treatment", 1, 2)},
            "warn",
            "version 2 is now in effect",
        ),
        (Item.CONSENT, {"consent": None}, "fail", "no consent document is set"),
        # contraindications
        (Item.CONTRAINDICATIONS, {"screening": None}, "fail", "no eligibility screening"),
        (
            Item.CONTRAINDICATIONS,
            {"screening": ScreeningFact("blocked", TODAY)},
            "fail",
            "absolute",
        ),
        (
            Item.CONTRAINDICATIONS,
            {"screening": ScreeningFact("override-needed", TODAY, ("psychosis-history",))},
            "fail",
            "psychosis-history",
        ),
        (
            Item.CONTRAINDICATIONS,
            {"screening": ScreeningFact("incomplete", TODAY)},
            "warn",
            "incomplete",
        ),
        (
            Item.CONTRAINDICATIONS,
            {"screening": ScreeningFact("eligible-with-overrides", TODAY)},
            "pass",
            "nothing new",
        ),
        (
            Item.CONTRAINDICATIONS,
            {
                "entered": entered(
                    new_contraindication=True, contraindication_note="new MAOI started"
                )
            },
            "fail",
            "new MAOI started",
        ),
        # fasting: IV 6 h food / 2 h liquids (ASA), esketamine 2 h / 30 min (label)
        (Item.FASTING, {"entered": entered(fasting_hours=Decimal(6))}, "pass", "at least 6 h"),
        (Item.FASTING, {"entered": entered(fasting_hours=Decimal("5.5"))}, "fail", "at least 6 h"),
        (
            Item.FASTING,
            {"entered": entered(liquids_hours=Decimal("1.5"))},
            "fail",
            "no liquids for 1.5 h",
        ),
        (
            Item.FASTING,
            {
                "modality": "esketamine",
                "entered": entered(fasting_hours=Decimal(2), liquids_hours=Decimal("0.5")),
            },
            "pass",
            "at least 2 h",
        ),
        (
            Item.FASTING,
            {"modality": "esketamine", "entered": entered(fasting_hours=Decimal("1.9"))},
            "fail",
            "at least 2 h",
        ),
        # escort
        (Item.ESCORT, {"entered": entered(escort_confirmed=False)}, "fail", "may not leave alone"),
        (Item.ESCORT, {}, "pass", "Chris Hart"),
        # pregnancy: female 12-55 by default
        (Item.PREGNANCY, {"entered": entered(pregnancy="positive")}, "fail", "POSITIVE"),
        (Item.PREGNANCY, {"entered": entered(pregnancy="not_done")}, "fail", "no test result"),
        (
            Item.PREGNANCY,
            {"entered": entered(pregnancy="no_potential", pregnancy_note="hysterectomy 2019")},
            "na",
            "hysterectomy 2019",
        ),
        (
            Item.PREGNANCY,
            {"sex": "male", "entered": entered(pregnancy=None)},
            "na",
            "not applicable",
        ),
        (
            Item.PREGNANCY,
            {"age_years": 56, "entered": entered(pregnancy=None)},
            "na",
            "not applicable",
        ),
        (Item.PREGNANCY, {"age_years": 55}, "pass", "negative"),
        # symptom scale
        (Item.SYMPTOM_SCALE, {"assessments": (CSSRS_NONE,)}, "fail", "no complete phq9"),
        (
            Item.SYMPTOM_SCALE,
            {"assessments": (AssessmentFact("phq9", complete=False), CSSRS_NONE)},
            "fail",
            "no complete phq9",
        ),
        (
            Item.SYMPTOM_SCALE,
            {"assessments": (replace(PHQ9, flags=("suicidal_ideation",)), CSSRS_NONE)},
            "warn",
            "safety task",
        ),
        # C-SSRS (Columbia triage: high blocks)
        (Item.CSSRS, {"assessments": (PHQ9,)}, "fail", "no C-SSRS"),
        (Item.CSSRS, {"assessments": (PHQ9, CSSRS_HIGH)}, "fail", "prescriber reviews"),
        (Item.CSSRS, {"assessments": (PHQ9, CSSRS_LOW)}, "warn", "low risk"),
        (
            Item.CSSRS,
            {"assessments": (PHQ9, AssessmentFact("cssrs-screener", complete=False))},
            "fail",
            "incomplete",
        ),
        (Item.CSSRS, {"assessments": (PHQ9, CSSRS_HIGH, CSSRS_NONE)}, "pass", "none"),
        # baseline vitals (vital-sign policy: > 140/90 warns per the esketamine label)
        (Item.BASELINE_VITALS, {"baseline": (vitals(141, 80),)}, "warn", "above 140/90"),
        (Item.BASELINE_VITALS, {"baseline": (vitals(140, 90),)}, "pass", "within pre-dose"),
        (Item.BASELINE_VITALS, {"baseline": (vitals(205, 100),)}, "fail", "200/120"),
        (
            Item.BASELINE_VITALS,
            {"baseline": (vitals(185, 100), vitals(184, 100, minute=5))},
            "fail",
            "pause and recheck",
        ),
        (Item.BASELINE_VITALS, {"baseline": (vitals(spo2_pct=93),)}, "warn", "SpO2 93%"),
        (Item.BASELINE_VITALS, {"baseline": (vitals(rr_per_min=None),)}, "fail", "add RR"),
        (Item.BASELINE_VITALS, {"symptoms": ("chest_pain",)}, "fail", "emergency care"),
        # weight today (weight-based routes)
        (Item.WEIGHT, {"weight_measured_on": date(2026, 3, 2)}, "fail", "last weighed 2026-03-02"),
        (Item.WEIGHT, {"weight_measured_on": None}, "fail", "no weight on file"),
        (Item.WEIGHT, {"modality": "esketamine", "weight_measured_on": None}, "na", "not required"),
    ],
)
def test_item_rule(item: Item, changes: dict[str, object], status: str, words: str) -> None:
    found = result(item, facts(**changes))
    assert found.status == status
    assert words in found.message
    assert found.hard_stop == (item is not Item.SYMPTOM_SCALE)


def test_sources_follow_the_protocol_data() -> None:
    assert result(Item.FASTING, facts()).source == ASA_FASTING
    assert result(Item.FASTING, facts(modality="esketamine")).source == SPRAVATO_FASTING
    warn = result(Item.BASELINE_VITALS, facts(baseline=(vitals(150, 80),)))
    assert warn.source == DEFAULT_POLICY.predose_warn_bp.source


@pytest.mark.parametrize(
    ("changes", "missing"),
    [
        (
            {"entered": Entered()},
            {Item.CONTRAINDICATIONS, Item.FASTING, Item.ESCORT, Item.PREGNANCY},
        ),
        ({"baseline": ()}, {Item.BASELINE_VITALS}),
        ({"entered": entered(pregnancy=None), "sex": "male"}, set()),
    ],
)
def test_unanswered_items_are_missing(changes: dict[str, object], missing: set[Item]) -> None:
    outcome = completion(evaluate(facts(**changes)))
    assert set(outcome.missing) == missing
    assert outcome.complete == (not missing)
    assert all(f"{item.value}: not recorded yet" in outcome.reasons() for item in missing)


def test_a_failed_screening_shows_before_the_nurse_answers() -> None:
    found = result(Item.CONTRAINDICATIONS, facts(screening=None, entered=Entered()))
    assert found.status == "fail"


def test_high_cssrs_blocks_until_a_prescriber_reviews() -> None:
    results = evaluate(facts(assessments=(PHQ9, CSSRS_HIGH)))
    outcome = completion(results)
    assert not outcome.complete
    assert [r.item for r in outcome.blocking] == [Item.CSSRS]
    assert "a prescriber must review it" in outcome.reasons()[0]
    reviewed = [replace(r, override_reason="Seen; safety plan in place") for r in results]
    assert completion(reviewed).complete


def test_high_cssrs_blocks_even_when_a_clinic_drops_it_from_hard_stops_by_mistake() -> None:
    policy = replace(
        DEFAULT_PRECHECK_POLICY,
        hard_stops=replace(DEFAULT_PRECHECK_POLICY.hard_stops, value=frozenset({Item.CONSENT})),
    )
    found = result(Item.CSSRS, facts(assessments=(PHQ9, CSSRS_HIGH)), policy)
    assert found.hard_stop
    assert found.blocking


def test_failure_of_an_item_that_is_not_a_hard_stop_does_not_block() -> None:
    outcome = completion(evaluate(facts(assessments=(CSSRS_NONE,))))
    assert outcome.complete


def test_the_latest_result_of_an_item_wins() -> None:
    failed = result(Item.FASTING, facts(entered=entered(fasting_hours=Decimal(1))))
    passed = result(Item.FASTING, facts())
    others = [r for r in evaluate(facts()) if r.item is not Item.FASTING]
    assert not completion([*others, passed, failed]).complete
    assert completion([*others, failed, passed]).complete


@pytest.mark.parametrize(
    ("changes", "error", "field"),
    [
        ({"fasting_hours": Decimal(-1)}, OutOfRangeError, "fasting_hours"),
        ({"fasting_hours": Decimal(73)}, OutOfRangeError, "fasting_hours"),
        ({"liquids_hours": Decimal(100)}, OutOfRangeError, "liquids_hours"),
        ({"pregnancy": "maybe"}, UnknownNameError, "pregnancy"),
        ({"pregnancy": "no_potential", "pregnancy_note": " "}, ValidationError, "pregnancy_note"),
        (
            {"new_contraindication": True, "contraindication_note": ""},
            ValidationError,
            "contraindication_note",
        ),
        ({"escort_name": "  "}, ValidationError, "escort_name"),
    ],
)
def test_bad_entries_are_refused_naming_the_field(
    changes: dict[str, object], error: type[Exception], field: str
) -> None:
    with pytest.raises(error) as caught:
        evaluate(facts(entered=entered(**changes)))
    assert caught.value.field == field  # type: ignore[attr-defined]
    assert str(caught.value).startswith(f"{field}: ")


# --- the clinic's overrides -------------------------------------------------------------------


def test_overrides_replace_values_and_cite_the_clinic() -> None:
    clinic = Source(id="riverside-v3", citation="Riverside protocol v3", confidence="policy")
    policy = precheck_policy_from_overrides(
        {
            "fasting_hours": 4,
            "escort_required": False,
            "childbearing_age_years": [14, 50],
            "symptom_instruments": ["phq9", "qids-sr16"],
            "hard_stops": ["consent", "cssrs"],
            "consent_documents": {"iv-racemic": "riverside-iv"},
        },
        clinic,
    )
    assert policy.fasting_hours.value == Decimal(4)
    assert policy.fasting_hours.source == clinic
    assert policy.fasting_hours_esketamine == DEFAULT_PRECHECK_POLICY.fasting_hours_esketamine
    assert policy.consent_code("iv-racemic") == "riverside-iv"
    assert policy.consent_code("esketamine") is None
    four_hours = facts(entered=entered(fasting_hours=Decimal(4)))
    assert result(Item.FASTING, four_hours, policy).status == "pass"
    assert result(Item.FASTING, four_hours, policy).hard_stop is False
    assert result(Item.ESCORT, facts(entered=entered(escort_confirmed=None)), policy).status == "na"
    assert result(Item.PREGNANCY, facts(age_years=51, entered=Entered()), policy).status == "na"
    qids = AssessmentFact("qids-sr16", complete=True, total=12)
    assert result(Item.SYMPTOM_SCALE, facts(assessments=(qids,)), policy).status == "pass"


def test_the_section_may_name_its_own_source() -> None:
    policy = precheck_policy_from_overrides({"source": "Riverside v3", "fasting_hours": 4})
    assert policy.fasting_hours.source.citation == "Riverside v3"
    assert policy.fasting_hours.source.confidence == "policy"
    with pytest.raises(ValidationError) as caught:
        precheck_policy_from_overrides({"source": " "})
    assert caught.value.field == "prechecks.source"


def test_no_overrides_is_the_default_policy() -> None:
    assert precheck_policy_from_overrides({}) == DEFAULT_PRECHECK_POLICY
    assert precheck_policy_from_overrides({"fasting_hours": 3}).fasting_hours.source == (
        CLINIC_PROTOCOL
    )


@pytest.mark.parametrize(
    ("overrides", "field", "allowed"),
    [
        ({"fasting_hour": 4}, "prechecks", "one of"),
        ({"fasting_hours": 25}, "prechecks.fasting_hours", "0 to 24 h"),
        ({"fasting_hours": "six"}, "prechecks.fasting_hours", "a finite number"),
        ({"escort_required": "yes"}, "prechecks.escort_required", "true or false"),
        ({"hard_stops": ["consent"]}, "prechecks.hard_stops", "includes 'cssrs'"),
        ({"hard_stops": ["consent", "cssrs", "mood"]}, "prechecks.hard_stops", "one of"),
        ({"cssrs_review_levels": ["moderate"]}, "prechecks.cssrs_review_levels", "includes 'high'"),
        (
            {"childbearing_age_years": [50, 14]},
            "prechecks.childbearing_age_years",
            "lowest < highest",
        ),
        ({"symptom_instruments": ["beck"]}, "prechecks.symptom_instruments", "one of"),
        ({"symptom_instruments": []}, "prechecks.symptom_instruments", "non-empty list"),
        ({"consent_documents": {"oral": "x"}}, "prechecks.consent_documents", "one of"),
        ({"weight_today_modalities": ["iv"]}, "prechecks.weight_today_modalities", "one of"),
    ],
)
def test_bad_overrides_are_refused_naming_the_key(
    overrides: dict[str, object], field: str, allowed: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        precheck_policy_from_overrides(overrides)
    assert caught.value.field == field
    assert allowed in caught.value.allowed


def test_a_clinic_may_make_moderate_cssrs_block_too() -> None:
    policy = precheck_policy_from_overrides({"cssrs_review_levels": ["moderate", "high"]})
    moderate = AssessmentFact("cssrs-screener", complete=True, band="moderate")
    assert result(Item.CSSRS, facts(assessments=(PHQ9, moderate)), policy).blocking
    assert not result(Item.CSSRS, facts(assessments=(PHQ9, moderate))).blocking


# --- properties -------------------------------------------------------------------------------


@given(
    hours=st.decimals(min_value=0, max_value=72, places=1),
    modality=st.sampled_from(["iv-racemic", "im-racemic", "intranasal-racemic", "esketamine"]),
)
def test_fasting_passes_exactly_from_the_protocol_minimum(hours: Decimal, modality: str) -> None:
    found = result(
        Item.FASTING,
        facts(modality=modality, entered=entered(fasting_hours=hours, liquids_hours=None)),
    )
    minimum = DEFAULT_PRECHECK_POLICY.fasting_minimum(modality).value
    assert (found.status == "pass") == (hours >= minimum)
    assert found.status in ("pass", "fail")


@given(
    sbp=st.integers(min_value=91, max_value=299),
    dbp=st.integers(min_value=20, max_value=199),
)
def test_baseline_bp_verdict_never_passes_above_the_predose_limit(sbp: int, dbp: int) -> None:
    assume(dbp < sbp)
    found = result(Item.BASELINE_VITALS, facts(baseline=(vitals(sbp, dbp),)))
    above = sbp > 140 or dbp > 90
    assert (found.status == "pass") == (not above)
