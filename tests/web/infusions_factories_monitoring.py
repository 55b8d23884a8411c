"""Chair-side sessions in a chosen state for the monitoring tests, the URL catalogue and the
permission matrix.

The state moves through `services_lifecycle.apply_event` (the one way it moves); the dose
order and its matching double check are written directly (the session part's services own
them), and the pump events go through the monitoring services. Times count back from now, so
every step is in the past and in order: check-in 40 min before the start, and so on.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from django.utils import timezone

from kclinic.domain.session_states import Event, State
from kclinic.web.accounts.models import Role, User
from kclinic.web.audit.services import Actor
from kclinic.web.courses.models import PlannedSession
from kclinic.web.infusions.models import DoseCheck, DoseOrder, InfusionSession
from kclinic.web.infusions.services_events import record_infusion_event
from kclinic.web.infusions.services_lifecycle import apply_event, session_for
from kclinic.web.infusions.services_monitoring import record_vitals
from tests.web.courses_factories import a_chair, a_course, a_plan, first_session
from tests.web.factories import PatientFactory, UserFactory

# The order every IV session here runs on: 40 mg in 100 mL over 40 min = 150 mL/h.
RATE_ML_PER_H = Decimal("150.0")
VTBI_ML = Decimal("100.0")
LIVE = (State.INFUSING, State.PAUSED, State.INFUSION_ENDED, State.RECOVERY)


def another_patient(clinic: Any, family_name: str = "Okafor", site: Any = None) -> Any:
    """A second patient (a patient has one active course, so one live session)."""
    return PatientFactory(
        site=site or clinic.site_a, created_by=clinic.prescriber, family_name=family_name
    )


def planned_today(
    clinic: Any, patient: Any = None, modality: str = "iv-racemic", chair: str = "Chair 1"
) -> PlannedSession:
    """Session 1 of a new course for `patient` (default the clinic's), today at 09:00."""
    template = "iv-3-a-week-2-weeks" if modality == "iv-racemic" else "esketamine-trd"
    course = a_course(
        clinic,
        patient=patient,
        template_id=template,
        modality=modality,
        started_on=timezone.localdate(),
    )
    who = patient or clinic.patient
    # IV: any day; esketamine: twice a week, today and three days later (its template's rule).
    today = timezone.localdate().weekday()
    days = range(7) if modality == "iv-racemic" else (today, (today + 3) % 7)
    a_plan(clinic, course, weekdays=days, chair=a_chair(who.site, chair))
    course.refresh_from_db()
    return first_session(course)


def an_order(
    clinic: Any, session: InfusionSession, at: dt.datetime, modality: str = "iv-racemic"
) -> DoseOrder:
    """A verified order with its matching independent check by the nurse: IV 40 mg
    (0.5 mg/kg at 80 kg) in 100 mL at 150 mL/h; esketamine 56 mg (two 28-mg devices)."""
    iv = modality == "iv-racemic"
    order = DoseOrder.objects.create(
        session=session,
        ordered_at=at,
        ordered_by=clinic.prescriber,
        weight_kg=Decimal("80.00"),
        weight_basis="actual" if iv else "",
        mg_per_kg=Decimal("0.500") if iv else None,
        dose_mg=Decimal("40.00") if iv else Decimal("56.00"),
        duration_min=40 if iv else None,
        vial_mg_per_ml=Decimal("10.00") if iv else None,
        bag_ml=Decimal("100.0") if iv else None,
        drug_volume_ml=Decimal("4.00") if iv else None,
        final_mg_per_ml=Decimal("0.4000") if iv else None,
        rate_ml_per_h=RATE_ML_PER_H if iv else None,
        vtbi_ml=VTBI_ML if iv else None,
        devices=None if iv else 2,
        plan={},
    )
    DoseCheck.objects.create(
        order=order,
        checked_at=at + dt.timedelta(minutes=1),
        checked_by=clinic.nurse,
        entered={"weight_kg": "80", "vial_mg_per_ml": "10"} if iv else {"devices": 2},
        mismatches=[],
        matched=True,
    )
    return order


def staff_for(clinic: Any, site: Any) -> Any:
    """The clinic fixture's prescriber and nurse, or, for a patient of another site, that
    site's nurse and a prescriber made for it (staff act only at their own sites)."""
    if site == clinic.site_a:
        return clinic
    prescriber = User.objects.filter(role=Role.PRESCRIBER, sites=site).first()
    if prescriber is None:
        prescriber = UserFactory(username=f"dr_{site.code}", role=Role.PRESCRIBER, sites=[site])
    return SimpleNamespace(prescriber=prescriber, nurse=clinic.other_site_nurse)


def session_in(
    clinic: Any,
    state: State = State.INFUSING,
    *,
    started_at: dt.datetime | None = None,
    patient: Any = None,
    modality: str = "iv-racemic",
    chair: str = "Chair 1",
    baseline: bool = True,
) -> InfusionSession:
    """A session of `patient` moved to `state` (scheduled up to recovery).

    The infusion starts at `started_at` (default 20 min ago); before it: check-in at -40,
    pre-checks done at -30, baseline vitals 128/78 at -28, order at -25 (checked at -24),
    dose verified at -20 min. After it: pause at +2, infusion ended at +10, recovery at +11.
    """
    start = started_at or timezone.now() - dt.timedelta(minutes=20)
    clinic = staff_for(clinic, (patient or clinic.patient).site)
    nurse = Actor(clinic.nurse)

    def t(minutes: float) -> dt.datetime:
        return start + dt.timedelta(minutes=minutes)

    session = session_for(planned_today(clinic, patient, modality, chair))
    steps = [
        (State.CHECKED_IN, Event.CHECK_IN, -40),
        (State.PRECHECKS_DONE, Event.COMPLETE_PRECHECKS, -30),
    ]
    order = list(State).index
    for target, event, minute in steps:
        if order(state) >= order(target):
            apply_event(nurse, session, event, at=t(minute))
    if order(state) >= order(State.PRECHECKS_DONE) and baseline:
        record_vitals(
            nurse, session, sbp_mmhg=128, dbp_mmhg=78, hr_bpm=72, spo2_pct=98, taken_at=t(-28)
        )
    if order(state) >= order(State.DOSE_VERIFIED):
        an_order(clinic, session, t(-25), modality)
        apply_event(nurse, session, Event.VERIFY_DOSE, at=t(-20))
    if order(state) >= order(State.INFUSING):
        record_infusion_event(nurse, session, "start", at=t(0))
    if state == State.PAUSED:
        record_infusion_event(nurse, session, "pause", note="patient asked", at=t(2))
    if order(state) >= order(State.INFUSION_ENDED) and state != State.PAUSED:
        record_infusion_event(nurse, session, "stop", at=t(10))
    if state == State.RECOVERY:
        apply_event(nurse, session, Event.START_RECOVERY, at=t(11))
    session.refresh_from_db()
    assert session.state == state.value, (session.state, state)
    return session
