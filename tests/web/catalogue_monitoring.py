"""URL classification rows for the monitoring pages and API (merged by url_catalogue.py)."""

from __future__ import annotations

from typing import Any

from tests.web.catalogue_types import Kwargs


def _live(clinic: Any) -> dict[str, object]:
    from kclinic.domain.session_states import State
    from tests.web.infusions_factories_monitoring import session_in

    return {"session_id": session_in(clinic, State.INFUSING).public_id}


PATIENT: dict[str, Kwargs] = {"infusions:monitor": _live}
PATIENT_DATA_LIST: set[str] = {"infusions:board"}
NO_PATIENT_DATA: set[str] = set()
# Addressed by session id alone (/api/v1/sessions/{session_id}/...): the session names the
# patient, so these are patient reads and writes.
API_PATIENT: set[str] = {
    "api:record_session_vitals",
    "api:list_session_vitals",
    "api:list_session_alarms",
    "api:acknowledge_session_alarm",
    "api:record_session_infusion_event",
    "api:record_session_scale",
    "api:record_session_clinical_event",
    "api:abort_infusion_session",
}
API_PATIENT_DATA_LIST: set[str] = {"api:get_chair_board"}
API_NO_PATIENT_DATA: set[str] = set()
