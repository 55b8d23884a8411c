"""Forms of the session pages (check-in, checklist, review, dose order, double check, cancel).

They parse; the services and the core validate, and their errors land on the field they name
(kclinic.web.common.views.attach_error). Every form that moves the session carries the
session's `version`, so a page left open while someone else moved the session is refused.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet

from kclinic.domain.body_size import BASES
from kclinic.domain.monitoring import CRISIS_SYMPTOMS
from kclinic.domain.prechecks import PREGNANCY_RESULTS
from kclinic.domain.session_orders import check_fields
from kclinic.web.accounts.models import Chair
from kclinic.web.inventory.models import Lot

REASON = forms.Textarea(attrs={"rows": 2})
YES_NO = [("", "—"), ("yes", "Yes"), ("no", "No")]
PREGNANCY_LABELS = {
    "negative": "Test negative today",
    "positive": "Test positive today",
    "not_done": "Not done",
    "no_potential": "No child-bearing potential (say why)",
}
NUMBER = {"inputmode": "decimal", "autocomplete": "off"}
WHOLE = {"inputmode": "numeric", "autocomplete": "off"}


def _yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class ChairField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


class CheckInForm(VersionForm):
    chair = ChairField(queryset=Chair.objects.none(), to_field_name="public_id")

    def __init__(self, *args: Any, chairs: QuerySet[Chair], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["chair"].queryset = chairs  # type: ignore[attr-defined]


def _decimal(label: str, help_text: str = "", places: int = 2) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        decimal_places=places,
        max_digits=8,
        help_text=help_text,
        widget=forms.TextInput(attrs=NUMBER),
    )


def _whole(label: str, help_text: str = "") -> forms.IntegerField:
    return forms.IntegerField(
        label=label, required=False, help_text=help_text, widget=forms.TextInput(attrs=WHOLE)
    )


class PrechecksForm(VersionForm):
    """The nurse's answers. Every field may be left empty to keep the earlier answer."""

    fasting_hours = _decimal("Hours since last food", "e.g. 6 or 7.5", places=1)
    liquids_hours = _decimal("Hours since last drink (optional)", places=1)
    escort_confirmed = forms.ChoiceField(
        label="Escort / driver confirmed for discharge", choices=YES_NO, required=False
    )
    escort_name = forms.CharField(label="Escort's name", max_length=200, required=False)
    pregnancy = forms.ChoiceField(label="Pregnancy test", required=False)
    pregnancy_note = forms.CharField(label="Why no test", max_length=300, required=False)
    new_contraindication = forms.ChoiceField(
        label="Anything new since screening (illness, medicines, pregnancy)?",
        choices=YES_NO,
        required=False,
    )
    contraindication_note = forms.CharField(label="What is new", max_length=300, required=False)
    sbp_mmhg = _whole("Systolic BP (mmHg)")
    dbp_mmhg = _whole("Diastolic BP (mmHg)")
    hr_bpm = _whole("Heart rate (bpm)")
    spo2_pct = _whole("SpO2 (%)")
    rr_per_min = _whole("Respiratory rate (/min)")
    symptoms = forms.MultipleChoiceField(
        label="Crisis symptoms now",
        choices=[(s, s.replace("_", " ")) for s in sorted(CRISIS_SYMPTOMS.value)],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    weight_kg = _decimal("Weight today (kg)", "recorded on the patient's chart")
    height_cm = _decimal("Height (cm, optional)", places=1)

    def __init__(self, *args: Any, pregnancy_applies: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "—"), *((r, PREGNANCY_LABELS[r]) for r in PREGNANCY_RESULTS)]
        self.fields["pregnancy"].choices = choices  # type: ignore[attr-defined]
        if not pregnancy_applies:
            del self.fields["pregnancy"]
            del self.fields["pregnancy_note"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        vitals = ("sbp_mmhg", "dbp_mmhg", "hr_bpm", "spo2_pct", "rr_per_min")
        if any(data.get(f) is not None for f in vitals) or data.get("symptoms"):
            for name in ("sbp_mmhg", "dbp_mmhg"):
                if data.get(name) is None:
                    self.add_error(name, f"{name}: required with the other vital signs")
        return data

    def service_kwargs(self) -> dict[str, Any]:
        from kclinic.web.infusions.services_session import BaselineVitals

        data = self.cleaned_data
        vitals = None
        if data.get("sbp_mmhg") is not None:
            vitals = BaselineVitals(
                data["sbp_mmhg"],
                data["dbp_mmhg"],
                data.get("hr_bpm"),
                data.get("spo2_pct"),
                data.get("rr_per_min"),
                tuple(data.get("symptoms") or ()),
            )
        return {
            "fasting_hours": data.get("fasting_hours"),
            "liquids_hours": data.get("liquids_hours"),
            "escort_confirmed": _yes_no(data.get("escort_confirmed", "")),
            "escort_name": data.get("escort_name") or None,
            "pregnancy": data.get("pregnancy") or None,
            "pregnancy_note": data.get("pregnancy_note") or None,
            "new_contraindication": _yes_no(data.get("new_contraindication", "")),
            "contraindication_note": data.get("contraindication_note") or None,
            "vitals": vitals,
            "weight_kg": data.get("weight_kg"),
            "height_cm": data.get("height_cm"),
            "expected_version": data["version"],
        }


class ReviewForm(VersionForm):
    item = forms.CharField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label="Your review and reason to proceed", widget=REASON, max_length=500
    )


class OrderForm(forms.Form):
    """The prescriber's order; the fields shown depend on the course's modality."""

    supersedes = forms.CharField(widget=forms.HiddenInput, required=False)
    weight_kg = _decimal("Weight (kg)", "the latest measured weight unless you change it")
    height_cm = _decimal("Height (cm)", places=1)
    basis = forms.ChoiceField(label="Dosing weight basis", required=False)
    mg_per_kg = _decimal("Dose (mg/kg)", "e.g. 0.5", places=3)
    minutes = _whole("Infusion time (min)", "e.g. 40")
    vial_mg_per_ml = _decimal("Vial strength (mg/mL)", "10, 50 or 100")
    vial_ml = _decimal("Vial size (mL, optional)")
    bag_ml = _decimal("Bag volume (mL)", "e.g. 100; empty for an undiluted syringe", places=1)
    dilution = forms.ChoiceField(
        label="Preparation",
        choices=[
            ("add", "Add the drug to the full bag"),
            ("replace", "Withdraw that volume first"),
        ],
        required=False,
    )
    dose_mg = forms.ChoiceField(label="Dose (mg)", required=False)
    titration_reason = forms.CharField(
        label="Titration reason (if the dose differs from last session)",
        widget=REASON,
        required=False,
        max_length=500,
    )
    override_reason = forms.CharField(
        label="Reason for a dose outside the usual range (if asked)",
        widget=REASON,
        required=False,
        max_length=500,
    )

    FIELDS = {
        "iv-racemic": ("weight_kg", "height_cm", "basis", "mg_per_kg", "minutes",
                       "vial_mg_per_ml", "vial_ml", "bag_ml", "dilution"),
        "im-racemic": ("weight_kg", "height_cm", "basis", "mg_per_kg", "vial_mg_per_ml", "vial_ml"),
        "intranasal-racemic": ("weight_kg", "dose_mg", "vial_mg_per_ml"),
        "esketamine": ("weight_kg", "dose_mg"),
    }  # fmt: skip
    DOSES = {"esketamine": ("28", "56", "84"), "intranasal-racemic": ("10", "20", "30", "40", "50")}
    COMMON = ("supersedes", "titration_reason", "override_reason")

    def __init__(self, *args: Any, modality: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        keep = set(self.FIELDS[modality]) | set(self.COMMON)
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]
        if "basis" in self.fields:
            self.fields["basis"].choices = [("", "Protocol default"), *((b, b) for b in BASES)]  # type: ignore[attr-defined]
        if "dose_mg" in self.fields:
            doses = self.DOSES[modality]
            self.fields["dose_mg"].choices = [("", "—"), *((d, f"{d} mg") for d in doses)]  # type: ignore[attr-defined]
            self.fields["dose_mg"].required = True
        if modality == "intranasal-racemic":
            self.fields["vial_mg_per_ml"].label = "Solution strength (mg/mL, optional)"

    def service_kwargs(self) -> dict[str, Any]:
        data = {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}
        data.pop("supersedes", None)
        return data


class CheckForm(VersionForm):
    """The second clinician's own readings: nothing of the order is shown or prefilled."""

    order = forms.UUIDField(widget=forms.HiddenInput)
    weight_kg = _decimal("Patient's weight (kg), from the scale", places=2)
    vial_mg_per_ml = _decimal("Vial strength (mg/mL), from the vial label")
    rate_ml_per_h = _decimal("Pump rate (mL/h), as programmed", places=1)
    devices = _whole("Number of 28 mg devices prepared")
    lot = forms.ModelChoiceField(
        label="Vial / device lot (optional)",
        queryset=Lot.objects.none(),
        to_field_name="public_id",
        required=False,
    )

    def __init__(self, *args: Any, modality: str, lots: QuerySet[Lot], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        wanted = set(check_fields(modality))
        for name in ("weight_kg", "vial_mg_per_ml", "rate_ml_per_h", "devices"):
            if name in wanted:
                self.fields[name].required = True
            else:
                del self.fields[name]
        self.fields["lot"].queryset = lots  # type: ignore[attr-defined]
        self.fields["lot"].label_from_instance = (  # type: ignore[attr-defined]
            lambda lot: f"{lot.product.name} · lot {lot.lot_number} · expires {lot.expiry_date}"
        )

    def entered(self) -> dict[str, Any]:
        return {
            name: self.cleaned_data.get(name)
            for name in ("weight_kg", "vial_mg_per_ml", "rate_ml_per_h", "devices")
            if name in self.fields
        }


class CancelForm(VersionForm):
    reason = forms.CharField(label="Reason for cancelling", widget=REASON, max_length=500)
