"""What a signature covers, and proof that the signer is who they say they are.

The content hash is SHA-256 over a canonical JSON form (sorted keys, no spaces, ASCII
escapes, UTF-8) of what was signed: the record's id, its patient, the text, the meaning, the
signer's public id and printed name, and the signing time in UTC to the second. An addendum's
content also holds the hash of the note it adds to, so it is bound to that exact signed text.
Recomputing the hash from the stored row later proves the row unchanged since signing.

Re-authentication goes through django.contrib.auth.authenticate with the request, so
django-axes (first in AUTHENTICATION_BACKENDS) counts a wrong password towards the same
lockout as a failed sign-in, and refuses a locked-out account.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth import authenticate
from django.http import HttpRequest

from kclinic.domain.errors import KclinicError, ValidationError

if TYPE_CHECKING:
    from kclinic.web.accounts.models import User
    from kclinic.web.notes.models import Addendum, ClinicalNote


def utc_second(moment: datetime) -> str:
    """The signing time as hashed: UTC, whole seconds, e.g. '2026-03-02T13:05:09+00:00'."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def digest(content: Mapping[str, object]) -> str:
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def note_content(
    note: ClinicalNote, *, signer: User, signed_name: str, meaning: str, signed_at: datetime
) -> dict[str, str]:
    return {
        "record": "clinical_note",
        "id": str(note.public_id),
        "patient": str(note.patient.public_id),
        "kind": note.kind,
        "title": note.title,
        "body": note.body,
        "meaning": meaning,
        "signer": str(signer.public_id),
        "signed_name": signed_name,
        "signed_at": utc_second(signed_at),
    }


def addendum_content(
    addendum: Addendum, *, signer: User, signed_name: str, meaning: str, signed_at: datetime
) -> dict[str, str]:
    note = addendum.note
    return {
        "record": "addendum",
        "id": str(addendum.public_id),
        "note": str(note.public_id),
        "note_hash": note.content_hash,
        "patient": str(note.patient.public_id),
        "body": addendum.body,
        "meaning": meaning,
        "signer": str(signer.public_id),
        "signed_name": signed_name,
        "signed_at": utc_second(signed_at),
    }


def signature_intact(record: ClinicalNote | Addendum) -> bool | None:
    """True when the stored row still hashes to the hash taken at signing; None if unsigned."""
    from kclinic.web.notes.models import Addendum

    if record.signed_at is None or record.signed_by is None:
        return None
    signer, name, meaning, at = (
        record.signed_by,
        record.signed_name,
        record.signature_meaning,
        record.signed_at,
    )
    if isinstance(record, Addendum):
        content = addendum_content(
            record, signer=signer, signed_name=name, meaning=meaning, signed_at=at
        )
    else:
        content = note_content(
            record, signer=signer, signed_name=name, meaning=meaning, signed_at=at
        )
    return digest(content) == record.content_hash


class ReauthenticationError(ValidationError):
    """The password given to sign was missing or wrong, or the account is locked out.

    The message names the `password` field but never shows what was typed."""

    def __init__(self, reason: str, *, locked: bool = False) -> None:
        self.field = "password"
        self.value = "(not shown)"
        self.allowed = "your own current sign-in password"
        self.detail = None
        self.locked = locked
        KclinicError.__init__(self, f"password: {reason}")


def reauthenticate(request: HttpRequest, user: User, password: str) -> None:
    """Raise ReauthenticationError unless `password` is the signed-in user's own password.

    A blank password is refused without counting as an attempt (nothing was tried)."""
    if not password:
        raise ReauthenticationError("enter your own sign-in password to sign")
    username = user.get_username()
    found = authenticate(request, username=username, password=password)
    if found is not None and found.pk == user.pk:
        return
    locked = AxesProxyHandler.is_locked(request, {"username": username})
    # axes flags the request so that its middleware swaps the response for its lockout page;
    # the caller answers instead (the JSON envelope for the API, sign-out for pages).
    request.axes_locked_out = False  # type: ignore[attr-defined]
    if locked:
        raise ReauthenticationError(
            "too many failed attempts; the account is locked for now and nothing was signed; "
            "try again later or ask an administrator to unlock it",
            locked=True,
        )
    raise ReauthenticationError(
        "not accepted; re-enter your own sign-in password to sign "
        "(failed attempts count towards the account lockout)"
    )
