"""Permission-matrix rows for the session pages and API (added by permission_matrix.py).

POST data is valid for every role the policy allows, so a permitted role is never refused
for another reason; it reads the version of the session the kwargs built. The session API
operations take no patient_id in their path (/api/v1/sessions/{session_id}); their rows say
patient=True because the session is the clinic fixture's patient's, so another site's staff
must get 404. tests/web/test_infusions_session_matrix.py runs these rows passing patient_id
only to the URLs that take it.
"""

from __future__ import annotations

from typing import Any

from kclinic.web.accounts.policy import Action
from tests.web.matrix_types import Endpoint


def _latest(clinic: Any) -> Any:
    from kclinic.web.infusions.models import InfusionSession

    return InfusionSession.objects.filter(patient=clinic.patient).order_by("-pk").first()


def _version(clinic: Any) -> int:
    return int(_latest(clinic).version)


def _scheduled(clinic: Any) -> dict[str, object]:
    from tests.web.courses_factories import a_chair
    from tests.web.infusions_factories_session import a_session

    a_chair(clinic.site_a)
    return {"session_id": a_session(clinic).public_id}


def _checked_in(clinic: Any) -> dict[str, object]:
    from tests.web.infusions_factories_session import checked_in, weighed

    weighed(clinic)
    return {"session_id": checked_in(clinic).public_id}


def _blocked(clinic: Any) -> dict[str, object]:
    # A high C-SSRS today: the checklist waits for a prescriber's review.
    from tests.web.infusions_factories_session import (
        CSSRS_HIGH,
        checked_in,
        facts_on_record,
        record_all,
    )

    facts_on_record(clinic, cssrs=CSSRS_HIGH)
    session = checked_in(clinic)
    record_all(clinic, session)
    return {"session_id": session.public_id}


def _all_recorded(clinic: Any) -> dict[str, object]:
    from tests.web.infusions_factories_session import checked_in, facts_on_record, record_all

    facts_on_record(clinic)
    session = checked_in(clinic)
    record_all(clinic, session)
    return {"session_id": session.public_id}


def _ready_to_check(clinic: Any) -> dict[str, object]:
    from tests.web.infusions_factories_session import ready_to_check

    return {"session_id": ready_to_check(clinic)[0].public_id}


def _chair(clinic: Any) -> str:
    from kclinic.web.accounts.models import Chair

    return str(Chair.objects.get(site=clinic.site_a, name="Chair 1").public_id)


def _order_id(clinic: Any) -> str:
    from kclinic.web.infusions.services_orders import active_order

    return str(active_order(_latest(clinic)).public_id)


_REVIEW = {"item": "cssrs", "reason": "Seen in person: passive thoughts, safety plan in place"}
_REASON = "Patient unwell today, rebook next week"
_ORDER = {"mg_per_kg": "0.5", "minutes": "40", "vial_mg_per_ml": "10", "bag_ml": "100"}
_MATCHING = {"weight_kg": "80", "vial_mg_per_ml": "10", "rate_ml_per_h": "150"}


def endpoints() -> list[Endpoint]:
    return [
        # pages
        Endpoint("infusions:today", "GET", Action.VIEW_PATIENT, patient=False),
        Endpoint("infusions:session", "GET", Action.VIEW_PATIENT, kwargs=_scheduled),
        Endpoint("infusions:checkin", "GET", Action.CHECK_IN, kwargs=_scheduled),
        Endpoint(
            "infusions:checkin",
            "POST",
            Action.CHECK_IN,
            kwargs=_scheduled,
            data=lambda c: {"version": _version(c), "chair": _chair(c)},
        ),
        Endpoint("infusions:prechecks", "GET", Action.VIEW_CLINICAL, kwargs=_checked_in),
        Endpoint(
            "infusions:prechecks",
            "POST",
            Action.RECORD_PRECHECKS,
            kwargs=_checked_in,
            data=lambda c: {"action": "record", "version": _version(c), "fasting_hours": "8"},
        ),
        Endpoint(
            "infusions:prechecks",
            "POST",
            Action.RESOLVE_SAFETY_TASK,
            kwargs=_blocked,
            data=lambda c: {"action": "review", "version": _version(c), **_REVIEW},
        ),
        Endpoint(
            "infusions:prechecks",
            "POST",
            Action.RECORD_PRECHECKS,
            kwargs=_all_recorded,
            data=lambda c: {"action": "complete", "version": _version(c)},
        ),
        Endpoint("infusions:order", "GET", Action.VIEW_CLINICAL, kwargs=_checked_in),
        Endpoint(
            "infusions:order",
            "POST",
            Action.ORDER_DOSE,
            kwargs=_checked_in,
            data=lambda c: {"supersedes": "", **_ORDER},
        ),
        Endpoint("infusions:check", "GET", Action.VERIFY_DOSE, kwargs=_ready_to_check),
        Endpoint(
            "infusions:check",
            "POST",
            Action.VERIFY_DOSE,
            kwargs=_ready_to_check,
            data=lambda c: {"version": _version(c), "order": _order_id(c), **_MATCHING},
        ),
        Endpoint("infusions:cancel", "GET", Action.CANCEL_SESSION, kwargs=_scheduled),
        Endpoint(
            "infusions:cancel",
            "POST",
            Action.CANCEL_SESSION,
            kwargs=_scheduled,
            data=lambda c: {"version": _version(c), "reason": _REASON},
        ),
        # API
        Endpoint("api:get_infusion_session", "GET", Action.VIEW_PATIENT, kwargs=_scheduled),
        Endpoint(
            "api:check_in_session",
            "POST",
            Action.CHECK_IN,
            kwargs=_scheduled,
            data=lambda c: {"version": _version(c), "chair": _chair(c)},
        ),
        Endpoint(
            "api:record_session_prechecks",
            "POST",
            Action.RECORD_PRECHECKS,
            kwargs=_checked_in,
            data=lambda c: {"fasting_hours": 8},
        ),
        Endpoint(
            "api:review_session_precheck",
            "POST",
            Action.RESOLVE_SAFETY_TASK,
            kwargs=_blocked,
            data=lambda c: _REVIEW,
        ),
        Endpoint(
            "api:complete_session_prechecks",
            "POST",
            Action.RECORD_PRECHECKS,
            kwargs=_all_recorded,
            data=lambda c: {"version": _version(c)},
        ),
        Endpoint(
            "api:order_session_dose",
            "POST",
            Action.ORDER_DOSE,
            kwargs=_checked_in,
            data=lambda c: _ORDER,
        ),
        Endpoint(
            "api:double_check_session_dose",
            "POST",
            Action.VERIFY_DOSE,
            kwargs=_ready_to_check,
            data=lambda c: {"version": _version(c), "order": _order_id(c), **_MATCHING},
        ),
        Endpoint(
            "api:cancel_infusion_session",
            "POST",
            Action.CANCEL_SESSION,
            kwargs=_scheduled,
            data=lambda c: {"version": _version(c), "reason": _REASON},
        ),
    ]
