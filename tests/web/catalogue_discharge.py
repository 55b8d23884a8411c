"""URL classification rows for the discharge pages and API (merged by url_catalogue.py)."""

from __future__ import annotations

from typing import Any

from tests.web.catalogue_types import Kwargs


def _ready(clinic: Any) -> dict[str, object]:
    from tests.web.infusions_factories_discharge import ready_session

    return {"session_id": ready_session(clinic).public_id}


def _esketamine(clinic: Any) -> dict[str, object]:
    from tests.web.infusions_factories_discharge import discharged

    return {"session_id": discharged(clinic, modality="esketamine").public_id}


PATIENT: dict[str, Kwargs] = {
    "infusions:discharge": _ready,
    "infusions:instructions": _ready,
    "infusions:record": _ready,
    "infusions:record_pdf": _ready,
    "infusions:rems": _esketamine,
    "infusions:rems_pdf": _esketamine,
}
PATIENT_DATA_LIST: set[str] = {"infusions:rems_tracker"}
NO_PATIENT_DATA: set[str] = set()
# Addressed by session id alone (/api/v1/sessions/{session_id}/...): the session names the
# patient, and the audit row of a read names the patient too.
API_PATIENT: set[str] = {
    "api:get_discharge_readiness",
    "api:start_session_recovery",
    "api:discharge_session",
    "api:draft_session_record_note",
    "api:get_session_record_pdf",
    "api:get_rems_form",
    "api:update_rems_form",
    "api:complete_rems_form",
    "api:mark_rems_submitted",
    "api:get_rems_pdf",
}
API_PATIENT_DATA_LIST: set[str] = {"api:list_rems_due"}
API_NO_PATIENT_DATA: set[str] = set()
