"""Builders shared by the portal tests (test_portal*.py, the catalogue and the matrix), and a
check that they build what they say. Links go through the real service."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from kclinic.web.audit.services import Actor
from kclinic.web.portal import answering, services
from kclinic.web.portal.models import SelfReportLink, SiteOnCall

BASE_URL = "http://testserver"
PHQ9_SAFE = [1, 1, 1, 1, 0, 0, 0, 0, 0]


def issue(
    clinic: Any,
    *,
    instruments: Sequence[str] = ("phq9",),
    channel: str = "qr",
    sender: Any = None,
    patient: Any = None,
    now: datetime | None = None,
) -> services.Issued:
    return services.create_link(
        Actor(sender or clinic.nurse),
        patient or clinic.patient,
        instruments=list(instruments),
        channel=channel,
        base_url=BASE_URL,
        now=now,
    )


def on_call(clinic: Any, user: Any = None, *, at: datetime | None = None) -> SiteOnCall:
    """Make `user` (default: the prescriber) the on-call clinician of site A from `at`."""
    from django.utils import timezone

    return SiteOnCall.objects.create(
        site=clinic.site_a,
        clinician=user or clinic.prescriber,
        starts_at=at or timezone.now() - timedelta(days=1),
    )


def link_kwargs(clinic: Any) -> dict[str, object]:
    return {"link_id": issue(clinic).link.public_id}


def answer_all(token: str, link: SelfReportLink, answers: dict[str, object]) -> None:
    """Save whole sections as partial progress, keyed by section id."""
    for section, values in answers.items():
        if isinstance(values, list):
            values = {str(n): v for n, v in enumerate(values, start=1)}
        answering.save_progress(token, section, values)


def test_issue_builds_an_open_qr_link(clinic):
    issued = issue(clinic)
    assert issued.link.patient == clinic.patient
    assert issued.url == f"{BASE_URL}/r/{issued.token}/"
    assert services.find(issued.token).pk == issued.link.pk
