"""Regimens become the right piecewise-constant input."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kclinic.domain.errors import OutOfRangeError, ValidationError
from kclinic.domain.pk.regimen import Bolus, Infusion, Regimen, constant_infusion, course


def test_overlapping_infusions_add_and_boluses_sit_at_segment_starts():
    regimen = Regimen(
        infusions=(
            Infusion(Decimal(0), Decimal(40), Decimal("0.875")),
            Infusion(Decimal(10), Decimal(40), Decimal("0.5")),
        ),
        boluses=(Bolus(Decimal(10), Decimal(5)),),
    )
    assert [
        (s.start_min, s.end_min, s.rate_mg_per_min, s.bolus_mg) for s in regimen.segments()
    ] == [
        (0.0, 10.0, 0.875, 0.0),
        (10.0, 40.0, 1.375, 5.0),
        (40.0, 50.0, 0.5, 0.0),
        (50.0, float("inf"), 0.0, 0.0),
    ]
    assert regimen.total_dose_mg == Decimal(35) + Decimal(20) + Decimal(5)


def test_course_repeats_the_session():
    week = Decimal(7 * 24 * 60)
    regimen = course(constant_infusion(Decimal(35), Decimal(40)), (Decimal(0), week, 2 * week))
    assert regimen.total_dose_mg == Decimal(105)
    assert [i.start_min for i in regimen.infusions] == [Decimal(0), week, 2 * week]
    with pytest.raises(ValidationError, match="strictly increasing"):
        course(constant_infusion(Decimal(35), Decimal(40)), (week, Decimal(0)))


def test_bad_inputs_name_the_field():
    with pytest.raises(OutOfRangeError, match="duration_min"):
        Infusion(Decimal(0), Decimal(0), Decimal(1))
    with pytest.raises(OutOfRangeError, match="dose_mg"):
        constant_infusion(Decimal(-1), Decimal(40))
    with pytest.raises(OutOfRangeError, match="pause for_min"):
        constant_infusion(Decimal(35), Decimal(40)).paused(Decimal(10), Decimal(0))
