"""URL classification rows for the reports pages and API (merged by url_catalogue.py).

The dashboard and its CSV show aggregates over many patients: they are audited like a list
of patients' data. The research export is de-identified and compliance-only; it is in the
permission matrix and its own tests check the export audit row.
"""

from __future__ import annotations

from tests.web.catalogue_types import Kwargs

PATIENT: dict[str, Kwargs] = {
    "reports:patient_outcomes": lambda clinic: {},
    "reports:summary_letter": lambda clinic: {},
}
PATIENT_DATA_LIST: set[str] = {"reports:dashboard", "reports:dashboard_csv"}
NO_PATIENT_DATA: set[str] = {
    "reports:alternatives",
    "reports:research_export",
    "reports:research_export_csv",
    "reports:research_export_parquet",
}
API_PATIENT: set[str] = {"api:reports_patient_outcomes"}
API_PATIENT_DATA_LIST: set[str] = {"api:reports_dashboard"}
API_NO_PATIENT_DATA: set[str] = {"api:reports_benchmarks"}
