"""Consents: versioned documents, signatures with a staff witness, withdrawal as a new event,
and `current_consent` for the chair-side check."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from kclinic.domain.errors import ValidationError
from kclinic.web.accounts.models import Role
from kclinic.web.audit.models import AuditEvent
from kclinic.web.audit.services import Actor
from kclinic.web.screenings import services
from kclinic.web.screenings.models import (
    Consent,
    ConsentDocument,
    ConsentWithdrawal,
    ImmutableRecordError,
)
from kclinic.web.screenings.selectors import current_consent, current_document
from tests.web.factories import UserFactory

CODE = "iv-ketamine-treatment"
SIGNED = dt.date(2025, 3, 3)


def document(version: int = 1, effective_from: dt.date = dt.date(2025, 1, 1), code: str = CODE):
    found = ConsentDocument.objects.filter(code=code, version=version).first()
    return found or ConsentDocument.objects.create(
        code=code,
        version=version,
        title=f"Test consent {code}",
        body="Test text.",
        effective_from=effective_from,
    )


def sign(clinic, doc=None, signed_on=SIGNED, recorder=None, witness=None, method="tablet"):
    return services.record_consent(
        Actor(recorder or clinic.nurse, "10.0.0.9"),
        clinic.patient,
        doc or document(),
        signed_on,
        method,
        witness or clinic.prescriber,
    )


@pytest.fixture
def shipped(db) -> dict[str, ConsentDocument]:
    """The documents the data migration ships. Run again here (it adds only what is absent)
    because a transactional test elsewhere in the run may have flushed migration data."""
    migration = importlib.import_module(
        "kclinic.web.screenings.migrations.0002_consent_document_templates"
    )
    migration.add_templates(apps, None)
    return {d.code: d for d in ConsentDocument.objects.filter(is_template=True)}


def test_two_clearly_marked_templates_are_shipped(shipped):
    assert set(shipped) == {"iv-ketamine-treatment", "esketamine-rems-enrolment"}
    for doc in shipped.values():
        assert doc.version == 1
        assert "(TEMPLATE)" in doc.title
        assert doc.body.startswith("TEMPLATE SHIPPED WITH KCLINIC - REPLACE BEFORE USE.")
        assert "Sources" in doc.body
    assert "does NOT replace" in shipped["esketamine-rems-enrolment"].body


def test_a_nurse_records_a_consent_witnessed_by_a_prescriber_and_it_is_audited(clinic):
    consent = sign(clinic)
    assert (consent.recorded_by, consent.witness) == (clinic.nurse, clinic.prescriber)
    assert consent.withdrawn_on is None
    assert consent.withdrawn_reason == ""
    event = AuditEvent.objects.get(action="create", object_type="consent")
    assert event.object_id == str(consent.public_id)
    assert event.detail["witness"] == "dr_lee"
    assert event.detail["version"] == 1
    assert event.source_address == "10.0.0.9"


def test_the_witness_may_not_be_the_recorder(clinic):
    with pytest.raises(ValidationError, match=r"^witness: 'nurse_kim'.*other than the person"):
        sign(clinic, witness=clinic.nurse)
    assert not Consent.objects.exists()


def test_the_database_refuses_a_consent_witnessed_by_its_recorder(clinic):
    with pytest.raises(IntegrityError), transaction.atomic():
        Consent.objects.create(
            patient=clinic.patient,
            document=document(),
            signed_on=SIGNED,
            signature_method="tablet",
            witness=clinic.nurse,
            recorded_by=clinic.nurse,
            recorded_at=timezone.now(),
        )


@pytest.mark.parametrize("who", ["other_site_nurse", "admin", "inactive"])
def test_the_witness_must_be_active_staff_of_the_patients_site(clinic, who):
    if who == "inactive":
        witness = UserFactory(role=Role.NURSE, sites=[clinic.site_a], is_active=False)
    else:
        witness = getattr(clinic, who)
    with pytest.raises(ValidationError, match=r"^witness: .*active member of staff of North"):
        sign(clinic, witness=witness)
    assert not Consent.objects.exists()


def test_front_desk_staff_of_the_site_may_witness(clinic):
    assert sign(clinic, witness=clinic.front_desk).witness == clinic.front_desk


def test_the_signing_date_is_within_the_documents_life_and_not_in_the_future(clinic):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(ValidationError, match=r"^signed_on: "):
        sign(clinic, signed_on=tomorrow)
    with pytest.raises(ValidationError, match=r"^signed_on: '2024-12-31'.*in effect from 2025"):
        sign(clinic, signed_on=dt.date(2024, 12, 31))
    with pytest.raises(ValidationError, match=r"^signature_method: 'fax'"):
        sign(clinic, method="fax")
    assert not Consent.objects.exists()


@pytest.mark.parametrize(
    "role", ["front_desk", "compliance", "auditor", "admin", "other_site_nurse"]
)
def test_only_nurses_and_prescribers_of_the_site_record_consent(clinic, role):
    with pytest.raises(PermissionDenied):
        sign(clinic, recorder=getattr(clinic, role))
    assert not Consent.objects.exists()


def test_withdrawal_is_a_new_event_and_the_consent_stays(clinic):
    consent = sign(clinic)
    assert current_consent(clinic.patient, CODE) == consent
    withdrawal = services.withdraw_consent(
        Actor(clinic.prescriber), consent, dt.date(2025, 4, 1), "Patient no longer wishes to go on"
    )
    consent = Consent.objects.get(pk=consent.pk)
    assert consent.withdrawn_on == dt.date(2025, 4, 1)
    assert consent.withdrawn_reason == "Patient no longer wishes to go on"
    assert withdrawal.recorded_by == clinic.prescriber
    assert current_consent(clinic.patient, CODE) is None
    event = AuditEvent.objects.get(action="withdraw")
    assert event.object_id == str(consent.public_id)
    assert event.detail == {
        "withdrawn_on": "2025-04-01",
        "reason": "Patient no longer wishes to go on",
    }
    with pytest.raises(ValidationError, match=r"^consent: .*not already withdrawn"):
        services.withdraw_consent(Actor(clinic.nurse), consent, dt.date(2025, 4, 2), "again!")
    assert ConsentWithdrawal.objects.count() == 1


def test_withdrawal_rules(clinic):
    consent = sign(clinic)
    actor = Actor(clinic.nurse)
    with pytest.raises(ValidationError, match=r"^withdrawn_on: '2025-03-02'"):
        services.withdraw_consent(actor, consent, dt.date(2025, 3, 2), "changed mind")
    with pytest.raises(ValidationError, match=r"^withdrawn_reason: "):
        services.withdraw_consent(actor, consent, dt.date(2025, 3, 5), "no")
    with pytest.raises(PermissionDenied):
        services.withdraw_consent(
            Actor(clinic.front_desk), consent, dt.date(2025, 3, 5), "changed mind"
        )
    assert not ConsentWithdrawal.objects.exists()


def test_consents_and_withdrawals_are_never_changed_or_deleted(clinic):
    consent = sign(clinic)
    with pytest.raises(ImmutableRecordError):
        consent.save()
    with pytest.raises(ImmutableRecordError):
        consent.delete()
    with pytest.raises(ImmutableRecordError):
        Consent.objects.filter(pk=consent.pk).update(signed_on=dt.date(2025, 3, 4))
    doc = document()
    doc.title = "Edited"
    with pytest.raises(ImmutableRecordError):
        doc.save()


def test_current_consent_is_the_latest_version_not_withdrawn(clinic):
    v1 = sign(clinic, doc=document(1))
    v2_doc = document(2, effective_from=dt.date(2025, 6, 1))
    assert current_document(CODE, dt.date(2025, 5, 31)) == document(1)
    assert current_document(CODE, dt.date(2025, 6, 1)) == v2_doc
    v2 = sign(clinic, doc=v2_doc, signed_on=dt.date(2025, 6, 10))
    assert current_consent(clinic.patient, CODE) == v2
    assert current_consent(clinic.patient, "esketamine-rems-enrolment") is None
    # Withdrawing the newest consent also revokes the older signature: the patient said no.
    services.withdraw_consent(Actor(clinic.nurse), v2, dt.date(2025, 7, 1), "declined to say")
    assert current_consent(clinic.patient, CODE) is None
    assert v1.withdrawal_or_none is None
    renewed = sign(clinic, doc=v2_doc, signed_on=dt.date(2025, 8, 1))
    assert current_consent(clinic.patient, CODE) == renewed


def test_an_older_signature_after_a_withdrawal_of_another_counts_again(clinic):
    first = sign(clinic, signed_on=dt.date(2025, 3, 3))
    services.withdraw_consent(Actor(clinic.nurse), first, dt.date(2025, 3, 10), "changed mind")
    again = sign(clinic, signed_on=dt.date(2025, 3, 10))  # same day, recorded after it
    assert current_consent(clinic.patient, CODE) == again


# -- pages ------------------------------------------------------------------------------------


def test_the_consents_page_lists_and_records(clinic, login, shipped):
    url = reverse("screenings:consents", args=[clinic.patient.public_id])
    client = login(clinic.nurse)
    page = client.get(url)
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="patient-banner"' in html
    assert "TEMPLATE: the clinic must replace this text" in html
    template = shipped[CODE]
    response = client.post(
        url,
        {
            "document": str(template.public_id),
            "signed_on": timezone.localdate().isoformat(),
            "signature_method": "paper-scanned",
            "witness": str(clinic.prescriber.public_id),
        },
    )
    assert response.status_code == 302
    consent = Consent.objects.get()
    assert consent.signature_method == "paper-scanned"
    html = client.get(url).content.decode()
    assert "Signed on paper, scanned" in html
    assert 'badge signed">current' in html
    assert AuditEvent.objects.filter(action="view", object_id="screening").exists()


def test_the_consent_form_refuses_the_recorder_as_witness(clinic, login):
    url = reverse("screenings:consents", args=[clinic.patient.public_id])
    client = login(clinic.nurse)
    choices = [v for v, _ in client.get(url).context["form"].fields["witness"].choices]
    assert str(clinic.nurse.public_id) not in choices
    assert str(clinic.other_site_nurse.public_id) not in choices
    assert str(clinic.admin.public_id) not in choices
    response = client.post(
        url,
        {
            "document": str(document().public_id),
            "signed_on": SIGNED.isoformat(),
            "signature_method": "tablet",
            "witness": str(clinic.nurse.public_id),
        },
    )
    assert response.status_code == 200
    assert "witness" in response.context["form"].errors
    assert not Consent.objects.exists()


def test_the_withdraw_page_records_a_withdrawal(clinic, login):
    consent = sign(clinic)
    url = reverse("screenings:withdraw", args=[clinic.patient.public_id, consent.public_id])
    client = login(clinic.prescriber)
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"withdrawn_on": "2025-03-20", "withdrawn_reason": "Moving to another clinic"}
    )
    assert response.status_code == 302
    assert Consent.objects.get().withdrawn_on == dt.date(2025, 3, 20)
    html = client.get(reverse("screenings:consents", args=[clinic.patient.public_id])).content
    assert b"withdrawn 2025-03-20" in html


def test_consent_pages_by_role_and_site(clinic, login):
    consent = sign(clinic)
    pid = clinic.patient.public_id
    consents = reverse("screenings:consents", args=[pid])
    withdraw = reverse("screenings:withdraw", args=[pid, consent.public_id])
    assert login(clinic.front_desk).get(consents).status_code == 403
    assert login(clinic.other_site_nurse).get(consents).status_code == 404
    assert login(clinic.other_site_nurse).get(withdraw).status_code == 404
    auditor = login(clinic.auditor)
    assert auditor.get(consents).status_code == 200
    assert "Record a signed consent" not in auditor.get(consents).content.decode()
    assert auditor.get(withdraw).status_code == 403


def test_a_document_page_is_readable_by_patient_facing_staff_only(clinic, login, shipped):
    doc = shipped["esketamine-rems-enrolment"]
    url = reverse("screenings:document", args=[doc.public_id])
    response = login(clinic.front_desk).get(url)
    assert response.status_code == 200
    assert "TEMPLATE shipped with kclinic" in response.content.decode()
    assert login(clinic.admin).get(url).status_code == 403


def test_the_admin_adds_versions_but_never_edits_or_deletes_one(clinic):
    from django.contrib.admin.sites import site
    from django.test import RequestFactory

    admin = site._registry[ConsentDocument]
    request = RequestFactory().get("/admin/")
    request.user = clinic.admin
    clinic.admin.is_superuser = True  # the model admin's own rules, not Django's permissions
    doc = document()
    assert admin.has_change_permission(request, None)
    assert not admin.has_change_permission(request, doc)
    assert not admin.has_delete_permission(request, doc)
