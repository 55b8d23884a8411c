"""Helpers of the chair-side browser tests: a clock the live server shares with the test, one
signed-in browser per member of staff, session URLs, PDF downloads, and the data a session
needs before the patient arrives (consent, screening, today's scales, stock in the safe).

Whatever the browser path of tests/e2e/test_iv_session.py already covers is built here through
the services, as staff would leave it, so the esketamine test can start at its REMS form.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from kclinic.web.accounts.models import User
from kclinic.web.audit.services import Actor
from kclinic.web.infusions import services_discharge, services_events, services_orders
from kclinic.web.infusions import services_monitoring as monitoring
from kclinic.web.infusions import services_session as checklist
from kclinic.web.infusions.models import InfusionSession
from kclinic.web.infusions.services_lifecycle import session_for
from kclinic.web.inventory.models import Balance, Lot, Product
from tests.e2e.conftest import sign_in
from tests.web.courses_factories import a_chair, a_course, a_plan, first_session
from tests.web.infusions_factories_session import (
    consent_on_file,
    eligible_screening,
    scales_today,
)

CHAIR = "Chair 1"
ESKETAMINE_LOT = "SPR-2291"
IV_LOT = "KET-0710"
ESCORT = "Chris Hart"


# --- the clock ----------------------------------------------------------------------------


@dataclass
class Clock:
    """The application's clock as the test sets it: real time plus an offset that only grows.

    The live server runs in a thread of this process and reads the time through
    django.utils.timezone.now, so moving the offset is an hour passing for the server: the
    recovery observation can run its full length without the test waiting for it."""

    real_now: Callable[[], dt.datetime]
    offset: dt.timedelta = field(default_factory=dt.timedelta)

    def now(self) -> dt.datetime:
        return self.real_now() + self.offset

    def advance(self, minutes: float) -> dt.datetime:
        if minutes < 0:
            raise ValueError("the clock only moves forward")
        self.offset += dt.timedelta(minutes=minutes)
        return self.now()


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    shared = Clock(timezone.now)
    # The module attribute: the server's own calls (timezone.now(), localdate()) see it too.
    monkeypatch.setattr(timezone, "now", shared.now)
    return shared


# --- browsers, one per member of staff ----------------------------------------------------


@pytest.fixture
def desk(browser: Browser, live_server: Any) -> Iterator[Callable[[User], Page]]:
    """`desk(user)`: a browser of its own (cookies and all) signed in as `user`, as each
    member of staff works at their own screen."""
    contexts: list[BrowserContext] = []

    def open_as(user: User) -> Page:
        context = browser.new_context(
            base_url=live_server.url, viewport={"width": 1024, "height": 900}
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        sign_in(page, user.username)
        return page

    yield open_as
    for context in contexts:
        context.close()


def session_url(name: str, session: InfusionSession) -> str:
    return reverse(
        f"infusions:{name}",
        kwargs={"patient_id": session.patient.public_id, "session_id": session.public_id},
    )


def mark_page(page: Page) -> None:
    """A mark in the page's window: it survives htmx swaps and is gone after a reload."""
    page.evaluate("window.kclinicTestMark = 'still here'")


def page_not_reloaded(page: Page) -> bool:
    return bool(page.evaluate("window.kclinicTestMark === 'still here'"))


def download_pdf(page: Page, link: Locator) -> bytes:
    """The bytes of the PDF behind `link`, fetched with the browser's own cookies (the
    response is `inline`, which headless Chromium would otherwise try to display)."""
    href = link.get_attribute("href")
    assert href, "the link has no address"
    response = page.request.get(href)
    assert response.ok, (response.status, href)
    assert response.headers["content-type"] == "application/pdf"
    return response.body()


# --- before the patient arrives -----------------------------------------------------------


def stock_in_safe(clinic: Any, product: Product, lot_number: str, units: int = 5) -> Lot:
    lot = Lot.objects.create(
        product=product,
        lot_number=lot_number,
        expiry_date=timezone.localdate() + dt.timedelta(days=365),
    )
    Balance.objects.create(
        account=f"loc:{clinic.site_a.code}/Safe A",
        lot=lot,
        mg=product.mg_per_unit * units,
        units=units,
    )
    return lot


def ketamine_vials(clinic: Any) -> Lot:
    product = Product.objects.create(
        ndc="0000-0710-20",
        name="Ketamine HCl 10 mg/mL, 20 mL vial",
        form="vial",
        mg_per_unit=Decimal(200),
        schedule="CIII",
        concentration_mg_per_ml=Decimal(10),
        volume_ml=Decimal(20),
    )
    return stock_in_safe(clinic, product, IV_LOT)


def esketamine_devices(clinic: Any) -> Lot:
    product = Product.objects.create(
        ndc="50458-028-02",
        name="Spravato 28 mg nasal device",
        form="nasal_device",
        mg_per_unit=Decimal(28),
        schedule="CIII",
    )
    return stock_in_safe(clinic, product, ESKETAMINE_LOT, units=6)


def booked_today(clinic: Any, modality: str) -> InfusionSession:
    """Session 1 of a new course of `modality` for the clinic's patient, today 09:00."""
    iv = modality == "iv-racemic"
    course = a_course(
        clinic,
        template_id="iv-3-a-week-2-weeks" if iv else "esketamine-trd",
        modality=modality,
        started_on=timezone.localdate(),
    )
    today = timezone.localdate().weekday()
    # Esketamine induction is twice a week; the IV template allows any day.
    days = range(7) if iv else (today, (today + 3) % 7)
    a_plan(clinic, course, weekdays=days, chair=a_chair(clinic.site_a, CHAIR))
    course.refresh_from_db()
    return session_for(first_session(course))


def ready_for_iv_session(clinic: Any) -> InfusionSession:
    """An IV session booked today for a patient with consent, an eligible screening, today's
    pre-session PHQ-9 and C-SSRS (no risk) on file, and ketamine vials in the safe."""
    consent_on_file(clinic, "iv-ketamine-treatment")
    eligible_screening(clinic)
    scales_today(clinic)
    ketamine_vials(clinic)
    return booked_today(clinic, "iv-racemic")


# --- an esketamine session, dosed and discharged through the services --------------------

BASELINE_BP = (128, 78)
BP_40_MIN = (150, 92)
BP_LEAVING = (132, 82)
DOSE_MG = 56  # two 28 mg devices
MINUTES_TO_DISCHARGE = 125  # from the first device


def vitals(
    actor: Actor, session: InfusionSession, sbp: int, dbp: int, *, hr: int, spo2: int
) -> None:
    monitoring.record_vitals(
        actor, session, sbp_mmhg=sbp, dbp_mmhg=dbp, hr_bpm=hr, spo2_pct=spo2, rr_per_min=14
    )


@dataclass(frozen=True)
class Dosed:
    session: InfusionSession
    first_device_at: dt.datetime


def esketamine_discharged(clinic: Any, clock: Clock) -> Dosed:
    """An esketamine session taken from check-in to discharge as the chair-side staff would,
    the clock moving on between steps: first device 5 min after check-in, second 5 min
    later, BP 150/92 and MOAA/S 4 with CADSS 2 about 40 min after the first device, and
    discharge 125 min after it with BP 132/82, MOAA/S 5 and a full Aldrete."""
    consent_on_file(clinic, "esketamine-rems-enrolment")
    eligible_screening(clinic)
    scales_today(clinic)
    lot = esketamine_devices(clinic)
    session = booked_today(clinic, "esketamine")
    nurse, desk_clerk = Actor(clinic.nurse), Actor(clinic.front_desk)

    checklist.check_in(desk_clerk, session)
    checklist.record_prechecks(
        nurse,
        session,
        fasting_hours=Decimal(3),
        liquids_hours=Decimal(1),
        escort_confirmed=True,
        escort_name=ESCORT,
        pregnancy="negative",
        new_contraindication=False,
        vitals=checklist.BaselineVitals(*BASELINE_BP, 70, 98, 14),
        weight_kg=Decimal(80),
    )
    checklist.complete_prechecks(nurse, session)
    order = services_orders.order_dose(Actor(clinic.prescriber), session, dose_mg=DOSE_MG)
    services_orders.double_check(
        nurse,
        session,
        order_id=order.public_id,
        entered={"weight_kg": Decimal(80), "devices": 2},
        lot_id=lot.public_id,
    )
    scale = services_events.record_scale
    scale(nurse, session, "cadss", [0] * 23, "pre-dose")

    first_device_at = clock.advance(5)
    services_events.record_infusion_event(
        nurse, session, "start", note="first device", at=first_device_at
    )
    clock.advance(5)
    services_events.record_infusion_event(nurse, session, "stop", note="second device")
    clock.advance(1)
    services_discharge.start_recovery(nurse, session)

    clock.advance(34)  # about 40 min after the first device
    vitals(nurse, session, *BP_40_MIN, hr=80, spo2=97)
    scale(nurse, session, "cadss", [1, 1] + [0] * 21, "40 min")
    scale(nurse, session, "moaas", [4], "40 min")

    clock.advance(MINUTES_TO_DISCHARGE - 40)
    vitals(nurse, session, *BP_LEAVING, hr=72, spo2=98)
    full = {"activity": 2, "respiration": 2, "consciousness": 2, "spo2": 2}
    scale(nurse, session, "aldrete", full, "pre-discharge")
    scale(nurse, session, "moaas", [5], "pre-discharge")
    services_discharge.discharge(
        nurse, session, escort_present=True, escort_name=ESCORT, escort_relationship="partner"
    )
    session.refresh_from_db()
    assert session.state == "discharged", session.state
    return Dosed(session, first_device_at)


def fill_checklist(page: Page) -> None:
    """The nurse's checklist entries, typed on the checklist page."""
    page.get_by_label("Hours since last food").fill("8")
    page.get_by_label("Hours since last drink").fill("3")
    page.get_by_label("Escort / driver confirmed").select_option("yes")
    page.get_by_label("Escort's name").fill(ESCORT)
    page.get_by_label("Pregnancy test").select_option("negative")
    page.get_by_label("Anything new since screening").select_option("no")
    for label, value in (
        ("Systolic BP", "124"),
        ("Diastolic BP", "78"),
        ("Heart rate", "72"),
        ("SpO2", "98"),
        ("Respiratory rate", "14"),
        ("Weight today", "80"),
        ("Height (cm", "170"),
    ):
        page.get_by_label(label).fill(value)
    page.get_by_role("button", name="Save checklist entries").click()
    expect(page.get_by_text("Checklist updated.")).to_be_visible()
