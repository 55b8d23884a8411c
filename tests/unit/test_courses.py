"""Course templates and schedules: the reference's vectors (clinical reference 1.3, 1.5, 1.7,
8.2) and hand-counted calendars. Expected dates are written out here, never computed by the
code under test."""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from datetime import date

import pytest

from kclinic.domain.courses import (
    DEFAULT_TEMPLATES,
    TEMPLATES_VERSION,
    Finding,
    check_template_for_modality,
    generate_schedule,
    get_template,
    parse_weekdays,
    templates_for,
)
from kclinic.domain.courses_templates import Block, CourseTemplate, Pace
from kclinic.domain.errors import (
    ConfigurationError,
    OutOfRangeError,
    UnknownNameError,
    ValidationError,
)
from kclinic.domain.sources import KCLINIC_POLICY, Cited

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


def d(text: str) -> date:
    return date.fromisoformat(text)


def days(*texts: str) -> list[date]:
    return [d(t) for t in texts]


# Reference 1.7: induction starting Mon 2025-03-03, sessions Mon/Thu.
SPRAVATO_WEEKS_1_TO_8 = days(
    "2025-03-03",
    "2025-03-06",
    "2025-03-10",
    "2025-03-13",
    "2025-03-17",
    "2025-03-20",
    "2025-03-24",
    "2025-03-27",
    "2025-03-31",
    "2025-04-07",
    "2025-04-14",
    "2025-04-21",
)
START = d("2025-03-03")


def codes(findings: tuple[Finding, ...]) -> list[tuple[str, int | None]]:
    return [(f.code, f.week) for f in findings]


# --- templates are cited data ---------------------------------------------------------------


def test_the_templates_the_brief_and_reference_name_are_all_there():
    assert set(DEFAULT_TEMPLATES) == {
        "iv-3-a-week-2-weeks",
        "iv-2-a-week-3-weeks",
        "iv-3-a-week-up-to-12",
        "iv-maintenance-weekly-4",
        "esketamine-trd",
        "esketamine-mdsi",
    }
    assert TEMPLATES_VERSION


@pytest.mark.parametrize(
    ("template_id", "sessions", "window_days", "source_id"),
    [
        # 3 a week x 2 weeks = 6 in 14 days (Murrough 2013 / Phillips 2019)
        ("iv-3-a-week-2-weeks", 6, 14, "murrough-2013"),
        # 2 a week x 3 weeks = 6 in 21 days (ELEKT-D)
        ("iv-2-a-week-3-weeks", 6, 21, "elekt-d-2023"),
        # 3 a week up to 12 = 4 weeks (KetECT)
        ("iv-3-a-week-up-to-12", 12, 28, "ketect-2022"),
        # weekly x 4 (Phillips 2019 maintenance)
        ("iv-maintenance-weekly-4", 4, 28, "phillips-2019"),
        # 2 a week x 4 weeks + weekly x 4 weeks = 8 + 4 = 12 in 56 days, then open-ended
        ("esketamine-trd", 12, 56, "spravato-trd-schedule"),
        # MDSI: 2 a week x 4 weeks = 8
        ("esketamine-mdsi", 8, 28, "spravato-mdsi-schedule"),
    ],
)
def test_each_template_states_sessions_window_and_source(
    template_id, sessions, window_days, source_id
):
    template = get_template(template_id)
    assert template.sessions == sessions
    assert template.window_days == window_days
    assert template.source.id == source_id
    assert template.source.url.startswith("https://")


def test_every_number_in_every_block_is_cited_and_policy_values_say_why():
    for template in DEFAULT_TEMPLATES.values():
        for block in template.blocks:
            for value in (
                block.weeks,
                block.paces,
                block.min_interval_days,
                block.max_interval_days,
            ):
                assert isinstance(value, Cited)
                assert value.source.citation
                if value.source.confidence == "policy":
                    assert value.source.id == KCLINIC_POLICY.id
                    assert value.source.note


def test_spravato_blocks_follow_the_label():
    template = get_template("esketamine-trd")
    induction, maintenance, continued = template.blocks
    assert (induction.phase, induction.weeks.value, induction.sessions) == ("induction", 4, 8)
    assert (maintenance.phase, maintenance.weeks.value, maintenance.sessions) == (
        "maintenance",
        4,
        4,
    )
    assert continued.weeks.value is None
    assert [p.name for p in continued.paces.value] == ["weekly", "every-2-weeks"]
    assert template.open_ended


def test_templates_are_frozen():
    with pytest.raises(FrozenInstanceError):
        get_template("esketamine-trd").id = "x"  # type: ignore[misc]


def test_unknown_template_names_the_field_and_lists_the_known_ids():
    with pytest.raises(UnknownNameError, match=r"^template_id: 'weekly-forever'.*esketamine-trd"):
        get_template("weekly-forever")


def test_templates_match_the_modality_they_were_studied_with():
    assert {t.id for t in templates_for("esketamine")} == {"esketamine-trd", "esketamine-mdsi"}
    assert "esketamine-trd" not in {t.id for t in templates_for("iv-racemic")}
    with pytest.raises(ValidationError, match=r"^template_id: 'esketamine-trd'.*iv-racemic"):
        check_template_for_modality(get_template("esketamine-trd"), "iv-racemic")
    with pytest.raises(UnknownNameError, match=r"^modality"):
        templates_for("oral")


def test_contradictory_template_data_is_refused_when_built():
    source = KCLINIC_POLICY
    with pytest.raises(ConfigurationError, match="spacing"):
        CourseTemplate(
            id="bad",
            name="3 a week but 5-9 days apart",
            blocks=(
                Block(
                    name="induction",
                    phase="induction",
                    weeks=Cited(2, source),
                    paces=Cited((Pace("3-a-week", 3, 1),), source),
                    min_interval_days=Cited(5, source),
                    max_interval_days=Cited(9, source),
                ),
            ),
            modalities=Cited(("iv-racemic",), source),
            source=source,
            example_weekdays=(MON,),
        )


# --- generation -----------------------------------------------------------------------------


def test_spravato_vector_weeks_1_to_8():
    schedule = generate_schedule(get_template("esketamine-trd"), START, [MON, THU])
    assert list(schedule) == SPRAVATO_WEEKS_1_TO_8


def test_spravato_vector_week_9_onward_weekly():
    schedule = generate_schedule(
        get_template("esketamine-trd"), START, [MON, THU], open_ended_sessions=3
    )
    assert list(schedule[12:]) == days("2025-04-28", "2025-05-05", "2025-05-12")


def test_spravato_vector_week_9_onward_every_2_weeks():
    schedule = generate_schedule(
        get_template("esketamine-trd"),
        START,
        [MON, THU],
        open_ended_sessions=3,
        pace="every-2-weeks",
    )
    assert list(schedule[12:]) == days("2025-04-28", "2025-05-12", "2025-05-26")


def test_three_a_week_for_two_weeks_on_monday_wednesday_friday_spans_12_days():
    schedule = generate_schedule(get_template("iv-3-a-week-2-weeks"), START, [MON, WED, FRI])
    assert list(schedule) == days(
        "2025-03-03", "2025-03-05", "2025-03-07", "2025-03-10", "2025-03-12", "2025-03-14"
    )
    # Murrough 2013: "3 a week over 12 days": first to last inclusive is 12 days.
    assert (schedule[-1] - schedule[0]).days + 1 == 12


def test_twice_a_week_for_three_weeks_fits_in_21_days():
    schedule = generate_schedule(get_template("iv-2-a-week-3-weeks"), START, [TUE, FRI])
    # Start Monday, treatment days Tuesday and Friday: the first session is the Tuesday.
    assert list(schedule) == days(
        "2025-03-04", "2025-03-07", "2025-03-11", "2025-03-14", "2025-03-18", "2025-03-21"
    )


def test_ketect_gives_twelve_sessions_over_four_weeks():
    schedule = generate_schedule(get_template("iv-3-a-week-up-to-12"), START, [MON, WED, FRI])
    assert len(schedule) == 12
    assert schedule[-1] == d("2025-03-28")  # Friday of week 4


def test_weekly_maintenance_times_four():
    schedule = generate_schedule(get_template("iv-maintenance-weekly-4"), d("2025-03-17"), [MON])
    assert list(schedule) == days("2025-03-17", "2025-03-24", "2025-03-31", "2025-04-07")


def test_with_every_weekday_allowed_sessions_are_spread_evenly():
    schedule = generate_schedule(get_template("esketamine-mdsi"), START, range(7))
    # Twice a week is best 3 days apart: Mon/Thu, not Mon/Tue.
    assert list(schedule[:4]) == days("2025-03-03", "2025-03-06", "2025-03-10", "2025-03-13")


def test_start_on_a_thursday_counts_weeks_from_the_start():
    schedule = generate_schedule(get_template("esketamine-mdsi"), d("2025-03-06"), [MON, THU])
    assert list(schedule) == days(
        "2025-03-06",
        "2025-03-10",
        "2025-03-13",
        "2025-03-17",
        "2025-03-20",
        "2025-03-24",
        "2025-03-27",
        "2025-03-31",
    )


@pytest.mark.parametrize(
    ("template_id", "weekdays"),
    [
        ("esketamine-trd", [MON]),  # one day a week cannot hold 2 a week
        ("iv-3-a-week-2-weeks", [MON, TUE, WED]),  # 3 a week on consecutive days
        ("iv-2-a-week-3-weeks", [MON, TUE]),  # Mon/Tue leaves a 6-day gap
    ],
)
def test_weekdays_that_cannot_hold_the_template_are_refused(template_id, weekdays):
    with pytest.raises(ValidationError, match=r"^weekdays: 'Mon"):
        generate_schedule(get_template(template_id), START, weekdays)


def test_generation_input_errors_name_the_field():
    trd = get_template("esketamine-trd")
    with pytest.raises(ValidationError, match=r"^weekdays"):
        generate_schedule(trd, START, [])
    with pytest.raises(ValidationError, match=r"^weekdays: 7"):
        generate_schedule(trd, START, [7])
    with pytest.raises(OutOfRangeError, match=r"^open_ended_sessions: 105 .* 0 to 104"):
        generate_schedule(trd, START, [MON, THU], open_ended_sessions=105)
    with pytest.raises(UnknownNameError, match=r"^pace: 'monthly'"):
        generate_schedule(trd, START, [MON, THU], open_ended_sessions=1, pace="monthly")
    with pytest.raises(ValidationError, match=r"^open_ended_sessions: 2 .*no open-ended block"):
        generate_schedule(get_template("esketamine-mdsi"), START, [MON, THU], open_ended_sessions=2)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("mon,thu", (0, 3)), ("Monday Thursday", (0, 3)), ("0, 2, 4", (0, 2, 4)), ("fri mon", (0, 4))],
)
def test_parse_weekdays(text, expected):
    assert parse_weekdays(text) == expected


@pytest.mark.parametrize("text", ["", "funday", "9"])
def test_parse_weekdays_refuses_nonsense(text):
    with pytest.raises(ValidationError, match=r"^weekdays"):
        parse_weekdays(text)
