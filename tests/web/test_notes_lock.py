"""A signed note cannot be changed by any path: service, model save, queryset update/delete,
bulk update, the admin, and (PostgreSQL) raw SQL, which the trigger refuses. Where raw SQL can
get through (SQLite), the content hash taken at signing shows the change."""

from __future__ import annotations

import datetime

import pytest
from django.contrib import admin
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from kclinic.web.audit.services import Actor
from kclinic.web.notes import services
from kclinic.web.notes.models import Addendum, ClinicalNote, LockedError
from kclinic.web.notes.signing import signature_intact
from tests.web.factories import PASSWORD
from tests.web.test_notes_support import BODY, draft, signed, signing_request


@pytest.fixture
def note(clinic) -> ClinicalNote:
    return signed(clinic.prescriber, clinic.patient)


def _stored(note: ClinicalNote) -> ClinicalNote:
    return ClinicalNote.objects.select_related("patient", "signed_by").get(pk=note.pk)


def _unchanged(note: ClinicalNote) -> None:
    stored = _stored(note)
    assert (stored.title, stored.body, stored.version) == ("Infusion 3", BODY, 2)
    assert signature_intact(stored) is True


def test_services_refuse_every_change_to_a_signed_note(clinic, note):
    actor = Actor(clinic.prescriber)
    with pytest.raises(LockedError, match=r"signed .* cannot be changed; add an addendum"):
        services.update_draft(actor, note, kind="other", title="x", body="y", expected_version=2)
    with pytest.raises(LockedError):
        services.enter_in_error(actor, note, reason="changed my mind", expected_version=2)
    with pytest.raises(LockedError):
        services.sign_note(
            actor,
            note,
            password=PASSWORD,
            meaning="author",
            expected_version=2,
            request=signing_request(),
        )
    _unchanged(note)


def test_model_save_refuses_a_signed_row_even_from_a_stale_instance(clinic):
    draft_note = draft(clinic.prescriber, clinic.patient)
    stale = ClinicalNote.objects.get(pk=draft_note.pk)  # loaded while still a draft
    services.sign_note(
        Actor(clinic.prescriber),
        draft_note,
        password=PASSWORD,
        meaning="author",
        expected_version=1,
        request=signing_request(),
    )
    assert stale.signed_at is None  # the instance does not know; the database does
    stale.body = "rewritten"
    with pytest.raises(LockedError, match="signed and cannot be changed"):
        stale.save()
    fresh = ClinicalNote.objects.get(pk=draft_note.pk)
    fresh.title = "rewritten"
    with pytest.raises(LockedError):
        fresh.save(update_fields=["title"])
    _unchanged(draft_note)


def test_model_save_cannot_sign_or_create_a_signed_note_behind_the_service(clinic):
    draft_note = draft(clinic.nurse, clinic.patient)
    draft_note.signed_at = timezone.now()
    draft_note.content_hash = "0" * 64
    with pytest.raises(LockedError, match="only by sign_note"):
        draft_note.save()
    with pytest.raises(LockedError, match="created as a draft"):
        ClinicalNote(
            patient=clinic.patient,
            kind="other",
            title="forged",
            author=clinic.nurse,
            signed_at=timezone.now(),
        ).save()
    assert ClinicalNote.objects.get(pk=draft_note.pk).signed_at is None
    assert ClinicalNote.objects.count() == 1


def test_queryset_update_and_bulk_update_refuse_signed_rows(clinic, note):
    other_draft = draft(clinic.prescriber, clinic.patient, title="Draft")
    with pytest.raises(LockedError):
        ClinicalNote.objects.filter(pk=note.pk).update(body="rewritten")
    with pytest.raises(LockedError):
        ClinicalNote.objects.all().update(title="rewritten")  # mixed: nothing changes
    note.body = "rewritten"
    with pytest.raises(LockedError), transaction.atomic():  # bulk_update joins the outer one
        ClinicalNote.objects.bulk_update([note], ["body"])
    with pytest.raises(LockedError):
        ClinicalNote.objects.filter(pk=note.pk).update(signed_at=None)
    _unchanged(note)
    assert ClinicalNote.objects.get(pk=other_draft.pk).title == "Draft"
    # A draft alone may still be updated this way (that is how the services write).
    assert ClinicalNote.objects.filter(pk=other_draft.pk).update(title="Draft 2") == 1


def test_nothing_is_ever_deleted_not_even_a_draft(clinic, note):
    draft_note = draft(clinic.nurse, clinic.patient)
    with pytest.raises(LockedError):
        note.delete()
    with pytest.raises(LockedError):
        draft_note.delete()
    with pytest.raises(LockedError, match="never deleted"):
        ClinicalNote.objects.all().delete()
    assert ClinicalNote.objects.count() == 2


def test_addenda_are_immutable_and_never_unsigned(clinic, note):
    addendum = services.add_addendum(
        Actor(clinic.nurse),
        note,
        body="Called back: well.",
        meaning="addendum_author",
        password=PASSWORD,
        request=signing_request(),
    )
    addendum.body = "rewritten"
    with pytest.raises(LockedError):
        addendum.save()
    with pytest.raises(LockedError):
        addendum.delete()
    with pytest.raises(LockedError):
        Addendum.objects.filter(pk=addendum.pk).update(body="rewritten")
    with pytest.raises(LockedError):
        Addendum.objects.all().delete()
    with pytest.raises(LockedError, match="signed as it is saved"):
        Addendum(note=note, body="unsigned", author=clinic.nurse).save()
    assert list(Addendum.objects.values_list("body", flat=True)) == ["Called back: well."]


def test_notes_are_not_editable_in_the_django_admin():
    assert ClinicalNote not in admin.site._registry
    assert Addendum not in admin.site._registry


def _raw(sql: str, params: tuple[object, ...]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_raw_sql_update_of_a_signed_note_is_refused_by_the_database_or_detected(clinic, note):
    sql = "UPDATE notes_clinicalnote SET body = 'rewritten' WHERE id = %s"
    if connection.vendor == "postgresql":
        locked = "signed notes and addenda are locked"
        with pytest.raises(DatabaseError, match=locked), transaction.atomic():
            _raw(sql, (note.pk,))
        with pytest.raises(DatabaseError, match="never deleted"), transaction.atomic():
            _raw("DELETE FROM notes_clinicalnote WHERE id = %s", (note.pk,))
        _unchanged(note)
    else:
        # SQLite has no trigger here; the ORM guards above hold, and the hash catches raw SQL.
        _raw(sql, (note.pk,))
        assert signature_intact(_stored(note)) is False


def test_raw_sql_on_addenda_and_drafts_on_postgresql_or_the_orm_guards(clinic, note):
    addendum = services.add_addendum(
        Actor(clinic.nurse),
        note,
        body="Called back: well.",
        meaning="addendum_author",
        password=PASSWORD,
        request=signing_request(),
    )
    draft_note = draft(clinic.nurse, clinic.patient, title="Draft")
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError, match="locked"), transaction.atomic():
            _raw("UPDATE notes_addendum SET body = 'x' WHERE id = %s", (addendum.pk,))
        with pytest.raises(DatabaseError, match="never deleted"), transaction.atomic():
            _raw("DELETE FROM notes_clinicalnote WHERE id = %s", (draft_note.pk,))
        # A draft is still a draft: the trigger lets its UPDATE through.
        _raw("UPDATE notes_clinicalnote SET title = 'Draft 2' WHERE id = %s", (draft_note.pk,))
        assert ClinicalNote.objects.get(pk=draft_note.pk).title == "Draft 2"
    else:
        with pytest.raises(LockedError):
            Addendum.objects.filter(pk=addendum.pk).update(body="x")
        with pytest.raises(LockedError):
            ClinicalNote.objects.filter(pk=draft_note.pk).delete()
    assert Addendum.objects.get(pk=addendum.pk).body == "Called back: well."
    assert ClinicalNote.objects.filter(pk=draft_note.pk).exists()


def _tamper(sql: str, params: tuple[object, ...]) -> None:
    """Change a row behind every guard, as someone with the database owner's rights could."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Deferred foreign-key checks from this test's inserts must run before ALTER TABLE.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE notes_clinicalnote DISABLE TRIGGER notes_clinicalnote_lock")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE notes_clinicalnote ENABLE TRIGGER notes_clinicalnote_lock")


@pytest.mark.parametrize(
    ("column", "value"),
    [("body", "Infusion 3 of 6. 0.75 mg/kg"), ("title", "Infusion 4"), ("signed_name", "Someone")],
)
def test_the_content_hash_detects_a_change_made_behind_the_guards(clinic, note, column, value):
    assert signature_intact(_stored(note)) is True
    _tamper(f"UPDATE notes_clinicalnote SET {column} = %s WHERE id = %s", (value, note.pk))
    tampered = _stored(note)
    assert getattr(tampered, column) == value
    assert signature_intact(tampered) is False


def test_the_hash_detects_a_moved_signing_time(clinic, note):
    later = note.signed_at + datetime.timedelta(hours=1)
    _tamper("UPDATE notes_clinicalnote SET signed_at = %s WHERE id = %s", (later, note.pk))
    assert signature_intact(_stored(note)) is False
