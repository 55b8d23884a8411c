from __future__ import annotations

from django import forms

from kclinic.web.notes.models import (
    ADDENDUM_MEANINGS,
    NOTE_MEANINGS,
    NoteKind,
    SignatureMeaning,
)
from kclinic.web.notes.services import (
    ADDENDUM_MAX_CHARS,
    BODY_MAX_CHARS,
    REASON_MAX_CHARS,
    TITLE_MAX_CHARS,
)


def _meanings(values: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(value, SignatureMeaning(value).label) for value in values]


def _password() -> forms.CharField:
    return forms.CharField(
        label="Your password (to sign)",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class NoteForm(forms.Form):
    kind = forms.ChoiceField(choices=NoteKind.choices)
    title = forms.CharField(max_length=TITLE_MAX_CHARS)
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 14}), max_length=BODY_MAX_CHARS, required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class SignForm(forms.Form):
    meaning = forms.ChoiceField(
        label="Meaning of signature",
        choices=_meanings(NOTE_MEANINGS),
        initial=NOTE_MEANINGS[0],
        widget=forms.RadioSelect,
    )
    password = _password()
    version = forms.IntegerField(widget=forms.HiddenInput)


class AddendumForm(forms.Form):
    body = forms.CharField(
        label="Addendum", widget=forms.Textarea(attrs={"rows": 6}), max_length=ADDENDUM_MAX_CHARS
    )
    meaning = forms.ChoiceField(
        label="Meaning of signature",
        choices=_meanings(ADDENDUM_MEANINGS),
        initial=ADDENDUM_MEANINGS[0],
        widget=forms.RadioSelect,
    )
    password = _password()


class EnteredInErrorForm(forms.Form):
    reason = forms.CharField(
        label="Reason this draft is entered in error",
        max_length=REASON_MAX_CHARS,
        help_text="e.g. written on the wrong patient; duplicate of another note",
    )
    version = forms.IntegerField(widget=forms.HiddenInput)
