"""Writing and verifying the audit trail. Every service that creates, changes, signs, exports
or shows patient data calls `record` inside its own transaction."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from kclinic.web.audit.chain import GENESIS, event_hash
from kclinic.web.audit.models import AuditChainHead, AuditEvent

if TYPE_CHECKING:
    from django.http import HttpRequest

    from kclinic.web.accounts.models import User

CHAIN = "main"


@dataclass(frozen=True)
class Actor:
    """Who is acting and from where; built once per request at the edge."""

    user: User | None
    source_address: str | None = None

    def signed_in(self) -> User:
        """The acting user; services refuse to act for nobody."""
        if self.user is None:
            raise PermissionError("no signed-in user")
        return self.user

    @classmethod
    def from_request(cls, request: HttpRequest) -> Actor:
        user = request.user if request.user.is_authenticated else None
        return cls(user=user, source_address=request.META.get("REMOTE_ADDR"))


def record(
    actor: Actor,
    action: str,
    *,
    patient_public_id: uuid.UUID | None = None,
    object_type: str = "",
    object_id: object = "",
    detail: Mapping[str, object] | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    """Append one event to the chain. Runs in the caller's transaction (or its own).

    No savepoint: if the append fails, the caller's write must not survive without its audit
    row, so the whole transaction rolls back.
    """
    with transaction.atomic(savepoint=False):
        head = AuditChainHead.objects.select_for_update().filter(name=CHAIN).first()
        if head is None:
            head = AuditChainHead.objects.create(name=CHAIN, seq=0, hash=GENESIS)
        user = actor.user
        event = AuditEvent(
            seq=head.seq + 1,
            at=at or timezone.now(),
            user_public_id=user.public_id if user else None,
            username=user.username if user else "",
            role=user.role if user else "",
            patient_public_id=patient_public_id,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            source_address=actor.source_address,
            detail=dict(detail or {}),
            prev_hash=head.hash,
        )
        event.hash = event_hash(event.content(), head.hash)
        event.save()
        AuditChainHead.objects.filter(pk=head.pk).update(seq=event.seq, hash=event.hash)
    return event


# A page that refreshes itself (the session monitor, the chair board) is audited when it is
# opened and then at most once per interval while it stays open: the trail still shows who saw
# which patient and until when, without a row every ten seconds of every open screen.
POLL_AUDIT_INTERVAL = timedelta(minutes=5)


def record_poll_view(
    actor: Actor,
    *,
    object_id: str,
    patient_public_id: uuid.UUID | None = None,
    detail: Mapping[str, object] | None = None,
) -> AuditEvent | None:
    """A `view` row for a self-refresh of a page, unless this user's last view of the same
    page (and patient) is under POLL_AUDIT_INTERVAL old. Returns the row written, if any."""
    user = actor.signed_in()
    recent = AuditEvent.objects.filter(
        action="view",
        username=user.username,
        object_id=object_id,
        patient_public_id=patient_public_id,
        at__gte=timezone.now() - POLL_AUDIT_INTERVAL,
    )
    if recent.exists():
        return None
    return record(
        actor,
        "view",
        patient_public_id=patient_public_id,
        object_type="page",
        object_id=object_id,
        detail={**(detail or {}), "poll": True},
    )


@dataclass(frozen=True)
class Break:
    seq: int | None
    reason: str


def verify(batch: int = 2000) -> tuple[int, Break | None]:
    """Recompute the chain. Returns (events checked, first break or None)."""
    expected_prev = GENESIS
    expected_seq = 1
    checked = 0
    for event in _in_order(batch):
        if event.seq != expected_seq:
            return checked, Break(
                event.seq, f"sequence jumps from {expected_seq - 1} to {event.seq} (row removed)"
            )
        if event.prev_hash != expected_prev:
            return checked, Break(event.seq, "previous-hash link broken (row inserted or moved)")
        if event_hash(event.content(), event.prev_hash) != event.hash:
            return checked, Break(event.seq, "content does not match its hash (row altered)")
        expected_prev = event.hash
        expected_seq += 1
        checked += 1
    head = AuditChainHead.objects.filter(name=CHAIN).first()
    if head is not None and (head.seq != checked or head.hash != expected_prev):
        return checked, Break(None, f"chain head says {head.seq} events; found {checked}")
    return checked, None


def _in_order(batch: int) -> Iterator[AuditEvent]:
    last = 0
    while True:
        rows = list(AuditEvent.objects.filter(seq__gt=last).order_by("seq")[:batch])
        if not rows:
            return
        yield from rows
        last = rows[-1].seq
