"""Counts and discrepancies: expected vs counted per lot, a variance opens a discrepancy,
and only a compliance officer's resolution with a second signature adjusts the ledger."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from kclinic.domain.errors import ValidationError
from kclinic.web.audit.services import Actor
from kclinic.web.inventory.models import Balance, Discrepancy, LedgerEntry, StockCount
from kclinic.web.inventory.services_counts import record_count, resolve_discrepancy
from kclinic.web.inventory.services_movements import dispense_to_session
from tests.web.factories import PASSWORD
from tests.web.inventory_support import a_session, stocked_safe


@pytest.fixture
def safe(clinic):
    return stocked_safe(clinic)  # 10 vials x 500 mg


def _held(account: str) -> Decimal:
    return Balance.objects.get(account=account).mg


def test_a_count_that_matches_opens_nothing(clinic, safe):
    location, lot = safe
    count = record_count(Actor(clinic.nurse), location, {lot.public_id: "10"}, idempotency_key="c1")
    line = count.lines.get()
    assert (line.expected_mg, line.counted_mg, line.variance_mg) == (5000, 5000, 0)
    assert not Discrepancy.objects.exists()
    assert count.chain_length == 1  # the receipt


def test_a_missing_vial_opens_a_discrepancy_resolved_by_an_adjustment(clinic, safe):
    location, lot = safe
    count = record_count(Actor(clinic.nurse), location, {lot: Decimal("9")}, idempotency_key="c1")
    assert count.lines.get().variance_mg == Decimal(-500)
    issue = Discrepancy.objects.get(count=count)
    assert issue.status == "open"
    assert (
        LedgerEntry.objects.filter(kind="adjustment").count() == 0
    )  # a count alone adjusts nothing
    done = resolve_discrepancy(
        Actor(clinic.compliance),
        issue,
        "vial broken and not recorded",
        "nurse_kim",
        PASSWORD,
        idempotency_key="res-1",
    )
    assert done.status == "resolved"
    assert done.second_signer == clinic.nurse
    adjustment = LedgerEntry.objects.get(kind="adjustment")
    assert (adjustment.source, adjustment.destination) == (location.account, "adjustment")
    assert adjustment.quantity_mg == Decimal(500)
    assert adjustment.reference == str(issue.public_id)
    assert adjustment.witness == clinic.nurse
    assert _held(location.account) == Decimal(4500)
    # A retry answers with the same resolution and posts nothing more.
    again = resolve_discrepancy(
        Actor(clinic.compliance),
        issue.public_id,
        "vial broken and not recorded",
        "nurse_kim",
        PASSWORD,
        idempotency_key="res-1",
    )
    assert again.replayed is True
    assert LedgerEntry.objects.filter(kind="adjustment").count() == 1
    with pytest.raises(ValidationError) as closed:
        resolve_discrepancy(
            Actor(clinic.compliance), issue, "x", "nurse_kim", PASSWORD, idempotency_key="res-2"
        )
    assert closed.value.field == "status"


def test_found_stock_is_added_and_an_uncounted_lot_counts_as_zero(clinic, safe):
    location, lot = safe
    count = record_count(Actor(clinic.nurse), location, {lot: "10.5"}, idempotency_key="c1")
    assert count.lines.get().variance_mg == Decimal(250)
    resolve_discrepancy(
        Actor(clinic.compliance), count.discrepancy, "partial vial found", "dr_lee", PASSWORD
    )
    assert _held(location.account) == Decimal(5250)
    empty = record_count(Actor(clinic.nurse), location, {}, idempotency_key="c2")
    assert empty.lines.get().counted_mg == 0
    assert empty.discrepancy.status == "open"


@pytest.mark.parametrize(
    ("counted", "field"),
    [
        ({"LOT": "-1"}, "counted[K2026A]"),
        ({"LOT": "x"}, "counted[K2026A]"),
        ({"not-a-uuid": "1"}, "counted[not-a-uuid]"),
    ],
)
def test_bad_counts_are_refused(clinic, safe, counted, field):
    location, lot = safe
    values = {(lot if k == "LOT" else k): v for k, v in counted.items()}
    with pytest.raises(ValidationError) as caught:
        record_count(Actor(clinic.nurse), location, values, idempotency_key="c1")
    assert caught.value.field == field
    assert not StockCount.objects.exists()


def test_dea_inventories_state_opening_or_close_of_business(clinic, safe):
    location, lot = safe
    with pytest.raises(ValidationError) as caught:
        record_count(
            Actor(clinic.nurse), location, {lot: "10"}, idempotency_key="c1", purpose="biennial"
        )
    assert caught.value.field == "business_time"
    inventory = record_count(
        Actor(clinic.nurse),
        location,
        {lot: "10"},
        idempotency_key="c1",
        purpose="biennial",
        business_time="close",
    )
    assert inventory.get_business_time_display() == "Close of business"


def test_count_replay_and_permissions(clinic, safe):
    location, lot = safe
    first = record_count(Actor(clinic.nurse), location, {lot: "9"}, idempotency_key="c1")
    again = record_count(Actor(clinic.nurse), location, {lot: "9"}, idempotency_key="c1")
    assert again.pk == first.pk
    assert again.replayed
    with pytest.raises(ValidationError):
        record_count(Actor(clinic.nurse), location, {lot: "8"}, idempotency_key="c1")
    for who in ("front_desk", "auditor", "other_site_nurse"):
        with pytest.raises(PermissionDenied):
            record_count(
                Actor(getattr(clinic, who)), location, {lot: "9"}, idempotency_key=f"c-{who}"
            )
    assert StockCount.objects.count() == 1


@pytest.mark.parametrize(
    ("who", "signer", "password", "error"),
    [
        ("nurse", "dr_lee", PASSWORD, PermissionDenied),
        ("prescriber", "nurse_kim", PASSWORD, PermissionDenied),
        ("compliance", "comp_ash", PASSWORD, ValidationError),  # the same person
        ("compliance", "audit_jo", PASSWORD, ValidationError),  # not licensed
        ("compliance", "nurse_kim", "wrong", ValidationError),
    ],
)
def test_resolution_refusals_adjust_nothing(clinic, safe, who, signer, password, error):
    location, lot = safe
    count = record_count(Actor(clinic.nurse), location, {lot: "9"}, idempotency_key="c1")
    with pytest.raises(error):
        resolve_discrepancy(
            Actor(getattr(clinic, who)), count.discrepancy, "reason", signer, password
        )
    assert not LedgerEntry.objects.filter(kind="adjustment").exists()
    assert Discrepancy.objects.get().status == "open"
    assert _held(location.account) == Decimal(5000)


def test_a_blank_reason_is_refused(clinic, safe):
    location, lot = safe
    count = record_count(Actor(clinic.nurse), location, {lot: "9"}, idempotency_key="c1")
    with pytest.raises(ValidationError) as caught:
        resolve_discrepancy(
            Actor(clinic.compliance), count.discrepancy, "  ", "nurse_kim", PASSWORD
        )
    assert caught.value.field == "reason"


def test_an_explained_variance_closes_without_adjusting_only_after_a_clean_recount(clinic, safe):
    location, lot = safe
    session = a_session(clinic)
    count = record_count(Actor(clinic.nurse), location, {lot: "9"}, idempotency_key="c1")
    with pytest.raises(ValidationError) as caught:
        resolve_discrepancy(
            Actor(clinic.compliance),
            count.discrepancy,
            "late record",
            "nurse_kim",
            PASSWORD,
            adjust=False,
        )
    assert caught.value.field == "adjust"
    # The vial had been drawn for a session and recorded late; the recount matches.
    dispense_to_session(Actor(clinic.nurse), session, lot, "500", idempotency_key="d-late")
    record_count(Actor(clinic.nurse), location, {lot: "9"}, idempotency_key="c2")
    done = resolve_discrepancy(
        Actor(clinic.compliance),
        count.discrepancy,
        "late record",
        "nurse_kim",
        PASSWORD,
        adjust=False,
    )
    assert done.status == "resolved"
    assert not LedgerEntry.objects.filter(kind="adjustment").exists()
    assert _held(location.account) == Decimal(4500)
