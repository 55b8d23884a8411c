"""The staff form for sending a self-report link."""

from __future__ import annotations

from django import forms

from kclinic.web.assessments.models import Context
from kclinic.web.portal import questions
from kclinic.web.portal.models import Channel


def _section_choices() -> list[tuple[str, str]]:
    return [(s, questions.title(s)) for s in questions.SECTIONS]


class SendForm(forms.Form):
    instruments = forms.MultipleChoiceField(
        label="Questionnaires",
        choices=_section_choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    channel = forms.ChoiceField(
        label="Send by", choices=Channel.choices, widget=forms.RadioSelect, initial=Channel.QR
    )
    context = forms.ChoiceField(label="Context", choices=Context.choices, initial=Context.FOLLOW_UP)
    # The schedule item the link is for; when given, its questionnaires and context are used.
    due_key = forms.CharField(widget=forms.HiddenInput, required=False)
