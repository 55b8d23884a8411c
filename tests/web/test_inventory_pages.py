"""The ledger pages: what each shows and what a form post writes (or, refused, does not)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from kclinic.web.audit.models import AuditEvent
from kclinic.web.audit.services import Actor
from kclinic.web.inventory.models import Balance, Discrepancy, LedgerEntry, StockCount
from kclinic.web.inventory.services_movements import (
    administer,
    dispense_to_session,
    receive,
)
from tests.web.factories import PASSWORD
from tests.web.inventory_support import VIAL, a_session, stocked_safe


@pytest.fixture
def safe(clinic):
    return stocked_safe(clinic)  # 10 vials x 500 mg of lot K2026A


def _held(account: str) -> Decimal:
    row = Balance.objects.filter(account=account).first()
    return row.mg if row else Decimal(0)


def test_safe_view_flags_expired_lots_red_and_near_expiry_amber(clinic, login, safe):
    location, _ = safe
    today = timezone.localdate()
    nurse = Actor(clinic.nurse)
    long_ago = timezone.now() - timedelta(days=30)
    receive(
        nurse,
        location,
        VIAL,
        "K-OLD",
        today - timedelta(days=1),
        "1",
        "Acme",
        "I-1",
        idempotency_key="old",
        at=long_ago,
    )
    receive(
        nurse,
        location,
        VIAL,
        "K-SOON",
        today + timedelta(days=89),
        "1",
        "Acme",
        "I-2",
        idempotency_key="soon",
    )
    receive(
        nurse,
        location,
        VIAL,
        "K-FAR",
        today + timedelta(days=90),
        "1",
        "Acme",
        "I-3",
        idempotency_key="far",
    )
    page = login(clinic.nurse).get(reverse("inventory:safe")).content.decode()
    rows = {lot: page.split(lot, 1)[1].split("</tr>", 1)[0] for lot in ("K-OLD", "K-SOON", "K-FAR")}
    assert 'class="expiry expired"' in rows["K-OLD"]
    assert 'class="expiry soon"' in rows["K-SOON"]
    assert 'class="expiry ok"' in rows["K-FAR"]
    assert "5000" in page  # K2026A: 10 vials x 500 mg


def test_the_safe_is_not_for_front_desk(clinic, login, safe):
    assert login(clinic.front_desk).get(reverse("inventory:safe")).status_code == 403


def test_receive_page_records_once_and_shows_refusals_on_the_field(clinic, login, safe):
    location, _ = safe
    client = login(clinic.nurse)
    form = {
        "idempotency_key": "page-r1",
        "location": str(location.public_id),
        "product": "new-vial",
        "ndc": "0409-2053",
        "concentration_mg_per_ml": "100",
        "volume_ml": "5",
        "lot_number": "NEW1",
        "expiry_date": "2030-01-31",
        "units": "-2",
        "supplier": "Acme",
        "invoice": "INV-7",
    }
    refused = client.post(reverse("inventory:receive"), form)
    assert refused.status_code == 200
    assert "units" in refused.content.decode()
    assert "greater than 0" in refused.content.decode()
    assert not LedgerEntry.objects.filter(idempotency_key="page-r1").exists()
    form["units"] = "4"
    assert client.post(reverse("inventory:receive"), form).status_code == 302
    assert client.post(reverse("inventory:receive"), form).status_code == 302  # double submit
    row = LedgerEntry.objects.get(idempotency_key="page-r1")
    assert row.quantity_mg == Decimal(2000)  # 4 vials x 100 mg/mL x 5 mL
    assert LedgerEntry.objects.filter(kind="receipt").count() == 2


def test_transfer_page(clinic, login, safe):
    location, lot = safe
    from kclinic.web.inventory.services import add_location

    second = add_location(clinic.nurse, clinic.site_a, "crash-cart")
    response = login(clinic.nurse).post(
        reverse("inventory:transfer"),
        {
            "idempotency_key": "t-page",
            "source": str(location.public_id),
            "destination": str(second.public_id),
            "lot": str(lot.public_id),
            "units": "1",
        },
    )
    assert response.status_code == 302
    assert _held(second.account) == Decimal(500)


def _drug_url(session) -> str:
    return reverse(
        "inventory:session_drug",
        kwargs={"patient_id": session.patient.public_id, "session_id": session.public_id},
    )


def test_session_drug_panel_dispense_administer_and_witnessed_waste(clinic, login, safe):
    _, lot = safe
    session = a_session(clinic)
    client = login(clinic.nurse)
    page = client.get(_drug_url(session))
    assert page.status_code == 200
    assert "Hart" in page.content.decode() or "HART" in page.content.decode()  # the banner
    assert AuditEvent.objects.filter(
        action="view", patient_public_id=session.patient.public_id, object_id="session_drug"
    ).exists()

    def post(kind: str, mg: str, key: str, **extra: str):
        data = {
            f"{kind}-idempotency_key": key,
            f"{kind}-lot": str(lot.public_id),
            f"{kind}-quantity_mg": mg,
            "kind": kind,
        }
        data.update({f"{kind}-{k}": v for k, v in extra.items()})
        return client.post(_drug_url(session), data)

    assert post("dispense", "500", "p-d1").status_code == 302
    assert post("administer", "40", "p-a1").status_code == 302
    same = post("waste", "460", "p-w1", witness_username="nurse_kim", witness_password=PASSWORD)
    assert same.status_code == 200
    assert "a person other than nurse_kim" in same.content.decode()
    assert not LedgerEntry.objects.filter(kind="waste").exists()
    too_much = post("waste", "461", "p-w2", witness_username="dr_lee", witness_password=PASSWORD)
    assert "at most 460" in too_much.content.decode()
    assert (
        post(
            "waste", "460", "p-w3", witness_username="dr_lee", witness_password=PASSWORD
        ).status_code
        == 302
    )
    body = client.get(_drug_url(session)).content.decode()
    assert "Reconciled." in body
    assert LedgerEntry.objects.get(kind="waste").witness == clinic.prescriber


def test_an_ended_session_with_drug_unaccounted_for_is_flagged(clinic, login, safe):
    _, lot = safe
    session = a_session(clinic)
    dispense_to_session(Actor(clinic.nurse), session, lot, "500", idempotency_key="d1")
    administer(Actor(clinic.nurse), session, lot, "40", idempotency_key="a1")
    open_page = login(clinic.nurse).get(_drug_url(session)).content.decode()
    assert "In progress: 460 mg still held" in open_page
    type(session).objects.filter(pk=session.pk).update(state="discharged")
    closed = login(clinic.nurse).get(_drug_url(session)).content.decode()
    assert "Unreconciled: 460 mg" in closed


def test_session_drug_panel_permissions(clinic, login, safe):
    session = a_session(clinic)
    url = _drug_url(session)
    assert login(clinic.front_desk).get(url).status_code == 403
    assert login(clinic.other_site_nurse).get(url).status_code == 404
    assert login(clinic.compliance).get(url).status_code == 200
    posted = login(clinic.compliance).post(url, {"kind": "dispense"})
    assert posted.status_code == 403


def test_count_page_is_blind_then_shows_the_variance_and_opens_a_discrepancy(clinic, login, safe):
    location, lot = safe
    client = login(clinic.nurse)
    form_page = client.get(reverse("inventory:count", args=[location.public_id])).content.decode()
    assert "5000" not in form_page  # the expected quantity is not shown before counting
    response = client.post(
        reverse("inventory:count", args=[location.public_id]),
        {
            "idempotency_key": "cnt-1",
            "purpose": "shift",
            "business_time": "",
            f"lot_{lot.public_id}": "9.5",
        },
    )
    count = StockCount.objects.get()
    assert response.url == reverse("inventory:count_detail", args=[count.public_id])
    detail = client.get(response.url).content.decode()
    assert "-250" in detail  # 9.5 vials counted, 10 expected: 250 mg missing
    issue = Discrepancy.objects.get()
    queue = login(clinic.compliance).get(reverse("inventory:discrepancies")).content.decode()
    assert str(issue.public_id) in queue
    url = reverse("inventory:discrepancy", args=[issue.public_id])
    assert login(clinic.nurse).post(url, {"reason": "x"}).status_code == 403
    wrong = login(clinic.compliance).post(
        url,
        {
            "idempotency_key": "res",
            "reason": "spilled while drawing up, not recorded",
            "adjust": "on",
            "second_signer_username": "nurse_kim",
            "second_signer_password": "no",
        },
    )
    assert wrong.status_code == 200
    assert "second_signer_password" in wrong.content.decode()
    done = login(clinic.compliance).post(
        url,
        {
            "idempotency_key": "res",
            "reason": "spilled while drawing up, not recorded",
            "adjust": "on",
            "second_signer_username": "nurse_kim",
            "second_signer_password": PASSWORD,
        },
    )
    assert done.status_code == 302
    assert _held(location.account) == Decimal(4750)
    assert "Adjustment #" in login(clinic.compliance).get(url).content.decode()


def test_destruction_and_loss_pages(clinic, login, safe):
    location, lot = safe
    client = login(clinic.compliance)
    assert login(clinic.nurse).get(reverse("inventory:destroy")).status_code == 403
    response = client.post(
        reverse("inventory:destroy"),
        {
            "idempotency_key": "des-1",
            "location": str(location.public_id),
            "lot": str(lot.public_id),
            "units": "1",
            "method": "chemical digestion kit",
            "reverse_distributor": "",
            "form_number": "",
            "witness_username": "dr_lee",
            "witness_password": PASSWORD,
        },
    )
    assert response.status_code == 302
    response = client.post(
        reverse("inventory:loss"),
        {
            "idempotency_key": "loss-1",
            "location": str(location.public_id),
            "lot": str(lot.public_id),
            "units": "1",
            "circumstances": "vial missing from safe",
            "discovered_at": "2026-01-02T09:30",
            "form_number": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert _held(location.account) == Decimal(4000)


def test_entry_page_shows_the_hashes_and_the_verify_page_finds_tampering(clinic, login, safe):
    receipt = LedgerEntry.objects.get(kind="receipt")
    page = login(clinic.nurse).get(reverse("inventory:entry", args=[receipt.public_id]))
    assert receipt.hash in page.content.decode()
    assert "0" * 64 in page.content.decode()  # the first entry follows the genesis hash
    verify = login(clinic.compliance).get(reverse("inventory:verify")).content.decode()
    assert "Every chain verifies" in verify
    if connection.vendor == "sqlite":  # PostgreSQL's trigger refuses the update itself
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE inventory_ledgerentry SET quantity_mg = 1 WHERE id = %s", [receipt.pk]
            )
        broken = login(clinic.compliance).get(reverse("inventory:verify")).content.decode()
        assert "Chain broken" in broken
        assert "entry #0" in broken
    assert login(clinic.nurse).get(reverse("inventory:verify")).status_code == 403


def test_reverse_page_posts_the_mirror(clinic, login, safe):
    location, _lot = safe
    receipt = LedgerEntry.objects.get(kind="receipt")
    url = reverse("inventory:reverse", args=[receipt.public_id])
    blank = login(clinic.nurse).post(url, {"idempotency_key": "rv", "reason": ""})
    assert blank.status_code == 200
    assert "reason" in blank.content.decode()
    done = login(clinic.nurse).post(url, {"idempotency_key": "rv", "reason": "wrong invoice"})
    assert done.status_code == 302
    assert _held(location.account) == 0


def test_other_sites_objects_do_not_exist_for_a_user(clinic, login, safe):
    location, _ = safe
    receipt = LedgerEntry.objects.get(kind="receipt")
    south = login(clinic.other_site_nurse)
    assert south.get(reverse("inventory:entry", args=[receipt.public_id])).status_code == 404
    assert south.get(reverse("inventory:count", args=[location.public_id])).status_code == 404
    assert "K2026A" not in south.get(reverse("inventory:safe")).content.decode()
