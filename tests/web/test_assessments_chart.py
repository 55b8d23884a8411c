"""Trajectory chart geometry, series building and entry-page helpers: pure functions, no
database. Expected coordinates are hand arithmetic on the default frame:

    plot x from 60 to 700 (640 units), plot y from 20 (top) to 236 (bottom, 216 units),
    so a PHQ-9 point (0-27) moves 216 / 27 = 8 units per scale point.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

import kclinic
from kclinic.domain.errors import AnswerError
from kclinic.domain.instruments import REGISTRY
from kclinic.web.assessments.chart import (
    Frame,
    Series,
    Threshold,
    Tick,
    date_ticks,
    layout,
    score_ticks,
    time_domain,
    x_at,
    y_at,
)
from kclinic.web.assessments.entry import (
    asked_items,
    drop_unasked,
    gate_notes,
    instrument_version,
    item_for_error,
    item_views,
    parse_answers,
)
from kclinic.web.assessments.trajectory import ChartRow, trajectory_series

UTC = dt.UTC
DAY0 = dt.datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def day(n: float) -> dt.datetime:
    return DAY0 + dt.timedelta(days=n)


# -- chart geometry --------------------------------------------------------------------


def test_the_default_frame_leaves_a_640_by_216_plot():
    frame = Frame()
    assert (frame.plot_left, frame.plot_right, frame.plot_top, frame.plot_bottom) == (
        60,
        700,
        20,
        236,
    )


@pytest.mark.parametrize(
    ("score", "max_score", "y"),
    [
        (0, 27, 236.0),  # bottom
        (27, 27, 20.0),  # top
        (10, 27, 156.0),  # 236 - 10 x 8
        (Decimal("10.5"), 27, 152.0),  # 236 - 10.5 x 8
        (30, 60, 128.0),  # 236 - 30 x 3.6
        (5, 27, 196.0),  # 236 - 40
    ],
)
def test_scores_run_up_from_the_bottom(score, max_score, y):
    assert y_at(score, max_score, 20, 236) == y


def test_the_time_axis_is_padded_by_12_hours_or_4_percent():
    # 10 days: 4% is 9.6 h, less than 12 h, so 12 h each side.
    assert time_domain([day(0), day(10)]) == (day(-0.5), day(10.5))
    # 50 days: 4% is 2 days.
    assert time_domain([day(50), day(0)]) == (day(-2), day(52))
    # A lone point gets a day-wide axis centred on it.
    assert time_domain([day(3)]) == (day(2.5), day(3.5))
    with pytest.raises(ValueError, match="at least one time"):
        time_domain([])


def test_times_are_placed_linearly():
    start, end = day(-0.5), day(10.5)  # 11 days over 640 units
    assert x_at(day(0), start, end, 60, 700) == 89.1  # 60 + 640 x 0.5 / 11 = 89.09
    assert x_at(day(10), start, end, 60, 700) == 670.9  # 60 + 640 x 10.5 / 11 = 670.91
    assert x_at(day(5), start, end, 60, 700) == 380.0  # the middle


def test_a_daylight_saving_change_does_not_bend_the_time_axis():
    london = ZoneInfo("Europe/London")  # clocks go forward at 01:00 UTC on 2026-03-29
    start = dt.datetime(2026, 3, 28, 12, tzinfo=london)  # GMT
    end = dt.datetime(2026, 3, 30, 12, tzinfo=london)  # BST: 47 real hours later
    middle = dt.datetime(2026, 3, 29, 12, tzinfo=london)  # 23 real hours after start
    # 60 + 640 x 23 / 47 = 373.19 (a wall-clock reading would wrongly give 380).
    assert x_at(middle, start, end, 60, 700) == 373.2


@pytest.mark.parametrize(
    ("max_score", "ticks"),
    [
        (27, (0, 5, 10, 15, 20, 25)),
        (60, (0, 10, 20, 30, 40, 50, 60)),
        (10, (0, 2, 4, 6, 8, 10)),
        (5, (0, 1, 2, 3, 4, 5)),
        (92, (0, 20, 40, 60, 80)),
    ],
)
def test_score_ticks_are_round_numbers(max_score, ticks):
    assert score_ticks(max_score) == ticks


def test_date_ticks_fall_on_midnights_with_a_readable_step():
    # 1 Jan 12:00 to 4 Jan 12:00: daily ticks from the first midnight after the start.
    start = dt.datetime(2026, 1, 1, 12, tzinfo=UTC)
    end = dt.datetime(2026, 1, 4, 12, tzinfo=UTC)
    assert [t.day for t in date_ticks(start, end)] == [2, 3, 4]
    # 1 Jan to 1 Mar (59 days): 1, 2 and 7-day steps give 60, 30 and 9 ticks; 14 days give 5.
    start = dt.datetime(2026, 1, 1, tzinfo=UTC)
    end = dt.datetime(2026, 3, 1, tzinfo=UTC)
    assert [f"{t:%m-%d}" for t in date_ticks(start, end)] == [
        "01-01",
        "01-15",
        "01-29",
        "02-12",
        "02-26",
    ]


def test_date_ticks_stay_few_over_years():
    ticks = date_ticks(day(0), day(3650))
    assert 1 <= len(ticks) <= 6
    assert all(t.hour == 0 and t.minute == 0 for t in ticks)


def _phq9_series(**changes: object) -> Series:
    values: dict[str, object] = {
        "key": "phq9",
        "title": "PHQ-9 total over time",
        "y_label": "PHQ-9 total",
        "max_score": 27,
        "points": ((day(10), 9), (day(0), 21)),  # out of order on purpose
        "infusions": (day(2), day(4)),
        "thresholds": (
            Threshold("response", Decimal("10.5"), "response ≤ 10.5"),
            Threshold("remission", Decimal(5), "remission < 5"),
        ),
        "description": "two points",
    }
    values.update(changes)
    return Series(**values)  # type: ignore[arg-type]


def test_layout_places_points_in_time_order_with_thresholds_and_infusions():
    g = layout(_phq9_series())
    # Domain day -0.5 .. day 10.5 (pad 12 h): x as in test_times_are_placed_linearly.
    # y: 21 -> 236 - 168 = 68; 9 -> 236 - 72 = 164.
    assert [(m.x, m.y) for m in g.marks] == [(89.1, 68.0), (670.9, 164.0)]
    assert g.polyline == "89.1,68.0 670.9,164.0"
    assert g.marks[0].label == "2026-01-05 09:00: 21"
    # Infusions at day 2 and 4: 60 + 640 x 2.5 / 11 = 205.45; 60 + 640 x 4.5 / 11 = 321.82.
    assert [i.at for i in g.infusions] == [205.5, 321.8]
    assert g.infusions[0].label == "infusion 2026-01-07 09:00"
    # Thresholds: 10.5 -> 152; 5 -> 196; labels 4 units above, on alternate sides.
    assert [(r.kind, r.y, r.label_y, r.anchor, r.label_x) for r in g.rules] == [
        ("response", 152.0, 148.0, "start", 64),
        ("remission", 196.0, 192.0, "end", 696),
    ]
    assert [t.label for t in g.y_ticks] == ["0", "5", "10", "15", "20", "25"]
    assert g.y_ticks[1].at == 196.0
    # Date ticks every 2 days from the first midnight (4 Jan 21:00 + 3 h, 264 h in all):
    # 5 Jan at 60 + 640 x 3 / 264 = 67.3, anchored at its start so it stays on the canvas.
    assert [t.label for t in g.x_ticks] == [f"2026-01-{d:02d}" for d in (5, 7, 9, 11, 13, 15)]
    assert g.x_ticks[0] == Tick(67.3, "2026-01-05", "start")
    assert (g.x_ticks[-1].at, g.x_ticks[-1].anchor) == (649.1, "middle")  # 243 h in
    assert (g.title, g.desc, g.key, g.width, g.height) == (
        "PHQ-9 total over time",
        "two points",
        "phq9",
        720,
        300,
    )


def test_a_date_label_at_the_right_edge_is_anchored_at_its_end():
    # 09:00 and 12:30 on 5 Jan: padded 12 h each side, 27.5 h in all; 6 Jan 00:00 is 27 h
    # in, at 60 + 640 x 27 / 27.5 = 688.4, within 30 of the right edge (700).
    points = ((day(0), 3), (day(0) + dt.timedelta(hours=3.5), 2))
    g = layout(_phq9_series(points=points, infusions=()))
    assert [(t.label, t.at, t.anchor) for t in g.x_ticks] == [
        ("2026-01-05", 129.8, "middle"),
        ("2026-01-06", 688.4, "end"),
    ]


def test_infusions_outside_the_scores_widen_the_time_axis():
    g = layout(_phq9_series(points=((day(0), 21),), infusions=(day(10),)))
    # Domain day -0.5 .. 10.5 again, now set by the baseline and the infusion.
    assert g.marks[0].x == 89.1
    assert g.infusions[0].at == 670.9


@given(
    st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=20),
    st.integers(min_value=1, max_value=60),
)
def test_every_point_lies_inside_the_plot(minutes, max_score):
    points = tuple((DAY0 + dt.timedelta(hours=m), m % (max_score + 1)) for m in minutes)
    g = layout(_phq9_series(points=points, infusions=(), max_score=max_score, thresholds=()))
    for mark in g.marks:
        assert g.left <= mark.x <= g.right
        assert g.top <= mark.y <= g.bottom
    xs = [m.x for m in g.marks]
    assert xs == sorted(xs)


@given(st.integers(min_value=1, max_value=100), st.data())
def test_a_higher_score_is_never_lower_on_the_chart(max_score, data):
    low = data.draw(st.integers(min_value=0, max_value=max_score))
    high = data.draw(st.integers(min_value=low, max_value=max_score))
    assert y_at(high, max_score, 20, 236) <= y_at(low, max_score, 20, 236)


# -- series from stored totals -----------------------------------------------------------


def test_series_use_the_default_outcome_definitions_and_the_first_complete_baseline():
    rows = [
        ChartRow("phq9", day(-1), None, False),  # incomplete: never the baseline
        ChartRow("phq9", day(0), 21, True),
        ChartRow("phq9", day(7), 11, True),  # 47.6% reduction: not yet a response
        ChartRow("phq9", day(14), 4, True),  # response and remission (< 5)
        ChartRow("gad7", day(0), 12, True),  # not charted
        ChartRow("madrs", day(0), 30, True),
        ChartRow("madrs", day(14), 10, True),  # <= 10: remission under KetECT
        ChartRow("qids-sr16", day(0), 16, True),
    ]
    phq9, qids, madrs = trajectory_series(rows, [day(1)])
    assert (phq9.key, qids.key, madrs.key) == ("phq9", "qids-sr16", "madrs")
    assert [score for _, score in phq9.points] == [21, 11, 4]
    assert phq9.max_score == 27
    assert madrs.max_score == 60
    assert [(t.kind, t.score, t.label) for t in phq9.thresholds] == [
        ("response", Decimal("10.5"), "response ≤ 10.5 (50% below baseline 21)"),
        ("remission", Decimal(5), "remission < 5"),
    ]
    assert [t.label for t in madrs.thresholds] == [
        "response ≤ 15 (50% below baseline 30)",
        "remission ≤ 10",
    ]
    assert qids.thresholds[1].label == "remission ≤ 5"
    assert "First response 2026-01-19. First remission 2026-01-19." in phq9.description
    assert "baseline 21 on 2026-01-05, latest 4 on 2026-01-19" in phq9.description
    assert "phq9-mcinnes-2022" in phq9.description
    assert "1 infusion marked." in phq9.description
    assert phq9.infusions == (day(1),)


def test_a_baseline_of_zero_has_no_response_line():
    (series,) = trajectory_series([ChartRow("phq9", day(0), 0, True)])
    assert [t.kind for t in series.thresholds] == ["remission"]
    assert "No response threshold" in series.description


def test_no_complete_depression_total_means_no_chart():
    assert trajectory_series([ChartRow("phq9", day(0), None, False)]) == []
    assert trajectory_series([]) == []


# -- entry-page helpers --------------------------------------------------------------------

CSSRS = REGISTRY["cssrs-screener"]


def test_cssrs_follow_up_items_appear_only_after_their_gate_is_yes():
    def shown(answers: dict[str, object]) -> list[str]:
        return [item.id for item in asked_items(CSSRS, answers)]

    assert shown({}) == ["q1", "q2", "q6"]
    assert shown({"q2": 1}) == ["q1", "q2", "q3", "q4", "q5", "q6"]
    assert shown({"q2": 0, "q6": 1}) == ["q1", "q2", "q6", "q6a"]
    assert gate_notes(CSSRS, {"q2": 1}) == ("q6a is asked only if q6 = yes",)
    assert gate_notes(CSSRS, {}) == (
        "q3, q4, q5 are asked only if q2 = yes",
        "q6a is asked only if q6 = yes",
    )
    assert drop_unasked(CSSRS, {"q2": 0, "q3": 1, "q6": 1, "q6a": 0}) == {
        "q2": 0,
        "q3": None,
        "q6": 1,
        "q6a": 0,
    }


def test_items_show_text_only_where_the_licence_allows():
    phq9 = item_views(REGISTRY["phq9"], {}, {"1": 2})
    assert phq9[0].text == "Little interest or pleasure in doing things"
    assert [(c.value, c.label, c.checked) for c in phq9[0].choices][2] == (
        2,
        "More than half the days",
        True,
    )
    madrs = item_views(REGISTRY["madrs"], {}, {})
    assert {view.text for view in madrs} == {None}
    assert madrs[0].short_name == "apparent sadness"
    assert [c.value for c in madrs[0].choices] == [0, 1, 2, 3, 4, 5, 6]
    cssrs = item_views(CSSRS, {}, {"q2": 1})
    assert [v.id for v in cssrs] == ["q1", "q2", "q3", "q4", "q5", "q6"]
    assert (cssrs[2].gated_by, cssrs[2].yes_no, cssrs[2].text) == ("q2", True, None)


def test_allowed_values_follow_the_chosen_option():
    bprs = REGISTRY["bprs-positive"]
    assert [c.value for c in item_views(bprs, {"convention": "1-7"}, {})[0].choices] == [
        1,
        2,
        3,
        4,
        5,
        6,
        7,
    ]
    assert next(c.value for c in item_views(bprs, {"convention": "0-6"}, {})[0].choices) == 0


def test_posted_text_becomes_answers_for_the_core_to_check():
    posted = {"item-1": "2", "item-2": "", "item-3": " 0 ", "item-4": "two", "item-9": "-1"}
    answers = parse_answers(REGISTRY["phq9"], posted)
    assert answers["1"] == 2
    assert answers["2"] is None
    assert answers["3"] == 0
    assert answers["4"] == "two"
    assert answers["9"] == -1
    assert answers["5"] is None


def test_a_core_error_is_mapped_to_the_item_it_names():
    phq9 = REGISTRY["phq9"]
    with pytest.raises(AnswerError) as refused:
        phq9.score({"4": "two"})
    assert item_for_error(phq9, refused.value) == "4"
    with pytest.raises(AnswerError) as refused:
        CSSRS.score({"q2": 0, "q3": 1})
    assert item_for_error(CSSRS, refused.value) == "q3"
    with pytest.raises(AnswerError) as refused:
        phq9.score([0, 1])
    assert item_for_error(phq9, refused.value) is None


def test_the_instrument_version_names_the_release_and_a_fingerprint_of_the_data():
    version = instrument_version(REGISTRY["phq9"])
    release, fingerprint = version.split("+")
    assert release == kclinic.__version__
    assert len(fingerprint) == 12
    assert int(fingerprint, 16) >= 0
    assert instrument_version(REGISTRY["phq9"]) == version
    assert instrument_version(REGISTRY["gad7"]) != version
