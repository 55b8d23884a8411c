"""Builders for the inventory tests: a ketamine lot, a safe, and domain entries for users."""

from __future__ import annotations

import json
import threading
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from kclinic.domain import ledger_model as dm
from kclinic.domain.errors import ValidationError
from kclinic.web.accounts.models import Site, User
from kclinic.web.inventory.services import add_location, person_for, post_entry

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
# 50 mg/mL x 10 mL = 500 mg per vial (hand arithmetic).
VIAL = dm.ketamine_vial("0409-2051", Decimal(50), Decimal(10))
LOT = dm.Lot(VIAL, "K2026A", date(2027, 6, 30))
EXPIRED = dm.Lot(VIAL, "K2025X", date(2026, 11, 19))


def safe(user: User, site: Site) -> str:
    return add_location(user, site, "safe").account


def entry(
    user: User,
    key: str,
    kind: dm.EntryKind,
    source: str,
    destination: str,
    mg: str,
    units: str,
    *,
    lot: dm.Lot = LOT,
    site: Site,
    witness: User | None = None,
    **extra: object,
) -> dm.Entry:
    return dm.Entry(
        idempotency_key=key,
        kind=kind,
        at=NOW - timedelta(minutes=5),
        site_id=site.code,
        lot=lot,
        source=source,
        destination=destination,
        quantity_mg=Decimal(mg),
        quantity_units=Decimal(units),
        actor=person_for(user),
        witness=person_for(witness) if witness else None,
        **extra,  # type: ignore[arg-type]
    )


def receive(user: User, site: Site, account: str, mg: str, units: str, key: str = "r1"):
    return post_entry(
        user,
        entry(
            user,
            key,
            dm.EntryKind.RECEIPT,
            "supplier:acme",
            account,
            mg,
            units,
            site=site,
            counterparty="acme",
            reference="INV-1",
        ),
        NOW,
    )


def race(nurses: list[User], site: Site, account: str, attempts: int) -> dict[str, int]:
    """Each nurse, in its own thread and DB connection, tries `attempts` 50 mg dispenses
    from LOT at once; returns how many were posted, refused or failed otherwise."""
    from django.db import connection

    barrier = threading.Barrier(len(nurses))
    counts = {"posted": 0, "refused": 0, "errors": 0}
    lock = threading.Lock()

    def work(index: int, nurse: User) -> None:
        try:
            barrier.wait()
            for n in range(attempts):
                dispense = entry(
                    nurse,
                    f"race-{index}-{n}",
                    dm.EntryKind.DISPENSE,
                    account,
                    f"session:s{index}",
                    "50",
                    "0.1",
                    site=site,
                    reference=f"order-{index}-{n}",
                )
                try:
                    post_entry(nurse, dispense, NOW)
                    outcome = "posted"
                except ValidationError:
                    outcome = "refused"
                except Exception:  # counted as an error; the test asserts there are none
                    outcome = "errors"
                with lock:
                    counts[outcome] += 1
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i, n)) for i, n in enumerate(nurses)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return counts


def race_setup_and_run(workers: int = 16, attempts: int = 3) -> str:
    """Everything the concurrency test needs, for a fresh database; returns JSON results."""
    from kclinic.web.inventory.models import Balance, LedgerEntry
    from kclinic.web.inventory.selectors import verify_ledger
    from tests.web.factories import SiteFactory, UserFactory

    site = SiteFactory(code="race")
    nurses = [UserFactory(role="nurse", sites=[site]) for _ in range(workers)]
    account = safe(nurses[0], site)
    receive(nurses[0], site, account, "500", "1")
    counts = race(nurses, site, account, attempts)
    balance = Balance.objects.get(account=account)
    _, broken = verify_ledger()
    return json.dumps(
        {
            **counts,
            "balance_mg": str(balance.mg),
            "balance_units": str(balance.units),
            "dispense_rows": LedgerEntry.objects.filter(kind="dispense").count(),
            "session_mg": str(
                sum(b.mg for b in Balance.objects.filter(account__startswith="session:"))
            ),
            "verify_ok": broken is None,
        }
    )


# --- Builders for the movement and count services -------------------------------------


def a_session(clinic, *, order_mg: str = "40", patient=None, sequence: int = 1):
    """A chair-side session (session `sequence` of the patient's course of today, created on
    first use) with one dose order."""
    from django.utils import timezone

    from kclinic.web.courses.models import TreatmentCourse
    from kclinic.web.infusions.models import DoseOrder
    from kclinic.web.infusions.services_lifecycle import session_for
    from tests.web.courses_factories import a_course, a_plan

    patient = patient or clinic.patient
    course = TreatmentCourse.objects.filter(patient=patient).order_by("-pk").first()
    if course is None:
        course = a_course(
            clinic,
            patient=patient,
            template_id="iv-3-a-week-2-weeks",
            modality="iv-racemic",
            started_on=timezone.localdate(),
        )
        a_plan(clinic, course, weekdays=range(7))
        course.refresh_from_db()
    session = session_for(course.sessions.get(sequence=sequence))
    if not session.orders.exists():
        DoseOrder.objects.create(
            session=session,
            ordered_at=timezone.now(),
            ordered_by=clinic.prescriber,
            weight_kg=Decimal(80),
            dose_mg=Decimal(order_mg),
        )
    return session


def stocked_safe(clinic, *, vials: str = "10", key: str = "receipt-1", lot: dm.Lot = LOT):
    """Site A's safe holding `vials` x 500 mg of `lot`, received through the service."""
    from kclinic.web.audit.services import Actor
    from kclinic.web.inventory.models import Lot as LotRow
    from kclinic.web.inventory.services import add_location
    from kclinic.web.inventory.services_movements import receive

    location = add_location(clinic.nurse, clinic.site_a, "safe")
    receive(
        Actor(clinic.nurse),
        location,
        lot.product,
        lot.lot_number,
        lot.expiry_date,
        vials,
        "Acme Pharma",
        "INV-100",
        idempotency_key=key,
    )
    return location, LotRow.objects.get(lot_number=lot.lot_number)
