"""The record's side of the pre-infusion checklist: the facts it is evaluated on, and the
baseline vitals entered with it.

gather_facts reads consent, screening, today's assessments, pre-dose vitals and weight for
kclinic.domain.prechecks; store_vitals writes a pre-dose VitalSet entered with the
checklist. Neither checks permission nor opens a transaction: the callers
(services_session.record_prechecks, the checklist view) do.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from kclinic.domain import prechecks as checks
from kclinic.domain.errors import ValidationError
from kclinic.domain.monitoring import VitalSigns, assess, highest_level
from kclinic.web.assessments.models import Assessment
from kclinic.web.infusions.models import InfusionSession, VitalSet
from kclinic.web.infusions.policies import vital_policy
from kclinic.web.infusions.services_monitoring import domain_reading, stored_alerts
from kclinic.web.screenings.selectors import (
    current_consent,
    current_document,
    current_screening,
    effective_status,
)


def _today_bounds(today: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    return start, start + dt.timedelta(days=1)


def gather_facts(
    session: InfusionSession,
    entered: checks.Entered,
    policy: checks.PrecheckPolicy,
    at: dt.datetime,
) -> checks.PrecheckFacts:
    """The facts of the record on the local day of `at`, with what the nurse entered."""
    patient = session.patient
    today = timezone.localdate(at)
    consent = None
    code = policy.consent_code(session.modality)
    if code:
        signed = current_consent(patient, code)
        in_effect = current_document(code, today)
        consent = checks.ConsentFact(
            code,
            signed.document.version if signed else None,
            in_effect.version if in_effect else None,
        )
    screening = None
    found = current_screening(patient)
    if found is not None:
        status = effective_status(found)
        screening = checks.ScreeningFact(status.code, found.screened_on, status.pending)
    start, end = _today_bounds(today)
    given = Assessment.objects.current().filter(
        patient=patient, administered_at__gte=start, administered_at__lt=end
    )
    assessments = tuple(
        checks.AssessmentFact(a.instrument_id, a.complete, a.total, a.band or None, tuple(a.flags))
        for a in given.order_by("administered_at", "entered_at")
    )
    baseline = list(session.vitals.filter(phase="pre_dose").order_by("taken_at", "id"))
    weighed = patient.measurements.order_by("-measured_at").first()
    return checks.PrecheckFacts(
        modality=session.modality,
        today=today,
        sex=patient.sex,
        age_years=patient.age_on(today),
        consent=consent,
        screening=screening,
        assessments=assessments,
        baseline=tuple(domain_reading(row) for row in baseline),
        symptoms=tuple(baseline[-1].symptoms) if baseline else (),
        weight_measured_on=timezone.localdate(weighed.measured_at) if weighed else None,
        entered=entered,
    )


@dataclass(frozen=True)
class BaselineVitals:
    """A pre-dose set entered with the checklist (mmHg, beats/min, %, breaths/min)."""

    sbp_mmhg: int
    dbp_mmhg: int
    hr_bpm: int | None = None
    spo2_pct: int | None = None
    rr_per_min: int | None = None
    symptoms: tuple[str, ...] = ()
    taken_at: dt.datetime | None = None


def store_vitals(
    session: InfusionSession, vitals: BaselineVitals, user: Any, at: dt.datetime
) -> VitalSet:
    taken = vitals.taken_at or at
    if taken > at + dt.timedelta(minutes=5):
        raise ValidationError("taken_at", taken.isoformat(), f"a time up to {at.isoformat()}")
    reading = VitalSigns(
        vitals.sbp_mmhg,
        vitals.dbp_mmhg,
        taken,
        hr_bpm=vitals.hr_bpm,
        spo2_pct=vitals.spo2_pct,
        rr_per_min=vitals.rr_per_min,
    )
    earlier = [
        domain_reading(row)
        for row in session.vitals.filter(phase="pre_dose", taken_at__lte=taken).order_by(
            "taken_at", "id"
        )
    ]
    alerts = assess(earlier, reading, vitals.symptoms, "pre_dose", vital_policy())
    # Same shape as the monitoring screen's sets, so the chart and record read both alike.
    return VitalSet.objects.create(
        session=session,
        phase="pre_dose",
        taken_at=taken,
        systolic=vitals.sbp_mmhg,
        diastolic=vitals.dbp_mmhg,
        heart_rate=vitals.hr_bpm,
        spo2=vitals.spo2_pct,
        respiratory_rate=vitals.rr_per_min,
        symptoms=sorted(set(vitals.symptoms)),
        source=VitalSet.Source.MANUAL,
        level=highest_level(alerts) or "",
        alerts=stored_alerts(alerts),
        recorded_at=at,
        recorded_by=user,
    )
