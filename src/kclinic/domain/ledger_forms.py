"""The data a DEA Form 41 (destruction) or Form 106 (theft/loss) needs, from one ledger entry.

Form 41 rows ask for the NDC, batch, substance name, strength, form, package quantity, full
packages, partial package count and total destroyed, then the date, method and place of
destruction and two witnesses (DEA_FORM_41). kclinic records the acting user as the first
witness and the entry's witness as the second (policy). The registrant's own details
(name, DEA number, address) are added by the application, not the domain.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_FLOOR, Decimal

from kclinic.domain.errors import ValidationError
from kclinic.domain.ledger import loss_notice_due_date
from kclinic.domain.ledger_model import DEA_THEFT_LOSS_NOTICE, Entry, EntryKind
from kclinic.domain.sources import Source

DEA_FORM_41 = Source(
    id="dea-form-41",
    citation="DEA Form 41, Registrant Record of Controlled Substances Destroyed "
    "(OMB 1117-0007), sections B-D and instructions",
    url="https://www.deadiversion.usdoj.gov/21cfr_reports/surrend/index.html",
    confidence="secondary",
    note="read in archived copies of the form and its instructions page",
)


@dataclass(frozen=True)
class Form41Record:
    """One destroyed item: quantities in packages (vials/devices) and in mg."""

    ndc: str
    batch_number: str
    substance: str
    strength: str
    dosage_form: str
    full_packages: int
    partial_package_mg: Decimal
    total_destroyed_mg: Decimal
    destroyed_on: date
    method: str
    place: str
    first_witness: str
    second_witness: str
    source: Source = DEA_FORM_41


@dataclass(frozen=True)
class Form106Record:
    """Theft or loss: what, how much, when discovered and when the DEA notice is due."""

    ndc: str
    lot_number: str
    product: str
    quantity_mg: Decimal
    quantity_units: Decimal
    site_id: str
    discovered_at: datetime
    notice_due: date
    circumstances: str
    source: Source = DEA_THEFT_LOSS_NOTICE


def form41_record(entry: Entry) -> Form41Record:
    """Form 41 data for a DESTRUCTION entry (mg, whole packages and the partial remainder)."""
    if entry.kind is not EntryKind.DESTRUCTION or entry.witness is None:
        raise ValidationError("kind", entry.kind.value, "a witnessed destruction entry")
    product = entry.lot.product
    full = int(entry.quantity_units.to_integral_value(rounding=ROUND_FLOOR))
    strength = (
        f"{product.concentration_mg_per_ml} mg/mL"
        if product.concentration_mg_per_ml is not None
        else f"{product.mg_per_unit} mg per device"
    )
    return Form41Record(
        ndc=product.ndc,
        batch_number=entry.lot.lot_number,
        substance=product.name,
        strength=strength,
        dosage_form=product.form,
        full_packages=full,
        partial_package_mg=entry.quantity_mg - full * product.mg_per_unit,
        total_destroyed_mg=entry.quantity_mg,
        destroyed_on=entry.at.date(),
        method=entry.reason,
        place=entry.counterparty or entry.site_id,
        first_witness=entry.actor.user_id,
        second_witness=entry.witness.user_id,
    )


def form106_record(entry: Entry, holidays: frozenset[date] = frozenset()) -> Form106Record:
    """Form 106 data for a LOSS entry; the notice is due 1 business day after discovery."""
    if entry.kind is not EntryKind.LOSS or entry.discovered_at is None:
        raise ValidationError("kind", entry.kind.value, "a loss entry with discovered_at")
    product = entry.lot.product
    return Form106Record(
        ndc=product.ndc,
        lot_number=entry.lot.lot_number,
        product=product.name,
        quantity_mg=entry.quantity_mg,
        quantity_units=entry.quantity_units,
        site_id=entry.site_id,
        discovered_at=entry.discovered_at,
        notice_due=loss_notice_due_date(entry.discovered_at.date(), holidays),
        circumstances=entry.reason,
    )
