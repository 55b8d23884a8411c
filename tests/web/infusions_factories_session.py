"""Builders for the session part's tests (check-in, checklist, order, double check). They go
through the services as the clinic's staff would, so what they build is what the application
builds: a session of today's IV course, facts on the record that pass every checklist item,
an order by the prescriber, and stock of the right vial at the site."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from importlib import resources
from typing import Any

from django.utils import timezone

from kclinic.web.accounts.models import Role, User
from kclinic.web.assessments.services import record_assessment
from kclinic.web.audit.services import Actor
from kclinic.web.infusions import services_orders as orders
from kclinic.web.infusions import services_session as services
from kclinic.web.infusions.models import DoseOrder, InfusionSession
from kclinic.web.infusions.services_lifecycle import session_for
from kclinic.web.inventory.models import Balance, Lot, Product
from kclinic.web.patients.services import record_measurement
from kclinic.web.screenings.models import ConsentDocument
from kclinic.web.screenings.services import perform_screening, record_consent
from tests.web.courses_factories import a_chair, first_session, todays_course
from tests.web.factories import UserFactory

CSSRS_NONE = {"q1": 0, "q2": 0, "q6": 0}
CSSRS_HIGH = {"q1": 1, "q2": 1, "q3": 1, "q4": 1, "q5": 0, "q6": 0}
ENTRIES: dict[str, Any] = {
    "fasting_hours": Decimal(8),
    "liquids_hours": Decimal(3),
    "escort_confirmed": True,
    "escort_name": "Chris Hart",
    "pregnancy": "negative",
    "new_contraindication": False,
}
IV_ORDER: dict[str, Any] = {
    "mg_per_kg": "0.5",
    "minutes": 40,
    "vial_mg_per_ml": "10",
    "bag_ml": "100",
    "dilution": "replace",
}


def a_session(clinic: Any) -> InfusionSession:
    """The chair-side session of session 1 of an IV course planned from today (09:00)."""
    return session_for(first_session(todays_course(clinic)))


def checked_in(clinic: Any, chair: str = "Chair 1") -> InfusionSession:
    session = a_session(clinic)
    return services.check_in(Actor(clinic.front_desk), session, chair=a_chair(clinic.site_a, chair))


def consent_on_file(clinic: Any, code: str = "iv-ketamine-treatment") -> None:
    document, _ = ConsentDocument.objects.get_or_create(
        code=code,
        version=1,
        defaults={"title": code, "body": "Text.", "effective_from": dt.date(2025, 1, 1)},
    )
    record_consent(
        Actor(clinic.nurse),
        clinic.patient,
        document,
        timezone.localdate(),
        "tablet",
        clinic.prescriber,
    )


def eligible_screening(clinic: Any) -> None:
    text = resources.files("kclinic.examples.profiles").joinpath("clean-candidate.json")
    profile = json.loads(text.read_text(encoding="utf-8"))
    del profile["date_of_birth"], profile["sex"], profile["description"]
    profile["blood_pressure"]["measured_on"] = timezone.localdate().isoformat()
    perform_screening(Actor(clinic.nurse), clinic.patient, profile)


def scales_today(clinic: Any, cssrs: dict[str, int] | None = None) -> None:
    now = timezone.now()
    actor = Actor(clinic.nurse)
    record_assessment(actor, clinic.patient, "phq9", [1] * 8 + [0], "pre-session", now)
    record_assessment(
        actor, clinic.patient, "cssrs-screener", cssrs or CSSRS_NONE, "pre-session", now
    )


def weighed(clinic: Any, kg: str = "80", cm: str | None = "170") -> None:
    record_measurement(Actor(clinic.nurse), clinic.patient, kg, cm)


def facts_on_record(clinic: Any, cssrs: dict[str, int] | None = None) -> None:
    """Consent, an eligible screening, today's PHQ-9 and C-SSRS, and today's weight."""
    consent_on_file(clinic)
    eligible_screening(clinic)
    scales_today(clinic, cssrs)
    weighed(clinic)


BASELINE = services.BaselineVitals(124, 78, 72, 98, 14)


def record_all(clinic: Any, session: InfusionSession, **changes: Any) -> services.Checklist:
    entries = {**ENTRIES, "vitals": BASELINE} | changes
    return services.record_prechecks(Actor(clinic.nurse), session, **entries)


def prechecks_done(clinic: Any) -> InfusionSession:
    """A checked-in session whose checklist passed and was completed."""
    facts_on_record(clinic)
    session = checked_in(clinic)
    record_all(clinic, session)
    return services.complete_prechecks(Actor(clinic.nurse), session)


def ordered(
    clinic: Any, session: InfusionSession, by: User | None = None, **changes: Any
) -> DoseOrder:
    return orders.order_dose(Actor(by or clinic.prescriber), session, **(IV_ORDER | changes))


def another_prescriber(clinic: Any) -> User:
    return UserFactory(username="dr_two", role=Role.PRESCRIBER, sites=[clinic.site_a])


def ready_to_check(clinic: Any) -> tuple[InfusionSession, DoseOrder]:
    """Checklist complete and a dose ordered (80 kg, 0.5 mg/kg, 10 mg/mL in 100 mL over 40
    min: 40 mg, 150 mL/h) by a second prescriber, so every clinician of the clinic fixture
    may check it."""
    session = prechecks_done(clinic)
    return session, ordered(clinic, session, by=another_prescriber(clinic))


MATCHING = {"weight_kg": "80", "vial_mg_per_ml": "10", "rate_ml_per_h": "150"}


def vial_lot(
    clinic: Any,
    *,
    mg_per_ml: str = "10",
    expires: dt.date | None = None,
    site_code: str | None = None,
    number: str = "L-100",
) -> Lot:
    """A lot of ketamine vials in a safe of site A (or `site_code`)."""
    product, _ = Product.objects.get_or_create(
        ndc=f"0000-{mg_per_ml}",
        defaults={
            "name": f"Ketamine HCl {mg_per_ml} mg/mL, 20 mL vial",
            "form": "vial",
            "mg_per_unit": Decimal(mg_per_ml) * 20,
            "schedule": "CIII",
            "concentration_mg_per_ml": Decimal(mg_per_ml),
            "volume_ml": Decimal(20),
        },
    )
    lot = Lot.objects.create(
        product=product,
        lot_number=number,
        expiry_date=expires or timezone.localdate() + dt.timedelta(days=365),
    )
    Balance.objects.create(
        account=f"loc:{site_code or clinic.site_a.code}/Safe A",
        lot=lot,
        mg=product.mg_per_unit * 5,
        units=5,
    )
    return lot
