"""Clinical histories for demo patients: a screening (relative findings reviewed by the
prescriber), consent to the course's treatment, a treatment course with its sessions, and
PHQ-9 trajectories drawn so the clinic's results match published real-world figures.

Rates (clinical reference, section 6.3): after a 6-infusion induction, PHQ-9 response
(>= 50% reduction) about 50-54% and remission (< 5) about 20-29% (McInnes 2022, Osmind
registry; Oliver 2022: 50% and 20% within 6 weeks). The demo draws each patient's outcome
with RESPONSE = 0.52 and REMISSION = 0.25, then builds a noisy, mostly monotonic path from a
baseline of 15-24 to that outcome.

Sessions of the last RECENT_DAYS days (ESKETAMINE_DAYS for esketamine, so that the REMS
tracker has forms older than a week) are run at the chair through the infusions services
(chairside.py, without the drug: the ledger's demo history, loaded after the patients, draws
it for every completed session); older ones are simply marked completed.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from kclinic.domain.session_states import State
from kclinic.examples import PROFILES
from kclinic.web.accounts.models import Chair, User
from kclinic.web.assessments.services import record_assessment
from kclinic.web.audit.services import Actor
from kclinic.web.courses.models import PlannedSession, TreatmentCourse
from kclinic.web.courses.services import NewCourse, change_phase, create_course
from kclinic.web.courses.session_services import complete_session, plan_sessions
from kclinic.web.demo import ledger_plan
from kclinic.web.demo.chairside import Team, Visit
from kclinic.web.demo.stories import Story, script
from kclinic.web.infusions.policies import precheck_policy
from kclinic.web.patients.models import Patient
from kclinic.web.screenings.models import ConsentDocument
from kclinic.web.screenings.selectors import current_document
from kclinic.web.screenings.services import override_finding, perform_screening, record_consent
from kclinic.web.tasks.models import Task
from kclinic.web.tasks.services import resolve_task

RESPONSE = 0.52  # McInnes 2022: 50-54% PHQ-9 response after induction
REMISSION = 0.25  # McInnes 2022 / Oliver 2022: 20-29% PHQ-9 remission (< 5)
ITEM9_AT_BASELINE = 0.15  # share with passive ideation at intake (tasks since resolved)
ITEM9_LATEST = 0.03  # share still endorsing item 9 at the latest visit (tasks left open)
RECENT_DAYS = 10  # sessions run at the chair (see the module docstring)
ESKETAMINE_DAYS = 14
# The prescriber's review of a relative screening finding, by rule.
REVIEWED = {
    "depressive-diagnosis": "Current major depressive episode documented at intake (PHQ-9 "
    "and clinical interview) alongside the coded diagnosis; treating the depressive episode "
    "agreed with the patient.",
}

_TEMPLATE = json.loads((PROFILES / "clean-candidate.json").read_text())


@dataclass(frozen=True)
class Staff:
    prescriber: User
    nurse: User
    chairs: tuple[Chair, ...]
    checker: User  # the site's second nurse: double checks at the chair
    desk: User


def build(
    rng: random.Random,
    patient: Patient,
    staff: Staff,
    first_visit: dt.date,
    today: dt.date,
    diagnosis: str,
) -> None:
    prescriber, nurse = Actor(staff.prescriber), Actor(staff.nurse)
    tz = timezone.get_current_timezone()

    def at(day: dt.date, hour: int) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour), tzinfo=tz)

    profile = {
        k: v for k, v in _TEMPLATE.items() if k not in {"date_of_birth", "sex", "description"}
    }
    profile["diagnoses"] = {
        **profile["diagnoses"],
        "codes": [diagnosis],
        "bipolar": diagnosis.startswith("F31"),
    }
    profile["blood_pressure"] = {
        **profile["blood_pressure"],
        "measured_on": first_visit.isoformat(),
    }
    profile["current_episode"] = {
        "start_date": (first_visit - dt.timedelta(days=rng.randint(200, 900))).isoformat()
    }
    screening = perform_screening(nurse, patient, profile, screened_on=first_visit)
    for finding in screening.findings("relative"):
        reason = REVIEWED.get(
            finding["rule"], "Reviewed at intake; benefit judged to outweigh risk."
        )
        override_finding(prescriber, screening, finding["rule"], reason)

    baseline = rng.randint(15, 24)
    draw = rng.random()
    if draw < REMISSION:
        final = rng.randint(1, 4)
    elif draw < RESPONSE:
        final = rng.randint(5, max(5, baseline // 2))
    else:
        final = rng.randint(math.ceil(baseline * 0.55), min(27, baseline + 2))
    item9_now = rng.random() < ITEM9_LATEST
    phq9(
        rng,
        nurse,
        patient,
        at(first_visit, 10),
        baseline,
        "baseline",
        item9=rng.random() < ITEM9_AT_BASELINE,
    )

    esketamine = rng.random() < 0.15
    start = first_visit + dt.timedelta(days=rng.randint(5, 10))
    course = create_course(
        prescriber,
        patient,
        NewCourse(
            indication_code=diagnosis,
            indication_text="Treatment-resistant depression",
            modality="esketamine" if esketamine else "iv-racemic",
            template_id="esketamine-trd"
            if esketamine
            else rng.choice(("iv-3-a-week-2-weeks", "iv-2-a-week-3-weeks")),
            started_on=start,
        ),
    )
    consent(nurse, staff.prescriber, patient, course.modality, start)
    course = change_phase(
        prescriber, course, phase="induction", expected_version=course.version, now=at(start, 8)
    )
    weekdays = (0, 3) if course.template_id != "iv-3-a-week-2-weeks" else (0, 2, 4)
    first_day = start + dt.timedelta(days=(weekdays[0] - start.weekday()) % 7)
    plan_sessions(
        prescriber,
        course,
        start_on=first_day,
        weekdays=weekdays,
        time_of_day=dt.time(9 + rng.randint(0, 6)),
        expected_version=course.version,
        chair=rng.choice(staff.chairs),
    )
    sessions = list(PlannedSession.objects.filter(course=course).order_by("sequence"))
    induction = sessions[:6]
    for number, session in enumerate(induction, start=1):
        if session.scheduled_at.date() >= today:
            break
        progress = (number - 1) / 6
        score = baseline - (baseline - final) * progress**0.8 + rng.gauss(0, 1.2)
        phq9(
            rng,
            nurse,
            patient,
            session.scheduled_at - dt.timedelta(minutes=30),
            round(score),
            "pre-session",
            item9=False,
        )
        if _recent(session, today, course.modality):
            _at_the_chair(session, staff)
        else:
            complete_session(nurse, session, now=session.scheduled_at + dt.timedelta(hours=3))
    else:
        follow_up = induction[-1].scheduled_at.date() + dt.timedelta(days=14)
        if follow_up < today:
            phq9(rng, nurse, patient, at(follow_up, 11), final, "follow-up", item9=item9_now)
            _after_induction(
                prescriber, course, responded=final <= baseline / 2, when=at(follow_up, 12)
            )
    _resolve_old_tasks(staff.prescriber, patient, keep_latest=item9_now)


def _after_induction(
    prescriber: Actor, course: TreatmentCourse, *, responded: bool, when: dt.datetime
) -> None:
    """Responders go on to maintenance (Phillips 2019: weekly infusions); a course without
    response after induction ends, with the reason on record."""
    course.refresh_from_db()
    if responded:
        change_phase(
            prescriber, course, phase="maintenance", expected_version=course.version, now=when
        )
    else:
        change_phase(
            prescriber,
            course,
            phase="ended",
            expected_version=course.version,
            reason="No response (< 50% PHQ-9 reduction) after induction",
            now=when,
        )


def consent(
    actor: Actor, witness: User, patient: Patient, modality: str, signed_on: dt.date
) -> None:
    """The patient signs (on a tablet) the consent the checklist asks for `modality`."""
    code = precheck_policy().consent_code(modality)
    document = current_document(code, signed_on) if code else None
    if isinstance(document, ConsentDocument):
        record_consent(actor, patient, document, signed_on, "tablet", witness)


def _recent(session: PlannedSession, today: dt.date, modality: str) -> bool:
    days = (today - timezone.localdate(session.scheduled_at)).days
    window = ESKETAMINE_DAYS if modality == "esketamine" else RECENT_DAYS
    return today <= timezone.localdate() and 0 < days <= window


def _at_the_chair(planned: PlannedSession, staff: Staff) -> None:
    """Run a past session at the chair from arrival at its booked time to discharge (which
    completes it), with the vial strength and devices the ledger's history will draw."""
    patient = planned.course.patient
    rng = random.Random(f"chair-{patient.mrn}-{planned.sequence}")
    team = Team(staff.prescriber, staff.nurse, staff.checker, staff.desk)
    strength, devices = _as_the_ledger_draws(planned)
    story = Story(
        State.DISCHARGED,
        planned.chair,
        strength,
        devices,
        alarm="bp-recheck" if rng.random() < 0.1 else "",
        nausea=rng.random() < 0.15,
    )
    start = planned.scheduled_at + dt.timedelta(minutes=45)
    visit = Visit(planned, team, rng, drug=False)
    script(visit, story, phq9=lambda _: None).run(
        lambda minute: start + dt.timedelta(minutes=minute), timezone.now()
    )


def _as_the_ledger_draws(planned: PlannedSession) -> tuple[Decimal, int]:
    """The vial strength (IV) or devices (esketamine) that ledger.py's seeded choice draws
    for this session, so that the order and the ledger tell the same story."""
    patient = planned.course.patient
    pick = random.Random(f"{ledger_plan.SEED}-{patient.mrn}-{planned.sequence}")
    if planned.course.modality == "esketamine":
        return Decimal(50), 2 if planned.sequence == 1 or pick.random() < 0.39 else 3
    product = pick.choices(ledger_plan.MIX[patient.site.code], ledger_plan.SHARE)[0]
    return product.concentration_mg_per_ml or Decimal(50), 2


def phq9(
    rng: random.Random,
    actor: Actor,
    patient: Patient,
    when: dt.datetime,
    total: int,
    context: str,
    *,
    item9: bool,
) -> None:
    """Record a PHQ-9 whose items sum to `total` (0-27), item 9 as given."""
    total = max(0, min(27, total))
    items = [0] * 9
    if item9:
        items[8] = 1
    remaining = total - items[8]
    while remaining > 0:
        index = rng.randrange(8)
        if items[index] < 3:
            items[index] += 1
            remaining -= 1
        elif all(value == 3 for value in items[:8]):
            items[8] = min(3, items[8] + remaining)
            remaining = 0
    record_assessment(actor, patient, "phq9", items, context, when)


def _resolve_old_tasks(prescriber: User, patient: Patient, *, keep_latest: bool) -> None:
    """The intake flags were followed up at the time; only a current one stays open."""
    tasks = list(Task.objects.filter(patient=patient, status="open").order_by("created_at"))
    if keep_latest and tasks:
        tasks = tasks[:-1]
    for task in tasks:
        resolve_task(
            Actor(prescriber),
            task,
            "cssrs_done",
            "C-SSRS screener at intake: passive ideation only, no intent or plan; "
            "safety plan agreed.",
        )
