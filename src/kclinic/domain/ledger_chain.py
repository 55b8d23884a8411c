"""Tamper evidence for the ledger: a SHA-256 hash chain per site.

Each stored row keeps the canonical text of its entry, the previous row's hash and its own
hash = SHA-256(previous hash + newline + canonical text). Recomputing the chain finds a
modified row (its hash no longer matches), a deleted, inserted or reordered row (its
`prev_hash` no longer matches the row before it, or its sequence number is out of place).
Deleting rows from the end of the chain is caught only against a head hash kept elsewhere
(`expected_head`), which is why the caller should publish the head (policy).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from kclinic.domain.ledger_model import Entry, Person

GENESIS_HASH: Final = "0" * 64


def _number(value: Decimal) -> str:
    # One spelling per value: 5000, 5E+3 and 5000.00 all become "5000".
    text = format(value.normalize(), "f")
    return text


def _person(person: Person | None) -> dict[str, object] | None:
    if person is None:
        return None
    return {"user_id": person.user_id, "licensed": person.licensed}


def canonical_content(entry: Entry) -> str:
    """The entry as compact JSON with sorted keys; the same entry always gives the same text."""
    lot = entry.lot
    product = lot.product
    data: dict[str, object] = {
        "idempotency_key": entry.idempotency_key,
        "kind": entry.kind.value,
        "at": entry.at.isoformat(),
        "site_id": entry.site_id,
        "ndc": product.ndc,
        "product": product.name,
        "mg_per_unit": _number(product.mg_per_unit),
        "lot_number": lot.lot_number,
        "expiry_date": lot.expiry_date.isoformat(),
        "source": entry.source,
        "destination": entry.destination,
        "quantity_mg": _number(entry.quantity_mg),
        "quantity_units": _number(entry.quantity_units),
        "actor": _person(entry.actor),
        "witness": _person(entry.witness),
        "reference": entry.reference,
        "counterparty": entry.counterparty,
        "reason": entry.reason,
        "discovered_at": None if entry.discovered_at is None else entry.discovered_at.isoformat(),
    }
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(content: str, prev_hash: str) -> str:
    """SHA-256 hex of the previous hash, a newline and the canonical content."""
    return hashlib.sha256(f"{prev_hash}\n{content}".encode()).hexdigest()


@dataclass(frozen=True)
class ChainRecord:
    """One stored row of a site's chain."""

    seq: int
    site_id: str
    content: str
    prev_hash: str
    hash: str


def build_chain(site_id: str, entries: Sequence[Entry]) -> tuple[ChainRecord, ...]:
    """Chain the entries of `site_id` (others are skipped) in order, starting at GENESIS_HASH."""
    records: list[ChainRecord] = []
    prev = GENESIS_HASH
    for entry in entries:
        if entry.site_id != site_id:
            continue
        content = canonical_content(entry)
        digest = entry_hash(content, prev)
        records.append(ChainRecord(len(records), site_id, content, prev, digest))
        prev = digest
    return tuple(records)


def verify_chain(records: Sequence[ChainRecord], expected_head: str | None = None) -> int | None:
    """Index of the first broken record, or None if the whole chain verifies.

    If `expected_head` is given and the records verify but end on another hash, the index
    returned is len(records): rows were deleted from (or added to) the end.
    """
    prev = GENESIS_HASH
    site = records[0].site_id if records else ""
    for index, record in enumerate(records):
        if (
            record.seq != index
            or record.site_id != site
            or record.prev_hash != prev
            or entry_hash(record.content, record.prev_hash) != record.hash
        ):
            return index
        prev = record.hash
    if expected_head is not None and prev != expected_head:
        return len(records)
    return None
