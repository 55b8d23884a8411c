from __future__ import annotations

from django import forms

from kclinic.web.patients.models import Sex


class DemographicsForm(forms.Form):
    mrn = forms.CharField(label="MRN", max_length=30)
    given_name = forms.CharField(max_length=100)
    family_name = forms.CharField(max_length=100)
    date_of_birth = forms.DateField(
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    sex = forms.ChoiceField(choices=Sex.choices)
    phone = forms.CharField(max_length=40, required=False)
    email = forms.EmailField(required=False)
    address = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    escort_name = forms.CharField(label="Escort / driver", max_length=200, required=False)
    escort_phone = forms.CharField(max_length=40, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class MeasurementForm(forms.Form):
    weight_kg = forms.DecimalField(label="Weight (kg)", max_digits=5, decimal_places=2)
    height_cm = forms.DecimalField(
        label="Height (cm)", max_digits=4, decimal_places=1, required=False
    )


class AllergyForm(forms.Form):
    substance = forms.CharField(max_length=120)
    reaction = forms.CharField(max_length=200, required=False)


class MedicationForm(forms.Form):
    name = forms.CharField(max_length=120)
    dose = forms.CharField(max_length=120, required=False)


class DiagnosisForm(forms.Form):
    icd10 = forms.CharField(label="ICD-10-CM", max_length=10)
    description = forms.CharField(max_length=200)
