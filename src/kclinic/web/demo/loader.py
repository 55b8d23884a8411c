"""Load the demo clinic: two sites, one login per role, 160 synthetic patients with histories,
then the parts that build on them, in order, each in its own transactions: a year of
controlled-substance ledger history (ledger.py), today's sessions at the chairs
(sessions.py), the self-report portal (portal.py) and the outcomes (outcomes.py).

Everything is written through the same services the pages use, so the demo also has a real,
verifiable audit trail. Each patient is loaded in its own transaction from its own seeded
generator, so loading is idempotent and resumable: a second run skips every patient already
there and an interrupted run finishes where it stopped. (One transaction for the whole load
was slow on PostgreSQL: every audit append updates the chain head, and thousands of versions
of one row inside one transaction make each lock walk a growing chain.)
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from kclinic.web.accounts.models import Chair, Clinic, Role, Site, User
from kclinic.web.audit.services import Actor
from kclinic.web.demo import histories
from kclinic.web.demo.ledger import load_ledger
from kclinic.web.demo.outcomes import load_outcomes
from kclinic.web.demo.people import person, person_mrn
from kclinic.web.demo.portal import load_portal
from kclinic.web.demo.sessions import load_sessions
from kclinic.web.patients import services as patients
from kclinic.web.patients.models import Patient

CLINIC_NAME = "Riverside Ketamine Clinic (demo)"
PASSWORD = "ketamine-demo"
PATIENTS = 160
SEED = 2026

# (username, role, first, last, credentials, sites)
STAFF = (
    ("prescriber", Role.PRESCRIBER, "Maya", "Okafor", "MD", ("north", "south")),
    ("prescriber2", Role.PRESCRIBER, "Daniel", "Reyes", "PMHNP", ("south",)),
    ("nurse", Role.NURSE, "Grace", "Lindqvist", "RN", ("north",)),
    ("nurse2", Role.NURSE, "Tomas", "Ferreira", "RN", ("north",)),
    ("nurse3", Role.NURSE, "Aisha", "Bello", "RN", ("south",)),
    ("nurse4", Role.NURSE, "Owen", "Price", "RN", ("south",)),
    ("frontdesk", Role.FRONT_DESK, "Lucy", "Chen", "", ("north",)),
    ("frontdesk2", Role.FRONT_DESK, "Marco", "Santos", "", ("south",)),
    ("compliance", Role.COMPLIANCE, "Helen", "Park", "", ("north", "south")),
    ("auditor", Role.AUDITOR, "Victor", "Adeyemi", "", ("north", "south")),
    ("admin", Role.ADMIN, "Ines", "Novak", "", ("north", "south")),
    ("southnurse", Role.NURSE, "Ben", "Walsh", "RN", ("south",)),
)


PARTS = ("ledger", "sessions", "portal", "outcomes")


@dataclass(frozen=True)
class PartReport:
    name: str
    loaded: bool
    seconds: float
    summary: str


@dataclass
class LoadReport:
    loaded: bool
    seconds: float
    patients: int
    staff: tuple[tuple[str, str, str], ...]  # username, role, sites
    patients_seconds: float = 0.0
    parts: tuple[PartReport, ...] = ()


def load(
    today: date | None = None,
    patients_count: int = PATIENTS,
    *,
    parts: tuple[str, ...] = PARTS,
) -> LoadReport:
    """Load (or finish loading) the demo; `parts` names the parts to run after the patients
    (all of them by default; a test of one part may load the patients alone with ())."""
    started = time.perf_counter()
    staff_rows = tuple((u, r.label, ", ".join(s)) for u, r, _, _, _, s in STAFF)
    today = today or timezone.localdate()
    with transaction.atomic():
        sites, users = _organisation()
    existing = set(Patient.objects.filter(clinic__name=CLINIC_NAME).values_list("mrn", flat=True))
    added = 0
    for number in range(1, patients_count + 1):
        if person_mrn(number) in existing:
            continue
        site = sites["north"] if number % 2 else sites["south"]
        with transaction.atomic():
            _patient(random.Random(SEED * 100_000 + number), number, site, users, today)
        added += 1
    patients_seconds = time.perf_counter() - started
    done = tuple(_part(name, today, sites, users) for name in PARTS if name in parts)
    return LoadReport(
        added > 0 or any(part.loaded for part in done),
        time.perf_counter() - started,
        added,
        staff_rows,
        patients_seconds,
        done,
    )


def _part(name: str, today: date, sites: dict[str, Site], users: dict[str, User]) -> PartReport:
    """Run one part after the patients. Each manages its own transactions, except the
    portal's, which is small enough for one."""
    started = time.perf_counter()
    if name == "ledger":
        ledger = load_ledger(today, sites, users)
        loaded, summary = bool(ledger.sites), f"{ledger.entries} entries, {ledger.counts} counts"
    elif name == "sessions":
        chairs = load_sessions(today, sites, users)
        loaded = chairs.sessions > 0 or chairs.rems_forms > 0
        summary = f"{chairs.sessions} today, {chairs.rems_forms} past REMS forms"
    elif name == "portal":
        with transaction.atomic():
            sent = load_portal(today, sites, users)
        loaded, summary = sent > 0, f"{sent} links sent"
    else:
        outcomes = load_outcomes(today, sites, users)
        loaded = outcomes.qids_recorded > 0 or outcomes.followup_tasks > 0
        summary = f"{outcomes.qids_recorded} QIDS-SR16, {outcomes.followup_tasks} follow-up tasks"
    return PartReport(name, loaded, time.perf_counter() - started, summary)


def _organisation() -> tuple[dict[str, Site], dict[str, User]]:
    users: dict[str, User] = {}
    clinic = Clinic.objects.filter(name=CLINIC_NAME).first()
    if clinic is not None:
        sites = {site.code: site for site in clinic.sites.all()}
        users.update(
            (user.username, user)
            for user in User.objects.filter(username__in=[row[0] for row in STAFF])
        )
        return sites, users
    clinic = Clinic.objects.create(name=CLINIC_NAME)
    sites = {
        "north": Site.objects.create(clinic=clinic, name="North", code="north"),
        "south": Site.objects.create(clinic=clinic, name="South", code="south"),
    }
    for site in sites.values():
        for n in range(1, 5):
            Chair.objects.create(site=site, name=f"Chair {n}")
    # One hash for the shared demo password: hashing it per user costs seconds.
    hashed = make_password(PASSWORD)
    for username, role, first, last, credentials, site_codes in STAFF:
        user = User(
            username=username,
            role=role,
            first_name=first,
            last_name=last,
            credentials=credentials,
            is_staff=role == Role.ADMIN,
            is_superuser=role == Role.ADMIN,
        )
        user.password = hashed
        user.save()
        user.sites.set([sites[code] for code in site_codes])
        users[username] = user
    return sites, users


def _staff_of(site: Site, users: dict[str, User]) -> tuple[User, User, User, User]:
    """(prescriber, nurse, second nurse, front desk) working at the site."""
    if site.code == "north":
        return users["prescriber"], users["nurse"], users["nurse2"], users["frontdesk"]
    return users["prescriber2"], users["nurse3"], users["nurse4"], users["frontdesk2"]


def _patient(
    rng: random.Random, number: int, site: Site, users: dict[str, User], today: date
) -> None:
    prescriber, nurse, checker, desk = _staff_of(site, users)
    facts = person(rng, number, today)
    first_visit = today - timedelta(days=rng.randint(20, 360))
    at = datetime.combine(first_visit, datetime.min.time(), tzinfo=timezone.get_current_timezone())
    patient = patients.register_patient(
        Actor(desk),
        site,
        patients.Demographics(
            mrn=facts.mrn,
            given_name=facts.given_name,
            family_name=facts.family_name,
            date_of_birth=facts.date_of_birth,
            sex=facts.sex,
            phone=f"555-{rng.randint(1000, 9999)}",
            escort_name=f"{rng.choice(('Chris', 'Kim', 'Pat', 'Jo'))} {facts.family_name}",
            escort_phone=f"555-{rng.randint(1000, 9999)}",
        ),
    )
    clinician = Actor(nurse)
    patients.record_measurement(
        clinician, patient, facts.weight_kg, facts.height_cm, measured_at=at + timedelta(hours=9)
    )
    for substance, reaction in facts.allergies:
        patients.add_allergy(clinician, patient, substance, reaction)
    patients.add_diagnosis(Actor(prescriber), patient, *facts.diagnosis)
    for name, dose in facts.medications:
        patients.add_medication(clinician, patient, name, dose)
    chairs = tuple(site.chairs.all())
    histories.build(
        rng,
        patient,
        histories.Staff(prescriber, nurse, chairs, checker, desk),
        first_visit,
        today,
        facts.diagnosis[0],
    )
