"""Today at the demo clinic's chairs: at each site every chair is taken and the sessions of
the day are in every state of the lifecycle, written through the chair-side services at
times counted back from now (see stories.py for the timeline of one session).

North: an IV session discharged with its record signed, one cancelled at the chair (no
escort), one aborted for severe hypertension, then a patient just checked in, one whose high
C-SSRS a prescriber reviewed, one infusing with an open SpO2 alarm and one in recovery; one
more is booked for later. South: an esketamine session discharged with its REMS form
completed (not yet submitted), an IV session discharged, one cancelled, then a dose verified,
one infusing after a blood-pressure alarm was acknowledged, one paused and one whose infusion
has just ended; one more booked for later.

Patients come from today's planned sessions first, then from active courses (a session
added today, with the prescriber's reason where the template needs one); an esketamine
session may start the esketamine course of a patient whose IV course ended without response.
The drug is drawn from the site's safe (load_ledger runs first); a product out of stock is
logged and the drug steps of that session left out (esketamine, received at one site, is
sent over from the other when needed). Past esketamine sessions (run at the chair by
histories.py) get their REMS forms: submitted the next day, except one left overdue.

Idempotent: a site with any chair-side session today is left as it is.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import random
import time as clock
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from kclinic.domain.session_states import State
from kclinic.web.accounts.models import Chair, Site, User
from kclinic.web.audit.services import Actor
from kclinic.web.courses import services as courses
from kclinic.web.courses import session_services as booking
from kclinic.web.courses.models import Phase, PlannedSession, SessionStatus, TreatmentCourse
from kclinic.web.demo import histories
from kclinic.web.demo.chairside import Team, Visit, latest_phq9_total
from kclinic.web.demo.stories import Story, past_rems_forms, script
from kclinic.web.infusions import services_session as arrival
from kclinic.web.infusions.models import InfusionSession
from kclinic.web.infusions.services_lifecycle import session_for
from kclinic.web.infusions.services_orders import first_session
from kclinic.web.inventory import services_movements as movements
from kclinic.web.inventory.models import Balance, StorageLocation
from kclinic.web.patients.models import Patient

log = logging.getLogger(__name__)

SEED = 2026_04
NEEDED_MINUTES = 285  # the earliest step of the day (a transfer of devices), before now
STAFF = {  # prescriber, nurses, front desk (loader.STAFF)
    "north": ("prescriber", ("nurse", "nurse2"), "frontdesk"),
    "south": ("prescriber2", ("nurse3", "nurse4"), "frontdesk2"),
}
ADDED = "Booked today on the prescriber's review of the PHQ-9 trend and the patient's request."
NO_SHOW = "Did not attend; no answer on the phone numbers on file. To be rebooked."
SWITCHED = "No response to IV ketamine; esketamine (Spravato) started under the REMS."


@dataclass(frozen=True)
class Plan:
    """One session of today: its state, how long ago dosing started (minutes; negative: not
    yet), its chair, and what happens in it."""

    state: State
    ago: int
    chair: int
    esketamine: bool = False
    alarm: str = ""
    cssrs_high: bool = False
    nausea: bool = False
    sign: bool = False
    rems: bool = False


# Finished sessions first: a chair is free again once its patient has left.
PLANS: dict[str, tuple[Plan, ...]] = {
    "north": (
        Plan(State.DISCHARGED, 200, 1, sign=True),
        Plan(State.CANCELLED, 120, 2),
        Plan(State.ABORTED, 205, 3),
        Plan(State.CHECKED_IN, -39, 1),
        Plan(State.PRECHECKS_DONE, -20, 2, cssrs_high=True),
        Plan(State.INFUSING, 24, 3, alarm="spo2"),
        Plan(State.RECOVERY, 80, 4, nausea=True),
        Plan(State.SCHEDULED, -120, 4),
    ),
    "south": (
        Plan(State.DISCHARGED, 220, 1, esketamine=True, rems=True),
        Plan(State.DISCHARGED, 210, 2, sign=True),
        Plan(State.CANCELLED, 120, 3),
        Plan(State.DOSE_VERIFIED, -12, 1),
        Plan(State.INFUSING, 33, 2, alarm="bp-recheck"),
        Plan(State.PAUSED, 25, 3),
        Plan(State.INFUSION_ENDED, 44, 4),
        Plan(State.SCHEDULED, -120, 3),
    ),
}


@dataclass(frozen=True)
class SessionsLoadReport:
    sessions: int
    states: tuple[tuple[str, int], ...]
    rems_forms: int
    skipped: tuple[str, ...]
    seconds: float


def load_sessions(
    today: dt.date, sites: dict[str, Site], users: dict[str, User]
) -> SessionsLoadReport:
    """Write today's sessions at each site that has none yet (see the module docstring)."""
    started = clock.perf_counter()
    now = timezone.now()
    states: dict[str, int] = {}
    skipped: list[str] = []
    if today != timezone.localdate(now):
        skipped.append(f"today is {timezone.localdate(now)}, not {today}: no live sessions")
    else:
        midnight = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
        # Loaded in the small hours, the day's minutes are compressed to fit since midnight.
        scale = min(1.0, max(0.001, ((now - midnight).total_seconds() / 60 - 5) / NEEDED_MINUTES))
        for code, site in sorted(sites.items()):
            if code not in PLANS or _has_sessions(site, midnight):
                continue
            pool = _Pool(site, today, users, code)
            for number, plan in enumerate(PLANS[code]):
                with transaction.atomic():
                    done = pool.run(plan, number, now, scale)
                if done:
                    states[done] = states.get(done, 0) + 1
                else:
                    skipped.append(f"{code}: no patient for a {plan.state.value} session")
            for _ in pool.no_shows(now):
                states[State.CANCELLED.value] = states.get(State.CANCELLED.value, 0) + 1
    for line in skipped:
        log.info("demo sessions: %s", line)
    forms = past_rems_forms(today, sites)
    return SessionsLoadReport(
        sum(states.values()),
        tuple(sorted(states.items())),
        forms,
        tuple(skipped),
        clock.perf_counter() - started,
    )


def _has_sessions(site: Site, midnight: dt.datetime) -> bool:
    return InfusionSession.objects.filter(
        site=site,
        planned__scheduled_at__gte=midnight,
        planned__scheduled_at__lt=midnight + dt.timedelta(days=1),
    ).exists()


class _Pool:
    """The site's patients who may come in today, each used once."""

    def __init__(self, site: Site, today: dt.date, users: dict[str, User], code: str) -> None:
        prescriber, nurses, desk = STAFF[code]
        self.site, self.today, self.code = site, today, code
        self.prescriber, self.desk, self.users = users[prescriber], users[desk], users
        self.nurses = tuple(users[name] for name in nurses)
        self.used: set[int] = set()
        self.chairs = {chair.name: chair for chair in site.chairs.all()}

    def run(self, plan: Plan, number: int, now: dt.datetime, scale: float) -> str | None:
        """Book and run one plan; the state it reached, or None without a patient."""

        def at(minute: float) -> dt.datetime:
            return now - dt.timedelta(minutes=(plan.ago - minute) * scale)

        chair = self.chairs.get(f"Chair {plan.chair}")
        arrival = at(-45) if plan.state != State.SCHEDULED else _later(now)
        planned = self._planned(plan.esketamine, arrival, chair)
        if planned is None:
            return None
        if plan.state == State.SCHEDULED:
            return State(session_for(planned).state).value  # the record a page would open
        nurse, checker = self.nurses[number % 2], self.nurses[(number + 1) % 2]
        team = Team(self.prescriber, nurse, checker, self.desk)
        rng = random.Random(f"{SEED}-{planned.course.patient.mrn}-{planned.sequence}")
        visit = Visit(planned, team, rng)
        devices = 2 if first_session(visit.session) else 3
        if plan.esketamine:
            self._devices(28 * devices, at(-60))
        story = Story(
            plan.state,
            chair,
            self._strength(),
            devices,
            plan.alarm,
            plan.cssrs_high,
            plan.nausea,
            plan.sign,
            plan.rems,
        )
        total = latest_phq9_total(visit.patient) + rng.choice((-1, 0, 0, 1))

        def phq9(when: dt.datetime) -> None:
            histories.phq9(rng, visit.nurse, visit.patient, when, total, "pre-session", item9=False)

        script(visit, story, phq9).run(at, now)
        visit.session.refresh_from_db()
        return State(visit.session.state).value

    def no_shows(self, now: dt.datetime) -> list[InfusionSession]:
        """Today's other bookings whose time passed over half an hour ago: did not attend."""
        start = timezone.make_aware(dt.datetime.combine(self.today, dt.time.min))
        missed = PlannedSession.objects.filter(
            course__patient__site=self.site,
            status=SessionStatus.SCHEDULED,
            scheduled_at__gte=start,
            scheduled_at__lt=now - dt.timedelta(minutes=30),
        ).exclude(infusion__state__in=[s for s in State if s != State.SCHEDULED])
        cancelled = []
        for planned in missed.exclude(course__phase=Phase.ENDED).order_by("scheduled_at", "pk"):
            with transaction.atomic():
                cancelled.append(
                    arrival.cancel(
                        Actor(self.desk),
                        session_for(planned),
                        reason=NO_SHOW,
                        at=planned.scheduled_at + dt.timedelta(minutes=30),
                    )
                )
        return cancelled

    # --- who comes in ---------------------------------------------------------------

    def _planned(
        self, esketamine: bool, when: dt.datetime, chair: Chair | None
    ) -> PlannedSession | None:
        modality = "esketamine" if esketamine else "iv-racemic"
        found = self._booked(modality, when, chair) or self._added(modality, when, chair)
        if found is None and esketamine:
            found = self._switched(when, chair)
        if found is not None:
            self.used.add(found.course.patient_id)
        return found

    def _booked(
        self, modality: str, when: dt.datetime, chair: Chair | None
    ) -> PlannedSession | None:
        start = timezone.make_aware(dt.datetime.combine(self.today, dt.time.min))
        today = PlannedSession.objects.filter(
            course__patient__site=self.site,
            course__modality=modality,
            status=SessionStatus.SCHEDULED,
            scheduled_at__gte=start,
            scheduled_at__lt=start + dt.timedelta(days=1),
        ).exclude(course__phase=Phase.ENDED)
        for planned in today.select_related("course__patient").order_by("scheduled_at", "pk"):
            if planned.course.patient_id not in self.used:
                course = planned.course
                return booking.reschedule_session(
                    Actor(self.prescriber),
                    planned,
                    scheduled_at=_on_the_clock(when),
                    expected_version=course.version,
                    chair=chair,
                    override_reason=ADDED,
                )
        return None

    def _added(
        self, modality: str, when: dt.datetime, chair: Chair | None
    ) -> PlannedSession | None:
        start = timezone.make_aware(dt.datetime.combine(self.today, dt.time.min))
        busy = PlannedSession.objects.filter(
            scheduled_at__gte=start, scheduled_at__lt=start + dt.timedelta(days=1)
        ).values("course__patient_id")
        active = (
            TreatmentCourse.objects.filter(patient__site=self.site, modality=modality)
            .exclude(phase=Phase.ENDED)
            .exclude(patient_id__in=busy)
            .select_related("patient")
        )
        for course in sorted(active, key=lambda c: (c.phase != Phase.INDUCTION, c.patient.mrn)):
            if course.patient_id in self.used:
                continue
            return booking.add_session(
                Actor(self.prescriber),
                course,
                scheduled_at=_on_the_clock(when),
                expected_version=course.version,
                chair=chair,
                override_reason=ADDED,
            )
        return None

    def _switched(self, when: dt.datetime, chair: Chair | None) -> PlannedSession | None:
        """Session 1 of a new esketamine course for a patient whose IV course ended."""
        ended = TreatmentCourse.objects.filter(
            patient__site=self.site, phase=Phase.ENDED, modality="iv-racemic"
        ).exclude(patient__courses__in=TreatmentCourse.objects.exclude(phase=Phase.ENDED))
        course = ended.select_related("patient").order_by("patient__mrn").first()
        while course is not None and course.patient_id in self.used:
            course = (
                ended.filter(patient__mrn__gt=course.patient.mrn).order_by("patient__mrn").first()
            )
        if course is None:
            return None
        patient: Patient = course.patient
        prescriber = Actor(self.prescriber)
        new = courses.create_course(
            prescriber,
            patient,
            courses.NewCourse(
                indication_code=course.indication_code,
                indication_text=SWITCHED,
                modality="esketamine",
                template_id="esketamine-trd",
                started_on=self.today,
                phase=Phase.INDUCTION,
            ),
        )
        histories.consent(Actor(self.nurses[0]), self.prescriber, patient, "esketamine", self.today)
        weekday = self.today.weekday()
        booking.plan_sessions(
            prescriber,
            new,
            start_on=self.today,
            weekdays=(weekday, (weekday + 3) % 7),
            time_of_day=timezone.localtime(_on_the_clock(when)).time(),
            expected_version=new.version,
            chair=chair,
        )
        return new.sessions.order_by("sequence").first()

    def _devices(self, mg: int, when: dt.datetime) -> None:
        """Esketamine is received at one site: another sends devices over when the safe here
        holds too few for today's dose (an urgent transfer, as the ledger's history does)."""
        devices = Balance.objects.filter(
            account__startswith="loc:",
            lot__product__form="nasal_device",
            lot__expiry_date__gte=self.today,
            mg__gt=0,
        ).select_related("lot__product")
        # One lot must hold the whole dose (the double check records a single lot).
        if any(b.mg >= mg for b in devices if b.account.startswith(f"loc:{self.code}/")):
            return
        for held in devices.exclude(account__startswith=f"loc:{self.code}/").order_by("-mg"):
            other = held.account.removeprefix("loc:").split("/", 1)
            if other[0] not in STAFF or held.mg < mg:
                continue
            units = math.ceil(mg / held.lot.product.mg_per_unit)
            movements.transfer(
                Actor(self.users[STAFF[other[0]][1][0]]),
                StorageLocation.objects.get(site__code=other[0], name=other[1]),
                StorageLocation.objects.filter(site=self.site).earliest("name"),
                held.lot,
                units,
                idempotency_key=f"demo-chair-transfer-{self.code}-{self.today}",
                at=when,
            )
            return
        log.info("demo sessions: no esketamine devices to send to %s", self.code)

    def _strength(self) -> Decimal:
        """The vial strength the site's safe holds most of (50 mg/mL when it holds none)."""
        held: dict[Decimal, Decimal] = {}
        rows = Balance.objects.filter(
            account__startswith=f"loc:{self.code}/",
            mg__gt=0,
            lot__product__form="vial",
            lot__expiry_date__gte=self.today,
        ).values_list("lot__product__concentration_mg_per_ml", "mg")
        for strength, mg in rows:
            if strength is not None:
                held[strength] = held.get(strength, Decimal(0)) + mg
        return max(held, key=lambda s: held[s]) if held else Decimal(50)


def _on_the_clock(when: dt.datetime) -> dt.datetime:
    """The booking time: the arrival rounded down to 5 minutes."""
    local = timezone.localtime(when)
    return local.replace(minute=local.minute - local.minute % 5, second=0, microsecond=0)


def _later(now: dt.datetime) -> dt.datetime:
    """A booking later today (the next quarter hour after 90 min), or now late at night."""
    local = timezone.localtime(now)
    later = local + dt.timedelta(minutes=90 + 15 - local.minute % 15)
    later = later.replace(second=0, microsecond=0)
    return later if later.date() == local.date() else local
