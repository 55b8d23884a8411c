"""The top navigation offers each person only the pages their role may open."""

from __future__ import annotations

import pytest
from django.urls import reverse

from kclinic.web.accounts.policy import POLICY, Action

LINKS = {
    "infusions:board": Action.VIEW_CLINICAL,
    "infusions:rems_tracker": Action.VIEW_CLINICAL,
    "tasks:list": Action.VIEW_CLINICAL,
    "portal:due": Action.SEND_SELF_REPORT,
    "inventory:safe": Action.VIEW_INVENTORY,
    "reports:dashboard": Action.VIEW_DASHBOARD,
}


@pytest.mark.parametrize("persona", ["prescriber", "nurse", "front_desk", "compliance", "auditor"])
def test_every_nav_link_opens_for_the_person_shown_it(clinic, login, persona):
    user = getattr(clinic, persona)
    client = login(user)
    page = client.get(reverse("patients:list")).content.decode()
    for name, action in LINKS.items():
        url = reverse(name)
        shown = f'href="{url}"' in page
        assert shown == (user.role in POLICY[action]), (name, persona)
        if shown:
            assert client.get(url).status_code == 200, (name, persona)
