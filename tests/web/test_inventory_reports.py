"""Reports: the numbers in each (worked by hand from the movements below), the DEA fields,
and the CSV and PDF files carrying the same content."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from kclinic.web.audit.models import AuditEvent
from kclinic.web.audit.services import Actor
from kclinic.web.inventory.models import Registrant
from kclinic.web.inventory.services_counts import record_count
from kclinic.web.inventory.services_movements import (
    administer,
    destroy,
    dispense_to_session,
    report_loss,
    waste,
)
from tests.web.factories import PASSWORD
from tests.web.inventory_support import a_session, stocked_safe

# A Friday: the written notice of a loss discovered then is due on Monday 2026-11-16.
FRIDAY = datetime(2026, 11, 13, 16, 30, tzinfo=timezone.get_fixed_timezone(0))


@pytest.fixture
def history(clinic):
    """Receipt 5000 mg; dispense 500 (40 given, 460 wasted); 1.5 vials destroyed (750 mg);
    0.5 vial lost (250 mg). On hand in the safe: 5000 - 500 - 750 - 250 = 3500 mg."""
    location, lot = stocked_safe(clinic)
    Registrant.objects.create(
        site=clinic.site_a,
        name="North Ketamine Clinic LLC",
        dea_number="FN1234563",
        address="1 Main St, Springfield",
    )
    nurse, officer = Actor(clinic.nurse), Actor(clinic.compliance)
    session = a_session(clinic)
    dispense_to_session(nurse, session, lot, "500", idempotency_key="d1")
    administer(nurse, session, lot, "40", idempotency_key="a1")
    waste(nurse, "dr_lee", PASSWORD, session, lot, "460", idempotency_key="w1")
    destroy(
        officer,
        "nurse_kim",
        PASSWORD,
        location,
        lot,
        "1.5",
        "expired stock, chemical digestion",
        reverse_distributor="Return Logistics",
        form_number="F41-7",
        idempotency_key="x1",
    )
    report_loss(
        officer, location, lot, "0.5", "vial dropped in transit", FRIDAY, idempotency_key="l1"
    )
    count = record_count(
        nurse, location, {lot: "7"}, idempotency_key="bi", purpose="biennial", business_time="close"
    )
    return location, lot, count


def _csv(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_perpetual_inventory_runs_the_on_hand_total(clinic, login, history):
    _, lot, _ = history
    url = reverse("inventory:perpetual", args=[lot.public_id])
    rows = _csv(login(clinic.compliance).get(url + "?format=csv"))
    header = rows.index(["Date and time", "Entry", "Kind", "Change mg", "On hand mg"])
    body = [r for r in rows[header + 1 :] if len(r) == 5]
    assert [(r[2], r[3], r[4]) for r in body] == [
        ("receipt", "5000", "5000"),
        ("dispense", "-500", "4500"),
        ("administration", "0", "4500"),
        ("waste", "0", "4500"),
        ("destruction", "-750", "3750"),
        ("loss", "-250", "3500"),
    ]
    pdf = login(clinic.compliance).get(url + "?format=pdf")
    assert pdf.content.startswith(b"%PDF")
    assert b"K2026A" in pdf.content
    assert b"3500" in pdf.content
    assert (
        AuditEvent.objects.filter(action="inventory_report_export", username="comp_ash").count()
        == 2
    )


def test_biennial_inventory_has_the_fields_the_dea_asks_for(clinic, login, history):
    _, _, count = history
    rows = _csv(
        login(clinic.compliance).get(
            reverse("inventory:inventory", args=[count.public_id]) + "?format=csv"
        )
    )
    facts = {r[0]: r[1] for r in rows if len(r) == 2}
    assert facts["Inventory"] == "Biennial inventory"
    assert facts["Date"] == timezone.localtime(count.counted_at).date().isoformat()
    assert facts["Time"].endswith("(Close of business)")
    assert facts["Registrant"] == "North Ketamine Clinic LLC"
    assert facts["DEA registration"] == "FN1234563"
    assert facts["Taken by"] == clinic.nurse.signature_name
    item = next(r for r in rows if r and r[0].startswith("ketamine HCl"))
    assert item[1:4] == ["0409-2051", "50 mg/mL, 10 mL vial", "Vial"]
    assert item[-2:] == ["7", "3500"]  # 7 vials counted x 500 mg


def test_form_41_and_106_data(clinic, login, history):
    client = login(clinic.compliance)
    rows41 = _csv(client.get(reverse("inventory:form41") + "?format=csv"))
    header = rows41.index(next(r for r in rows41 if r and r[0] == "NDC"))
    line = dict(zip(rows41[header], rows41[header + 1], strict=True))
    assert (line["Full packages"], line["Partial package mg"], line["Total destroyed mg"]) == (
        "1",
        "250",
        "750",
    )
    assert line["Method"] == "expired stock, chemical digestion"
    assert line["Place"] == "Return Logistics"
    assert line["Witness 1"] == clinic.compliance.signature_name
    assert line["Witness 2"] == clinic.nurse.signature_name
    rows106 = _csv(client.get(reverse("inventory:form106") + "?format=csv"))
    header = rows106.index(next(r for r in rows106 if r and r[0] == "NDC"))
    line = dict(zip(rows106[header], rows106[header + 1], strict=True))
    assert line["Notice due"] == "2026-11-16"
    assert line["Quantity mg"] == "250"
    assert line["Circumstances"] == "vial dropped in transit"
    pdf = client.get(reverse("inventory:form106") + "?format=pdf")
    assert b"2026-11-16" in pdf.content
    # The period is of the entries' dates (recorded today): tomorrow onwards holds none.
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    outside = _csv(client.get(reverse("inventory:form106") + f"?start={tomorrow}&format=csv"))
    assert not any(r and r[0] == "0409-2051" for r in outside)


def test_patient_dispensing_log(clinic, login, history):
    url = reverse("inventory:patient_log", args=[clinic.patient.public_id])
    page = login(clinic.nurse).get(url).content.decode()
    assert "Dispensing log" in page
    assert login(clinic.nurse).get(url + "?format=csv").status_code == 403
    rows = _csv(login(clinic.compliance).get(url + "?format=csv"))
    kinds = [r[2] for r in rows if len(r) == 10 and r[0] != "Date and time"]
    assert kinds == ["dispense", "administration", "waste"]
    waste_row = next(r for r in rows if len(r) == 10 and r[2] == "waste")
    assert waste_row[5] == "460"
    assert waste_row[8] == clinic.prescriber.signature_name
    assert AuditEvent.objects.filter(
        action="export", patient_public_id=clinic.patient.public_id
    ).exists()


def test_ledger_export_carries_every_hash(clinic, login, history):
    from kclinic.web.inventory.models import LedgerEntry

    rows = _csv(login(clinic.compliance).get(reverse("inventory:ledger") + "?format=csv"))
    hashes = {r[-2] for r in rows if len(r) == 16}
    assert set(LedgerEntry.objects.values_list("hash", flat=True)) <= hashes
    assert login(clinic.nurse).get(reverse("inventory:ledger")).status_code == 403


def test_reports_without_a_registrant_say_so(clinic, login):
    location, lot = stocked_safe(clinic)
    page = login(clinic.compliance).get(reverse("inventory:perpetual", args=[lot.public_id]))
    assert "not recorded" in page.content.decode()
    assert location.account == "loc:north/safe"
