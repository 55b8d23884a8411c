"""Forms of the recovery, discharge and REMS pages. They parse; the services validate."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from django import forms

from kclinic.web.infusions.pdf_rems import LABELS
from kclinic.web.infusions.services_rems import BOOL_FIELDS, FIELDS, INT_FIELDS

REASON = forms.Textarea(attrs={"rows": 2})
YES_NO = [("", "Not answered"), ("yes", "Yes"), ("no", "No")]


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class DischargeForm(VersionForm):
    escort_present = forms.BooleanField(
        label="The escort is here to take the patient home", required=False
    )
    escort_name = forms.CharField(label="Escort's name", max_length=200, required=False)
    escort_relationship = forms.CharField(label="Relationship", max_length=100, required=False)
    escort_phone = forms.CharField(label="Escort's phone", max_length=40, required=False)

    def __init__(self, *args: Any, can_override: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if can_override:
            self.fields["override_reason"] = forms.CharField(
                label="Prescriber's override of unmet criteria: reason",
                help_text="Only when discharging although a criterion is not met; "
                "at least 10 characters. Recorded with your name.",
                max_length=500,
                required=False,
                widget=REASON,
            )


class RemsFieldsForm(forms.Form):
    """The clinician's fields of the REMS form; the session's own answers are shown, not
    edited."""

    medications_confirmed = forms.BooleanField(
        label="I have checked the four medicine answers against what the patient takes",
        required=False,
    )

    def __init__(self, *args: Any, editable: Collection[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in FIELDS:
            if name not in editable:
                continue
            label = LABELS[name]
            if name in BOOL_FIELDS:
                self.fields[name] = forms.ChoiceField(label=label, choices=YES_NO, required=False)
            elif name in INT_FIELDS:
                self.fields[name] = forms.IntegerField(label=label, min_value=0, required=False)
            else:
                self.fields[name] = forms.CharField(label=label, max_length=200, required=False)

    def values(self) -> dict[str, Any]:
        """The answers as the service takes them (None = not answered)."""
        out: dict[str, Any] = {}
        for name, value in self.cleaned_data.items():
            if name == "medications_confirmed":
                continue
            if name in BOOL_FIELDS:
                out[name] = {"yes": True, "no": False}.get(value)
            else:
                out[name] = value if value not in ("",) else None
        return out


def rems_initial(data: Mapping[str, Any]) -> dict[str, Any]:
    initial: dict[str, Any] = {"medications_confirmed": bool(data.get("medications_confirmed"))}
    for name in FIELDS:
        value = data.get(name)
        if name in BOOL_FIELDS:
            initial[name] = "" if value is None else "yes" if value else "no"
        else:
            initial[name] = value
    return initial


class SubmittedForm(forms.Form):
    submitted_on = forms.DateField(
        label="Submitted to the REMS on",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    reference = forms.CharField(label="Confirmation reference", max_length=100, required=False)
