"""The screening form <-> the core's profile JSON, both ways, and errors back onto the form.

`profile_from_forms` turns the clinician's answers into the JSON `parse_profile` reads (a block
such as `blood_pressure` is left out when none of its fields was answered, so the core reports
it as missing); `initial_from_profile` is its inverse, used to start a new screening from the
previous one; `initial_from_record` pre-fills what the patient record already holds.
`place_error` puts a core error, whose field is a profile path such as
`trials[2].weeks_at_dose`, next to the form field it came from and in the summary at the top.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any, Final

from django import forms

from kclinic.domain.errors import KclinicError, ValidationError
from kclinic.domain.trd import DEFAULT_TRD_DEFINITION
from kclinic.web.patients.models import Patient
from kclinic.web.screenings.forms import ECT_ROWS, TRIAL_ROWS, row_is_blank

# form field -> (profile path, kind)
SIMPLE: Final[dict[str, tuple[str, str]]] = {
    "planned_treatment": ("planned_treatment", "text"),
    "sex": ("sex", "text"),
    "episode_severity": ("diagnoses.episode_severity", "text"),
    "psychotic_features": ("diagnoses.psychotic_features", "tri"),
    "bipolar": ("diagnoses.bipolar", "tri"),
    "episode_start_date": ("current_episode.start_date", "date"),
    "episode_months": ("current_episode.months", "number"),
    "bp_systolic_mmhg": ("blood_pressure.systolic_mmhg", "number"),
    "bp_diastolic_mmhg": ("blood_pressure.diastolic_mmhg", "number"),
    "bp_measured_on": ("blood_pressure.measured_on", "date"),
    "benzodiazepine_mg_per_day": (
        "medications.benzodiazepine_lorazepam_eq_mg_per_day",
        "number",
    ),
    "benzodiazepine_morning_dose": ("medications.benzodiazepine_morning_dose", "tri"),
    "maoi": ("medications.maoi", "tri"),
    "psychostimulant": ("medications.psychostimulant", "tri"),
    "other_cns_depressant": ("medications.other_cns_depressant", "tri"),
    "current_use_disorder": ("substance_use.current_use_disorder", "tri"),
    "cannabis": ("substance_use.cannabis", "tri"),
    "pregnant": ("pregnant", "tri"),
    "breastfeeding": ("breastfeeding", "tri"),
    "psychosis_current": ("psychosis.current", "tri"),
    "psychosis_history": ("psychosis.history", "tri"),
    "allergy_ketamine": ("allergies.ketamine", "tri"),
    "allergy_esketamine": ("allergies.esketamine", "tri"),
    "capacity_to_consent": ("capacity_to_consent", "tri"),
    "description": ("description", "text"),
}
# trial / ECT row field -> (profile key, kind)
TRIAL: Final[dict[str, tuple[str, str]]] = {
    "drug": ("drug", "text"),
    "drug_class": ("class", "text"),
    "max_daily_dose_mg": ("max_daily_dose_mg", "number"),
    "weeks_at_dose": ("weeks_at_dose", "number"),
    "adequate_dose": ("adequate_dose", "tri"),
    "adherence": ("adherence", "text"),
    "outcome": ("outcome", "text"),
    "current_episode": ("current_episode", "tri"),
    "augmentation": ("augmentation", "tri"),
}
ECT: Final[dict[str, tuple[str, str]]] = {
    "sessions": ("sessions", "number"),
    "current_episode": ("current_episode", "tri"),
    "outcome": ("outcome", "text"),
}
# Paths that name a whole block or list: the form field that starts it.
BLOCKS: Final = {
    "diagnoses": "diagnosis_codes",
    "diagnoses.codes": "diagnosis_codes",
    "current_episode": "episode_start_date",
    "blood_pressure": "bp_systolic_mmhg",
    "medications": "benzodiazepine_mg_per_day",
    "substance_use": "current_use_disorder",
    "substance_use.months_since_last_use": "months_since_last_use",
    "psychosis": "psychosis_current",
    "allergies": "allergy_ketamine",
    "comorbidities": "comorbidities",
    "trials": "trials_status",
    "ect": "ect_status",
    "screened_on": "screened_on",
    "trd_definition": "trd_definition",
}
_ROW = re.compile(r"^(trials|ect)\[(\d+)\](?:\.(\w+))?$")
_LIST_ITEM = re.compile(r"^(diagnoses\.codes|comorbidities)\[\d+\]$")


def _to_json(value: Any, kind: str) -> Any:
    if value in (None, ""):
        return None
    if kind == "tri":
        return value == "yes"
    if kind == "date":
        assert isinstance(value, date)
        return value.isoformat()
    if kind == "number":
        number = Decimal(value)
        return int(number) if number == number.to_integral_value() else float(number)
    return str(value).strip() or None


def _to_initial(value: Any, kind: str) -> Any:
    if value is None:
        return ""
    if kind == "tri":
        return "yes" if value else "no"
    if kind == "date":
        return date.fromisoformat(value)
    return value


def _put(profile: dict[str, Any], path: str, value: Any) -> None:
    if value is None:
        return
    *parents, key = path.split(".")
    target = profile
    for parent in parents:
        target = target.setdefault(parent, {})
    target[key] = value


def _get(profile: Mapping[str, Any], path: str) -> Any:
    value: Any = profile
    for key in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def filled_rows(formset: forms.BaseFormSet[Any]) -> list[int]:
    """Indices of the rows the clinician filled in; the n-th of them is profile item n."""
    return [i for i, row in enumerate(formset.forms) if not row_is_blank(row)]


def _rows(
    formset: forms.BaseFormSet[Any],
    rows: Sequence[int],
    spec: Mapping[str, tuple[str, str]],
    status: str,
    key: str,
    keep: tuple[str, ...],
) -> list[dict[str, Any]] | None:
    if status == "unknown" or status == "none":
        if rows:
            raise ValidationError(
                key, f"{len(rows)} filled row(s)", f"empty rows when '{status}' is chosen"
            )
        return None if status == "unknown" else []
    if not rows:
        raise ValidationError(
            key, "no rows", "at least one row, or choose 'None' or 'Not recorded'"
        )
    items = []
    for index in rows:
        data = formset.forms[index].cleaned_data
        item = {}
        for name, (profile_key, kind) in spec.items():
            value = _to_json(data.get(name), kind)
            if value is not None or profile_key in keep:
                item[profile_key] = value
        items.append(item)
    return items


def profile_from_forms(
    form: forms.Form,
    trials: forms.BaseFormSet[Any],
    ects: forms.BaseFormSet[Any],
    trial_rows: Sequence[int],
    ect_rows: Sequence[int],
) -> dict[str, Any]:
    """The profile JSON from validated forms. ValidationError (with a profile path) when the
    answers contradict each other in a way the JSON cannot hold."""
    data = form.cleaned_data
    profile: dict[str, Any] = {}
    for name, (path, kind) in SIMPLE.items():
        _put(profile, path, _to_json(data.get(name), kind))
    codes = [c for c in re.split(r"[\s,;]+", data.get("diagnosis_codes") or "") if c]
    if codes:
        profile.setdefault("diagnoses", {})["codes"] = codes
    elif "diagnoses" in profile:
        profile["diagnoses"]["codes"] = []
    months = _to_json(data.get("months_since_last_use"), "number")
    if data.get("never_used"):
        if months is not None:
            raise ValidationError(
                "substance_use.months_since_last_use",
                months,
                "empty when 'Never used' is ticked",
            )
        months = "never"
    _put(profile, "substance_use.months_since_last_use", months)
    ticked = list(data.get("comorbidities") or [])
    if data.get("comorbidities_reviewed"):
        profile["comorbidities"] = ticked
    elif ticked:
        raise ValidationError(
            "comorbidities",
            ", ".join(ticked),
            "a reviewed list: tick 'Reviewed with the patient' so that every condition not "
            "ticked counts as absent",
        )
    trial_list = _rows(
        trials, trial_rows, TRIAL, data["trials_status"], "trials", ("drug", "class")
    )
    ect_list = _rows(ects, ect_rows, ECT, data["ect_status"], "ect", ())
    if trial_list is not None:
        profile["trials"] = trial_list
    if ect_list is not None:
        profile["ect"] = ect_list
    return profile


def _pad(rows: list[dict[str, Any]], minimum: int) -> list[dict[str, Any]]:
    return rows + [{} for _ in range(max(0, minimum - len(rows)))]


def _list_status(items: object) -> str:
    if items is None:
        return "unknown"
    return "listed" if items else "none"


def initial_from_profile(
    profile: Mapping[str, Any],
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """Form, trial-row and ECT-row initial data that give back `profile` (the date of birth
    and age come from the patient record, so they are not on the form)."""
    initial: dict[str, Any] = {
        name: _to_initial(_get(profile, path), kind) for name, (path, kind) in SIMPLE.items()
    }
    diagnoses = profile.get("diagnoses") or {}
    initial["diagnosis_codes"] = ", ".join(diagnoses.get("codes") or [])
    months = _get(profile, "substance_use.months_since_last_use")
    initial["never_used"] = months == "never"
    initial["months_since_last_use"] = "" if months in (None, "never") else months
    comorbidities = profile.get("comorbidities")
    initial["comorbidities"] = list(comorbidities or [])
    initial["comorbidities_reviewed"] = comorbidities is not None
    initial["trials_status"] = _list_status(profile.get("trials"))
    initial["ect_status"] = _list_status(profile.get("ect"))
    trials = [
        {name: _to_initial(item.get(key), kind) for name, (key, kind) in TRIAL.items()}
        for item in profile.get("trials") or []
    ]
    ects = [
        {name: _to_initial(item.get(key), kind) for name, (key, kind) in ECT.items()}
        for item in profile.get("ect") or []
    ]
    return initial, _pad(trials, TRIAL_ROWS), _pad(ects, ECT_ROWS)


def initial_from_record(
    patient: Patient, today: date
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """What the patient record already says: sex, active ICD-10-CM codes, and a recorded
    ketamine or esketamine allergy (an allergy list without one is not read as 'no')."""
    initial: dict[str, Any] = {
        "screened_on": today,
        "trd_definition": DEFAULT_TRD_DEFINITION,
        "sex": patient.sex if patient.sex in {"female", "male", "other"} else "",
        "diagnosis_codes": ", ".join(
            d.icd10 for d in patient.diagnoses.filter(active=True).order_by("recorded_at")
        ),
        "trials_status": "listed",
        "ect_status": "unknown",
    }
    for allergy in patient.allergies.filter(active=True):
        substance = allergy.substance.lower()
        if "esketamine" in substance or "spravato" in substance:
            initial["allergy_esketamine"] = "yes"
        elif "ketamine" in substance:
            initial["allergy_ketamine"] = "yes"
    return initial, _pad([], TRIAL_ROWS), _pad([], ECT_ROWS)


def _rest(error: KclinicError) -> str:
    """The message without its leading path: the form field already says which."""
    text = str(error)
    field = getattr(error, "field", None)
    prefix = f"{field}: "
    return text[len(prefix) :] if field and text.startswith(prefix) else text


def place_error(
    error: KclinicError,
    form: forms.Form,
    trials: forms.BaseFormSet[Any],
    ects: forms.BaseFormSet[Any],
    trial_rows: Sequence[int],
    ect_rows: Sequence[int],
) -> None:
    """Show a core error next to its field and, naming the field, at the top of the form."""
    path = getattr(error, "field", None)
    if not isinstance(error, ValidationError) or not path:
        form.add_error(None, str(error))
        return
    rest = _rest(error)
    row = _ROW.match(path)
    if row:
        kind, index, key = row.group(1), int(row.group(2)), row.group(3)
        formset, rows, spec, noun = (
            (trials, trial_rows, TRIAL, "Trial")
            if kind == "trials"
            else (ects, ect_rows, ECT, "ECT course")
        )
        if index < len(rows):
            target = formset.forms[rows[index]]
            names = {profile_key: name for name, (profile_key, _) in spec.items()}
            field_name = names.get(key or "")
            target.add_error(field_name, rest)
            label = target.fields[field_name].label if field_name else ""
            where = f"{noun} row {rows[index] + 1}" + (f", {str(label).lower()}" if label else "")
            form.add_error(None, f"{where} ({path}): {rest}")
            return
    by_path = {p: name for name, (p, _) in SIMPLE.items()}
    item = _LIST_ITEM.match(path)
    name = by_path.get(path) or BLOCKS.get(item.group(1) if item else path)
    if name and name in form.fields:
        form.add_error(name, rest)
        form.add_error(None, f"{form.fields[name].label} ({path}): {rest}")
    else:
        form.add_error(None, str(error))
