"""Permission-matrix rows for the monitoring pages and API (added by permission_matrix.py).

The session API operations take no patient_id in their path (/api/v1/sessions/{session_id});
their rows say patient=True because the session is the clinic fixture's patient's, so staff
who cannot see that patient must get 404. A harness that reverses them must pass patient_id
only to the URLs that take it (tests/web/test_infusions_monitoring_matrix.py does).

POST data is valid for every role the policy allows, so a permitted role is never refused
for a reason other than permission.
"""

from __future__ import annotations

from typing import Any

from kclinic.web.accounts.policy import Action
from tests.web.matrix_types import Endpoint


def _live(clinic: Any) -> dict[str, object]:
    """An IV session of the clinic's patient, infusing since 20 min ago."""
    from kclinic.domain.session_states import State
    from tests.web.infusions_factories_monitoring import session_in

    return {"session_id": session_in(clinic, State.INFUSING).public_id}


def _alarmed(clinic: Any) -> dict[str, object]:
    """The same, with one open alarm (SpO2 92 %)."""
    from kclinic.web.audit.services import Actor
    from kclinic.web.infusions.models import InfusionSession
    from kclinic.web.infusions.services_monitoring import record_vitals

    kwargs = _live(clinic)
    session = InfusionSession.objects.get(public_id=kwargs["session_id"])
    done = record_vitals(Actor(clinic.nurse), session, sbp_mmhg=130, dbp_mmhg=80, spo2_pct=92)
    return kwargs | {"alarm_id": done.alarms[0].public_id}


def _alarmed_session(clinic: Any) -> dict[str, object]:
    return {"session_id": _alarmed(clinic)["session_id"]}


def _open_alarm(clinic: Any) -> str:
    from kclinic.web.infusions.models import Alarm

    alarm = Alarm.objects.filter(session__patient=clinic.patient, acknowledged_at=None).last()
    return str(alarm.public_id) if alarm else ""


PAGES = [
    Endpoint("infusions:monitor", "GET", Action.VIEW_CLINICAL, kwargs=_live),
    Endpoint(
        "infusions:monitor",
        "POST",
        Action.RUN_SESSION,
        kwargs=_live,
        data=lambda c: {"entry": "vitals", "sbp_mmhg": "132", "dbp_mmhg": "82", "source": "manual"},
    ),
    Endpoint(
        "infusions:monitor",
        "POST",
        Action.RUN_SESSION,
        kwargs=_alarmed_session,
        data=lambda c: {"entry": "ack", "alarm": _open_alarm(c), "action": "observed"},
    ),
    Endpoint(
        "infusions:monitor",
        "POST",
        Action.RUN_SESSION,
        kwargs=_live,
        data=lambda c: {"entry": "pump", "event": "pause", "note": "patient asked"},
    ),
    Endpoint(
        "infusions:monitor",
        "POST",
        Action.RUN_SESSION,
        kwargs=_live,
        data=lambda c: {
            "entry": "scale",
            "instrument": "moaas",
            "time_point": "40 min",
            "moaas": "5",
        },
    ),
    Endpoint(
        "infusions:monitor",
        "POST",
        Action.RUN_SESSION,
        kwargs=_live,
        data=lambda c: {"entry": "clinical", "kind": "side_effect", "description": "Nausea"},
    ),
    Endpoint(
        "infusions:monitor",
        "POST",
        Action.RUN_SESSION,
        kwargs=_live,
        data=lambda c: {"entry": "abort", "reason": "BP 210/125, prescriber stopped it"},
    ),
    Endpoint("infusions:board", "GET", Action.VIEW_CLINICAL, patient=False),
]

SESSION_API = [
    Endpoint(
        "api:record_session_vitals",
        "POST",
        Action.RUN_SESSION,
        kwargs=_live,
        data=lambda c: {"sbp_mmhg": 132, "dbp_mmhg": 82, "hr_bpm": 80},
    ),
    Endpoint("api:list_session_vitals", "GET", Action.VIEW_CLINICAL, kwargs=_live),
    Endpoint("api:list_session_alarms", "GET", Action.VIEW_CLINICAL, kwargs=_alarmed_session),
    Endpoint(
        "api:acknowledge_session_alarm",
        "POST",
        Action.RUN_SESSION,
        kwargs=_alarmed,
        data=lambda c: {"action": "observed", "note": "rechecked"},
    ),
    Endpoint(
        "api:record_session_infusion_event",
        "POST",
        Action.RUN_SESSION,
        kwargs=_live,
        data=lambda c: {"kind": "pause", "note": "patient asked"},
    ),
    Endpoint(
        "api:record_session_scale",
        "POST",
        Action.RUN_SESSION,
        kwargs=_live,
        data=lambda c: {"instrument_id": "moaas", "answers": [5], "time_point": "40 min"},
    ),
    Endpoint(
        "api:record_session_clinical_event",
        "POST",
        Action.RUN_SESSION,
        kwargs=_live,
        data=lambda c: {"kind": "side_effect", "description": "Nausea"},
    ),
    Endpoint(
        "api:abort_infusion_session",
        "POST",
        Action.RUN_SESSION,
        kwargs=_live,
        data=lambda c: {"reason": "BP 210/125, prescriber stopped it"},
    ),
    Endpoint("api:get_chair_board", "GET", Action.VIEW_CLINICAL, patient=False),
]


def endpoints() -> list[Endpoint]:
    return PAGES + SESSION_API
