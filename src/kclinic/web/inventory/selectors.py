"""Reads of the ledger: recomputing every site's hash chain (`kclinic ledger verify`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from kclinic.domain.ledger_chain import ChainRecord, verify_chain
from kclinic.web.accounts.models import Site
from kclinic.web.inventory.models import LedgerChainHead, LedgerEntry


@dataclass(frozen=True)
class SiteChain:
    site: str
    entries: int
    head_hash: str


@dataclass(frozen=True)
class ChainBreak:
    site: str
    seq: int | None  # None: the end of the chain disagrees with the stored head
    reason: str


def verify_ledger() -> tuple[list[SiteChain], ChainBreak | None]:
    """Recompute every site's chain; return the verified sites and the first break, if any.

    A row breaks the chain if its hash, previous hash or sequence number is off (altered,
    deleted, inserted or reordered rows), or if its columns disagree with the content the
    hash covers (a column altered without touching the content).
    """
    done: list[SiteChain] = []
    site_ids = set(LedgerEntry.objects.values_list("site_id", flat=True).distinct())
    site_ids |= set(LedgerChainHead.objects.values_list("site_id", flat=True))
    for site in Site.objects.filter(pk__in=site_ids).order_by("code"):
        rows = list(
            LedgerEntry.objects.filter(site=site)
            .select_related("lot", "lot__product", "actor", "witness")
            .order_by("seq", "id")
        )
        head = LedgerChainHead.objects.filter(site=site).first()
        records = [ChainRecord(r.seq, site.code, r.content, r.prev_hash, r.hash) for r in rows]
        broken = verify_chain(records, expected_head=head.hash if head else None)
        if broken is not None and broken < len(rows):
            return done, ChainBreak(site.code, rows[broken].seq, _why(records, broken))
        if broken is not None or head is None or head.count != len(rows):
            return done, ChainBreak(
                site.code,
                None,
                f"chain head says {head.count if head else 0} entries "
                f"ending {head.hash[:12] if head else '-'}; found {len(rows)}",
            )
        for row in rows:
            mismatch = _column_mismatch(row, site.code)
            if mismatch:
                return done, ChainBreak(
                    site.code, row.seq, f"column {mismatch} differs from content"
                )
        done.append(SiteChain(site.code, len(rows), head.hash))
    return done, None


def _why(records: list[ChainRecord], index: int) -> str:
    record = records[index]
    if record.seq != index:
        return f"sequence {record.seq} where {index} was expected (row removed or moved)"
    previous = records[index - 1].hash if index else None
    if previous is not None and record.prev_hash != previous:
        return "previous-hash link broken (row inserted, removed or moved)"
    return "content does not match its hash (row altered)"


def _column_mismatch(row: LedgerEntry, site_code: str) -> str | None:
    data = json.loads(row.content)
    expected: dict[str, object] = {
        "site": site_code,
        "kind": row.kind,
        "lot_number": row.lot.lot_number,
        "ndc": row.lot.product.ndc,
        "source": row.source,
        "destination": row.destination,
        "reference": row.reference,
        "reason": row.reason,
        "idempotency_key": row.idempotency_key,
        "actor": str(row.actor.public_id),
        "witness": str(row.witness.public_id) if row.witness else None,
    }
    stored: dict[str, object] = {
        "site": data["site_id"],
        "kind": data["kind"],
        "lot_number": data["lot_number"],
        "ndc": data["ndc"],
        "source": data["source"],
        "destination": data["destination"],
        "reference": data["reference"],
        "reason": data["reason"],
        "idempotency_key": data["idempotency_key"],
        "actor": data["actor"]["user_id"],
        "witness": data["witness"]["user_id"] if data["witness"] else None,
    }
    for key, value in expected.items():
        if stored[key] != value:
            return key
    if Decimal(data["quantity_mg"]) != row.quantity_mg:
        return "quantity_mg"
    if Decimal(data["quantity_units"]) != row.quantity_units:
        return "quantity_units"
    if datetime.fromisoformat(data["at"]) != row.at:
        return "at"
    return None
