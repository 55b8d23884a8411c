"""Permission-matrix rows for the reports pages and API (added by permission_matrix.py)."""

from __future__ import annotations

from kclinic.web.accounts.policy import Action
from tests.web.matrix_types import Endpoint


def endpoints() -> list[Endpoint]:
    return [
        Endpoint("reports:dashboard", "GET", Action.VIEW_DASHBOARD, patient=False),
        Endpoint("reports:dashboard_csv", "GET", Action.VIEW_DASHBOARD, patient=False),
        Endpoint("reports:research_export", "GET", Action.RESEARCH_EXPORT, patient=False),
        Endpoint("reports:research_export_csv", "GET", Action.RESEARCH_EXPORT, patient=False),
        Endpoint("reports:research_export_parquet", "GET", Action.RESEARCH_EXPORT, patient=False),
        Endpoint("reports:patient_outcomes", "GET", Action.VIEW_CLINICAL),
        Endpoint("reports:summary_letter", "GET", Action.VIEW_CLINICAL),
        Endpoint("api:reports_dashboard", "GET", Action.VIEW_DASHBOARD, patient=False),
        Endpoint("api:reports_patient_outcomes", "GET", Action.VIEW_CLINICAL),
    ]
