"""The demo's portal data: on-call clinicians, links sent, open urgent tasks, due items."""

from __future__ import annotations

from django.utils import timezone

from kclinic.web.audit.services import verify
from kclinic.web.demo.loader import _organisation, load
from kclinic.web.demo.portal import load_portal
from kclinic.web.patients.models import Patient
from kclinic.web.portal.models import RiskRoute, SelfReportLink, SiteOnCall
from kclinic.web.portal.selectors import due_rows


def test_load_portal_is_populated_and_idempotent(db):
    load(patients_count=16, parts=())  # the patients only: this test loads the portal part
    sites, users = _organisation()
    today = timezone.localdate()
    sent = load_portal(today, sites, users)
    assert sent == SelfReportLink.objects.count() >= 4
    assert SiteOnCall.objects.count() == 2
    open_urgent = RiskRoute.objects.filter(task__status="open", task__priority="urgent")
    assert open_urgent.filter(stage="submitted").exists()
    assert open_urgent.filter(stage="answered").exists()
    # The demo's on-call prescribers are assigned the urgent tasks.
    assert all(route.task.assigned_to.exists() for route in open_urgent)
    assert SelfReportLink.objects.filter(used_at__isnull=False).exists()
    assert SelfReportLink.objects.filter(used_at=None).exists()
    assert due_rows(Patient.objects.all(), timezone.now())
    before = (SelfReportLink.objects.count(), RiskRoute.objects.count(), SiteOnCall.objects.count())
    assert load_portal(today, sites, users) == 0
    after = (SelfReportLink.objects.count(), RiskRoute.objects.count(), SiteOnCall.objects.count())
    assert after == before
    assert verify()[1] is None
