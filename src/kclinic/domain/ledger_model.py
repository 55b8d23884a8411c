"""Values of the controlled-substance ledger: products, lots, locations, people, entries.

Ketamine and esketamine are DEA Schedule III (openFDA NDC records, clinical reference 7.5).
Every movement is one double-entry `Entry`: a quantity leaves `source` and arrives at
`destination`, in milligrams and in units (vials or nasal devices). Accounts are strings:

    loc:<site>/<location>   a storage location (the safe of a site); never negative
    session:<id>            drug drawn for one treatment session; never negative
    supplier:<name>         where receipts come from (external)
    administered, waste, destroyed, lost, adjustment   external sinks/sources

The rules that decide whether an entry may be applied live in `kclinic.domain.ledger`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Final, Literal

from kclinic.domain.errors import ValidationError
from kclinic.domain.sources import KCLINIC_POLICY, Source
from kclinic.domain.units import round_half_up

OPENFDA_KETAMINE_NDC = Source(
    id="openfda-ndc-ketamine",
    citation="openFDA NDC directory, ketamine HCl injection (e.g. product NDC 25021-684); "
    "DEA schedule CIII; 10, 50 and 100 mg/mL families",
    url="https://api.fda.gov/drug/ndc.json?search=product_ndc%3A%2225021-684%22",
    note="clinical reference 7.5; the NDC of a clinic's own vials comes from the package",
)
OPENFDA_SPRAVATO_NDC = Source(
    id="openfda-ndc-spravato",
    citation="openFDA NDC directory, Spravato (esketamine) nasal spray, product NDC 50458-028, "
    "28 mg per device, DEA schedule CIII",
    url="https://api.fda.gov/drug/ndc.json?search=product_ndc%3A%2250458-028%22",
    note="clinical reference 7.5 and 1.7 (28 mg per device)",
)
DEA_THEFT_LOSS_NOTICE = Source(
    id="dea-88fr40707",
    citation="DEA final rule 'Reporting Theft or Significant Loss of Controlled Substances', "
    "88 FR 40707 (22 June 2023), 21 CFR 1301: written notice to the DEA Field Division "
    "within one business day of discovery; DEA Form 106 submitted electronically",
    url="https://www.federalregister.gov/documents/2023/06/22/2023-13085/"
    "reporting-theft-or-significant-loss-of-controlled-substances",
)
LEDGER_POLICY = KCLINIC_POLICY

SCHEDULE_CIII: Final = "CIII"
KETAMINE_CONCENTRATIONS_MG_PER_ML: Final = (Decimal(10), Decimal(50), Decimal(100))
ESKETAMINE_MG_PER_DEVICE: Final = Decimal(28)
ESKETAMINE_NDC: Final = "50458-028"

ProductForm = Literal["vial", "nasal_device"]


@dataclass(frozen=True)
class Product:
    """A controlled-substance product; `mg_per_unit` is the drug in one vial or device."""

    ndc: str
    name: str
    form: ProductForm
    mg_per_unit: Decimal
    schedule: str
    source: Source
    concentration_mg_per_ml: Decimal | None = None
    volume_ml: Decimal | None = None


def ketamine_vial(ndc: str, concentration_mg_per_ml: Decimal, volume_ml: Decimal) -> Product:
    """Ketamine HCl vial: 10, 50 or 100 mg/mL (openFDA NDC, reference 7.5), volume in mL."""
    _require_text("ndc", ndc)
    if concentration_mg_per_ml not in KETAMINE_CONCENTRATIONS_MG_PER_ML:
        raise ValidationError(
            "concentration_mg_per_ml", concentration_mg_per_ml, "10, 50 or 100 mg/mL"
        )
    if not volume_ml > 0:
        raise ValidationError("volume_ml", volume_ml, "more than 0 mL")
    return Product(
        ndc=ndc,
        name=f"ketamine HCl {concentration_mg_per_ml} mg/mL, {volume_ml} mL vial",
        form="vial",
        mg_per_unit=concentration_mg_per_ml * volume_ml,
        schedule=SCHEDULE_CIII,
        source=OPENFDA_KETAMINE_NDC,
        concentration_mg_per_ml=concentration_mg_per_ml,
        volume_ml=volume_ml,
    )


def esketamine_device(ndc: str = ESKETAMINE_NDC) -> Product:
    """Spravato nasal device, 28 mg each (openFDA NDC 50458-028, reference 7.5)."""
    _require_text("ndc", ndc)
    return Product(
        ndc=ndc,
        name="esketamine 28 mg nasal device",
        form="nasal_device",
        mg_per_unit=ESKETAMINE_MG_PER_DEVICE,
        schedule=SCHEDULE_CIII,
        source=OPENFDA_SPRAVATO_NDC,
    )


@dataclass(frozen=True)
class Lot:
    """A manufacturer's lot of one product. Usable up to and including `expiry_date`."""

    product: Product
    lot_number: str
    expiry_date: date


@dataclass(frozen=True)
class Location:
    """A storage location (a safe) at one site."""

    site_id: str
    name: str

    @property
    def account(self) -> str:
        return f"loc:{self.site_id}/{self.name}"


@dataclass(frozen=True)
class Person:
    """A user who acts or witnesses; `licensed` is a licensed clinician (nurse, physician)."""

    user_id: str
    licensed: bool


class EntryKind(Enum):
    RECEIPT = "receipt"
    TRANSFER = "transfer"
    DISPENSE = "dispense"
    ADMINISTRATION = "administration"
    RETURN = "return"
    WASTE = "waste"
    DESTRUCTION = "destruction"
    LOSS = "loss"
    ADJUSTMENT = "adjustment"
    REVERSAL = "reversal"


ADMINISTERED: Final = "administered"
WASTE: Final = "waste"
DESTROYED: Final = "destroyed"
LOST: Final = "lost"
ADJUSTMENT: Final = "adjustment"


def session_account(session_id: str) -> str:
    _require_text("session_id", session_id)
    return f"session:{session_id}"


def supplier_account(supplier: str) -> str:
    _require_text("supplier", supplier)
    return f"supplier:{supplier}"


def is_internal(account: str) -> bool:
    """Locations and sessions hold stock; their balance may never go below zero."""
    return account.startswith(("loc:", "session:"))


@dataclass(frozen=True)
class Entry:
    """One movement. `quantity_mg` > 0 and `quantity_units` > 0 move from source to destination.

    `reference` holds the invoice (receipt), dose-order id (dispense), DEA form number
    (destruction, loss) or the idempotency key of the reversed entry (reversal).
    `counterparty` is the supplier or reverse distributor. `reason` is the discrepancy
    resolution (adjustment), the destruction method or the loss circumstances.
    """

    idempotency_key: str
    kind: EntryKind
    at: datetime
    site_id: str
    lot: Lot
    source: str
    destination: str
    quantity_mg: Decimal
    quantity_units: Decimal
    actor: Person
    witness: Person | None = None
    reference: str = ""
    counterparty: str = ""
    reason: str = ""
    discovered_at: datetime | None = None


# Partial vials are counted as fractions of a vial to 4 decimals (policy): mg is the
# authoritative quantity, units are its rounded shadow, checked on every entry.
UNITS_STEP: Final = Decimal("0.0001")


def units_for_mg(product: Product, quantity_mg: Decimal) -> Decimal:
    """Units (vials/devices) for `quantity_mg`, rounded half up to 0.0001 unit (policy)."""
    return round_half_up(quantity_mg / product.mg_per_unit, UNITS_STEP)


def _require_text(field: str, value: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(field, value, "a non-empty text")
