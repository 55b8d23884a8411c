"""Patients: registration, validation, site scoping, optimistic concurrency, banner, audit."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from kclinic.domain.errors import OutOfRangeError, ValidationError
from kclinic.web.audit.models import AuditEvent
from kclinic.web.audit.services import Actor
from kclinic.web.patients import services
from kclinic.web.patients.models import Patient
from kclinic.web.patients.selectors import patient_for, search

DEMOGRAPHICS = services.Demographics(
    mrn="K-1001",
    given_name="Jamie",
    family_name="Rivera",
    date_of_birth=dt.date(1979, 3, 2),
    sex="male",
    escort_name="Pat Rivera",
    escort_phone="555-0100",
)


def test_front_desk_registers_a_patient_and_the_creation_is_audited(clinic):
    patient = services.register_patient(
        Actor(clinic.front_desk, "10.0.0.5"), clinic.site_a, DEMOGRAPHICS
    )
    event = AuditEvent.objects.filter(action="create", object_type="patient").get()
    assert event.patient_public_id == patient.public_id
    assert (event.username, event.role, event.source_address) == (
        "desk_ray",
        "front_desk",
        "10.0.0.5",
    )


@pytest.mark.parametrize("role", ["compliance", "auditor", "admin"])
def test_roles_without_the_right_cannot_register(clinic, role):
    with pytest.raises(PermissionDenied):
        services.register_patient(Actor(getattr(clinic, role)), clinic.site_a, DEMOGRAPHICS)
    assert not Patient.objects.filter(mrn="K-1001").exists()


def test_nurse_cannot_register_at_a_site_she_does_not_belong_to(clinic):
    with pytest.raises(PermissionDenied):
        services.register_patient(Actor(clinic.nurse), clinic.site_b, DEMOGRAPHICS)


def test_duplicate_mrn_is_refused_naming_the_field(clinic):
    services.register_patient(Actor(clinic.nurse), clinic.site_a, DEMOGRAPHICS)
    with pytest.raises(ValidationError, match=r"^mrn: 'K-1001'"):
        services.register_patient(Actor(clinic.nurse), clinic.site_a, DEMOGRAPHICS)
    assert Patient.objects.filter(mrn="K-1001").count() == 1


def test_future_date_of_birth_is_refused(clinic):
    bad = services.Demographics(**{**DEMOGRAPHICS.__dict__, "date_of_birth": dt.date(2999, 1, 1)})
    with pytest.raises(ValidationError, match="date_of_birth"):
        services.register_patient(Actor(clinic.nurse), clinic.site_a, bad)


def test_staff_of_another_site_see_nothing_of_the_patient(clinic):
    assert list(search(clinic.other_site_nurse, "Hart")) == []
    with pytest.raises(Http404):
        patient_for(clinic.other_site_nurse, clinic.patient.public_id)
    assert patient_for(clinic.nurse, clinic.patient.public_id) == clinic.patient


def test_concurrent_edits_do_not_overwrite_each_other(clinic):
    patient = clinic.patient
    first = services.Demographics(**{**_demo(patient), "phone": "555-1111"})
    second = services.Demographics(**{**_demo(patient), "phone": "555-2222"})
    services.update_demographics(Actor(clinic.nurse), patient, first, expected_version=1)
    with pytest.raises(services.ConflictError):
        services.update_demographics(Actor(clinic.front_desk), patient, second, expected_version=1)
    patient.refresh_from_db()
    assert (patient.phone, patient.version) == ("555-1111", 2)
    change = AuditEvent.objects.get(action="update")
    assert change.detail["changed"]["phone"] == ["", "555-1111"]


def _demo(patient: Patient) -> dict[str, object]:
    return {f: getattr(patient, f) for f in services.Demographics.__dataclass_fields__}


@pytest.mark.parametrize(("weight", "message"), [("12", "25 to 350 kg"), ("abc", "weight_kg")])
def test_implausible_weight_is_refused_with_the_range(clinic, weight, message):
    with pytest.raises((OutOfRangeError, ValidationError), match=message):
        services.record_measurement(Actor(clinic.nurse), clinic.patient, weight)
    assert not clinic.patient.measurements.exists()


def test_chart_shows_the_banner_and_audits_the_view(clinic, login):
    services.record_measurement(Actor(clinic.nurse), clinic.patient, "81.4", "175")
    services.add_allergy(Actor(clinic.nurse), clinic.patient, "Penicillin", "rash")
    response = login(clinic.nurse).get(f"/patients/{clinic.patient.public_id}/")
    html = response.content.decode()
    assert response.status_code == 200
    for text in ("HART, Robin", "1980-05-17", clinic.patient.mrn, "Penicillin (rash)", "81.40 kg"):
        assert text in html, text
    view = AuditEvent.objects.filter(action="view").get()
    assert (view.patient_public_id, view.object_id, view.username) == (
        clinic.patient.public_id,
        "overview",
        "nurse_kim",
    )


def test_banner_warns_when_allergies_and_weight_are_not_recorded(clinic, login):
    html = login(clinic.nurse).get(f"/patients/{clinic.patient.public_id}/").content.decode()
    assert "Allergies <b>not recorded</b>" in html
    assert "Weight <b>not recorded</b>" in html


def test_other_site_nurse_gets_404_for_the_chart(clinic, login):
    response = login(clinic.other_site_nurse).get(f"/patients/{clinic.patient.public_id}/")
    assert response.status_code == 404
    assert login(clinic.nurse).get(f"/patients/{uuid.uuid4()}/").status_code == 404


def test_register_form_shows_the_field_error_and_writes_nothing(clinic, login):
    response = login(clinic.front_desk).post(
        "/patients/new/",
        {
            "mrn": "",
            "given_name": "A",
            "family_name": "B",
            "date_of_birth": "1990-01-01",
            "sex": "female",
        },
    )
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert Patient.objects.count() == 2


def test_search_by_mrn_through_htmx(clinic, login):
    response = login(clinic.nurse).get(
        "/patients/", {"q": clinic.patient.mrn}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert "HART, Robin" in html
    assert "<html" not in html


def test_refusals_render_the_clinic_pages_not_bare_errors(clinic, login):
    denied = login(clinic.front_desk).get(f"/patients/{clinic.patient.public_id}/tasks/")
    assert denied.status_code == 403
    assert "Not permitted" in denied.content.decode()
    missing = login(clinic.other_site_nurse).get(f"/patients/{clinic.patient.public_id}/")
    assert missing.status_code == 404
    assert "visible only to staff of their own site" in missing.content.decode()
