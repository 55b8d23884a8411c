"""One demo session run at the chair through the infusions services, step by step in time
order: arrival, the pre-infusion checklist, the prescriber's order and a second nurse's
independent check, the drug drawn from the safe, the pump or the nasal devices, vital signs
every 10 min (every 15 in recovery), scales, recovery and discharge.

A `Script` holds the steps of one session at minutes relative to the start of dosing and runs
those whose time has come (`now`): a session started 20 minutes ago is left infusing, one
started four hours ago goes home. `clock` compresses the minutes when the demo is loaded just
after midnight, so that every step still falls on the session's day.

The demo sessions in the past (histories.py) run without the drug steps: the ledger's demo
history, loaded after the patients, posts their draws to the same ledger account.
"""

from __future__ import annotations

import logging
import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Any

from django.test import RequestFactory

from kclinic.domain.prechecks import Item
from kclinic.domain.units import Number
from kclinic.web.accounts.models import Chair, User
from kclinic.web.assessments.models import Assessment
from kclinic.web.assessments.services import record_assessment
from kclinic.web.audit.services import Actor
from kclinic.web.courses.models import PlannedSession
from kclinic.web.infusions import services_discharge as discharging
from kclinic.web.infusions import services_events as events
from kclinic.web.infusions import services_orders as orders
from kclinic.web.infusions import services_session as arrival
from kclinic.web.infusions.board import volume_infused_ml
from kclinic.web.infusions.models import Alarm, DoseOrder, InfusionSession
from kclinic.web.infusions.services_lifecycle import session_for
from kclinic.web.infusions.services_monitoring import acknowledge_alarm, record_vitals
from kclinic.web.infusions.services_record import draft_session_record
from kclinic.web.inventory import services_movements as movements
from kclinic.web.inventory.models import Balance, Lot
from kclinic.web.notes.services import sign_note
from kclinic.web.tasks.models import Task
from kclinic.web.tasks.services import resolve_task

log = logging.getLogger(__name__)

CSSRS_NONE = {"q1": 0, "q2": 0, "q6": 0}
# Intent without a plan: high by the Columbia triage, so the checklist blocks until reviewed.
CSSRS_HIGH = {"q1": 1, "q2": 1, "q3": 0, "q4": 1, "q5": 0, "q6": 0}
CADSS_ITEMS = 23
# 0.5 mg/kg over 40 min in 100 mL (clinical reference 1.1: Murrough 2013; Andrade 2017).
IV_MINUTES = 40
MG_PER_KG = Decimal("0.5")
DEVICE_GAP = 5  # minutes of rest between esketamine devices (clinical reference 1.7)
RELATIONS = ("partner", "spouse", "friend", "parent", "sibling", "adult child")


@dataclass(frozen=True)
class Team:
    """Who works the session: the prescriber orders, the nurse runs it, the checker (another
    nurse of the site) double-checks the dose and witnesses waste, the desk checks in."""

    prescriber: User
    nurse: User
    checker: User
    desk: User


class Script:
    """Steps at minutes from the start of dosing, run in time order up to `now`."""

    def __init__(self) -> None:
        self.steps: list[tuple[float, int, Callable[[datetime], object]]] = []

    def at(self, minute: float, step: Callable[[datetime], object]) -> None:
        self.steps.append((minute, len(self.steps), step))

    def run(self, clock: Callable[[float], datetime], now: datetime) -> None:
        for minute, _, step in sorted(self.steps, key=lambda s: s[:2]):
            when = clock(minute)
            if when > now:
                return
            step(when)


@dataclass
class Visit:
    """One planned session as the staff run it; `drug` posts the ledger movements."""

    planned: PlannedSession
    team: Team
    rng: random.Random
    drug: bool = True

    def __post_init__(self) -> None:
        self.session: InfusionSession = session_for(self.planned)
        self.patient = self.planned.course.patient
        self.esketamine = self.planned.course.modality == "esketamine"
        self.base = (
            self.rng.randint(112, 134),
            self.rng.randint(68, 84),
            self.rng.randint(62, 84),
        )
        self.lot: Lot | None = None
        self.order: DoseOrder | None = None
        self.drawn = Decimal(0)
        self.cssrs: Any = None  # today's C-SSRS screener (assessments.Recorded)

    # --- who ------------------------------------------------------------------------

    @property
    def nurse(self) -> Actor:
        return Actor(self.team.nurse)

    @property
    def prescriber(self) -> Actor:
        return Actor(self.team.prescriber)

    # --- before the drug ------------------------------------------------------------

    def arrive(self, at: datetime, chair: Chair | None) -> None:
        arrival.check_in(Actor(self.team.desk), self.session, chair=chair, at=at)

    def screen(self, at: datetime, *, cssrs: dict[str, int], phq9: Callable[..., Any]) -> None:
        """Today's PHQ-9 (when `phq9` records one) and C-SSRS screener before dosing."""
        phq9(at)
        self.cssrs = record_assessment(
            self.nurse, self.patient, "cssrs-screener", cssrs, "pre-session", at
        )

    def checklist(self, at: datetime, *, escort: bool = True) -> None:
        sbp, dbp, hr = self.base
        weight = self.patient.measurements.order_by("-measured_at").first()
        arrival.record_prechecks(
            self.nurse,
            self.session,
            fasting_hours=Decimal(self.rng.choice((6, 8, 10, 12))),
            liquids_hours=Decimal(self.rng.choice((2, 3, 4))),
            escort_confirmed=escort,
            escort_name=self.patient.escort_name if escort else "",
            pregnancy="negative",
            new_contraindication=False,
            vitals=arrival.BaselineVitals(
                sbp,
                dbp,
                hr,
                self.rng.randint(96, 99),
                self.rng.randint(12, 16),
                taken_at=at - timedelta(minutes=2),
            ),
            weight_kg=None if self.esketamine or weight is None else weight.weight_kg,
            height_cm=None if self.esketamine or weight is None else weight.height_cm,
            at=at,
        )

    def review_cssrs(self, at: datetime) -> None:
        reason = (
            "Seen at the chair: thoughts of suicide with some intent in the past week, none "
            "today; no plan, no access to means; safety plan reviewed with patient and escort. "
            "Proceed with today's infusion; phone follow-up tomorrow."
        )
        arrival.review_precheck(
            self.prescriber, self.session, item=Item.CSSRS.value, reason=reason, at=at
        )
        source = self.cssrs.assessment.public_id
        for task in Task.objects.filter(
            patient=self.patient, status="open", source_public_id=source
        ):
            resolve_task(self.prescriber, task, "cssrs_done", reason)

    def complete(self, at: datetime) -> None:
        arrival.complete_prechecks(self.nurse, self.session, at=at)

    def cancel(self, at: datetime, reason: str) -> None:
        arrival.cancel(self.nurse, self.session, reason=reason, at=at)

    def order_dose(self, at: datetime, vial_mg_per_ml: Decimal, devices: int = 2) -> None:
        why = "Reviewed against the protocol limits with today's weight; proceed as ordered."
        # Only read when the dose differs from the last session's (esketamine 56 <-> 84 mg).
        step = (
            "Tolerated 56 mg well with partial response; increased to 84 mg per the label."
            if devices == 3
            else "Marked dissociation and sedation at 84 mg last time; back to 56 mg."
        )
        if self.esketamine:
            self.order = orders.order_dose(
                self.prescriber,
                self.session,
                dose_mg=28 * devices,
                titration_reason=step,
                override_reason=why,
                at=at,
            )
        else:
            self.order = orders.order_dose(
                self.prescriber,
                self.session,
                mg_per_kg=MG_PER_KG,
                minutes=IV_MINUTES,
                vial_mg_per_ml=vial_mg_per_ml,
                bag_ml=100,
                dilution="replace",
                override_reason=why,
                at=at,
            )

    def verify(self, at: datetime) -> None:
        order = self.order
        assert order is not None
        self.lot = self._lot(order, at) if self.drug else None
        entered: dict[str, Number | None] = {"weight_kg": order.weight_kg}
        if self.esketamine:
            entered["devices"] = order.devices
        else:
            entered |= {
                "vial_mg_per_ml": order.vial_mg_per_ml,
                "rate_ml_per_h": order.rate_ml_per_h,
            }
        orders.double_check(
            Actor(self.team.checker),
            self.session,
            order_id=order.public_id,
            entered=entered,
            lot_id=self.lot.public_id if self.lot else None,
            at=at,
        )

    # --- the drug (controlled-substance ledger) ----------------------------------------

    def _lot(self, order: DoseOrder, at: datetime) -> Lot | None:
        """The first-expiring lot of the ordered product at the site holding a whole draw."""
        site = self.session.site.code
        for lot in orders.eligible_lots(self.session, order, at.date()):
            held = Balance.objects.filter(lot=lot, account__startswith=f"loc:{site}/")
            if any(b.mg >= self._draw(order, lot) for b in held):
                return lot
        log.info("demo: no stock at %s for %s; drug steps skipped", site, self.session.public_id)
        return None

    def _draw(self, order: DoseOrder, lot: Lot) -> Decimal:
        """Devices whole; a vial in whole millilitres (half a mL above 50 mg/mL)."""
        if order.devices:
            return Decimal(order.devices) * lot.product.mg_per_unit
        strength = lot.product.concentration_mg_per_ml or Decimal(50)
        step = min(strength, Decimal(50))
        return Decimal(math.ceil(order.dose_mg / step)) * step

    def _key(self, kind: str) -> str:
        return f"demo-chair-{self.session.public_id}-{kind}"

    def dispense(self, at: datetime) -> None:
        if self.lot is None or self.order is None:
            return
        self.drawn = self._draw(self.order, self.lot)
        movements.dispense_to_session(
            self.nurse,
            self.session,
            self.lot,
            self.drawn,
            self.order,
            idempotency_key=self._key("dispense"),
            at=at,
        )

    def account_for(self, at: datetime, given_mg: Decimal) -> None:
        """Record what the patient was given and waste the rest, witnessed by the checker."""
        if self.lot is None or not self.drawn:
            return
        from kclinic.web.demo.loader import PASSWORD  # here: the loader imports this module

        if given_mg > 0:
            movements.administer(
                self.nurse,
                self.session,
                self.lot,
                given_mg,
                idempotency_key=self._key("administer"),
                at=at,
            )
        rest = self.drawn - given_mg
        if rest > 0:
            movements.waste(
                self.nurse,
                self.team.checker,
                PASSWORD,
                self.session,
                self.lot,
                rest,
                idempotency_key=self._key("waste"),
                at=at,
            )

    # --- dosing and monitoring ----------------------------------------------------------

    def pump(self, kind: str, note: str = "") -> Callable[[datetime], object]:
        return lambda at: events.record_infusion_event(
            self.nurse, self.session, kind, note=note, at=at
        )

    def vitals(self, at: datetime, rise: int = 0, **given: Any) -> Any:
        sbp, dbp, hr = self.base
        values: dict[str, Any] = {
            "sbp_mmhg": sbp + rise + self.rng.randint(-4, 6),
            "dbp_mmhg": dbp + rise // 2 + self.rng.randint(-3, 4),
            "hr_bpm": hr + rise // 2 + self.rng.randint(-3, 6),
            "spo2_pct": self.rng.randint(96, 99),
            "rr_per_min": self.rng.randint(12, 17),
        } | given
        return record_vitals(self.nurse, self.session, taken_at=at, **values)

    def alarm_ack(self, at: datetime, action: str, note: str) -> None:
        for alarm in Alarm.objects.filter(session=self.session, acknowledged_at__isnull=True):
            acknowledge_alarm(self.nurse, alarm, action, note, at=at)

    def scale(self, instrument: str, answers: Any, point: str) -> Callable[[datetime], object]:
        return lambda at: events.record_scale(
            self.nurse, self.session, instrument, answers, point, administered_at=at
        )

    def cadss(self, total: int) -> list[int]:
        items = [0] * CADSS_ITEMS
        for _ in range(total):
            items[self.rng.randrange(CADSS_ITEMS)] += 1
        return [min(4, value) for value in items]

    def given_so_far(self, at: datetime) -> Decimal:
        """mg infused by `at` (an aborted pump): volume times the bag's concentration."""
        order = self.order
        if order is None or order.final_mg_per_ml is None:
            return order.dose_mg if order else Decimal(0)
        mg = volume_infused_ml(self.session, at) * order.final_mg_per_ml
        return min(order.dose_mg, mg.quantize(Decimal("0.1"), rounding=ROUND_DOWN))

    # --- recovery and discharge -------------------------------------------------------

    def discharge(self, at: datetime) -> None:
        """The nurse discharges when every criterion is met; otherwise (a demo compressed
        into the small hours) the prescriber overrides with the reason."""
        ready = discharging.readiness(self.session, at, escort_present=True).ready
        who = self.nurse if ready else self.prescriber
        discharging.discharge(
            who,
            self.session,
            escort_present=True,
            escort_name=self.patient.escort_name,
            escort_relationship=self.rng.choice(RELATIONS),
            escort_phone=self.patient.escort_phone,
            override_reason=""
            if ready
            else "Observed throughout; alert, vitals at baseline, "
            "escort present; observation shortened on the prescriber's review.",
            at=at,
        )

    def sign_record(self, at: datetime) -> None:
        from kclinic.web.demo.loader import PASSWORD  # here: the loader imports this module

        note = draft_session_record(self.nurse, self.session, now=at)
        sign_note(
            self.nurse,
            note,
            password=PASSWORD,
            meaning="author",
            expected_version=note.version,
            request=RequestFactory().post("/"),
        )


def latest_phq9_total(patient: Any) -> int:
    found = (
        Assessment.objects.current()
        .filter(patient=patient, instrument_id="phq9", total__isnull=False)
        .order_by("-administered_at")
        .first()
    )
    return found.total if found is not None and found.total is not None else 14
