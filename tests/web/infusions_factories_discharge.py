"""Sessions in the states the discharge, record and REMS tests need, built without the session
and monitoring parts' services: the state moves through services_lifecycle.apply_event, the
rows (orders, checks, vitals, events) are created directly, and the scales go through the
assessments service. Times are relative to now, so the observation clock is real."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from kclinic.domain.session_states import Event
from kclinic.web.assessments.services import record_assessment
from kclinic.web.audit.services import Actor
from kclinic.web.infusions import services_discharge
from kclinic.web.infusions.models import (
    DoseCheck,
    DoseOrder,
    InfusionEvent,
    InfusionSession,
    SessionScale,
    VitalSet,
)
from kclinic.web.infusions.services_lifecycle import apply_event, session_for
from kclinic.web.inventory.models import Lot, Product
from tests.web.courses_factories import a_course, a_plan, first_session, todays_course

MIN = dt.timedelta(minutes=1)
LOT_NUMBER = "ESK-LOT-0042"
FULL_ALDRETE = {"activity": 2, "respiration": 2, "circulation": 2, "consciousness": 2, "spo2": 2}


def minutes_ago(minutes: float) -> dt.datetime:
    return timezone.now() - dt.timedelta(minutes=minutes)


def planned_session(clinic: Any, modality: str = "iv") -> InfusionSession:
    """The chair-side session of a course's first session, today 09:00."""
    if modality == "esketamine":
        course = a_course(
            clinic,
            template_id="esketamine-trd",
            modality="esketamine",
            started_on=timezone.localdate(),
        )
        a_plan(clinic, course, weekdays=range(7))
        course.refresh_from_db()
    else:
        course = todays_course(clinic)
    return session_for(first_session(course))


def esketamine_lot() -> Lot:
    product, _ = Product.objects.get_or_create(
        ndc="50458-028-02",
        defaults={
            "name": "Spravato 28 mg device (test)",
            "form": "nasal_device",
            "mg_per_unit": Decimal(28),
            "schedule": "CIII",
        },
    )
    lot, _ = Lot.objects.get_or_create(
        product=product, lot_number=LOT_NUMBER, defaults={"expiry_date": dt.date(2030, 1, 31)}
    )
    return lot


def dosed(
    clinic: Any,
    *,
    modality: str = "iv",
    started_minutes_ago: float = 150,
    dosing_minutes: float = 40,
    recovery: bool = True,
) -> InfusionSession:
    """A session whose dosing started `started_minutes_ago` and lasted `dosing_minutes`, in
    recovery (or infusion_ended), with a verified order (esketamine: 56 mg, lot recorded)."""
    session = planned_session(clinic, modality)
    nurse, prescriber = Actor(clinic.nurse), Actor(clinic.prescriber)
    start = minutes_ago(started_minutes_ago)
    apply_event(nurse, session, Event.CHECK_IN, at=start - 40 * MIN)
    apply_event(nurse, session, Event.COMPLETE_PRECHECKS, at=start - 30 * MIN)
    esketamine = modality == "esketamine"
    order = DoseOrder.objects.create(
        session=session,
        ordered_at=start - 25 * MIN,
        ordered_by=clinic.prescriber,
        weight_kg=Decimal(80),
        weight_basis="actual",
        mg_per_kg=None if esketamine else Decimal("0.5"),
        dose_mg=Decimal(56) if esketamine else Decimal(40),
        duration_min=None if esketamine else 40,
        vial_mg_per_ml=None if esketamine else Decimal(10),
        bag_ml=None if esketamine else Decimal(100),
        drug_volume_ml=None if esketamine else Decimal(4),
        final_mg_per_ml=None if esketamine else Decimal("0.3846"),
        rate_ml_per_h=None if esketamine else Decimal("156.0"),
        vtbi_ml=None if esketamine else Decimal("104.0"),
        devices=2 if esketamine else None,
    )
    DoseCheck.objects.create(
        order=order,
        checked_at=start - 20 * MIN,
        checked_by=clinic.nurse,
        entered={"weight_kg": "80"},
        mismatches=[],
        matched=True,
        lot=esketamine_lot() if esketamine else None,
    )
    apply_event(prescriber, session, Event.VERIFY_DOSE, at=start - 15 * MIN)
    apply_event(nurse, session, Event.START_INFUSION, at=start)
    end = start + dt.timedelta(minutes=dosing_minutes)
    for kind, at in ((InfusionEvent.Kind.START, start), (InfusionEvent.Kind.STOP, end)):
        InfusionEvent.objects.create(
            session=session,
            kind=kind,
            at=at,
            rate_ml_per_h=None if esketamine else Decimal("156.0"),
            recorded_by=clinic.nurse,
        )
    apply_event(nurse, session, Event.END_INFUSION, at=end)
    if recovery:
        services_discharge.start_recovery(nurse, session, at=end + MIN)
    session.refresh_from_db()
    return session


def vitals(
    clinic: Any,
    session: InfusionSession,
    at: dt.datetime,
    sbp: int,
    dbp: int,
    *,
    phase: str = "recovery",
    hr: int = 72,
    spo2: int | None = 98,
    rr: int | None = 14,
) -> VitalSet:
    return VitalSet.objects.create(
        session=session,
        phase=phase,
        taken_at=at,
        systolic=sbp,
        diastolic=dbp,
        heart_rate=hr,
        spo2=spo2,
        respiratory_rate=rr,
        recorded_at=at,
        recorded_by=clinic.nurse,
    )


def scale(
    clinic: Any,
    session: InfusionSession,
    instrument: str,
    answers: Any,
    at: dt.datetime,
    time_point: str = "recovery",
) -> SessionScale:
    recorded = record_assessment(
        Actor(clinic.nurse), session.patient, instrument, answers, "post-session", at
    )
    return SessionScale.objects.create(
        session=session, assessment=recorded.assessment, time_point=time_point
    )


def ready_session(
    clinic: Any,
    *,
    modality: str = "iv",
    started_minutes_ago: float = 150,
    moaas: int = 5,
    aldrete: dict[str, int] | None = None,
    last_bp: tuple[int, int] = (132, 82),
) -> InfusionSession:
    """A session in recovery whose stored data meet every criterion but the escort (which
    the discharge request confirms): baseline 130/80, pre-discharge BP `last_bp`, Aldrete
    10, MOAA/S 5, observed long enough for either modality by default."""
    session = dosed(
        clinic,
        modality=modality,
        started_minutes_ago=started_minutes_ago,
        dosing_minutes=10 if modality == "esketamine" else 40,
    )
    start = minutes_ago(started_minutes_ago)
    vitals(clinic, session, start - 10 * MIN, 130, 80, phase="pre_dose")
    vitals(clinic, session, start + 40 * MIN, 150, 92, phase="infusion")
    vitals(clinic, session, minutes_ago(5), *last_bp)
    scale(clinic, session, "cadss", [0] * 23, start - 5 * MIN, "pre")
    scale(clinic, session, "cadss", [1, 1] + [0] * 21, start + 40 * MIN, "40 min")
    scale(clinic, session, "aldrete", aldrete or FULL_ALDRETE, minutes_ago(4))
    scale(clinic, session, "moaas", [moaas], minutes_ago(4))
    return session


def discharged(clinic: Any, *, modality: str = "esketamine") -> InfusionSession:
    session = ready_session(clinic, modality=modality)
    services_discharge.discharge(
        Actor(clinic.nurse),
        session,
        escort_present=True,
        escort_name="Sam Hart",
        escort_relationship="partner",
        escort_phone="555-0100",
    )
    session.refresh_from_db()
    return session


CLINICIAN_ANSWERS: dict[str, object] = {
    "hcp_first_name": "Kim",
    "hcp_last_name": "Nurse",
    "hcp_telephone": "555-0199",
    "hcp_email": "kim@clinic.example",
    "setting_name": "North clinic",
    "setting_address_1": "1 Main St",
    "setting_city": "Springfield",
    "setting_state": "IL",
    "setting_zip": "62701",
    "vitals_acceptable_before_administration": True,
    "vitals_acceptable_before_completion": True,
    "ready_to_leave_minutes": 90,
}


def latest_session(clinic: Any) -> InfusionSession:
    found = InfusionSession.objects.filter(patient=clinic.patient).order_by("-pk").first()
    assert found is not None
    return found


def pdf_text(content: bytes) -> str:
    """The text of a reportlab PDF's content streams, inflated when compressed (enough to
    find a string the page prints; not a general PDF reader)."""
    import base64
    import re
    import zlib

    chunks = []
    for match in re.finditer(rb"<<([^<>]*)>>\s*stream\r?\n(.*?)\s*endstream", content, re.S):
        header, data = match.group(1), match.group(2)
        if b"ASCII85Decode" in header:
            # reportlab writes the data and the "~>" end marker without the "<~" start.
            data = base64.a85decode(b"<~" + data.strip().removeprefix(b"<~"), adobe=True)
        if b"FlateDecode" in header:
            data = zlib.decompress(data)
        chunks.append(data.decode("latin-1"))
    return "\n".join(chunks)
