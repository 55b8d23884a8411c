"""Property: whatever profile a clinician can express, the screening form gives the core the
same profile back (form -> profile JSON -> parse_profile), so the page never changes an answer.

Profiles are drawn from the schema of docs/clinical/eligibility.md. A block whose every field
is unknown is drawn as absent: the form has no way to say "asked, but nothing known", and the
core reads both as missing information.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from hypothesis import assume, given
from hypothesis import strategies as st

from kclinic.domain.eligibility import parse_profile
from kclinic.domain.eligibility_profile import (
    ADHERENCES,
    COMORBIDITIES,
    DRUG_CLASSES,
    EPISODE_CODE_SEVERITY,
    EPISODE_SEVERITIES,
    OUTCOMES,
    SEXES,
    TREATMENTS,
)
from kclinic.domain.errors import ValidationError
from kclinic.web.screenings.forms import EctFormSet, ProfileForm, TrialFormSet
from kclinic.web.screenings.profile_form import (
    filled_rows,
    initial_from_profile,
    profile_from_forms,
)
from tests.web.test_screenings_views import post_data

ON = dt.date(2025, 3, 1)
TRI = st.sampled_from([None, True, False])
WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz -", min_size=1, max_size=30).map(str.strip)


def choice(values: tuple[str, ...]) -> st.SearchStrategy[str | None]:
    return st.sampled_from([None, *values])


def number(low: int, high: int, places: int = 1) -> st.SearchStrategy[int | float | None]:
    """A JSON number as a client would send it: whole numbers as int, others as float."""

    def as_json(value: Decimal) -> int | float:
        return int(value) if value == value.to_integral_value() else float(value)

    return st.one_of(
        st.none(),
        st.decimals(min_value=low, max_value=high, places=places).map(as_json),
    )


def day() -> st.SearchStrategy[str | None]:
    dates = st.dates(min_value=dt.date(1990, 1, 1), max_value=ON)
    return st.one_of(st.none(), dates.map(dt.date.isoformat))


def block(**fields: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any] | None]:
    """An object with some keys known, or None when nothing in it is known."""
    return st.fixed_dictionaries(fields).map(
        lambda d: {k: v for k, v in d.items() if v is not None} or None
    )


TRIAL = st.fixed_dictionaries(
    {
        "drug": WORDS.filter(bool),
        "class": st.sampled_from(DRUG_CLASSES),
        "max_daily_dose_mg": number(0, 10000),
        "weeks_at_dose": number(0, 520),
        "adequate_dose": TRI,
        "adherence": choice(ADHERENCES),
        "outcome": choice(OUTCOMES),
        "current_episode": TRI,
        "augmentation": TRI,
    }
).map(lambda d: {k: v for k, v in d.items() if v is not None})
ECT = block(sessions=number(0, 200, places=0), current_episode=TRI, outcome=choice(OUTCOMES))


@st.composite
def profiles(draw: st.DrawFn) -> dict[str, Any]:
    episode = draw(
        st.one_of(
            st.none(),
            day().filter(bool).map(lambda d: {"start_date": d}),
            number(0, 1200, places=0).filter(lambda m: m is not None).map(lambda m: {"months": m}),
        )
    )
    months_since = draw(st.one_of(number(0, 1200), st.just("never")))
    codes = draw(st.lists(st.sampled_from([*EPISODE_CODE_SEVERITY, "F41.1", "F43.10"]), max_size=3))
    diagnoses = draw(
        block(
            psychotic_features=TRI,
            bipolar=TRI,
            episode_severity=choice(EPISODE_SEVERITIES),
        )
    )
    if codes:
        diagnoses = {**(diagnoses or {}), "codes": codes}
    systolic = draw(st.integers(50, 300))
    bp = {
        "systolic_mmhg": systolic,
        "diastolic_mmhg": draw(st.integers(20, min(200, systolic - 1))),
        "measured_on": draw(day()),
    }
    profile = {
        "planned_treatment": draw(choice(TREATMENTS)),
        "sex": draw(choice(SEXES)),
        "diagnoses": diagnoses,
        "current_episode": episode,
        "trials": draw(st.one_of(st.none(), st.lists(TRIAL, max_size=8))),
        "ect": draw(
            st.one_of(st.none(), st.lists(ECT.filter(lambda e: e is not None), max_size=2))
        ),
        "comorbidities": draw(
            st.one_of(st.none(), st.lists(st.sampled_from(COMORBIDITIES), unique=True))
        ),
        "blood_pressure": draw(st.one_of(st.none(), st.just(bp))),
        "medications": draw(
            block(
                benzodiazepine_lorazepam_eq_mg_per_day=number(0, 100),
                benzodiazepine_morning_dose=TRI,
                maoi=TRI,
                psychostimulant=TRI,
                other_cns_depressant=TRI,
            )
        ),
        "substance_use": draw(
            block(
                current_use_disorder=TRI,
                months_since_last_use=st.just(months_since),
                cannabis=TRI,
            )
        ),
        "pregnant": draw(TRI),
        "breastfeeding": draw(TRI),
        "psychosis": draw(block(current=TRI, history=TRI)),
        "allergies": draw(block(ketamine=TRI, esketamine=TRI)),
        "capacity_to_consent": draw(TRI),
        "description": draw(st.one_of(st.none(), WORDS.filter(bool))),
    }
    profile = {k: v for k, v in profile.items() if v is not None}
    if profile.get("blood_pressure", {}).get("measured_on") is None:
        profile.get("blood_pressure", {}).pop("measured_on", None)
    return profile


@given(profiles())
def test_the_form_hands_the_core_the_profile_it_was_filled_from(profile):
    try:
        expected = parse_profile(profile)
    except ValidationError:
        assume(False)  # e.g. a flag contradicting a code: the core refuses it either way
    form_initial, trial_rows, ect_rows = initial_from_profile(profile)
    form_initial.update(screened_on=ON, trd_definition="two-adequate-current-episode")
    data = post_data(form_initial, trial_rows, ect_rows)
    form = ProfileForm(data)
    trials = TrialFormSet(data, prefix="trials")
    ects = EctFormSet(data, prefix="ect")
    assert form.is_valid(), form.errors
    assert trials.is_valid(), trials.errors
    assert ects.is_valid(), ects.errors
    built = profile_from_forms(form, trials, ects, filled_rows(trials), filled_rows(ects))
    assert parse_profile(built) == expected
