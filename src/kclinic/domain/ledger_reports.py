"""Controlled-substance reports as plain tables: what an inspector reads, whatever the format.

Each builder takes values (ledger lines, DEA form records, counted items) and returns a
`Table`: a title, header facts, column names and rows of text. The web layer writes the same
table as a page, a CSV file or a PDF, so the three never disagree. Quantities are shown in
mg and in units with the numbers' own spelling (no rounding here: the ledger's quantities are
already exact to 0.0001).

Also here: the expiry warning of a lot and the reconciliation status of a session's draw.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Final, Literal

from kclinic.domain.ledger import InventoryLine, SessionReconciliation
from kclinic.domain.ledger_forms import DEA_FORM_41, Form41Record, Form106Record
from kclinic.domain.ledger_model import DEA_THEFT_LOSS_NOTICE
from kclinic.domain.sources import KCLINIC_POLICY, Source

# A lot expiring within this many days is shown amber on the safe view (policy: a quarter's
# notice to use it first or arrange its return).
EXPIRY_WARNING_DAYS: Final = 90

CFR_1304_11 = Source(
    id="21cfr1304.11",
    citation="21 CFR 1304.11, Inventory requirements: initial inventory on first engaging "
    "in activity, a new inventory at least every two years, date and opening or close of "
    "business stated, each finished form and the number of units or containers",
    url="https://www.ecfr.gov/current/title-21/chapter-II/part-1304/subpart-B/section-1304.11",
    confidence="unverified",
    note="not read in a stored copy; stated from the regulation as generally known",
)

ExpiryStatus = Literal["expired", "soon", "ok"]


def expiry_status(
    expiry_date: date, today: date, warn_days: int = EXPIRY_WARNING_DAYS
) -> ExpiryStatus:
    """'expired' after the expiry date (the label date is the last usable day), 'soon' within
    `warn_days` days of it, else 'ok'."""
    if today > expiry_date:
        return "expired"
    if (expiry_date - today).days < warn_days:
        return "soon"
    return "ok"


ReconciliationStatus = Literal["reconciled", "in progress", "unreconciled", "nothing drawn"]


def reconciliation_status(rec: SessionReconciliation, closed: bool) -> ReconciliationStatus:
    """Where a session's draw stands: every mg accounted for (dispensed = administered +
    wasted + returned), still in use (session open), or unaccounted at close."""
    if rec.dispensed_mg == 0 and rec.shortfall_mg == 0:
        return "nothing drawn"
    if rec.shortfall_mg == 0:
        return "reconciled"
    return "unreconciled" if closed else "in progress"


@dataclass(frozen=True)
class Table:
    """A report: `facts` are the header lines (label, value); `rows` match `columns`."""

    title: str
    facts: tuple[tuple[str, str], ...]
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    notes: tuple[str, ...] = ()
    source: Source = KCLINIC_POLICY


@dataclass(frozen=True)
class Registrant:
    """Who the records are kept under (DEA registration), as printed on each report."""

    name: str
    dea_number: str
    address: str


def _registrant_facts(registrant: Registrant | None) -> tuple[tuple[str, str], ...]:
    if registrant is None:
        return (("Registrant", "not recorded (set the site's DEA registration)"),)
    return (
        ("Registrant", registrant.name),
        ("DEA registration", registrant.dea_number),
        ("Address", registrant.address or "-"),
    )


def _n(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M %Z").strip()


def perpetual_table(
    lot_label: str, lines: Sequence[InventoryLine], registrant: Registrant | None
) -> Table:
    """Every movement of one lot in or out of storage with the running on-hand mg."""
    return Table(
        title=f"Perpetual inventory: {lot_label}",
        facts=_registrant_facts(registrant),
        columns=("Date and time", "Entry", "Kind", "Change mg", "On hand mg"),
        rows=tuple(
            (
                _when(line.at),
                line.idempotency_key,
                line.kind.value,
                _n(line.change_mg),
                _n(line.on_hand_mg),
            )
            for line in lines
        ),
        notes=(
            "On hand counts storage locations only; drug drawn for a session is not in "
            "storage until returned.",
        ),
    )


@dataclass(frozen=True)
class InventoryItem:
    """One product and lot in a DEA inventory: its finished form and the count."""

    product: str
    ndc: str
    strength: str
    dosage_form: str
    lot_number: str
    location: str
    units: Decimal
    mg: Decimal


@dataclass(frozen=True)
class InventoryHeader:
    kind: str  # "Initial inventory" or "Biennial inventory" (or a shift count)
    taken_at: datetime
    business_time: str  # "Opening of business" / "Close of business"
    taken_by: str


def inventory_table(
    header: InventoryHeader, items: Sequence[InventoryItem], registrant: Registrant | None
) -> Table:
    """A DEA initial or biennial inventory: date, time of business, registrant, the person who
    took it, and each product's name, strength, form and count (21 CFR 1304.11)."""
    facts = (
        ("Inventory", header.kind),
        ("Date", header.taken_at.date().isoformat()),
        ("Time", f"{header.taken_at.strftime('%H:%M %Z').strip()} ({header.business_time or '-'})"),
        *_registrant_facts(registrant),
        ("Taken by", header.taken_by),
    )
    rows = tuple(
        (
            i.product,
            i.ndc,
            i.strength,
            i.dosage_form,
            i.lot_number,
            i.location,
            _n(i.units),
            _n(i.mg),
        )
        for i in items
    )
    notes = ("A registrant with no stock records a zero inventory.",) if not items else ()
    return Table(
        title=f"{header.kind} of controlled substances",
        facts=facts,
        columns=("Product", "NDC", "Strength", "Form", "Lot", "Location", "Units", "mg"),
        rows=rows,
        notes=notes,
        source=CFR_1304_11,
    )


def form41_table(records: Sequence[Form41Record], registrant: Registrant | None) -> Table:
    """The data of DEA Form 41 (destruction), one row per destroyed lot."""
    return Table(
        title="DEA Form 41 data: controlled substances destroyed",
        facts=_registrant_facts(registrant),
        columns=(
            "NDC",
            "Batch",
            "Substance",
            "Strength",
            "Form",
            "Full packages",
            "Partial package mg",
            "Total destroyed mg",
            "Date",
            "Method",
            "Place",
            "Witness 1",
            "Witness 2",
        ),
        rows=tuple(
            (
                r.ndc,
                r.batch_number,
                r.substance,
                r.strength,
                r.dosage_form,
                str(r.full_packages),
                _n(r.partial_package_mg),
                _n(r.total_destroyed_mg),
                r.destroyed_on.isoformat(),
                r.method,
                r.place,
                r.first_witness,
                r.second_witness,
            )
            for r in records
        ),
        source=DEA_FORM_41,
    )


def form106_table(records: Sequence[Form106Record], registrant: Registrant | None) -> Table:
    """The data of DEA Form 106 (theft or loss) with the date the written notice is due."""
    return Table(
        title="DEA Form 106 data: theft or loss of controlled substances",
        facts=_registrant_facts(registrant),
        columns=(
            "NDC",
            "Lot",
            "Product",
            "Quantity mg",
            "Units",
            "Site",
            "Discovered",
            "Notice due",
            "Circumstances",
        ),
        rows=tuple(
            (
                r.ndc,
                r.lot_number,
                r.product,
                _n(r.quantity_mg),
                _n(r.quantity_units),
                r.site_id,
                _when(r.discovered_at),
                r.notice_due.isoformat(),
                r.circumstances,
            )
            for r in records
        ),
        notes=(
            "Written notice to the DEA Field Division is due within one business day of "
            "discovery; the Form 106 itself is filed electronically.",
        ),
        source=DEA_THEFT_LOSS_NOTICE,
    )


@dataclass(frozen=True)
class DispensingRow:
    """One movement of a patient's session drug (dispense, administration, waste, return)."""

    at: datetime
    session: str
    kind: str
    product: str
    lot_number: str
    quantity_mg: Decimal
    quantity_units: Decimal
    by: str
    witness: str
    dose_order: str


def dispensing_table(
    patient_label: str, rows: Sequence[DispensingRow], registrant: Registrant | None
) -> Table:
    """A patient's dispensing log: every mg drawn for their sessions and where it went."""
    return Table(
        title=f"Dispensing log: {patient_label}",
        facts=_registrant_facts(registrant),
        columns=(
            "Date and time",
            "Session",
            "Kind",
            "Product",
            "Lot",
            "mg",
            "Units",
            "By",
            "Witness",
            "Dose order",
        ),
        rows=tuple(
            (
                _when(r.at),
                r.session,
                r.kind,
                r.product,
                r.lot_number,
                _n(r.quantity_mg),
                _n(r.quantity_units),
                r.by,
                r.witness or "-",
                r.dose_order or "-",
            )
            for r in rows
        ),
    )
