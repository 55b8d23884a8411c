"""Geometry of the vitals chart, checked against hand-placed points.

Canvas 640 x 260; plot from x 44 to 628 (584 wide); the BP/HR panel from y 10 to
10 + 0.7 x (260 - 10 - 28 - 18) = 10 + 142.8 = 152.8; the SpO2 panel from 170.8 to 232.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kclinic.web.infusions.vitals_chart import Reading, build_chart

T0 = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def test_points_land_where_worked_by_hand() -> None:
    readings = [
        Reading(at(0), 220, 40, 130, 100),
        Reading(at(30), 130, 85, None, 90),
        Reading(at(60), 250, 30, 80, 70),  # off the scales: drawn on the panel edges
    ]
    chart = build_chart(readings, at(0), at(60), dosing_started_at=at(15))
    main, oxygen = chart.panels
    assert (main.top, main.bottom, oxygen.top, oxygen.bottom) == (10, 152.8, 170.8, 232)
    sbp, dbp, hr = main.lines
    # x: 44 + 584 x minutes / 60 -> 0 min: 44; 30 min: 336; 60 min: 628.
    assert [(m.x, m.y) for m in sbp.marks] == [(44, 10), (336, 81.4), (628, 10)]
    # 130 mmHg: 152.8 - 142.8 x (130 - 40) / 180 = 152.8 - 71.4 = 81.4.
    # Diastolic 40 -> 152.8; 85 -> 152.8 - 142.8 x 45 / 180 = 117.1; 30 clamps to 40.
    assert [m.y for m in dbp.marks] == [152.8, 117.1, 152.8]
    assert [m.value for m in hr.marks] == [130, 80]  # a missing HR is skipped, not zero
    (spo2,) = oxygen.lines
    # SpO2 panel 80-100 over 61.2 units: 100 -> 170.8; 90 -> 201.4; 70 clamps to 80 -> 232.
    assert [m.y for m in spo2.marks] == [170.8, 201.4, 232]
    assert chart.start_x == 190  # 15 min: 44 + 146
    assert sbp.points == "44.0,10.0 336.0,81.4 628.0,10.0"


def test_ticks_and_an_empty_chart() -> None:
    chart = build_chart([], at(0), at(10))
    assert chart.empty
    # At least 30 min wide; 5-min ticks give 7 labels (0 to 30), within the 9 allowed.
    assert [t.label for t in chart.x_ticks] == ["0", "5", "10", "15", "20", "25", "30"]
    long = build_chart([], at(0), at(200))
    assert [t.label for t in long.x_ticks] == ["0", "30", "60", "90", "120", "150", "180"]
    main, oxygen = long.panels
    assert [t.label for t in main.y_ticks] == ["40", "80", "120", "160", "200"]
    assert [t.label for t in oxygen.y_ticks] == ["80", "85", "90", "95", "100"]
    assert long.start_x is None
