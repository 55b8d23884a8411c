"""Forms for courses and sessions. They parse; the services and the domain validate."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from kclinic.domain import courses as rules
from kclinic.web.accounts.models import Chair
from kclinic.web.courses.models import Modality, Phase

WEEKDAY_CHOICES = [(str(i), name.capitalize()) for i, name in enumerate(rules.WEEKDAY_NAMES)]
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
REASON = forms.Textarea(attrs={"rows": 2})


def template_choices(modality: str | None = None) -> list[tuple[str, str]]:
    templates = (
        rules.templates_for(modality) if modality else tuple(rules.DEFAULT_TEMPLATES.values())
    )
    return [(t.id, t.name) for t in templates]


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class CourseForm(forms.Form):
    indication_code = forms.CharField(
        label="Indication (ICD-10-CM)", max_length=10, help_text="e.g. F33.2"
    )
    indication_text = forms.CharField(label="Indication", max_length=200)
    modality = forms.ChoiceField(choices=Modality.choices)
    template_id = forms.ChoiceField(
        label="Course template",
        choices=template_choices,
        help_text="Esketamine courses use the Spravato schedules; racemic ketamine the others.",
    )
    started_on = forms.DateField(label="Course starts on", widget=DATE)
    phase = forms.ChoiceField(
        label="Starting phase",
        choices=[(p.value, p.label) for p in Phase if p != Phase.ENDED],
        initial=Phase.EVALUATION,
    )


class ChairField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class PlanForm(VersionForm):
    start_on = forms.DateField(label="Week 1 starts on", widget=DATE)
    weekdays = forms.MultipleChoiceField(
        label="Treatment days",
        choices=WEEKDAY_CHOICES,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "weekdays"}),
    )
    time_of_day = forms.TimeField(label="Time", widget=TIME)
    chair = ChairField(queryset=Chair.objects.none(), required=False, to_field_name="public_id")
    open_ended_sessions = forms.IntegerField(
        label="Sessions to book in the open-ended block",
        min_value=0,
        max_value=rules.MAX_OPEN_ENDED_SESSIONS,
        required=False,
        initial=0,
    )
    pace = forms.ChoiceField(label="Open-ended pace", required=False)

    def __init__(
        self,
        *args: Any,
        chairs: QuerySet[Chair],
        template: rules.CourseTemplate | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["chair"].queryset = chairs  # type: ignore[attr-defined]
        if template is None or not template.open_ended:
            del self.fields["open_ended_sessions"]
            del self.fields["pace"]
        else:
            paces = template.blocks[-1].paces.value
            self.fields["pace"].choices = [(p.name, str(p)) for p in paces]  # type: ignore[attr-defined]


class SessionForm(VersionForm):
    scheduled_at = forms.DateTimeField(label="Date and time", widget=DATETIME)
    chair = ChairField(queryset=Chair.objects.none(), required=False, to_field_name="public_id")
    override_reason = forms.CharField(
        label="Reason for departing from the template (prescriber)",
        widget=REASON,
        required=False,
        max_length=500,
    )

    def __init__(
        self, *args: Any, chairs: QuerySet[Chair], can_override: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["chair"].queryset = chairs  # type: ignore[attr-defined]
        if not can_override:
            # Only a prescriber may approve a departure from the template.
            del self.fields["override_reason"]


class CancelForm(VersionForm):
    reason = forms.CharField(label="Reason for cancelling", widget=REASON, max_length=500)


class PhaseForm(VersionForm):
    phase = forms.ChoiceField(label="Move to phase")
    reason = forms.CharField(widget=REASON, required=False, max_length=500)
    template_id = forms.ChoiceField(
        label="Template for the next plan",
        required=False,
        help_text="Leave as it is to keep the current template.",
    )

    def __init__(self, *args: Any, current: str, modality: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(Phase.choices)
        self.fields["phase"].choices = [  # type: ignore[attr-defined]
            (p, labels[p]) for p in rules.next_phases(current)
        ]
        self.fields["template_id"].choices = template_choices(modality)  # type: ignore[attr-defined]
