"""Discharge readiness vectors (reference 3.5, 5.10, 5.11; REMS 3.6)."""

from datetime import UTC, datetime, timedelta

import pytest

from kclinic.domain.errors import UnknownNameError, ValidationError
from kclinic.domain.monitoring import VitalSigns
from kclinic.domain.monitoring_discharge import discharge_readiness

T0 = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
BASELINE = VitalSigns(130, 80, T0, hr_bpm=72, spo2_pct=98, rr_per_min=14)
# Aldrete items other than circulation; with baseline 130 and latest 140 (|change| 10 <= 20),
# circulation scores 2, so (2,2,2,1,2) -> 9 and (2,2,2,1,1) -> 8 (reference 5.11 vectors).
NINE = {"activity": 2, "respiration": 2, "consciousness": 1, "spo2": 2}
EIGHT = {"activity": 2, "respiration": 2, "consciousness": 1, "spo2": 1}


def latest(sbp: int = 140, dbp: int = 85, minute: int = 130) -> VitalSigns:
    return VitalSigns(sbp, dbp, T0 + timedelta(minutes=minute))


def check(
    modality: str = "esketamine",
    now_min: int = 130,
    items: dict[str, int] = NINE,
    last: VitalSigns | None = None,
    moaas: int = 5,
    escort: bool = True,
    ended_min: int = 10,
):  # type: ignore[no-untyped-def]
    return discharge_readiness(
        modality,
        T0,
        T0 + timedelta(minutes=ended_min),
        T0 + timedelta(minutes=now_min),
        BASELINE,
        last or latest(),
        items,
        moaas,
        escort,
    )


def unmet(result) -> list[str]:  # type: ignore[no-untyped-def]
    return [u.criterion for u in result.unmet]


def test_aldrete_nine_is_ready() -> None:
    result = check()
    assert result.ready is True
    assert result.unmet == ()
    assert result.aldrete_total == 9
    assert result.observed_minutes == 130


def test_aldrete_eight_is_not_ready() -> None:
    result = check(items=EIGHT)
    assert result.ready is False
    assert unmet(result) == ["aldrete"]
    assert result.aldrete_total == 8
    assert result.unmet[0].source.id == "aldrete-discharge-9"


def test_esketamine_at_110_minutes_is_not_ready() -> None:
    result = check(now_min=110)
    assert unmet(result) == ["observation-time"]
    assert "110 min since the first device; at least 120" in result.unmet[0].message
    assert result.unmet[0].source.id == "spravato-rems-2h"
    assert check(now_min=120).ready is True


def test_iv_counts_from_the_end_of_the_infusion() -> None:
    # Infusion 09:00-09:40; 60 min default after the end -> ready from 10:40.
    assert unmet(check("iv", now_min=99, ended_min=40)) == ["observation-time"]
    assert check("iv", now_min=100, ended_min=40).ready is True


def test_circulation_is_computed_from_systolic_pressure() -> None:
    # 130 -> 155: |change| 25 mmHg -> circulation 1 (mmHg rule) -> total 8; and 25 > 20 from
    # baseline for the systolic criterion.
    result = check(last=latest(155, 85))
    assert result.aldrete_total == 8
    assert unmet(result) == ["aldrete", "systolic-baseline"]


def test_diastolic_away_from_baseline() -> None:
    # 80 -> 101: 21 mmHg > 20.
    assert unmet(check(last=latest(140, 101))) == ["diastolic-baseline"]
    assert check(last=latest(140, 100)).ready is True


def test_every_unmet_criterion_is_named() -> None:
    result = check(now_min=60, items=EIGHT, last=latest(175, 105), moaas=4, escort=False)
    assert unmet(result) == [
        "observation-time",
        "aldrete",
        "systolic-baseline",
        "diastolic-baseline",
        "moaas",
        "escort",
    ]
    assert result.ready is False


def test_bad_input() -> None:
    with pytest.raises(UnknownNameError, match="modality: 'im'"):
        check("im")
    with pytest.raises(ValidationError, match="moaas: 6"):
        check(moaas=6)
    with pytest.raises(ValidationError, match=r"aldrete_items\.circulation"):
        check(items={**NINE, "circulation": 2})
    with pytest.raises(ValidationError, match=r"aldrete_items\.spo2: None .* 0 to 2"):
        check(items={"activity": 2, "respiration": 2, "consciousness": 1})
    with pytest.raises(ValidationError, match="now:"):
        check(now_min=5)
