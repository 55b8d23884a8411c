"""Long-term safety follow-up rules: each rule fires on the data it names, keys stay stable
while an episode lasts, and a clinic can override the thresholds."""

from __future__ import annotations

from dataclasses import fields
from datetime import date, timedelta
from decimal import Decimal

import pytest

from kclinic.domain import safety_followup as sf
from kclinic.domain.errors import UnknownNameError, ValidationError
from kclinic.domain.outcome_stats import Dose
from kclinic.domain.sources import Source

D1 = date(2025, 3, 3)


def day(n: int) -> date:
    return D1 + timedelta(days=n)


def keys(facts: sf.FollowupFacts, today: date, policy: sf.FollowupPolicy = sf.DEFAULT_POLICY):
    return [f.key for f in sf.evaluate(facts, today, policy)]


def urinary(*reports: tuple[int, set[str]]) -> sf.FollowupFacts:
    return sf.FollowupFacts(
        urinary=tuple(sf.UrinaryReport(day(n), frozenset(s)) for n, s in reports)
    )


# -- urinary ------------------------------------------------------------------------------


def test_urinary_symptoms_ask_for_urinalysis():
    found = sf.evaluate(urinary((0, {"frequency"})), day(1))
    assert [(f.rule, f.key) for f in found] == [("urinary", "urinary:2025-03-03")]
    assert "urinalysis" in found[0].title
    assert "frequency" in found[0].detail


def test_urinary_key_is_the_start_of_the_current_run():
    facts = urinary((0, set()), (7, {"urgency"}), (14, {"urgency", "dysuria"}))
    assert keys(facts, day(14)) == ["urinary:2025-03-10"]
    # A symptom-free report ends the episode; a later report starts a new one.
    assert keys(urinary((0, {"urgency"}), (7, set())), day(7)) == []
    assert keys(urinary((0, {"urgency"}), (7, set()), (14, {"haematuria"})), day(14)) == [
        "urinary:2025-03-17"
    ]


def test_urinary_symptoms_in_free_text():
    assert sf.urinary_symptoms_in("Burning when passing\nurine, and blood in the urine") == {
        "dysuria",
        "haematuria",
    }
    assert sf.urinary_symptoms_in("Nausea and headache") == frozenset()


def test_symptoms_outside_the_list_do_not_fire():
    assert keys(urinary((0, {"thirst"})), day(0)) == []


# -- exposure reminders -------------------------------------------------------------------


def half_mg_per_kg(days: list[int]) -> tuple[Dose, ...]:
    return tuple(Dose(day(n), Decimal(35), Decimal(70)) for n in days)


def test_more_than_4_mg_per_kg_in_30_days_starts_lft_and_cognitive_reminders():
    # Nine 0.5 mg/kg doses every 3 days: the 9th (day 24) brings the window to 4.5 mg/kg.
    facts = sf.FollowupFacts(doses=half_mg_per_kg(list(range(0, 27, 3))))
    assert keys(facts, day(24)) == ["lft:2025-03-27:0", "cognitive:2025-03-27:0"]
    # Eight doses (4.0 mg/kg) are not above the level.
    assert keys(sf.FollowupFacts(doses=half_mg_per_kg(list(range(0, 24, 3)))), day(30)) == []


def test_reminders_repeat_each_interval_while_treatment_continues():
    doses = [*range(0, 27, 3), 100]
    facts = sf.FollowupFacts(doses=half_mg_per_kg(doses))
    # 90 days after the first trigger (day 24) the liver tests are due again, not the screen.
    assert keys(facts, day(114)) == ["lft:2025-03-27:1", "cognitive:2025-03-27:0"]
    # More than 90 days after the last dose (day 100) the reminders stop.
    assert keys(facts, day(191)) == []


def test_cumulative_exposure_triggers_reminders():
    # Weekly 0.5 mg/kg: never 4 mg/kg in 30 days, but 12 mg/kg after the 24th dose.
    facts = sf.FollowupFacts(doses=half_mg_per_kg([7 * n for n in range(24)]))
    assert keys(facts, day(7 * 22)) == []
    assert keys(facts, day(7 * 23)) == ["lft:2025-08-11:0", "cognitive:2025-08-11:0"]


def test_frequent_maintenance_triggers_reminders():
    facts = sf.FollowupFacts(maintenance_sessions=tuple(day(n) for n in (0, 5, 10, 15, 20, 25)))
    assert keys(facts, day(25)) == ["lft:2025-03-28:0", "cognitive:2025-03-28:0"]
    # Weekly sessions put at most 5 in any 30 days.
    weekly = sf.FollowupFacts(maintenance_sessions=tuple(day(n) for n in (0, 7, 14, 21, 28)))
    assert keys(weekly, day(28)) == []


# -- misuse ---------------------------------------------------------------------------------


def signals(*days: int) -> sf.FollowupFacts:
    return sf.FollowupFacts(
        misuse=tuple(
            sf.MisuseSignal(day(n), "early_request" if i % 2 else "dose_escalation")
            for i, n in enumerate(days)
        )
    )


def test_two_misuse_signals_within_60_days_ask_for_prescriber_review():
    assert keys(signals(0), day(0)) == []
    found = sf.evaluate(signals(0, 10), day(10))
    assert [f.key for f in found] == ["misuse:2025-03-13"]
    assert "prescriber review" in found[0].title
    assert "dose escalation, early request" in found[0].detail
    assert keys(signals(0, 10, 20), day(20)) == ["misuse:2025-03-13"]  # same episode
    assert keys(signals(0, 70), day(70)) == []  # 70 days apart
    assert keys(signals(0, 10), day(80)) == []  # nothing for 70 days


# -- blood pressure -------------------------------------------------------------------------


def pressures(*readings: tuple[int, int]) -> sf.FollowupFacts:
    return sf.FollowupFacts(
        predose_bp=tuple(sf.BloodPressure(day(3 * i), s, d) for i, (s, d) in enumerate(readings))
    )


def test_three_sessions_in_a_row_above_140_90():
    assert keys(pressures((150, 85), (145, 80)), day(3)) == []
    assert keys(pressures((130, 80), (150, 85), (135, 95), (142, 80)), day(9)) == [
        "bp-trend:2025-03-12"  # the session that made it three in a row
    ]
    assert keys(pressures((150, 85), (145, 80), (140, 90)), day(6)) == []  # 140/90 is not above


def test_a_sustained_rise_from_the_patients_own_level():
    # Mean of the first 3: 112; of the latest 3: 133.3; a 21 mmHg rise although none is > 140.
    facts = pressures((110, 70), (112, 70), (114, 70), (130, 80), (134, 80), (136, 80))
    assert keys(facts, day(15)) == ["bp-trend:2025-03-18"]


# -- the whole -------------------------------------------------------------------------------


def test_evaluate_is_repeatable_and_ignores_the_future():
    facts = sf.FollowupFacts(
        urinary=(sf.UrinaryReport(day(0), frozenset({"urgency"})),),
        misuse=(
            sf.MisuseSignal(day(5), "early_request"),
            sf.MisuseSignal(day(40), "early_request"),
        ),
    )
    assert keys(facts, day(6)) == ["urinary:2025-03-03"]
    assert keys(facts, day(6)) == keys(facts, day(6))
    assert keys(facts, day(40)) == ["urinary:2025-03-03", "misuse:2025-04-12"]


def test_policy_from_overrides_named_values():
    clinic = Source(id="riverside", citation="Riverside protocol v3")
    policy = sf.policy_from({"window_mg_per_kg": "3.0", "bp_above": [150, 95]}, clinic)
    assert policy.window_mg_per_kg.value == Decimal("3.0")
    assert policy.window_mg_per_kg.source is clinic
    assert policy.bp_above.value == (150, 95)
    facts = sf.FollowupFacts(doses=half_mg_per_kg([0, 3, 6, 9, 12, 15, 18]))  # 3.5 mg/kg
    assert keys(facts, day(18)) == []
    assert keys(facts, day(18), policy) == ["lft:2025-03-21:0", "cognitive:2025-03-21:0"]
    with pytest.raises(UnknownNameError):
        sf.policy_from({"lft_every_weeks": 12}, clinic)
    with pytest.raises(ValidationError):
        sf.policy_from({"lft_every_days": 0}, clinic)
    with pytest.raises(ValidationError):
        sf.policy_from({"bp_above": [150]}, clinic)


def test_every_policy_value_is_cited():
    for field in fields(sf.FollowupPolicy):
        cited = getattr(sf.DEFAULT_POLICY, field.name)
        assert cited.source.citation, field.name
        if cited.source.confidence == "policy":
            assert "evidence:" in cited.source.note, field.name
