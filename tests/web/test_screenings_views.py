"""The Screening tab: the form a clinician fills in, errors by field, findings, overrides."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.urls import reverse

from kclinic.domain.eligibility import parse_profile
from kclinic.web.audit.models import AuditEvent
from kclinic.web.audit.services import Actor
from kclinic.web.patients import services as patient_services
from kclinic.web.screenings import services
from kclinic.web.screenings.forms import EctFormSet, ProfileForm, TrialFormSet
from kclinic.web.screenings.models import EligibilityScreening, ScreeningOverride
from kclinic.web.screenings.profile_form import (
    filled_rows,
    initial_from_profile,
    profile_from_forms,
)
from tests.web.test_screenings import EXAMPLES, ON, REASON, example, patient_for_profile, screened


def _value(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if value is True:
        return "on"
    if value is False or value is None:
        return ""
    return value


def post_data(
    form: dict[str, Any], trials: list[dict[str, Any]], ects: list[dict[str, Any]]
) -> dict[str, Any]:
    """What a browser sends for these answers (unticked boxes are simply not sent)."""
    data: dict[str, Any] = {
        name: _value(value)
        for name, value in form.items()
        if value is not False and value is not None
    }
    for prefix, rows in (("trials", trials), ("ect", ects)):
        data[f"{prefix}-TOTAL_FORMS"] = str(len(rows))
        data[f"{prefix}-INITIAL_FORMS"] = "0"
        for index, row in enumerate(rows):
            for name, value in row.items():
                data[f"{prefix}-{index}-{name}"] = _value(value)
    return data


def answers(name: str) -> dict[str, Any]:
    form, trials, ects = initial_from_profile(example(name))
    form.update(screened_on=ON, trd_definition="two-adequate-current-episode")
    return post_data(form, trials, ects)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_the_form_gives_back_each_example_profile(name):
    profile = example(name)
    data = answers(name)
    form = ProfileForm(data)
    trials = TrialFormSet(data, prefix="trials")
    ects = EctFormSet(data, prefix="ect")
    assert form.is_valid(), form.errors
    assert trials.is_valid()
    assert ects.is_valid()
    built = profile_from_forms(form, trials, ects, filled_rows(trials), filled_rows(ects))
    expected = {k: v for k, v in profile.items() if k not in {"date_of_birth", "age_years"}}
    # The same profile for the core: an explicit null and an absent key both mean unknown.
    assert parse_profile(built) == parse_profile(expected)
    assert set(built) == {k for k, v in expected.items() if v is not None}


def _new(clinic):
    return reverse("screenings:new", args=[clinic.patient.public_id])


def test_the_new_form_is_prefilled_from_the_record_and_has_six_trial_rows(clinic, login):
    actor = Actor(clinic.nurse)
    patient_services.add_diagnosis(actor, clinic.patient, "F33.2", "MDD, recurrent, severe")
    patient_services.add_allergy(actor, clinic.patient, "Ketamine", "rash")
    response = login(clinic.nurse).get(_new(clinic))
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["sex"] == "female"
    assert form.initial["diagnosis_codes"] == "F33.2"
    assert form.initial["allergy_ketamine"] == "yes"
    assert len(response.context["trials"].forms) == 6
    html = response.content.decode()
    assert 'data-testid="patient-banner"' in html
    assert "1980-05-17" in html  # the date of birth screened, from the record
    for comorbidity in ("aneurysmal vascular disease", "prolonged qt", "dementia"):
        assert comorbidity in html


def test_saving_the_form_screens_and_shows_findings_trd_and_msm(clinic, login):
    data = answers("relative-findings.json")
    profile = example("relative-findings.json")
    patient = patient_for_profile(clinic, profile)
    client = login(clinic.nurse)
    response = client.post(reverse("screenings:new", args=[patient.public_id]), data)
    assert response.status_code == 302, response.context["form"].errors
    screening = EligibilityScreening.objects.get()
    assert screening.profile == profile
    assert screening.status == "override-needed"
    page = client.get(response["Location"])
    html = page.content.decode()
    assert 'data-testid="findings"' in html
    assert 'data-testid="finding-benzodiazepine-load"' in html
    assert "Total <b>9</b> (moderate)" in html
    assert "<b>met</b>: 3 failed adequate trials, 2 needed" in html
    assert AuditEvent.objects.filter(
        action="view", object_type="screening", object_id=str(screening.public_id)
    ).exists()


def test_a_bad_trial_value_is_shown_on_its_row_and_named_at_the_top(clinic, login):
    form, trials, ects = initial_from_profile({"trials": []})
    form.update(screened_on=ON, trd_definition="two-adequate-current-episode")
    form["trials_status"] = "listed"
    # Rows 1 and 2 left empty; row 3 is the first trial, so its profile path is trials[0].
    trials[2] = {"drug": "sertraline", "drug_class": "ssri", "weeks_at_dose": "600"}
    response = login(clinic.nurse).post(_new(clinic), post_data(form, trials, ects))
    assert response.status_code == 200
    row = response.context["trials"].forms[2]
    assert row.errors["weeks_at_dose"] == ["600 is not allowed; allowed: 0 to 520 weeks"]
    top = response.context["form"].non_field_errors()
    assert any("Trial row 3" in e and "trials[0].weeks_at_dose" in e for e in top)
    assert "Nothing was saved" in response.content.decode()
    assert not EligibilityScreening.objects.exists()


def test_a_missing_drug_class_names_the_row(clinic, login):
    form, trials, ects = initial_from_profile({"trials": [{"drug": "x", "class": "ssri"}]})
    form.update(screened_on=ON, trd_definition="two-adequate-current-episode")
    trials[0]["drug_class"] = ""
    response = login(clinic.nurse).post(_new(clinic), post_data(form, trials, ects))
    assert "drug_class" in response.context["trials"].forms[0].errors
    assert not EligibilityScreening.objects.exists()


def test_ticked_conditions_need_the_reviewed_box(clinic, login):
    form, trials, ects = initial_from_profile({})
    form.update(screened_on=ON, trd_definition="two-adequate-current-episode")
    form["comorbidities"] = ["dementia"]
    response = login(clinic.nurse).post(_new(clinic), post_data(form, trials, ects))
    errors = response.context["form"].errors["comorbidities"]
    assert "tick 'Reviewed with the patient'" in errors[0]
    assert not EligibilityScreening.objects.exists()


def test_a_record_contradiction_is_shown_on_the_sex_field(clinic, login):
    form, trials, ects = initial_from_profile({"sex": "male"})
    form.update(screened_on=ON, trd_definition="two-adequate-current-episode")
    response = login(clinic.nurse).post(_new(clinic), post_data(form, trials, ects))
    assert response.context["form"].errors["sex"] == [
        "'male' is not allowed; allowed: female (the patient record)"
    ]


def test_add_a_trial_row_keeps_the_answers_and_saves_nothing(clinic, login):
    data = answers("relative-findings.json")
    data["action"] = "add-trial"
    patient = patient_for_profile(clinic, example("relative-findings.json"))
    response = login(clinic.nurse).post(reverse("screenings:new", args=[patient.public_id]), data)
    assert response.status_code == 200
    trials = response.context["trials"]
    assert len(trials.forms) == 7
    assert trials.forms[0]["drug"].value() == "sertraline"
    assert not EligibilityScreening.objects.exists()


def test_rescreen_starts_from_the_previous_answers(clinic, login):
    screening = screened(clinic, "relative-findings.json")
    url = reverse("screenings:new", args=[screening.patient.public_id])
    response = login(clinic.nurse).get(f"{url}?from={screening.public_id}")
    trials = response.context["trials"]
    assert [f.initial.get("drug") for f in trials.forms[:4]] == [
        "sertraline",
        "escitalopram",
        "duloxetine",
        "lithium",
    ]
    assert response.context["form"].initial["bp_systolic_mmhg"] == 152


def test_absolute_findings_are_bold_red_and_offer_no_override(clinic, login):
    screening = screened(clinic, "absolute-aneurysm-esketamine.json")
    url = reverse("screenings:detail", args=[screening.patient.public_id, screening.public_id])
    html = login(clinic.prescriber).get(url).content.decode()
    row = re.search(r'<tr class="finding-absolute"[^>]*>.*?</tr>', html, re.S)
    assert row is not None
    assert 'data-testid="finding-aneurysmal-vascular-disease"' in row.group(0)
    assert "ABSOLUTE" in row.group(0)
    assert "cannot be overridden" in row.group(0)
    assert "Record override" not in html
    assert 'data-testid="status-blocked"' in html


def test_prescriber_overrides_on_the_page_and_sees_the_effective_status(clinic, login):
    screening = screened(clinic, "relative-findings.json")
    url = reverse("screenings:detail", args=[screening.patient.public_id, screening.public_id])
    client = login(clinic.prescriber)
    assert "Record override" in client.get(url).content.decode()
    for rule in ("benzodiazepine-load", "cannabis-use", "predose-bp", "psychosis-history"):
        response = client.post(url, {"rule": rule, "reason": REASON})
        assert response.status_code == 302
    html = client.get(url).content.decode()
    assert "Eligible with documented overrides" in html
    assert 'data-testid="status-eligible-with-overrides"' in html
    assert "Record override" not in html


def test_a_short_override_reason_is_shown_on_the_field(clinic, login):
    screening = screened(clinic, "relative-findings.json")
    url = reverse("screenings:detail", args=[screening.patient.public_id, screening.public_id])
    response = login(clinic.prescriber).post(url, {"rule": "predose-bp", "reason": "fine"})
    assert response.status_code == 200
    assert "at least 20 characters" in response.context["form"].errors["reason"][0]
    assert not ScreeningOverride.objects.exists()


def test_a_nurse_sees_findings_but_cannot_post_an_override(clinic, login):
    screening = screened(clinic, "relative-findings.json")
    url = reverse("screenings:detail", args=[screening.patient.public_id, screening.public_id])
    client = login(clinic.nurse)
    page = client.get(url)
    assert page.status_code == 200
    assert "Record override" not in page.content.decode()
    assert client.post(url, {"rule": "predose-bp", "reason": REASON}).status_code == 403
    assert not ScreeningOverride.objects.exists()


def test_front_desk_sees_no_screening_detail(clinic, login):
    screening = services.perform_screening(Actor(clinic.nurse), clinic.patient, {})
    client = login(clinic.front_desk)
    pid = clinic.patient.public_id
    for url in (
        reverse("screenings:list", args=[pid]),
        reverse("screenings:new", args=[pid]),
        reverse("screenings:detail", args=[pid, screening.public_id]),
        reverse("screenings:consents", args=[pid]),
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        assert b"incomplete" not in response.content.lower()
    chart = client.get(reverse("patients:chart", args=[pid])).content.decode()
    assert "Screening</a>" not in chart  # no tab to a page the role may not open


def test_a_nurse_of_another_site_gets_404(clinic, login):
    screening = services.perform_screening(Actor(clinic.nurse), clinic.patient, {})
    client = login(clinic.other_site_nurse)
    pid = clinic.patient.public_id
    for url in (
        reverse("screenings:list", args=[pid]),
        reverse("screenings:new", args=[pid]),
        reverse("screenings:detail", args=[pid, screening.public_id]),
    ):
        assert client.get(url).status_code == 404, url
    response = client.post(reverse("screenings:new", args=[pid]), answers("clean-candidate.json"))
    assert response.status_code == 404
    assert EligibilityScreening.objects.count() == 1


def test_a_screening_of_another_patient_is_not_found_under_this_one(clinic, login):
    screening = screened(clinic, "clean-candidate.json")  # a different patient
    url = reverse("screenings:detail", args=[clinic.patient.public_id, screening.public_id])
    assert login(clinic.prescriber).get(url).status_code == 404


def test_the_history_lists_status_date_and_who(clinic, login):
    services.perform_screening(Actor(clinic.nurse), clinic.patient, {}, screened_on=ON)
    response = login(clinic.auditor).get(
        reverse("screenings:list", args=[clinic.patient.public_id])
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "2025-03-01" in html
    assert "Incomplete: information missing" in html
    assert clinic.nurse.signature_name in html
    assert "New screening</a>" not in html  # auditors read only
    assert AuditEvent.objects.filter(
        action="view", object_id="screening", username="audit_jo"
    ).exists()


def test_an_override_posted_on_a_superseded_screening_shows_why_it_was_refused(clinic, login):
    screening = screened(clinic, "relative-findings.json")
    services.perform_screening(Actor(clinic.nurse), screening.patient, {})
    url = reverse("screenings:detail", args=[screening.patient.public_id, screening.public_id])
    response = login(clinic.prescriber).post(url, {"rule": "predose-bp", "reason": REASON})
    assert response.status_code == 200
    assert "superseded by the screening of" in response.content.decode()
    assert not ScreeningOverride.objects.exists()
