"""SPRAVATO REMS Patient Monitoring Form: its fields, completeness, timing and due date.

Clinical reference 3.6. Fields follow the form version (c) 11/2021 as reproduced in 2024,
plus respiratory depression from the newer J&J walkthrough; fields marked required (*) on
the form are required here. The stored form version lets a later form change add fields
without rewriting old records. A form cannot be completed while `check_form` reports a
problem; submission is due within 7 days of the treatment date.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from typing import Final

from kclinic.domain.errors import ValidationError
from kclinic.domain.monitoring import VitalSigns
from kclinic.domain.sources import KCLINIC_POLICY, Cited, Source

REMS_FORM = Source(
    id="spravato-rems-pmf-2021",
    citation="SPRAVATO REMS Patient Monitoring Form, version (c) 11/2021 (reproduced 2024): "
    "patient, concomitant medication, monitoring HCP, setting, session, treatment duration, "
    "vital signs, blood pressure, adverse outcomes",
    url="https://manualspro.net/445029-spravato-patient-monitoring-form-instructions",
    note="the end of the adverse-outcomes section was truncated in the stored copy",
)
REMS_FORM_NEWER = Source(
    id="spravato-rems-pmf-jnj-video",
    citation="J&J SPRAVATO REMS Patient Monitoring Form overview: adds respiratory "
    "depression, first-treatment enrolment check and opioids among concomitant medicines",
    url="https://jnjmedicalconnect.com/products/spravato/video-spravato-rems-patient-"
    "monitoring-form-overview",
)
REMS_PROGRAM = Source(
    id="spravato-rems-outpatient",
    citation="SPRAVATO REMS outpatient settings: complete a Patient Monitoring Form after "
    "every session and submit it within 7 days; monitor at least 2 hours",
    url="https://www.spravatorems.com/outpatient-hcs.html",
)
SPRAVATO_40_MIN = Source(
    id="spravato-bp-40min",
    citation="SPRAVATO dosing: measure blood pressure before dosing and at about 40 min after",
    url="https://www.spravatohcp.com/dosing-spravato-trd",
)
DEVICE_MG = Source(
    id="spravato-device-28mg",
    citation="SPRAVATO: each device delivers 28 mg; doses 56 or 84 mg; changes in 28-mg steps",
    url="https://www.spravatohcp.com/trd/dosing-and-administration",
)

MIN_MONITORING_MINUTES: Final = Cited(120, REMS_PROGRAM)
SUBMIT_WITHIN_DAYS: Final = Cited(7, REMS_PROGRAM)
BP_40_MIN: Final = Cited(40, SPRAVATO_40_MIN)
# The label says "approximately 40 minutes"; no source gives a tolerance.
BP_40_TOLERANCE_MINUTES: Final = Cited(10, KCLINIC_POLICY)
DEVICE_DOSE_MG: Final = Cited(28, DEVICE_MG)
FORM_VERSION: Final = "2021-11"
SEXES: Final = ("male", "female", "other")


@dataclass(frozen=True)
class BloodPressure:
    """One BP reading on the form, in mmHg, with when it was taken (timezone-aware)."""

    sbp_mmhg: int
    dbp_mmhg: int
    at: datetime

    def __post_init__(self) -> None:
        # Same plausibility ranges and checks as a chair-side reading.
        VitalSigns(self.sbp_mmhg, self.dbp_mmhg, self.at)

    @classmethod
    def of(cls, reading: VitalSigns) -> BloodPressure:
        return cls(reading.sbp_mmhg, reading.dbp_mmhg, reading.at)


@dataclass(frozen=True)
class PatientMonitoringForm:
    """One session's form. None means "not yet filled"; required fields are listed in
    REQUIRED_FIELDS. Yes/no answers are bool. Dose is in mg; durations in whole minutes."""

    patient_first_name: str | None = None
    patient_middle_initial: str | None = None
    patient_last_name: str | None = None
    patient_birthdate: date | None = None
    patient_sex: str | None = None
    takes_benzodiazepines: bool | None = None
    takes_non_benzodiazepine_sedative_hypnotics: bool | None = None
    takes_psychostimulants: bool | None = None
    takes_maois: bool | None = None
    hcp_first_name: str | None = None
    hcp_last_name: str | None = None
    hcp_telephone: str | None = None
    hcp_email: str | None = None
    setting_name: str | None = None
    setting_address_1: str | None = None
    setting_address_2: str | None = None
    setting_city: str | None = None
    setting_state: str | None = None
    setting_zip: str | None = None
    treatment_date: date | None = None
    dose_mg: int | None = None
    lot_number: str | None = None
    first_device_at: datetime | None = None
    total_monitoring_minutes: int | None = None
    ready_to_leave_minutes: int | None = None
    vitals_acceptable_before_administration: bool | None = None
    vitals_acceptable_before_completion: bool | None = None
    bp_before_administration: BloodPressure | None = None
    bp_40_min: BloodPressure | None = None
    bp_before_completion: BloodPressure | None = None
    sedation: bool | None = None
    dissociation: bool | None = None
    respiratory_depression: bool | None = None
    form_version: str = FORM_VERSION


OPTIONAL_FIELDS: Final = frozenset(
    {"patient_middle_initial", "setting_address_2", "lot_number", "ready_to_leave_minutes"}
)
REQUIRED_FIELDS: Final = tuple(
    f.name for f in fields(PatientMonitoringForm) if f.name not in OPTIONAL_FIELDS
)


def missing_fields(form: PatientMonitoringForm) -> tuple[str, ...]:
    """Required fields that are empty (None or blank text), in form order."""
    missing = []
    for name in REQUIRED_FIELDS:
        value = getattr(form, name)
        if value is None or (isinstance(value, str) and not value.strip()):
            missing.append(name)
    return tuple(missing)


def check_form(form: PatientMonitoringForm) -> tuple[str, ...]:
    """Every reason the form cannot be completed yet; empty when it can.

    Missing required fields are named one per line ("<field>: required"); then the rules of
    reference 3.6: total monitoring >= 120 min; the 40-min BP taken 40 +- 10 min (tolerance
    is kclinic policy) after the first device; dose 56, 84 or another multiple of 28 mg;
    sex male/female/other.
    """
    problems = [f"{name}: required" for name in missing_fields(form)]
    minimum = MIN_MONITORING_MINUTES.value
    if form.total_monitoring_minutes is not None and form.total_monitoring_minutes < minimum:
        problems.append(
            f"total_monitoring_minutes: {form.total_monitoring_minutes} is below {minimum} "
            "(monitor at least 2 hours from the first device)"
        )
    if form.first_device_at is not None and form.bp_40_min is not None:
        offset_s = (form.bp_40_min.at - form.first_device_at).total_seconds()
        low = BP_40_MIN.value - BP_40_TOLERANCE_MINUTES.value
        high = BP_40_MIN.value + BP_40_TOLERANCE_MINUTES.value
        if not low * 60 <= offset_s <= high * 60:
            problems.append(
                f"bp_40_min.at: {offset_s / 60:g} min after the first device; "
                f"allowed {low} to {high} min"
            )
    step = DEVICE_DOSE_MG.value
    if form.dose_mg is not None and (form.dose_mg <= 0 or form.dose_mg % step):
        problems.append(f"dose_mg: {form.dose_mg} is not 56, 84 or another multiple of {step}")
    if form.patient_sex is not None and form.patient_sex not in SEXES:
        problems.append(f"patient_sex: {form.patient_sex!r} is not one of {', '.join(SEXES)}")
    return tuple(problems)


def require_complete(form: PatientMonitoringForm) -> None:
    """Raise ValidationError listing every problem when the form cannot be completed."""
    problems = check_form(form)
    if problems:
        raise ValidationError(
            "rems_form", f"{len(problems)} problem(s)", "a complete form", "; ".join(problems)
        )


def form_blood_pressures(
    readings: Sequence[VitalSigns], first_device_at: datetime, completed_at: datetime
) -> tuple[BloodPressure | None, BloodPressure | None, BloodPressure | None]:
    """Pick the form's three BP readings from a session's readings (any order).

    Before administration: the last reading at or before the first device. At ~40 min: the
    reading closest to 40 min after the first device within the tolerance (the earlier one
    on a tie). Before completion: the last reading after the 40-min one and at or before
    `completed_at`. None where no reading qualifies, so `check_form` names the gap.
    """
    ordered = sorted(readings, key=lambda r: r.at)
    before = [r for r in ordered if r.at <= first_device_at]
    target = first_device_at + timedelta(minutes=BP_40_MIN.value)
    window = timedelta(minutes=BP_40_TOLERANCE_MINUTES.value)
    near = [r for r in ordered if abs(r.at - target) <= window and r.at > first_device_at]
    at_40 = min(near, key=lambda r: abs(r.at - target)) if near else None
    after = [r for r in ordered if r.at <= completed_at and at_40 is not None and r.at > at_40.at]
    return (
        BloodPressure.of(before[-1]) if before else None,
        BloodPressure.of(at_40) if at_40 is not None else None,
        BloodPressure.of(after[-1]) if after else None,
    )


def submission_due(treatment_date: date) -> date:
    """Last day to submit: the treatment date plus 7 days (REMS outpatient rule)."""
    return treatment_date + timedelta(days=SUBMIT_WITHIN_DAYS.value)


def submission_overdue(treatment_date: date, submitted_on: date | None, today: date) -> bool:
    """True when the form was submitted after its due date, or is unsubmitted and `today` is
    past it. Submitting on the due day itself is in time."""
    due = submission_due(treatment_date)
    if submitted_on is not None:
        return submitted_on > due
    return today > due
