"""Link token security: only a digest is stored; a link works once, until it expires, for
its own patient only; a tampered, used, expired or revoked link writes nothing."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from kclinic.web.assessments.models import Assessment
from kclinic.web.audit.models import AuditEvent
from kclinic.web.audit.services import Actor
from kclinic.web.portal import answering, services
from kclinic.web.portal.models import SelfReportLink, SelfReportSubmission
from kclinic.web.tasks.models import Task
from tests.web.factories import PatientFactory
from tests.web.test_portal_support import PHQ9_SAFE, answer_all, issue


def _counts() -> tuple[int, ...]:
    return (
        AuditEvent.objects.count(),
        Assessment.objects.count(),
        Task.objects.count(),
        SelfReportSubmission.objects.count(),
    )


def _progress(link: SelfReportLink) -> tuple[object, object, object]:
    link.refresh_from_db()
    return link.progress, link.progress_at, link.used_at


def test_only_the_digest_is_stored(clinic):
    issued = issue(clinic)
    link = SelfReportLink.objects.get(pk=issued.link.pk)
    assert link.token_digest == hashlib.sha256(issued.token.encode()).hexdigest()
    stored = [str(v) for v in SelfReportLink.objects.filter(pk=link.pk).values().get().values()]
    assert not any(issued.token in value for value in stored)
    assert not AuditEvent.objects.filter(detail__icontains=issued.token).exists()
    assert len(issued.token) >= 43  # 256 random bits


def test_a_link_works_once(clinic):
    issued = issue(clinic)
    answer_all(issued.token, issued.link, {"phq9": PHQ9_SAFE})
    answering.submit(issued.token)
    before = _counts()
    with pytest.raises(services.LinkUnavailable) as used:
        answering.submit(issued.token)
    assert used.value.state == services.LinkState.USED
    with pytest.raises(services.LinkUnavailable):
        answering.save_progress(issued.token, "phq9", {"1": 3})
    assert _counts() == before
    assert Assessment.objects.filter(patient=clinic.patient).count() == 1


def test_an_expired_link_is_refused_and_writes_nothing(clinic):
    hours = 72
    issued = issue(clinic, now=timezone.now() - timedelta(hours=hours, seconds=1))
    assert issued.link.expires_at < timezone.now()
    before, progress = _counts(), _progress(issued.link)
    client = Client()
    response = client.get(f"/r/{issued.token}/")
    assert response.status_code == 410
    assert b"This link has expired" in response.content
    response = client.post(f"/r/{issued.token}/phq9/", {"mode": "all", "q-1": "1"})
    assert response.status_code == 410
    response = client.post(f"/r/{issued.token}/")
    assert response.status_code == 410
    assert _counts() == before
    assert _progress(issued.link) == progress


def test_a_link_still_works_just_before_it_expires(clinic):
    issued = issue(clinic, now=timezone.now() - timedelta(hours=71, minutes=59))
    assert Client().get(f"/r/{issued.token}/").status_code == 200


def _tampered(token: str) -> list[str]:
    flip = "A" if token[5] != "A" else "B"
    return [
        token[:5] + flip + token[6:],  # one character changed
        token[:-1],  # truncated
        token + "x",  # extended
        token.upper(),
        "not-a-token",
        hashlib.sha256(token.encode()).hexdigest(),  # the stored digest itself
    ]


def test_a_tampered_token_finds_nothing_and_writes_nothing(clinic):
    issued = issue(clinic)
    before, progress = _counts(), _progress(issued.link)
    client = Client()
    for token in _tampered(issued.token):
        response = client.get(f"/r/{token}/")
        assert response.status_code == 404, token
        assert b"This link is not valid" in response.content
        assert client.post(f"/r/{token}/phq9/", {"mode": "all", "q-9": "3"}).status_code == 404
        assert client.post(f"/r/{token}/").status_code == 404
        with pytest.raises(services.LinkUnavailable):
            answering.submit(token)
    assert _counts() == before
    assert _progress(issued.link) == progress


def test_a_revoked_link_is_refused(clinic):
    issued = issue(clinic)
    services.revoke_link(Actor(clinic.nurse), issued.link)
    before = _counts()
    response = Client().get(f"/r/{issued.token}/")
    assert response.status_code == 410
    assert b"withdrawn" in response.content
    assert _counts() == before


def test_a_link_answers_only_for_its_own_patient(clinic):
    other = PatientFactory(site=clinic.site_a, created_by=clinic.prescriber)
    mine = issue(clinic)
    theirs = issue(clinic, patient=other)
    answer_all(mine.token, mine.link, {"phq9": PHQ9_SAFE})
    # A section of another link's questionnaires is not part of this one.
    assert Client().get(f"/r/{mine.token}/gad7/").status_code == 404
    # Whatever else the patient posts, the link decides whose record it is.
    Client().post(
        f"/r/{mine.token}/",
        {"patient": str(other.public_id), "link": str(theirs.link.public_id)},
    )
    assert Assessment.objects.filter(patient=clinic.patient).count() == 1
    assert not Assessment.objects.filter(patient=other).exists()
    theirs.link.refresh_from_db()
    assert theirs.link.used_at is None
    assert theirs.link.progress == {}


def test_staff_cannot_reach_a_link_through_another_patients_page(clinic, login):
    other = PatientFactory(site=clinic.site_a, created_by=clinic.prescriber)
    theirs = issue(clinic, patient=other)
    client = login(clinic.nurse)
    url = f"/patients/{clinic.patient.public_id}/self-report/{theirs.link.public_id}/revoke/"
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    theirs.link.refresh_from_db()
    assert theirs.link.revoked_at is None


def test_a_reminder_replaces_the_token_and_keeps_the_answers(clinic):
    clinic.patient.email = "robin@example.org"
    clinic.patient.save()
    issued = issue(clinic, channel="email")
    answering.save_progress(issued.token, "phq9", {"1": 2})
    assert services.send_reminder(str(issued.link.public_id), 1) == "sent"
    with pytest.raises(services.LinkUnavailable) as old:
        services.find(issued.token)
    assert old.value.state == services.LinkState.UNKNOWN
    link = SelfReportLink.objects.get(pk=issued.link.pk)
    assert link.progress == {"phq9": {str(n): (2 if n == 1 else None) for n in range(1, 10)}}
    assert link.reminders_sent == 1
