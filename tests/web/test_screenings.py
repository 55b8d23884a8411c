"""Eligibility screenings: the core's result stored with its input, overrides, audit, scoping.

Expected statuses and findings come from the example profiles' own descriptions and from
docs/clinical/eligibility.md (worked by hand there), not from running the screen.
"""

from __future__ import annotations

import datetime as dt
import json
from importlib import resources

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from kclinic.domain.errors import UnknownNameError, ValidationError
from kclinic.web.audit.models import AuditEvent
from kclinic.web.audit.services import Actor
from kclinic.web.screenings import services
from kclinic.web.screenings.models import (
    EligibilityScreening,
    ImmutableRecordError,
    ScreeningOverride,
)
from kclinic.web.screenings.selectors import (
    current_screening,
    effective_status,
    screenings_of,
)
from tests.web.factories import PatientFactory

ON = dt.date(2025, 3, 1)  # the examples are written for a screening on this date
PROFILES = resources.files("kclinic.examples.profiles")

# file -> (status, rules expected among the findings)
EXAMPLES = {
    "absolute-aneurysm-esketamine.json": ("blocked", {"aneurysmal-vascular-disease"}),
    "clean-candidate.json": ("eligible", set()),
    "missing-information.json": (
        "incomplete",
        {"predose-bp", "medication-list", "substance-use-history", "pregnancy"},
    ),
    "relative-findings.json": (
        "override-needed",
        {"predose-bp", "psychosis-history", "cannabis-use", "benzodiazepine-load"},
    ),
    "trd-definitions-disagree.json": ("eligible", set()),
}
RELATIVE_IN_EXAMPLE = {"predose-bp", "psychosis-history", "cannabis-use", "benzodiazepine-load"}
REASON = "Benefit outweighs the risk after discussion; BP to be rechecked before each dose."


def example(name: str) -> dict[str, object]:
    return json.loads(PROFILES.joinpath(name).read_text(encoding="utf-8"))


def patient_for_profile(clinic, profile: dict[str, object]):
    """A patient at site A whose record agrees with the profile's age or date of birth."""
    if profile.get("date_of_birth"):
        born = dt.date.fromisoformat(str(profile["date_of_birth"]))
    else:
        # Born on 1 June: on 2025-03-01 the birthday is still to come, so age = 2025 - year - 1.
        born = dt.date(2025 - int(profile["age_years"]) - 1, 6, 1)
    return PatientFactory(
        site=clinic.site_a, created_by=clinic.prescriber, date_of_birth=born, sex=profile["sex"]
    )


def screened(clinic, name: str, actor=None, **kwargs) -> EligibilityScreening:
    profile = example(name)
    patient = patient_for_profile(clinic, profile)
    return services.perform_screening(
        actor or Actor(clinic.nurse), patient, profile, screened_on=ON, **kwargs
    )


@pytest.mark.parametrize(("name", "expected"), sorted(EXAMPLES.items()))
def test_each_example_profile_gives_its_documented_status(clinic, name, expected):
    status, rules = expected
    screening = screened(clinic, name)
    screening.refresh_from_db()
    assert screening.status == status
    assert screening.result["status"] == status
    assert rules <= {f["rule"] for f in screening.result["findings"]}
    assert screening.screened_on == ON
    assert screening.performed_by == clinic.nurse
    assert (screening.protocol_name, screening.protocol_version) == ("kclinic-default", "1")
    assert screening.trd_definition == "two-adequate-current-episode"


def test_the_stored_input_is_the_profile_as_given(clinic):
    profile = example("relative-findings.json")
    screening = screened(clinic, "relative-findings.json")
    assert screening.profile == profile  # the date of birth and sex were given and agree


def test_relative_findings_example_has_exactly_its_four_relative_findings_and_msm_9(clinic):
    screening = screened(clinic, "relative-findings.json")
    relative = {f["rule"] for f in screening.findings("relative")}
    assert relative == RELATIVE_IN_EXAMPLE
    # Hand sum (docs/clinical/eligibility.md): 14 months (2) + severe F33.2 (4) + three failed
    # antidepressants (2) + lithium augmentation (1) + no ECT (0) = 9, moderate.
    assert screening.result["msm"]["total"] == 9
    assert screening.result["msm"]["band"] == "moderate"
    assert screening.result["trd"]["met"] is True


def test_the_trd_definition_is_a_named_choice_that_changes_the_result(clinic):
    # Example: sertraline 6 and venlafaxine 7 weeks; bio-k asks for 8 weeks: not met.
    screening = screened(clinic, "trd-definitions-disagree.json", trd_definition="bio-k")
    assert screening.trd_definition == "bio-k"
    assert screening.status == "override-needed"
    assert {f["rule"] for f in screening.findings("relative")} == {"trd-not-met"}


def test_the_record_fills_in_date_of_birth_and_sex(clinic):
    screening = services.perform_screening(
        Actor(clinic.nurse), clinic.patient, {"planned_treatment": "iv-ketamine"}
    )
    assert screening.profile["date_of_birth"] == clinic.patient.date_of_birth.isoformat()
    assert screening.profile["sex"] == "female"
    assert screening.screened_on == timezone.localdate()


def test_a_screening_is_audited_with_its_status(clinic):
    screening = screened(clinic, "relative-findings.json")
    event = AuditEvent.objects.get(action="create", object_type="screening")
    assert event.object_id == str(screening.public_id)
    assert event.patient_public_id == screening.patient.public_id
    assert event.username == "nurse_kim"
    assert event.detail["status"] == "override-needed"


@pytest.mark.parametrize(
    ("mutate", "path"),
    [
        (lambda p: p["trials"][1].update(weeks_at_dose="six"), "trials[1].weeks_at_dose"),
        (lambda p: p["trials"][2].update(weeks_at_dose=600), "trials[2].weeks_at_dose"),
        (lambda p: p.update(pregnent=False), "pregnent"),
        (lambda p: p["blood_pressure"].update(diastolic_mmhg=160), "blood_pressure.diastolic_mmhg"),
        (lambda p: p["diagnoses"].update(codes=["depression"]), "diagnoses.codes[0]"),
        (lambda p: p.update(comorbidities=["gout"]), "comorbidities[0]"),
    ],
)
def test_a_bad_profile_names_the_path_and_writes_nothing(clinic, mutate, path):
    profile = example("relative-findings.json")
    patient = patient_for_profile(clinic, profile)
    mutate(profile)
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.perform_screening(Actor(clinic.nurse), patient, profile, screened_on=ON)
    assert caught.value.field == path
    assert str(caught.value).startswith(f"{path}: ")
    assert not EligibilityScreening.objects.exists()
    assert AuditEvent.objects.count() == before


def test_a_profile_that_contradicts_the_patient_record_is_refused(clinic):
    actor = Actor(clinic.nurse)
    with pytest.raises(ValidationError, match=r"^date_of_birth: .*1980-05-17 \(the patient record"):
        services.perform_screening(actor, clinic.patient, {"date_of_birth": "1981-05-17"})
    with pytest.raises(ValidationError, match=r"^age_years: 30 .*allowed: 44 "):
        # Born 1980-05-17: 44 on 2025-03-01.
        services.perform_screening(actor, clinic.patient, {"age_years": 30}, screened_on=ON)
    with pytest.raises(ValidationError, match=r"^sex: 'male'"):
        services.perform_screening(actor, clinic.patient, {"sex": "male"})
    assert not EligibilityScreening.objects.exists()


def test_dates_after_the_screening_date_are_refused(clinic):
    actor = Actor(clinic.nurse)
    future = timezone.localdate() + dt.timedelta(days=2)
    with pytest.raises(ValidationError, match=r"^screened_on: "):
        services.perform_screening(actor, clinic.patient, {}, screened_on=future)
    profile = {"blood_pressure": {"systolic_mmhg": 120, "diastolic_mmhg": 80}}
    profile["blood_pressure"]["measured_on"] = "2025-03-02"
    with pytest.raises(ValidationError, match=r"^blood_pressure\.measured_on: "):
        services.perform_screening(actor, clinic.patient, profile, screened_on=ON)
    assert not EligibilityScreening.objects.exists()


def test_an_unknown_trd_definition_is_refused(clinic):
    with pytest.raises(UnknownNameError, match=r"^trd_definition: 'dsm-9'"):
        services.perform_screening(Actor(clinic.nurse), clinic.patient, {}, trd_definition="dsm-9")


@pytest.mark.parametrize("role", ["front_desk", "compliance", "auditor", "admin"])
def test_only_nurses_and_prescribers_screen(clinic, role):
    with pytest.raises(PermissionDenied):
        services.perform_screening(Actor(getattr(clinic, role)), clinic.patient, {})
    assert not EligibilityScreening.objects.exists()


def test_a_nurse_of_another_site_cannot_screen(clinic):
    with pytest.raises(PermissionDenied):
        services.perform_screening(Actor(clinic.other_site_nurse), clinic.patient, {})


def test_front_desk_may_not_read_screenings(clinic):
    services.perform_screening(Actor(clinic.nurse), clinic.patient, {})
    with pytest.raises(PermissionDenied):
        screenings_of(clinic.front_desk, clinic.patient)
    assert screenings_of(clinic.auditor, clinic.patient).count() == 1


def test_a_new_screening_supersedes_the_last_and_neither_is_ever_changed(clinic):
    first = services.perform_screening(Actor(clinic.nurse), clinic.patient, {})
    second = services.perform_screening(Actor(clinic.prescriber), clinic.patient, {})
    assert second.supersedes == first
    assert current_screening(clinic.patient) == second
    with pytest.raises(ImmutableRecordError):
        first.save()
    with pytest.raises(ImmutableRecordError):
        first.delete()
    with pytest.raises(ImmutableRecordError):
        EligibilityScreening.objects.filter(pk=first.pk).update(status="eligible")
    with pytest.raises(ImmutableRecordError):
        EligibilityScreening.objects.all().delete()


# -- overrides ------------------------------------------------------------------------------


def test_prescriber_overrides_every_relative_finding_eligible_with_documented_overrides(clinic):
    screening = screened(clinic, "relative-findings.json")
    actor = Actor(clinic.prescriber, "10.1.1.1")
    for rule in sorted(RELATIVE_IN_EXAMPLE)[:-1]:
        services.override_finding(actor, screening, rule, REASON)
    partial = effective_status(screening)
    assert partial.code == "override-needed"
    assert partial.pending == (sorted(RELATIVE_IN_EXAMPLE)[-1],)
    services.override_finding(actor, screening, sorted(RELATIVE_IN_EXAMPLE)[-1], REASON)
    status = effective_status(screening)
    assert status.code == "eligible-with-overrides"
    assert status.label == "Eligible with documented overrides"
    assert status.pending == ()
    screening.refresh_from_db()
    assert screening.status == "override-needed"  # the stored result is never rewritten
    events = AuditEvent.objects.filter(action="override", object_id=str(screening.public_id))
    assert events.count() == 4
    assert {e.detail["rule"] for e in events} == RELATIVE_IN_EXAMPLE
    assert all(e.detail["reason"] == REASON and e.username == "dr_lee" for e in events)


def test_overriding_all_relative_findings_leaves_missing_information_incomplete(clinic):
    profile = example("relative-findings.json")
    del profile["medications"]  # medication-list missing, benzodiazepine-load no longer fires
    patient = patient_for_profile(clinic, profile)
    screening = services.perform_screening(Actor(clinic.nurse), patient, profile, screened_on=ON)
    assert screening.status == "override-needed"
    for rule in {"predose-bp", "psychosis-history", "cannabis-use"}:
        services.override_finding(Actor(clinic.prescriber), screening, rule, REASON)
    assert effective_status(screening).code == "incomplete"


@pytest.mark.parametrize("role", ["nurse", "front_desk", "compliance", "auditor", "admin"])
def test_only_a_prescriber_may_override(clinic, role):
    screening = screened(clinic, "relative-findings.json")
    with pytest.raises(PermissionDenied):
        services.override_finding(Actor(getattr(clinic, role)), screening, "predose-bp", REASON)
    assert not ScreeningOverride.objects.exists()


def test_an_absolute_finding_cannot_be_overridden(clinic):
    screening = screened(clinic, "absolute-aneurysm-esketamine.json")
    with pytest.raises(ValidationError, match=r"label contraindication and cannot be overridden"):
        services.override_finding(
            Actor(clinic.prescriber), screening, "aneurysmal-vascular-disease", REASON
        )
    assert not ScreeningOverride.objects.exists()
    assert effective_status(screening).code == "blocked"


def test_only_relative_findings_of_this_screening_can_be_overridden(clinic):
    screening = screened(clinic, "relative-findings.json")
    actor = Actor(clinic.prescriber)
    for rule in ("pregnancy", "msm-stage", "no-such-rule"):
        with pytest.raises(ValidationError, match=r"^rule: .*allowed: a relative finding"):
            services.override_finding(actor, screening, rule, REASON)
    missing = screened(clinic, "missing-information.json")
    with pytest.raises(ValidationError, match=r"^rule: 'predose-bp'"):
        services.override_finding(actor, missing, "predose-bp", REASON)  # missing, not relative
    assert not ScreeningOverride.objects.exists()


@pytest.mark.parametrize("reason", ["", "   ", "ok", "x" * 19])
def test_an_override_needs_a_reason_of_20_characters(clinic, reason):
    screening = screened(clinic, "relative-findings.json")
    with pytest.raises(ValidationError, match=r"^reason: .*at least 20 characters"):
        services.override_finding(Actor(clinic.prescriber), screening, "predose-bp", reason)
    assert not ScreeningOverride.objects.exists()


def test_a_finding_is_overridden_once_and_only_on_the_current_screening(clinic):
    screening = screened(clinic, "relative-findings.json")
    actor = Actor(clinic.prescriber)
    services.override_finding(actor, screening, "predose-bp", REASON)
    with pytest.raises(ValidationError, match=r"^rule: 'predose-bp'.*not yet overridden"):
        services.override_finding(actor, screening, "predose-bp", REASON)
    services.perform_screening(Actor(clinic.nurse), screening.patient, {})
    with pytest.raises(ValidationError, match=r"superseded by the screening of"):
        services.override_finding(actor, screening, "cannabis-use", REASON)
    assert ScreeningOverride.objects.count() == 1
