"""The demo's year of controlled-substance ledger history (issue 5): a sound hash chain, no
balance ever below zero, every session that drew drug reconciled, witnessed wastes, exactly
one count discrepancy (resolved), a destruction, expiry warnings, and loaded only once."""

from __future__ import annotations

from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import F
from django.utils import timezone

from kclinic.domain.ledger import Ledger, session_reconciliation
from kclinic.domain.ledger_forms import form41_record
from kclinic.web.accounts.models import Role, Site, User
from kclinic.web.audit.models import AuditEvent
from kclinic.web.courses.models import PlannedSession
from kclinic.web.demo.ledger import load_ledger
from kclinic.web.demo.loader import STAFF, load
from kclinic.web.infusions.models import DoseOrder
from kclinic.web.inventory.models import Balance, Discrepancy, LedgerEntry, StockCount
from kclinic.web.inventory.selectors import verify_ledger
from kclinic.web.inventory.services import entry_from_content
from kclinic.web.inventory.services_support import domain_lot
from kclinic.web.patients.models import BodyMeasurement


def _demo() -> tuple:
    today = timezone.localdate()
    load(today=today, patients_count=6, parts=())  # the patients only
    sites = {site.code: site for site in Site.objects.filter(code__in=("north", "south"))}
    users = {u.username: u for u in User.objects.filter(username__in=[s[0] for s in STAFF])}
    return today, sites, users


def _replayed() -> Ledger:
    """Every stored entry, in the order posted, applied again by the pure core: `apply`
    refuses any entry that takes a location or session below zero (or breaks another rule)."""
    ledger = Ledger()
    for row in LedgerEntry.objects.select_related("lot__product").order_by("id"):
        entry = entry_from_content(row.content, domain_lot(row.lot))
        ledger = ledger.apply(entry, entry.at)
    return ledger


def test_a_year_of_ledger_history_loaded_once(db):
    # One load for every check: a year of daily counts makes each load take seconds.
    today, sites, users = _demo()
    report = load_ledger(today, sites, users)
    _chain_verifies_and_no_balance_was_ever_negative(report)
    _every_completed_session_drew_its_dose_and_is_reconciled()
    _wastes_are_witnessed_by_a_second_nurse()
    _one_discrepancy_resolved_with_a_reason_and_a_second_signature()
    _expired_stock_was_destroyed_and_the_safe_shows_expiry_warnings(today)
    _the_safe_of_each_site_is_counted_every_weekday(today)
    _a_second_call_changes_nothing(today, sites, users)


def _chain_verifies_and_no_balance_was_ever_negative(report) -> None:
    assert report.entries > 50
    sites, broken = verify_ledger()
    assert broken is None
    assert {s.site for s in sites} == {"north", "south"}
    ledger = _replayed()  # raises if any entry ever overdrew an account
    assert len(ledger.entries) == LedgerEntry.objects.count()
    assert not Balance.objects.filter(mg__lt=0).exists()
    assert not Balance.objects.filter(units__lt=0).exists()


def _every_completed_session_drew_its_dose_and_is_reconciled() -> None:
    ledger = _replayed()
    weight = {m.patient_id: m.weight_kg for m in BodyMeasurement.objects.order_by("measured_at")}
    ordered = {  # sessions run at the chair have a dose order
        o.session.planned_id: o
        for o in DoseOrder.objects.filter(superseded_by=None).select_related("session")
    }
    sessions = PlannedSession.objects.filter(status="completed").select_related("course")
    assert sessions.exists()
    for planned in sessions:
        rec = session_reconciliation(ledger, str(planned.public_id))
        assert rec.dispensed_mg > 0, planned.public_id
        assert rec.shortfall_mg == 0, planned.public_id
        order = ordered.get(planned.pk)
        if order is not None:
            # The ordered dose (0.01 mg less for the rounding case documented in ledger.py).
            assert Decimal(0) <= order.dose_mg - rec.administered_mg <= Decimal("0.01")
            dispenses = LedgerEntry.objects.filter(
                kind="dispense", destination=f"session:{planned.public_id}"
            )
            assert {row.reference for row in dispenses} == {str(order.public_id)}
        elif planned.course.modality == "esketamine":
            assert rec.administered_mg in (Decimal(56), Decimal(84))
        else:
            # 0.5 mg/kg of the patient's weight, to the whole mg (half up), by hand here.
            dose = (weight[planned.course.patient_id] / 2).quantize(
                Decimal(1), rounding=ROUND_HALF_UP
            )
            assert rec.administered_mg == dose
            assert rec.wasted_mg == rec.dispensed_mg - dose


def _wastes_are_witnessed_by_a_second_nurse() -> None:
    wastes = LedgerEntry.objects.filter(kind="waste").select_related("actor", "witness")
    assert wastes.exists()
    for row in wastes:
        assert row.witness is not None
        assert row.witness_id != row.actor_id
        assert row.witness.role == Role.NURSE


def _one_discrepancy_resolved_with_a_reason_and_a_second_signature() -> None:
    discrepancy = Discrepancy.objects.get()
    assert discrepancy.status == Discrepancy.Status.RESOLVED
    assert discrepancy.resolved_by.role == Role.COMPLIANCE
    assert discrepancy.second_signer is not None
    assert discrepancy.second_signer != discrepancy.resolved_by
    assert discrepancy.reason.strip()
    adjustment = LedgerEntry.objects.get(kind="adjustment")
    assert adjustment.reference == str(discrepancy.public_id)
    line = discrepancy.count.lines.exclude(counted_mg=F("expected_mg")).get()
    assert adjustment.quantity_mg == line.expected_mg - line.counted_mg > 0


def _expired_stock_was_destroyed_and_the_safe_shows_expiry_warnings(today) -> None:
    row = LedgerEntry.objects.select_related("lot__product").get(kind="destruction")
    record = form41_record(entry_from_content(row.content, domain_lot(row.lot)))
    assert record.total_destroyed_mg == row.quantity_mg > 0
    assert row.lot.expiry_date < row.at.date()
    held = Balance.objects.filter(account__startswith="loc:", mg__gt=0).select_related("lot")
    assert any(b.lot.expiry_date < today for b in held)  # expired, awaiting destruction
    assert any(today <= b.lot.expiry_date <= today + timedelta(days=60) for b in held)


def _the_safe_of_each_site_is_counted_every_weekday(today) -> None:
    for code in ("north", "south"):
        days = set(StockCount.objects.filter(site__code=code).values_list("counted_at", flat=True))
        counted = {timezone.localdate(at) for at in days}
        for back in range(1, 365):
            day = today - timedelta(days=back)
            assert (day in counted) == (day.weekday() < 5), (code, day)


def _a_second_call_changes_nothing(today, sites, users) -> None:
    before = (
        LedgerEntry.objects.count(),
        StockCount.objects.count(),
        Discrepancy.objects.count(),
        AuditEvent.objects.count(),
    )
    again = load_ledger(today, sites, users)
    assert again.entries == 0
    assert again.sites == ()
    after = (
        LedgerEntry.objects.count(),
        StockCount.objects.count(),
        Discrepancy.objects.count(),
        AuditEvent.objects.count(),
    )
    assert after == before
