"""Urgent routing rules for self-reports, checked against hand-made vectors and, over all
answer vectors, against the instruments' own safety flags (the task the assessment opens)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kclinic.domain import instruments
from kclinic.domain.instruments.base import SUICIDAL_BEHAVIOUR, SUICIDAL_IDEATION
from kclinic.domain.self_report_risk import (
    RULES,
    cssrs_level,
    shows_crisis_resources,
    urgent_findings,
)


def ids(found) -> list[str]:
    return [f.rule.id for f in found]


def test_phq9_item9_above_zero_is_urgent_whatever_the_total():
    assert ids(urgent_findings("phq9", dict(zip("123456789", [0] * 8 + [1], strict=True))))
    assert ids(urgent_findings("phq9", {"9": 2})) == ["phq9-item9"]
    assert urgent_findings("phq9", {"9": 0, "1": 3}) == ()
    assert urgent_findings("phq9", {"1": 3}) == ()  # item 9 not answered yet


def test_qids_item12_at_one_or_more_is_urgent():
    assert urgent_findings("qids-sr16", {"12": 0}) == ()
    found = urgent_findings("qids-sr16", {"12": 1})
    assert ids(found) == ["qids-item12"]
    assert found[0].flag == SUICIDAL_IDEATION
    assert found[0].detail == "item 12 = 1"


def cssrs(**yes: int) -> dict[str, int | None]:
    answers: dict[str, int | None] = dict.fromkeys(("q1", "q2", "q3", "q4", "q5", "q6", "q6a"))
    answers.update({"q1": 0, "q2": 0, "q6": 0})
    answers.update(yes)
    return answers


def test_cssrs_moderate_or_high_is_urgent_low_is_not():
    # The Columbia triage vectors of clinical reference 5.6.
    assert cssrs_level(cssrs()) == "none"
    assert urgent_findings("cssrs-screener", cssrs(q1=1)) == ()
    assert cssrs_level(cssrs(q1=1)) == "low"
    moderate = cssrs(q1=1, q2=1, q3=1, q4=0, q5=0)
    assert cssrs_level(moderate) == "moderate"
    assert ids(urgent_findings("cssrs-screener", moderate)) == ["cssrs-moderate-high"]
    high = cssrs(q1=1, q2=1, q3=1, q4=1, q5=0)
    assert urgent_findings("cssrs-screener", high)[0].detail == "triage level high"
    old_behaviour = cssrs(q6=1, q6a=0)
    found = urgent_findings("cssrs-screener", old_behaviour)
    assert (found[0].flag, found[0].detail) == (SUICIDAL_BEHAVIOUR, "triage level moderate")
    assert urgent_findings("cssrs-screener", cssrs(q6=1, q6a=1))[0].detail == "triage level high"


def test_instruments_without_a_rule_are_never_urgent():
    assert urgent_findings("gad7", {"1": 3}) == ()
    assert urgent_findings("pcl5", {"1": 4}) == ()


def test_crisis_resources_show_for_any_cssrs_yes_even_at_low_level():
    assert shows_crisis_resources("cssrs-screener", cssrs(q1=1))
    assert not shows_crisis_resources("cssrs-screener", cssrs())
    assert shows_crisis_resources("phq9", {"9": 1})
    assert not shows_crisis_resources("phq9", {"9": 0})
    assert not shows_crisis_resources("gad7", {"1": 3})


def test_every_rule_names_a_source():
    for rule in RULES:
        assert rule.source.citation
        assert rule.source.url


def _answers_for(instrument_id: str):
    instrument = instruments.get(instrument_id)
    return st.fixed_dictionaries(
        {item.id: st.one_of(st.none(), st.sampled_from(item.values)) for item in instrument.items}
    )


def _valid_cssrs():
    def build(draw_values):
        q1, q2, q3, q4, q5, q6, q6a = draw_values
        return {
            "q1": q1,
            "q2": q2,
            "q3": q3 if q2 == 1 else None,
            "q4": q4 if q2 == 1 else None,
            "q5": q5 if q2 == 1 else None,
            "q6": q6,
            "q6a": q6a if q6 == 1 else None,
        }

    value = st.one_of(st.none(), st.sampled_from((0, 1)))
    return st.tuples(*(value for _ in range(7))).map(build)


@given(answers=_answers_for("phq9"))
def test_phq9_urgent_iff_item9_and_the_instrument_flags_it(answers):
    found = urgent_findings("phq9", answers)
    assert bool(found) == ((answers["9"] or 0) > 0)
    flags = instruments.get("phq9").score(answers).flags
    assert all(f.flag in flags for f in found)


@given(answers=_answers_for("qids-sr16"))
def test_qids_urgent_iff_item12_and_the_instrument_flags_it(answers):
    found = urgent_findings("qids-sr16", answers)
    assert bool(found) == ((answers["12"] or 0) >= 1)
    flags = instruments.get("qids-sr16").score(answers).flags
    assert all(f.flag in flags for f in found)


@given(answers=_valid_cssrs())
def test_cssrs_urgent_findings_match_the_scored_level_and_flags(answers):
    result = instruments.get("cssrs-screener").score(answers)
    found = urgent_findings("cssrs-screener", answers)
    if result.band in ("moderate", "high"):
        assert found, (answers, result.band)
    if result.complete:
        assert bool(found) == (result.band in ("moderate", "high"))
    assert all(f.flag in result.flags for f in found)
    if found:
        assert shows_crisis_resources("cssrs-screener", answers)
