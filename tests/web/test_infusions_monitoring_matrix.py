"""The monitoring page's POSTs really store what they say for a permitted nurse: a form
error also answers 302, so the shared permission matrix alone cannot tell."""

from __future__ import annotations

import pytest

from tests.web import permission_matrix  # noqa: F401  (first: it imports monitoring_matrix)
from tests.web.monitoring_matrix import endpoints
from tests.web.test_permissions import _request

POSTS = [e for e in endpoints() if e.name == "infusions:monitor" and e.method == "POST"]


@pytest.mark.parametrize("endpoint", POSTS)
def test_page_posts_do_what_they_say_for_a_nurse(clinic, endpoint):
    from kclinic.web.infusions.models import InfusionSession

    response = _request(clinic, endpoint, "nurse")
    assert response.status_code == 302, response.content[:2000]
    session = InfusionSession.objects.get(patient=clinic.patient)
    entry = endpoint.data(clinic)["entry"]
    stored = {
        "vitals": session.vitals.filter(phase="infusion").exists(),
        "ack": session.alarms.exclude(acknowledged_at=None).exists(),
        "pump": session.state == "paused",
        "scale": session.scales.exists(),
        "clinical": session.clinical_events.exists(),
        "abort": session.state == "aborted",
    }[entry]
    assert stored, entry
