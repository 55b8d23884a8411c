"""Shift counts: expected stock per lot at a location, the counted values and the variance.

A count with any non-zero variance opens a `Discrepancy` (a value; the workflow that resolves
it lives in the application, and the resolution is posted as an ADJUSTMENT entry with a
reason and a second signer). Counting each shift is kclinic policy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from kclinic.domain.errors import ValidationError
from kclinic.domain.ledger import Ledger, location_balances
from kclinic.domain.ledger_model import Location


@dataclass(frozen=True)
class CountLine:
    """One lot at one location: expected (from the ledger) and counted mg."""

    lot_number: str
    expected_mg: Decimal
    counted_mg: Decimal

    @property
    def variance_mg(self) -> Decimal:
        """Counted minus expected; negative means stock is missing."""
        return self.counted_mg - self.expected_mg


@dataclass(frozen=True)
class Discrepancy:
    """An open count discrepancy: the lines whose variance is not zero."""

    location: Location
    counted_at: datetime
    counted_by: str
    lines: tuple[CountLine, ...]
    status: str = "open"


def expected_counts(ledger: Ledger, location: Location) -> dict[str, Decimal]:
    """Expected mg per lot number at `location` (lots with a zero balance included)."""
    result: dict[str, Decimal] = {}
    for (account, lot), balance in location_balances(ledger).items():
        if account == location.account:
            result[lot.lot_number] = result.get(lot.lot_number, Decimal(0)) + balance.mg
    return result


def count_variance(
    ledger: Ledger,
    location: Location,
    counted_mg: Mapping[str, Decimal],
    counted_at: datetime,
    counted_by: str,
) -> tuple[tuple[CountLine, ...], Discrepancy | None]:
    """Compare counted mg per lot with the ledger; a lot not counted counts as 0 mg.

    Returns every line (sorted by lot number) and a Discrepancy when any variance is not 0.
    """
    for lot_number, value in counted_mg.items():
        if not value >= 0:
            raise ValidationError(f"counted_mg[{lot_number}]", value, "0 mg or more")
    expected = expected_counts(ledger, location)
    lot_numbers = sorted(set(expected) | set(counted_mg))
    lines = tuple(
        CountLine(n, expected.get(n, Decimal(0)), counted_mg.get(n, Decimal(0)))
        for n in lot_numbers
    )
    off = tuple(line for line in lines if line.variance_mg != 0)
    if not off:
        return lines, None
    return lines, Discrepancy(location, counted_at, counted_by, off)
