"""Forms for the screening and consent pages.

The profile form only reads types (a number, a date); every range and every rule is the
core's (`parse_profile`, `screen`), so the page and the API refuse exactly the same input with
the same message. Yes/no questions have a third answer, "not recorded", because the core reads
an unknown as unknown, never as "no".
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.forms import formset_factory

from kclinic.domain.eligibility_profile import (
    ADHERENCES,
    COMORBIDITIES,
    DRUG_CLASSES,
    EPISODE_SEVERITIES,
    OUTCOMES,
)
from kclinic.domain.trd import TRD_DEFINITIONS
from kclinic.web.screenings.models import SignatureMethod

TRIAL_ROWS = 6  # empty trial rows on a new form; "Add a trial row" adds one more
ECT_ROWS = 2

YES_NO = [("", "not recorded"), ("yes", "yes"), ("no", "no")]
LISTED = [
    ("listed", "Listed below"),
    ("none", "None"),
    ("unknown", "Not recorded"),
]
TREATMENT_CHOICES = [
    ("", "not decided"),
    ("iv-ketamine", "IV racemic ketamine"),
    ("im-ketamine", "IM racemic ketamine"),
    ("in-ketamine", "Intranasal racemic ketamine"),
    ("esketamine", "Esketamine nasal spray (Spravato)"),
]
SEX_CHOICES = [("", "not recorded"), ("female", "female"), ("male", "male"), ("other", "other")]


def _choices(values: tuple[str, ...], blank: str = "not recorded") -> list[tuple[str, str]]:
    return [("", blank), *((v, v.replace("-", " ")) for v in values)]


def tri(label: str, help_text: str = "") -> forms.ChoiceField:
    """A yes / no / not recorded question, as large radio buttons for a tablet."""
    return forms.ChoiceField(
        label=label,
        choices=YES_NO,
        required=False,
        help_text=help_text,
        widget=forms.RadioSelect(attrs={"class": "tri"}),
    )


def number(label: str, help_text: str = "", step: str = "any") -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=False,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"step": step, "inputmode": "decimal"}),
    )


def whole(label: str, help_text: str = "") -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=False,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


def day(label: str, required: bool = False, help_text: str = "") -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class ProfileForm(forms.Form):
    """Everything of the eligibility profile except the repeating trial and ECT rows."""

    screened_on = day("Screening date", required=True)
    trd_definition = forms.ChoiceField(
        label="TRD definition",
        choices=[(name, f"{name}: {d.title}") for name, d in TRD_DEFINITIONS.items()],
    )
    planned_treatment = forms.ChoiceField(
        label="Planned treatment", choices=TREATMENT_CHOICES, required=False
    )
    sex = forms.ChoiceField(label="Sex", choices=SEX_CHOICES, required=False)
    diagnosis_codes = forms.CharField(
        label="ICD-10-CM diagnosis codes",
        required=False,
        help_text="Separated by commas or spaces, e.g. F33.2, F41.1",
    )
    episode_severity = forms.ChoiceField(
        label="Severity of the current episode",
        choices=_choices(EPISODE_SEVERITIES, "as the codes state"),
        required=False,
    )
    psychotic_features = tri("Psychotic features in this episode")
    bipolar = tri("Bipolar disorder")
    episode_start_date = day("Current episode began on", help_text="Or give its length below.")
    episode_months = whole("or: length of the current episode (months)")
    trials_status = forms.ChoiceField(
        label="Prior medication trials",
        choices=LISTED,
        initial="listed",
        widget=forms.RadioSelect(attrs={"class": "tri"}),
    )
    ect_status = forms.ChoiceField(
        label="Electroconvulsive therapy (ECT)",
        choices=LISTED,
        initial="unknown",
        widget=forms.RadioSelect(attrs={"class": "tri"}),
    )
    comorbidities = forms.MultipleChoiceField(
        label="Conditions present",
        choices=[(c, c.replace("-", " ")) for c in COMORBIDITIES],
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "checks"}),
    )
    comorbidities_reviewed = forms.BooleanField(
        label="Reviewed with the patient: every condition not ticked is absent",
        required=False,
    )
    bp_systolic_mmhg = whole("Systolic (mmHg)")
    bp_diastolic_mmhg = whole("Diastolic (mmHg)")
    bp_measured_on = day("Measured on")
    benzodiazepine_mg_per_day = number(
        "Benzodiazepine, lorazepam-equivalent mg/day", "0 if none is taken"
    )
    benzodiazepine_morning_dose = tri("Any morning benzodiazepine dose")
    maoi = tri("MAOI")
    psychostimulant = tri("Psychostimulant")
    other_cns_depressant = tri("Other CNS depressant (opioid, sedative hypnotic...)")
    current_use_disorder = tri("Substance use disorder now or within 3 months")
    months_since_last_use = number("Months since last illicit or problem use")
    never_used = forms.BooleanField(label="Never used", required=False)
    cannabis = tri("Any current cannabis use")
    pregnant = tri("Pregnant")
    breastfeeding = tri("Breastfeeding")
    psychosis_current = tri("Current psychosis")
    psychosis_history = tri("History of psychosis")
    allergy_ketamine = tri("Hypersensitivity to ketamine")
    allergy_esketamine = tri("Hypersensitivity to esketamine")
    capacity_to_consent = tri("Capacity to consent")
    description = forms.CharField(
        label="Notes (kept with the screening, not screened)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class TrialForm(forms.Form):
    """One prior medication trial. A row left empty is ignored."""

    drug = forms.CharField(label="Drug", required=False, max_length=80)
    drug_class = forms.ChoiceField(
        label="Class", choices=_choices(DRUG_CLASSES, "choose"), required=False
    )
    max_daily_dose_mg = number("Max dose (mg/day)")
    weeks_at_dose = number("Weeks at that dose")
    adequate_dose = forms.ChoiceField(label="Adequate dose", choices=YES_NO, required=False)
    adherence = forms.ChoiceField(label="Adherence", choices=_choices(ADHERENCES), required=False)
    outcome = forms.ChoiceField(label="Outcome", choices=_choices(OUTCOMES), required=False)
    current_episode = forms.ChoiceField(label="This episode", choices=YES_NO, required=False)
    augmentation = forms.ChoiceField(label="Augmentation", choices=YES_NO, required=False)


class EctForm(forms.Form):
    sessions = whole("Sessions")
    current_episode = forms.ChoiceField(label="This episode", choices=YES_NO, required=False)
    outcome = forms.ChoiceField(label="Outcome", choices=_choices(OUTCOMES), required=False)


TrialFormSet = formset_factory(TrialForm, extra=0, max_num=60, absolute_max=60)
EctFormSet = formset_factory(EctForm, extra=0, max_num=20, absolute_max=20)


def row_is_blank(row: forms.Form) -> bool:
    data: dict[str, Any] = row.cleaned_data if hasattr(row, "cleaned_data") else {}
    return all(value in (None, "") for value in data.values())


class OverrideForm(forms.Form):
    rule = forms.ChoiceField(label="Relative finding")
    reason = forms.CharField(
        label="Reason (why the benefit outweighs this risk; what is done about it)",
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, rules: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["rule"]).choices = rules


class ConsentForm(forms.Form):
    document = forms.ChoiceField(label="Document and version")
    signed_on = day("Signed on", required=True)
    signature_method = forms.ChoiceField(
        label="Patient signature",
        choices=SignatureMethod.choices,
        widget=forms.RadioSelect(attrs={"class": "tri"}),
    )
    witness = forms.ChoiceField(label="Witness (another member of staff of this site)")

    def __init__(
        self,
        *args: Any,
        documents: list[tuple[str, str]],
        witnesses: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["document"]).choices = documents
        cast(forms.ChoiceField, self.fields["witness"]).choices = [("", "choose"), *witnesses]


class WithdrawForm(forms.Form):
    withdrawn_on = day("Withdrawn on", required=True)
    withdrawn_reason = forms.CharField(
        label="Reason (what the patient said, or 'declined to say')",
        widget=forms.Textarea(attrs={"rows": 2}),
    )
