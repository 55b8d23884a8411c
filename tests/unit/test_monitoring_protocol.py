"""A clinic's protocol overrides: accepted keys become cited policy values; unknown keys,
bad values and thresholds out of order are refused naming "<section>.<key>"."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kclinic.domain import instruments
from kclinic.domain.errors import UnknownNameError, ValidationError
from kclinic.domain.monitoring import DEFAULT_POLICY, VitalSigns, assess
from kclinic.domain.monitoring_discharge import DEFAULT_DISCHARGE_POLICY, discharge_readiness
from kclinic.domain.monitoring_protocol import (
    DISCHARGE_KEYS,
    SCALE_TIME_POINTS,
    SESSION_SCALES,
    UNNAMED_PROTOCOL,
    VITAL_SIGN_KEYS,
    discharge_policy_from_overrides,
    vital_sign_policy_from_overrides,
)

T0 = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)


def test_no_overrides_keep_every_cited_default() -> None:
    assert vital_sign_policy_from_overrides({}) == DEFAULT_POLICY
    assert discharge_policy_from_overrides({}) == DEFAULT_DISCHARGE_POLICY


def test_an_override_carries_the_clinic_citation_and_names_the_default_it_replaced() -> None:
    policy = vital_sign_policy_from_overrides(
        {"pause_bp": [170, 105]}, source="Riverside protocol v3"
    )
    assert policy.pause_bp.value == (170, 105)
    assert policy.pause_bp.source.id == "clinic-protocol"
    assert policy.pause_bp.source.citation == "Riverside protocol v3"
    assert policy.pause_bp.source.confidence == "policy"
    assert "esketamine-standing-orders-forum" in policy.pause_bp.source.note
    # Keys left out keep their own default and source.
    assert policy.stop_bp == DEFAULT_POLICY.stop_bp


def test_the_section_source_wins_over_the_file_source_and_a_missing_one_is_named() -> None:
    own = vital_sign_policy_from_overrides(
        {"source": "MD memo 2026-04", "confirm_minutes": 10}, source="file"
    )
    assert own.confirm_minutes.source.citation == "MD memo 2026-04"
    unnamed = vital_sign_policy_from_overrides({"confirm_minutes": 10})
    assert unnamed.confirm_minutes.source.citation == UNNAMED_PROTOCOL


@pytest.mark.parametrize(
    ("overrides", "field", "allowed"),
    [
        ({"pause": [170, 105]}, "vital_signs", "pause_bp"),
        ({"confirm_minutes": 0}, "vital_signs.confirm_minutes", "1 to 30 min"),
        ({"confirm_minutes": 31}, "vital_signs.confirm_minutes", "1 to 30 min"),
        ({"confirm_minutes": 5.0}, "vital_signs.confirm_minutes", "a whole number"),
        ({"confirm_minutes": True}, "vital_signs.confirm_minutes", "a whole number"),
        ({"pause_bp": [170]}, "vital_signs.pause_bp", "two whole numbers"),
        ({"pause_bp": "170/105"}, "vital_signs.pause_bp", "two whole numbers"),
        ({"pause_bp": [170, 180]}, "vital_signs.pause_bp[1]", "below the systolic 170"),
        ({"stop_bp": [320, 120]}, "vital_signs.stop_bp[0]", "40 to 300 mmHg"),
        ({"hr_range_bpm": [120, 50]}, "vital_signs.hr_range_bpm[1]", "above the low limit"),
        ({"rr_range_per_min": [2, 30]}, "vital_signs.rr_range_per_min[0]", "4 to 60"),
        ({"min_spo2_pct": 101}, "vital_signs.min_spo2_pct", "50 to 100 %"),
        ({"infusion_interval_minutes": 45}, "vital_signs.infusion_interval_minutes", "1 to 30"),
        ({"recovery_interval_minutes": 0}, "vital_signs.recovery_interval_minutes", "1 to 60"),
        ({"symptom_override": False}, "vital_signs.symptom_override", "true only"),
        ({"source": "  "}, "vital_signs.source", "a non-blank citation"),
    ],
)
def test_bad_vital_sign_overrides_are_refused_naming_the_key(
    overrides: dict[str, object], field: str, allowed: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        vital_sign_policy_from_overrides(overrides)
    assert caught.value.field == field
    assert allowed in caught.value.allowed


def test_unknown_keys_list_every_accepted_key() -> None:
    with pytest.raises(UnknownNameError) as caught:
        vital_sign_policy_from_overrides({"pause_sbp": 170})
    assert set(caught.value.known) == set(VITAL_SIGN_KEYS)
    with pytest.raises(UnknownNameError) as caught:
        discharge_policy_from_overrides({"min_aldrete": 9})
    assert set(caught.value.known) == set(DISCHARGE_KEYS)


def test_a_crisis_symptom_rule_cannot_be_switched_off_but_may_be_restated() -> None:
    with pytest.raises(ValidationError, match=r"Spravato PI 5\.6"):
        vital_sign_policy_from_overrides({"symptom_override": False})
    assert vital_sign_policy_from_overrides({"symptom_override": True}).symptom_override.value


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        # Pause at or below the default pre-dose warning 140/90: the warning could never fire.
        ({"pause_bp": [140, 95]}, "vital_signs.predose_warn_bp[0]"),
        ({"pause_bp": [170, 90]}, "vital_signs.predose_warn_bp[1]"),
        # Stop at or below pause (180/110 by default): pause could never fire.
        ({"stop_bp": [180, 120]}, "vital_signs.pause_bp[0]"),
        ({"pause_bp": [190, 125], "stop_bp": [200, 120]}, "vital_signs.pause_bp[1]"),
        # Low systolic at or above the pre-dose warning systolic 140.
        ({"low_sbp_mmhg": 140}, "vital_signs.low_sbp_mmhg"),
    ],
)
def test_thresholds_out_of_order_are_refused(overrides: dict[str, object], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        vital_sign_policy_from_overrides(overrides)
    assert caught.value.field == field


def test_assess_follows_the_clinic_thresholds() -> None:
    # Default pause is 180/110: 172/100 in infusion raises nothing. A clinic pausing at
    # 170/105 gets a recheck on the first such reading and a confirmed pause 5 min later.
    first = VitalSigns(172, 100, T0, hr_bpm=80)
    second = VitalSigns(171, 98, T0 + timedelta(minutes=5), hr_bpm=80)
    assert assess((), first, (), "infusion") == []
    clinic = vital_sign_policy_from_overrides({"pause_bp": [170, 105]}, source="Riverside")
    assert [a.rule for a in assess((), first, (), "infusion", clinic)] == ["bp-recheck"]
    confirmed = assess((first,), second, (), "infusion", clinic)
    assert [(a.rule, a.level) for a in confirmed] == [("bp-pause", "pause")]
    assert confirmed[0].source.citation == "Riverside"


def test_interval_and_range_overrides_reach_the_policy() -> None:
    policy = vital_sign_policy_from_overrides(
        {
            "predose_warn_bp": [150, 95],
            "hr_range_bpm": [45, 130],
            "rr_range_per_min": [8, 28],
            "min_spo2_pct": 92,
            "low_sbp_mmhg": 85,
            "infusion_interval_minutes": 15,
            "recovery_interval_minutes": 30,
            "stop_bp": [210, 125],
        }
    )
    assert policy.predose_warn_bp.value == (150, 95)
    assert policy.hr_range_bpm.value == (45, 130)
    assert policy.rr_range_per_min.value == (8, 28)
    assert policy.min_spo2_pct.value == 92
    assert policy.low_sbp_mmhg.value == 85
    assert policy.infusion_interval_minutes.value == 15
    assert policy.recovery_interval_minutes.value == 30
    assert policy.stop_bp.value == (210, 125)


@pytest.mark.parametrize(
    ("overrides", "field", "allowed"),
    [
        (
            {"esketamine_min_observation_minutes": 90},
            "discharge.esketamine_min_observation_minutes",
            "120 to 480",
        ),
        ({"iv_min_observation_minutes": 20}, "discharge.iv_min_observation_minutes", "30 to 480"),
        ({"aldrete_min_total": 7}, "discharge.aldrete_min_total", "8 to 10"),
        ({"aldrete_min_total": 11}, "discharge.aldrete_min_total", "8 to 10"),
        ({"circulation_rule": "kpa"}, "discharge.circulation_rule", "mmhg, percent"),
        ({"baseline_band_mmhg": 60}, "discharge.baseline_band_mmhg", "5 to 50 mmHg"),
        ({"moaas_required": 4}, "discharge.moaas_required", "5 only"),
        ({"escort_required": "yes"}, "discharge.escort_required", "true or false"),
    ],
)
def test_bad_discharge_overrides_are_refused_naming_the_key(
    overrides: dict[str, object], field: str, allowed: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        discharge_policy_from_overrides(overrides)
    assert caught.value.field == field
    assert allowed in caught.value.allowed


def test_discharge_overrides_change_readiness() -> None:
    baseline = VitalSigns(130, 80, T0)
    latest = VitalSigns(140, 85, T0 + timedelta(minutes=130))
    # (2,2,[circulation 2],1,1) = 8: not ready by default (>= 9), ready at a clinic taking 8.
    items = {"activity": 2, "respiration": 2, "consciousness": 1, "spo2": 1}
    args = ("esketamine", T0, T0 + timedelta(minutes=10), T0 + timedelta(minutes=130))
    default = discharge_readiness(*args, baseline, latest, items, 5, True)
    assert [u.criterion for u in default.unmet] == ["aldrete"]
    policy = discharge_policy_from_overrides(
        {"aldrete_min_total": 8, "escort_required": False, "source": "Riverside"}
    )
    clinic = discharge_readiness(*args, baseline, latest, items, 5, False, policy)
    assert clinic.ready
    # 130 min observed: a clinic raising the esketamine minimum to 150 is not ready yet.
    longer = discharge_policy_from_overrides({"esketamine_min_observation_minutes": 150})
    waiting = discharge_readiness(*args, baseline, latest, items | {"spo2": 2}, 5, True, longer)
    assert [u.criterion for u in waiting.unmet] == ["observation-time"]


def test_a_section_must_be_an_object() -> None:
    with pytest.raises(ValidationError) as caught:
        discharge_policy_from_overrides([("aldrete_min_total", 8)])  # type: ignore[arg-type]
    assert caught.value.field == "discharge"


def test_session_scales_exist_and_time_points_include_the_trial_schedule() -> None:
    for instrument_id in SESSION_SCALES.value:
        assert instruments.get(instrument_id).id == instrument_id
    # CADSS at 0 (pre-dose), 40, 120 and 240 min in the trial protocol (reference 3.1).
    assert {"pre-dose", "40 min", "120 min", "240 min"} <= set(SCALE_TIME_POINTS.value)


ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "clinical" / "monitoring.md"
EXAMPLE = ROOT / "docs" / "examples" / "protocol.json"


@pytest.mark.parametrize("key", sorted({*VITAL_SIGN_KEYS, *DISCHARGE_KEYS}))
def test_every_accepted_key_is_documented(key: str) -> None:
    # A row of the key tables: "| `key` | default | allowed | source |".
    rows = [line for line in DOC.read_text(encoding="utf-8").splitlines() if line.startswith("|")]
    assert any(row.startswith(f"| `{key}` |") for row in rows), key


def test_the_example_file_is_accepted_and_changes_what_it_says() -> None:
    document = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    assert set(document) <= {"source", "vital_signs", "discharge", "prechecks", "dosing"}
    vitals = vital_sign_policy_from_overrides(document["vital_signs"], document["source"])
    discharge = discharge_policy_from_overrides(document["discharge"], document["source"])
    # Every key of the example is used, so the example exercises the whole schema.
    assert set(document["vital_signs"]) == set(VITAL_SIGN_KEYS)
    assert set(document["discharge"]) == set(DISCHARGE_KEYS)
    assert vitals.pause_bp.value == (170, 105)
    assert vitals.predose_warn_bp.value == (150, 95)
    assert vitals.min_spo2_pct.value == 94
    assert vitals.pause_bp.source.citation.startswith("Riverside protocol v3, section 4")
    assert discharge.iv_min_observation_minutes.value == 60
    assert discharge.aldrete_min_total.source.citation.startswith(
        "Riverside protocol v3, section 6"
    )
