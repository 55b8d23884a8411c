"""URL classification rows for the monitoring pages and API (merged by url_catalogue.py)."""

from __future__ import annotations

from tests.web.catalogue_types import Kwargs

PATIENT: dict[str, Kwargs] = {}
PATIENT_DATA_LIST: set[str] = set()
NO_PATIENT_DATA: set[str] = set()
API_PATIENT: set[str] = set()
API_PATIENT_DATA_LIST: set[str] = set()
API_NO_PATIENT_DATA: set[str] = set()
