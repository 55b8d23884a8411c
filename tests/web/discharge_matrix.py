"""Permission-matrix rows for the discharge pages and API (added by permission_matrix.py).

The session API operations take no patient_id in their path (/api/v1/sessions/{session_id});
their rows say patient=True because the session is the clinic fixture's patient's, so
another site's staff must get 404. A harness that reverses them must pass patient_id only
to URLs that take it (tests/web/test_infusions_discharge_matrix.py does).
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from kclinic.web.accounts.policy import Action
from tests.web.matrix_types import Endpoint


def _ready(clinic: Any) -> dict[str, object]:
    from tests.web.infusions_factories_discharge import ready_session

    return {"session_id": ready_session(clinic).public_id}


def _ended(clinic: Any) -> dict[str, object]:
    from tests.web.infusions_factories_discharge import dosed

    return {"session_id": dosed(clinic, recovery=False).public_id}


def _esketamine(clinic: Any) -> dict[str, object]:
    from tests.web.infusions_factories_discharge import discharged

    return {"session_id": discharged(clinic, modality="esketamine").public_id}


def _answered(clinic: Any) -> dict[str, object]:
    # Every clinician answer given (by the nurse): the form can be completed.
    from kclinic.web.audit.services import Actor
    from kclinic.web.infusions.services_rems import save_rems
    from tests.web.infusions_factories_discharge import CLINICIAN_ANSWERS, discharged

    session = discharged(clinic, modality="esketamine")
    save_rems(Actor(clinic.nurse), session, CLINICIAN_ANSWERS, medications_confirmed=True)
    return {"session_id": session.public_id}


def _completed(clinic: Any) -> dict[str, object]:
    from kclinic.web.audit.services import Actor
    from kclinic.web.infusions.models import InfusionSession
    from kclinic.web.infusions.services_rems import complete_rems

    kwargs = _answered(clinic)
    complete_rems(Actor(clinic.nurse), InfusionSession.objects.get(public_id=kwargs["session_id"]))
    return kwargs


def _version(clinic: Any) -> int:
    from tests.web.infusions_factories_discharge import latest_session

    return latest_session(clinic).version


def _discharge_page(clinic: Any) -> dict[str, object]:
    return {
        "action": "discharge",
        "version": _version(clinic),
        "escort_present": "on",
        "escort_name": "Sam Hart",
    }


def _discharge_api(clinic: Any) -> dict[str, object]:
    return {"escort_present": True, "escort_name": "Sam Hart", "version": _version(clinic)}


def _answers(clinic: Any) -> dict[str, object]:
    from tests.web.infusions_factories_discharge import CLINICIAN_ANSWERS

    return {"answers": CLINICIAN_ANSWERS, "medications_confirmed": True}


PAGES = [
    Endpoint("infusions:discharge", "GET", Action.VIEW_CLINICAL, kwargs=_ready),
    Endpoint(
        "infusions:discharge", "POST", Action.DISCHARGE_PATIENT, kwargs=_ready, data=_discharge_page
    ),
    Endpoint("infusions:instructions", "GET", Action.VIEW_CLINICAL, kwargs=_ready),
    Endpoint("infusions:record", "GET", Action.VIEW_CLINICAL, kwargs=_ready),
    Endpoint("infusions:record", "POST", Action.WRITE_NOTE, kwargs=_ready),
    Endpoint("infusions:record_pdf", "GET", Action.VIEW_CLINICAL, kwargs=_ready),
    Endpoint("infusions:rems", "GET", Action.VIEW_CLINICAL, kwargs=_esketamine),
    Endpoint(
        "infusions:rems",
        "POST",
        Action.SUBMIT_REMS,
        kwargs=_esketamine,
        data=lambda c: {"action": "save", "hcp_telephone": "555-0199"},
    ),
    Endpoint("infusions:rems_pdf", "GET", Action.VIEW_CLINICAL, kwargs=_esketamine),
    Endpoint("infusions:rems_tracker", "GET", Action.VIEW_CLINICAL, patient=False),
    Endpoint("api:list_rems_due", "GET", Action.VIEW_CLINICAL, patient=False),
]

SESSION_API = [
    Endpoint("api:get_discharge_readiness", "GET", Action.VIEW_CLINICAL, kwargs=_ready),
    Endpoint(
        "api:start_session_recovery",
        "POST",
        Action.RUN_SESSION,
        kwargs=_ended,
        data=lambda c: {"version": _version(c)},
    ),
    Endpoint(
        "api:discharge_session",
        "POST",
        Action.DISCHARGE_PATIENT,
        kwargs=_ready,
        data=_discharge_api,
    ),
    Endpoint("api:draft_session_record_note", "POST", Action.WRITE_NOTE, kwargs=_ready),
    Endpoint("api:get_session_record_pdf", "GET", Action.VIEW_CLINICAL, kwargs=_ready),
    Endpoint("api:get_rems_form", "GET", Action.VIEW_CLINICAL, kwargs=_esketamine),
    Endpoint("api:update_rems_form", "PUT", Action.SUBMIT_REMS, kwargs=_esketamine, data=_answers),
    Endpoint("api:complete_rems_form", "POST", Action.SUBMIT_REMS, kwargs=_answered),
    Endpoint(
        "api:mark_rems_submitted",
        "POST",
        Action.SUBMIT_REMS,
        kwargs=_completed,
        data=lambda c: {"submitted_on": timezone.localdate().isoformat(), "reference": "R-1"},
    ),
    Endpoint("api:get_rems_pdf", "GET", Action.VIEW_CLINICAL, kwargs=_esketamine),
]


def endpoints() -> list[Endpoint]:
    return PAGES + SESSION_API
