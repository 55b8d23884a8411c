"""Forms of the monitor page. They only parse: every range and rule is checked by the
services and the core, whose errors land on the field they name (common.views.attach_error);
so the number fields carry no bounds of their own."""

from __future__ import annotations

from typing import Any

from django import forms

from kclinic.domain.monitoring import CRISIS_SYMPTOMS
from kclinic.domain.monitoring_protocol import SCALE_TIME_POINTS
from kclinic.web.infusions.models import Alarm, ClinicalEvent
from kclinic.web.infusions.services_events import ROUTES, SERIOUSNESS

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
NUMBER = forms.NumberInput(attrs={"inputmode": "numeric", "class": "vital"})


def _label(name: str) -> str:
    return name.replace("_", " ").capitalize()


class VitalsForm(forms.Form):
    sbp_mmhg = forms.IntegerField(label="Systolic (mmHg)", widget=NUMBER)
    dbp_mmhg = forms.IntegerField(label="Diastolic (mmHg)", widget=NUMBER)
    hr_bpm = forms.IntegerField(label="Heart rate (/min)", required=False, widget=NUMBER)
    spo2_pct = forms.IntegerField(label="SpO2 (%)", required=False, widget=NUMBER)
    rr_per_min = forms.IntegerField(label="Resp. rate (/min)", required=False, widget=NUMBER)
    symptoms = forms.MultipleChoiceField(
        label="Crisis symptoms (any one escalates)",
        choices=[(s, _label(s)) for s in sorted(CRISIS_SYMPTOMS.value)],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    source = forms.ChoiceField(
        choices=[("manual", "Manual"), ("device", "Device")], initial="manual"
    )
    device_id = forms.CharField(label="Device id", required=False, max_length=80)
    taken_at = forms.DateTimeField(label="Taken at (blank = now)", required=False, widget=DATETIME)

    def service_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["taken_at"] = data.get("taken_at") or None
        return data


class AcknowledgeForm(forms.Form):
    alarm = forms.UUIDField(widget=forms.HiddenInput)
    action = forms.ChoiceField(
        label="Action taken", choices=[("", "choose…"), *Alarm.Action.choices]
    )
    note = forms.CharField(label="Note", required=False, max_length=500)


class PumpForm(forms.Form):
    """One pump event; `event` is the button pressed (start, pause, resume, rate_change,
    stop)."""

    event = forms.CharField(widget=forms.HiddenInput)
    rate_ml_per_h = forms.DecimalField(label="Rate (mL/h)", required=False, decimal_places=1)
    note = forms.CharField(label="Note / reason", required=False, max_length=500)


class AbortForm(forms.Form):
    reason = forms.CharField(label="Reason for stopping the session", max_length=500)


ALDRETE_ITEMS = ("activity", "respiration", "consciousness", "spo2")
SCORE_0_2 = [("", "—"), ("2", "2"), ("1", "1"), ("0", "0")]


class ScaleForm(forms.Form):
    """A chair-side scale: MOAA/S (one level), modified Aldrete (four items; circulation is
    computed from the vitals) or CADSS / BPRS+ (scores in item order, comma-separated)."""

    instrument = forms.ChoiceField(
        choices=[
            ("moaas", "MOAA/S"),
            ("aldrete", "Modified Aldrete"),
            ("cadss", "CADSS (23 items)"),
            ("bprs-positive", "BPRS+ (4 items)"),
        ]
    )
    time_point = forms.ChoiceField(choices=[(p, p) for p in SCALE_TIME_POINTS.value])
    moaas = forms.TypedChoiceField(
        label="MOAA/S level",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "—"), *((str(n), str(n)) for n in range(5, -1, -1))],
    )
    activity = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, choices=SCORE_0_2
    )
    respiration = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, choices=SCORE_0_2
    )
    consciousness = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, choices=SCORE_0_2
    )
    spo2 = forms.TypedChoiceField(
        label="SpO2", required=False, coerce=int, empty_value=None, choices=SCORE_0_2
    )
    answers = forms.CharField(
        label="Item scores, in order", required=False, help_text="e.g. 0,1,0,2,…"
    )
    administered_at = forms.DateTimeField(
        label="Given at (blank = now)", required=False, widget=DATETIME
    )

    def scale_answers(self) -> Any:
        """The answers in the form the core takes (validated there, naming the item)."""
        data = self.cleaned_data
        instrument = data["instrument"]
        if instrument == "moaas":
            return [data.get("moaas")]
        if instrument == "aldrete":
            return {item: data.get(item) for item in ALDRETE_ITEMS}
        raw = [part.strip() for part in (data.get("answers") or "").split(",") if part.strip()]
        return [int(part) if part.lstrip("-").isdigit() else part for part in raw]


class ClinicalEventForm(forms.Form):
    kind = forms.ChoiceField(choices=ClinicalEvent.Kind.choices)
    description = forms.CharField(max_length=500)
    at = forms.DateTimeField(label="At (blank = now)", required=False, widget=DATETIME)
    medication = forms.CharField(required=False, max_length=100)
    dose = forms.CharField(required=False, max_length=40, help_text="e.g. 4 mg")
    route = forms.ChoiceField(required=False, choices=[("", "—"), *((r, r) for r in ROUTES)])
    grade = forms.TypedChoiceField(
        label="Grade (adverse event)",
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", "—"), *((str(g), str(g)) for g in range(1, 6))],
    )
    serious = forms.BooleanField(required=False)
    seriousness = forms.MultipleChoiceField(
        required=False,
        choices=[(c, _label(c)) for c in SERIOUSNESS],
        widget=forms.CheckboxSelectMultiple,
    )
    outcome = forms.CharField(required=False, max_length=200)

    def service_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["at"] = data.get("at") or None
        return data
