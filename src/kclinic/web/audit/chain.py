"""The hash of an audit event: SHA-256 over a canonical JSON form of its content and the
previous event's hash. Changing, deleting, inserting or reordering any row breaks the chain
from that row on, which `kclinic audit verify` reports."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime

GENESIS = "0" * 64


def canonical(content: Mapping[str, object]) -> bytes:
    return json.dumps(content, sort_keys=True, separators=(",", ":"), default=str).encode()


def event_hash(content: Mapping[str, object], prev_hash: str) -> str:
    digest = hashlib.sha256()
    digest.update(prev_hash.encode())
    digest.update(canonical(content))
    return digest.hexdigest()


def utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")
