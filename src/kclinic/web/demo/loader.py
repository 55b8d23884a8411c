"""Load the demo clinic: two sites, one login per role, 160 synthetic patients with histories.

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

from django.db import transaction
from django.utils import timezone

from kclinic.web.accounts.models import Chair, Clinic, Role, Site, User
from kclinic.web.audit.services import Actor
from kclinic.web.demo import histories
from kclinic.web.demo.people import person, person_mrn
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


@dataclass
class LoadReport:
    loaded: bool
    seconds: float
    patients: int
    staff: tuple[tuple[str, str, str], ...]  # username, role, sites


def load(today: date | None = None, patients_count: int = PATIENTS) -> LoadReport:
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
    return LoadReport(added > 0, time.perf_counter() - started, added, staff_rows)


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
        user.set_password(PASSWORD)
        user.save()
        user.sites.set([sites[code] for code in site_codes])
        users[username] = user
    return sites, users


def _staff_of(site: Site, users: dict[str, User]) -> tuple[User, User, User]:
    """(prescriber, nurse, front desk) working at the site."""
    if site.code == "north":
        return users["prescriber"], users["nurse"], users["frontdesk"]
    return users["prescriber2"], users["nurse3"], users["frontdesk2"]


def _patient(
    rng: random.Random, number: int, site: Site, users: dict[str, User], today: date
) -> None:
    prescriber, nurse, desk = _staff_of(site, users)
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
        histories.Staff(prescriber, nurse, chairs),
        first_visit,
        today,
        facts.diagnosis[0],
    )
