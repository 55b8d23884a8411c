"""URL classification rows for the session pages and API (merged by url_catalogue.py).

The session API (/api/v1/sessions/{session_id}) is addressed by the session alone; it shows
one patient's data, so its operations are API_PATIENT rows."""

from __future__ import annotations

from typing import Any

from tests.web.catalogue_types import Kwargs


def _session(clinic: Any) -> dict[str, object]:
    from tests.web.infusions_factories_session import a_session

    return {"session_id": a_session(clinic).public_id}


PATIENT: dict[str, Kwargs] = {
    "infusions:session": _session,
    "infusions:checkin": _session,
    "infusions:prechecks": _session,
    "infusions:order": _session,
    "infusions:check": _session,
    "infusions:cancel": _session,
}
PATIENT_DATA_LIST: set[str] = {"infusions:today"}
NO_PATIENT_DATA: set[str] = set()
API_PATIENT: set[str] = {
    "api:get_infusion_session",
    "api:check_in_session",
    "api:record_session_prechecks",
    "api:review_session_precheck",
    "api:complete_session_prechecks",
    "api:order_session_dose",
    "api:double_check_session_dose",
    "api:cancel_infusion_session",
}
API_PATIENT_DATA_LIST: set[str] = set()
API_NO_PATIENT_DATA: set[str] = set()
