"""Searching the audit trail (compliance officers and auditors)."""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet

from kclinic.web.accounts.models import User
from kclinic.web.accounts.policy import Action, require
from kclinic.web.audit.models import AuditEvent


def search(
    user: User,
    *,
    username: str = "",
    patient: str = "",
    action: str = "",
    since: date | None = None,
    until: date | None = None,
) -> QuerySet[AuditEvent]:
    require(user, Action.VIEW_AUDIT)
    events = AuditEvent.objects.all()
    if username:
        events = events.filter(username__iexact=username)
    if patient:
        events = events.filter(patient_public_id=patient)
    if action:
        events = events.filter(action=action)
    if since:
        events = events.filter(at__date__gte=since)
    if until:
        events = events.filter(at__date__lte=until)
    return events.order_by("-seq")
