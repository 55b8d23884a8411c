"""Every write to clinical notes: permission check, validation, one transaction, audit row.

Rules (docs/notes.md):
- nurses and prescribers of the patient's site write notes (Action.WRITE_NOTE); a draft is
  edited, signed or marked entered in error only by its author, naming the version the
  change started from, so a concurrent edit is refused and nothing is overwritten;
- signing (Action.SIGN_NOTE) asks for the signer's password again; a wrong password is
  audited and counts towards the account lockout;
- a signed note never changes; additions and corrections are addenda, signed when saved.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from kclinic.domain.errors import ValidationError
from kclinic.web.accounts.models import User
from kclinic.web.accounts.policy import Action, require
from kclinic.web.audit.services import Actor, record
from kclinic.web.notes.models import (
    ADDENDUM_MEANINGS,
    NOTE_MEANINGS,
    Addendum,
    ClinicalNote,
    LockedError,
    NoteKind,
)
from kclinic.web.notes.signing import (
    ReauthenticationError,
    addendum_content,
    digest,
    note_content,
    reauthenticate,
)
from kclinic.web.patients.models import Patient
from kclinic.web.patients.services import ConflictError

TITLE_MAX_CHARS = 200
BODY_MAX_CHARS = 20_000
ADDENDUM_MAX_CHARS = 10_000
REASON_MIN_CHARS = 5
REASON_MAX_CHARS = 300

__all__ = [
    "ConflictError",
    "LockedError",
    "ReauthenticationError",
    "add_addendum",
    "create_note",
    "enter_in_error",
    "sign_note",
    "update_draft",
]


def _text(field: str, value: str, max_chars: int, *, required: bool) -> str:
    # Browsers send CRLF from a textarea; store one form so the signed hash is stable.
    text = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if required and not text:
        raise ValidationError(field, value, f"1 to {max_chars} characters of text")
    if len(text) > max_chars:
        raise ValidationError(field, f"text of {len(text)} characters", f"at most {max_chars}")
    return text


def _draft_fields(kind: str, title: str, body: str) -> dict[str, str]:
    if kind not in NoteKind.values:
        raise ValidationError("kind", kind, ", ".join(NoteKind.values))
    return {
        "kind": kind,
        "title": " ".join(_text("title", title, TITLE_MAX_CHARS, required=True).split()),
        "body": _text("body", body, BODY_MAX_CHARS, required=False),
    }


def _require_author(user: User, note: ClinicalNote, doing: str) -> None:
    if note.author_id != user.pk:
        raise PermissionDenied(f"only the author of a draft may {doing} it")


def _check_open_draft(note: ClinicalNote, expected_version: int) -> None:
    """Refuse unless `note` (as stored now) is an open draft at `expected_version`."""
    if note.signed_at is not None:
        when = timezone.localtime(note.signed_at).strftime("%Y-%m-%d %H:%M %Z")
        raise LockedError(
            f"this note was signed {when} by {note.signed_name} and cannot be changed; "
            "add an addendum instead"
        )
    if note.entered_in_error_at is not None:
        raise LockedError("this draft was marked entered in error and cannot be changed")
    if note.version != expected_version:
        raise ConflictError(
            f"this draft was changed since you opened it (you started from version "
            f"{expected_version}; it is now version {note.version}); nothing was saved; "
            "reload to see the latest text"
        )


def _locked_fresh(note: ClinicalNote) -> ClinicalNote:
    return (
        ClinicalNote.objects.select_for_update(of=("self",))
        .select_related("patient", "signed_by")
        .get(pk=note.pk)
    )


def create_note(
    actor: Actor, patient: Patient, *, kind: str, title: str, body: str
) -> ClinicalNote:
    """Start a draft note about `patient`, written by the actor."""
    user = actor.signed_in()
    require(user, Action.WRITE_NOTE, patient.site)
    fields = _draft_fields(kind, title, body)
    with transaction.atomic():
        note = ClinicalNote.objects.create(patient=patient, author=user, **fields)
        record(
            actor,
            "create",
            patient_public_id=patient.public_id,
            object_type="note",
            object_id=note.public_id,
            detail={"kind": note.kind, "version": note.version},
        )
    return note


def update_draft(
    actor: Actor, note: ClinicalNote, *, kind: str, title: str, body: str, expected_version: int
) -> ClinicalNote:
    """Change a draft. Refused for signed notes, drafts entered in error, other authors, and
    when the draft moved on from `expected_version` (ConflictError; nothing written)."""
    user = actor.signed_in()
    require(user, Action.WRITE_NOTE, note.patient.site)
    _require_author(user, note, "edit")
    fields = _draft_fields(kind, title, body)
    with transaction.atomic():
        fresh = _locked_fresh(note)
        _check_open_draft(fresh, expected_version)
        changed = sorted(k for k, v in fields.items() if getattr(fresh, k) != v)
        rows = ClinicalNote.objects.filter(
            pk=note.pk, version=expected_version, signed_at=None, entered_in_error_at=None
        ).update(version=expected_version + 1, updated_at=timezone.now(), **fields)
        if rows != 1:
            raise ConflictError("this draft was changed at the same moment; nothing was saved")
        record(
            actor,
            "update",
            patient_public_id=note.patient.public_id,
            object_type="note",
            object_id=note.public_id,
            detail={"version": expected_version + 1, "changed": changed},
        )
    note.refresh_from_db()
    return note


def _reauthenticate(
    actor: Actor, request: HttpRequest, user: User, password: str, note: ClinicalNote, what: str
) -> None:
    # Outside any transaction: the audit row of a refused signature must survive the refusal.
    try:
        reauthenticate(request, user, password)
    except ReauthenticationError as error:
        record(
            actor,
            "sign_refused",
            patient_public_id=note.patient.public_id,
            object_type="note",
            object_id=note.public_id,
            detail={
                "signing": what,
                "reason": "account locked" if error.locked else "password not accepted",
            },
        )
        raise


def sign_note(
    actor: Actor,
    note: ClinicalNote,
    *,
    password: str,
    meaning: str,
    expected_version: int,
    request: HttpRequest,
) -> ClinicalNote:
    """Sign and lock the actor's own draft after re-entering their password.

    The signature records the time (UTC, whole seconds), the printed name with credentials,
    the meaning, and the SHA-256 of the signed content (signing.py)."""
    user = actor.signed_in()
    require(user, Action.SIGN_NOTE, note.patient.site)
    _require_author(user, note, "sign")
    if meaning not in NOTE_MEANINGS:
        raise ValidationError("meaning", meaning, ", ".join(NOTE_MEANINGS))
    # Checked before the password so that a signature bound to fail spends no attempt.
    note.refresh_from_db()
    _check_open_draft(note, expected_version)
    if not note.body.strip():
        raise ValidationError("body", note.body, "text to sign (a blank note cannot be signed)")
    _reauthenticate(actor, request, user, password, note, "note")
    signed_at = timezone.now().replace(microsecond=0)
    with transaction.atomic():
        fresh = _locked_fresh(note)
        _check_open_draft(fresh, expected_version)
        signed_name = user.signature_name
        content_hash = digest(
            note_content(
                fresh, signer=user, signed_name=signed_name, meaning=meaning, signed_at=signed_at
            )
        )
        rows = ClinicalNote.objects.filter(
            pk=note.pk, version=expected_version, signed_at=None, entered_in_error_at=None
        ).update(
            signed_at=signed_at,
            signed_by=user,
            signed_name=signed_name,
            signature_meaning=meaning,
            content_hash=content_hash,
            version=expected_version + 1,
            updated_at=signed_at,
        )
        if rows != 1:
            raise ConflictError("this draft was changed at the same moment; nothing was signed")
        record(
            actor,
            "sign",
            patient_public_id=note.patient.public_id,
            object_type="note",
            object_id=note.public_id,
            detail={
                "meaning": meaning,
                "content_hash": content_hash,
                "signed_name": signed_name,
                "signed_at": signed_at.isoformat(),
            },
        )
    note.refresh_from_db()
    return note


def add_addendum(
    actor: Actor,
    note: ClinicalNote,
    *,
    body: str,
    meaning: str,
    password: str,
    request: HttpRequest,
) -> Addendum:
    """Add a signed addendum to a signed note (any nurse or prescriber of the site)."""
    user = actor.signed_in()
    require(user, Action.WRITE_NOTE, note.patient.site)
    require(user, Action.SIGN_NOTE, note.patient.site)
    if meaning not in ADDENDUM_MEANINGS:
        raise ValidationError("meaning", meaning, ", ".join(ADDENDUM_MEANINGS))
    text = _text("body", body, ADDENDUM_MAX_CHARS, required=True)
    note.refresh_from_db()
    if note.signed_at is None:
        raise ValidationError(
            "note", note.status, "a signed note (addenda are added to signed notes only)"
        )
    _reauthenticate(actor, request, user, password, note, "addendum")
    signed_at = timezone.now().replace(microsecond=0)
    with transaction.atomic():
        addendum = Addendum(
            note=_locked_fresh(note),
            body=text,
            author=user,
            created_at=signed_at,
            signed_at=signed_at,
            signed_by=user,
            signed_name=user.signature_name,
            signature_meaning=meaning,
        )
        addendum.content_hash = digest(
            addendum_content(
                addendum,
                signer=user,
                signed_name=addendum.signed_name,
                meaning=meaning,
                signed_at=signed_at,
            )
        )
        addendum.save()
        for action in ("create", "sign"):
            record(
                actor,
                action,
                patient_public_id=note.patient.public_id,
                object_type="addendum",
                object_id=addendum.public_id,
                detail={
                    "note": str(note.public_id),
                    "meaning": meaning,
                    "content_hash": addendum.content_hash,
                    "signed_at": signed_at.isoformat(),
                },
            )
    return addendum


def enter_in_error(
    actor: Actor, note: ClinicalNote, *, reason: str, expected_version: int
) -> ClinicalNote:
    """Discard the author's own draft: it is kept, marked entered in error with the reason,
    and can no longer be edited or signed. A signed note is corrected by an addendum."""
    user = actor.signed_in()
    require(user, Action.WRITE_NOTE, note.patient.site)
    _require_author(user, note, "discard")
    why = " ".join(reason.split())
    if not REASON_MIN_CHARS <= len(why) <= REASON_MAX_CHARS:
        raise ValidationError(
            "reason", reason, f"{REASON_MIN_CHARS} to {REASON_MAX_CHARS} characters saying why"
        )
    now: datetime = timezone.now()
    with transaction.atomic():
        fresh = _locked_fresh(note)
        _check_open_draft(fresh, expected_version)
        rows = ClinicalNote.objects.filter(
            pk=note.pk, version=expected_version, signed_at=None, entered_in_error_at=None
        ).update(
            entered_in_error_at=now,
            entered_in_error_by=user,
            entered_in_error_reason=why,
            version=expected_version + 1,
            updated_at=now,
        )
        if rows != 1:
            raise ConflictError("this draft was changed at the same moment; nothing was saved")
        record(
            actor,
            "enter_in_error",
            patient_public_id=note.patient.public_id,
            object_type="note",
            object_id=note.public_id,
            detail={"reason": why},
        )
    note.refresh_from_db()
    return note
