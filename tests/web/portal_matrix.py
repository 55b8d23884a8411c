"""Permission-matrix rows for the portal pages and API (added by permission_matrix.py).

POST data is valid for every role the policy allows: a QR link needs no address on file.
"""

from __future__ import annotations

from typing import Any

from kclinic.web.accounts.policy import Action
from tests.web.matrix_types import Endpoint


def _link(clinic: Any) -> dict[str, object]:
    from tests.web.test_portal_support import link_kwargs

    return link_kwargs(clinic)


def _send(clinic: Any) -> dict[str, object]:
    # The front desk may send links but not record assessments: the answers are recorded in
    # the name of the site's on-call clinician (the clinic fixture's patient has no course).
    from tests.web.test_portal_support import on_call

    on_call(clinic)
    return {"instruments": ["phq9", "urinary-symptoms"], "channel": "qr", "context": "follow-up"}


def endpoints() -> list[Endpoint]:
    return [
        Endpoint("portal:patient", "GET", Action.VIEW_PATIENT),
        Endpoint("portal:patient", "POST", Action.SEND_SELF_REPORT, data=_send),
        Endpoint("portal:revoke", "GET", Action.VIEW_PATIENT, kwargs=_link),
        Endpoint("portal:revoke", "POST", Action.SEND_SELF_REPORT, kwargs=_link),
        Endpoint("portal:due", "GET", Action.SEND_SELF_REPORT, patient=False),
        Endpoint(
            "api:create_self_report_link",
            "POST",
            Action.SEND_SELF_REPORT,
            data=lambda c: {**_send(c), "instruments": ["phq9", "gad7"]},
        ),
        Endpoint("api:list_self_report_links", "GET", Action.VIEW_PATIENT),
        Endpoint("api:revoke_self_report_link", "POST", Action.SEND_SELF_REPORT, kwargs=_link),
        Endpoint("api:list_self_report_due", "GET", Action.SEND_SELF_REPORT, patient=False),
    ]
