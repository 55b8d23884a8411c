"""What the long-term safety rules and the exposure summary read about one patient, gathered
from the chair-side record, the course plans and the patient's self-reports.

- Doses: the current (not superseded) order of every session in which drug was given
  (infusing or later, aborted included: the order is then an upper bound).
- Maintenance sessions: completed sessions after the course moved to maintenance.
- Misuse signals: a session booked earlier than the template allows (an "interval too
  short" departure a prescriber accepted) is an early request; an order above the previous
  session's mg/kg that needed a soft-limit override is an escalating dose request.
- Urinary reports: the portal's urinary questions (each submission is a report, with or
  without symptoms) and urinary symptoms named in recorded side effects or in a patient's
  free-text side effects.
- Blood pressure: the first pre-dose reading of each session.

Dates are the clinic's local dates. The rules themselves are kclinic.domain.safety_followup.
"""

from __future__ import annotations

import importlib
from collections import defaultdict
from datetime import date, datetime

from django.apps import apps
from django.utils import timezone

from kclinic.domain import safety_followup as rules
from kclinic.domain.outcome_stats import Dose
from kclinic.web.courses.models import PhaseChange, PlannedSession, SessionStatus
from kclinic.web.infusions.models import ClinicalEvent, DoseOrder, VitalSet
from kclinic.web.patients.models import Patient

DOSED_STATES = ("infusing", "paused", "infusion_ended", "recovery", "discharged", "aborted")
EVENT_KINDS = ("side_effect", "adverse_event")
PORTAL_APP = "kclinic.web.portal"


def _day(when: datetime) -> date:
    return timezone.localdate(when)


def current_orders(patient: Patient) -> list[DoseOrder]:
    """The order each dosed session of the patient was given under, oldest first."""
    orders = (
        DoseOrder.objects.filter(
            session__patient=patient,
            session__state__in=DOSED_STATES,
            superseded_by__isnull=True,
        )
        .select_related("session")
        .order_by("session_id", "-ordered_at", "-id")
    )
    latest: dict[int, DoseOrder] = {}
    for order in orders:
        latest.setdefault(order.session_id, order)
    return sorted(latest.values(), key=lambda o: (o.ordered_at, o.pk))


def doses(patient: Patient) -> list[Dose]:
    return [Dose(_day(o.ordered_at), o.dose_mg, o.weight_kg) for o in current_orders(patient)]


def maintenance_sessions(patient: Patient) -> list[date]:
    started = dict(
        PhaseChange.objects.filter(course__patient=patient, to_phase="maintenance")
        .order_by("-changed_at")
        .values_list("course_id", "changed_at")
    )
    return [
        _day(when)
        for course_id, when in PlannedSession.objects.filter(
            course__patient=patient, status=SessionStatus.COMPLETED
        ).values_list("course_id", "scheduled_at")
        if course_id in started and when >= started[course_id]
    ]


def misuse_signals(patient: Patient) -> list[rules.MisuseSignal]:
    found = []
    booked = PlannedSession.objects.filter(course__patient=patient).exclude(
        status=SessionStatus.CANCELLED
    )
    for when, findings in booked.values_list("scheduled_at", "override_findings"):
        codes = {f.get("code") for f in findings or [] if isinstance(f, dict)}
        if "interval-too-short" in codes:
            found.append(rules.MisuseSignal(_day(when), "early_request", "session booked early"))
    previous = None
    for order in current_orders(patient):
        rate = order.mg_per_kg or order.dose_mg / order.weight_kg
        if previous is not None and rate > previous and order.override_reason:
            found.append(
                rules.MisuseSignal(
                    _day(order.ordered_at), "dose_escalation", f"{previous} -> {rate} mg/kg"
                )
            )
        previous = rate
    return sorted(found, key=lambda s: s.on)


def _portal_reports(patient: Patient) -> list[rules.UrinaryReport]:
    """Urinary answers and free-text side effects from the self-report portal, if installed."""
    if not apps.is_installed(PORTAL_APP):
        return []
    model = importlib.import_module(f"{PORTAL_APP}.models").SelfReportSubmission
    reports = []
    for when, urinary, text in model.objects.filter(patient=patient).values_list(
        "submitted_at", "urinary", "side_effects"
    ):
        symptoms = {name for name, answer in (urinary or {}).items() if answer}
        symptoms |= rules.urinary_symptoms_in(text or "")
        if urinary or symptoms:
            reports.append(rules.UrinaryReport(_day(when), frozenset(symptoms)))
    return reports


def urinary_reports(patient: Patient) -> list[rules.UrinaryReport]:
    by_day: dict[date, set[str]] = defaultdict(set)
    asked: set[date] = set()
    for report in _portal_reports(patient):
        asked.add(report.on)
        by_day[report.on] |= report.symptoms
    events = ClinicalEvent.objects.filter(session__patient=patient, kind__in=EVENT_KINDS)
    for when, text in events.values_list("at", "description"):
        symptoms = rules.urinary_symptoms_in(text)
        if symptoms:
            by_day[_day(when)] |= symptoms
    days = sorted(asked | set(by_day))
    return [rules.UrinaryReport(day, frozenset(by_day.get(day, ()))) for day in days]


def predose_pressures(patient: Patient) -> list[rules.BloodPressure]:
    readings = (
        VitalSet.objects.filter(
            session__patient=patient,
            phase="pre_dose",
            systolic__isnull=False,
            diastolic__isnull=False,
        )
        .order_by("session_id", "taken_at", "id")
        .values_list("session_id", "taken_at", "systolic", "diastolic")
    )
    first: dict[int, rules.BloodPressure] = {}
    for session_id, when, systolic, diastolic in readings:
        if systolic is None or diastolic is None:  # excluded above; for the type checker
            continue
        first.setdefault(session_id, rules.BloodPressure(_day(when), systolic, diastolic))
    return sorted(first.values(), key=lambda r: r.on)


def followup_facts(patient: Patient) -> rules.FollowupFacts:
    return rules.FollowupFacts(
        urinary=tuple(urinary_reports(patient)),
        doses=tuple(doses(patient)),
        maintenance_sessions=tuple(maintenance_sessions(patient)),
        misuse=tuple(misuse_signals(patient)),
        predose_bp=tuple(predose_pressures(patient)),
    )
