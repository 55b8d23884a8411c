"""Who may do what: the written permission policy (docs/security.md), enforced in services.

Default deny: an action not listed for a role is refused. Patient data is further limited to
the sites a user belongs to, so staff of another site see nothing of a patient they have no
relation to. Views and API endpoints call the same services, so the policy holds on every path.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied

from kclinic.web.accounts.models import Role

if TYPE_CHECKING:
    from kclinic.web.accounts.models import Site, User


class Action(StrEnum):
    VIEW_PATIENT = "view_patient"  # banner, demographics, schedule
    VIEW_CLINICAL = "view_clinical"  # screenings, assessments, notes, courses' clinical detail
    REGISTER_PATIENT = "register_patient"
    EDIT_DEMOGRAPHICS = "edit_demographics"
    RECORD_CLINICAL_DATA = "record_clinical_data"  # allergies, medications, diagnoses, weight
    SCREEN_ELIGIBILITY = "screen_eligibility"
    OVERRIDE_SCREENING = "override_screening"
    RECORD_CONSENT = "record_consent"
    MANAGE_COURSE = "manage_course"
    SCHEDULE_SESSION = "schedule_session"
    RECORD_ASSESSMENT = "record_assessment"
    RESOLVE_SAFETY_TASK = "resolve_safety_task"
    WRITE_NOTE = "write_note"
    SIGN_NOTE = "sign_note"
    VIEW_AUDIT = "view_audit"
    EXPORT_AUDIT = "export_audit"
    # Chair-side sessions (issue 4)
    CHECK_IN = "check_in"
    RECORD_PRECHECKS = "record_prechecks"
    ORDER_DOSE = "order_dose"
    VERIFY_DOSE = "verify_dose"
    RUN_SESSION = "run_session"  # infusion events, vitals, scales, side effects, alarms
    CANCEL_SESSION = "cancel_session"
    DISCHARGE_PATIENT = "discharge_patient"
    OVERRIDE_DISCHARGE = "override_discharge"
    SUBMIT_REMS = "submit_rems"
    # Controlled-substance ledger (issue 5)
    VIEW_INVENTORY = "view_inventory"
    RECEIVE_STOCK = "receive_stock"
    TRANSFER_STOCK = "transfer_stock"
    DISPENSE_STOCK = "dispense_stock"  # dispense, administer, return, waste
    COUNT_STOCK = "count_stock"
    RESOLVE_DISCREPANCY = "resolve_discrepancy"
    DESTROY_STOCK = "destroy_stock"  # destruction (DEA 41) and loss or theft (DEA 106)
    INVENTORY_REPORTS = "inventory_reports"
    # Measurement-based care and outcomes (issue 6)
    SEND_SELF_REPORT = "send_self_report"  # single-use patient links
    VIEW_DASHBOARD = "view_dashboard"  # clinic outcomes against benchmarks
    RESEARCH_EXPORT = "research_export"  # de-identified export


P, N, F, C, A, X = (
    Role.PRESCRIBER,
    Role.NURSE,
    Role.FRONT_DESK,
    Role.COMPLIANCE,
    Role.AUDITOR,
    Role.ADMIN,
)

POLICY: dict[Action, frozenset[str]] = {
    Action.VIEW_PATIENT: frozenset({P, N, F, C, A}),
    Action.VIEW_CLINICAL: frozenset({P, N, C, A}),
    Action.REGISTER_PATIENT: frozenset({P, N, F}),
    Action.EDIT_DEMOGRAPHICS: frozenset({P, N, F}),
    Action.RECORD_CLINICAL_DATA: frozenset({P, N}),
    Action.SCREEN_ELIGIBILITY: frozenset({P, N}),
    Action.OVERRIDE_SCREENING: frozenset({P}),
    Action.RECORD_CONSENT: frozenset({P, N}),
    Action.MANAGE_COURSE: frozenset({P}),
    Action.SCHEDULE_SESSION: frozenset({P, N, F}),
    Action.RECORD_ASSESSMENT: frozenset({P, N}),
    Action.RESOLVE_SAFETY_TASK: frozenset({P}),
    Action.WRITE_NOTE: frozenset({P, N}),
    Action.SIGN_NOTE: frozenset({P, N}),
    Action.VIEW_AUDIT: frozenset({C, A}),
    Action.EXPORT_AUDIT: frozenset({C}),
    Action.CHECK_IN: frozenset({P, N, F}),
    Action.RECORD_PRECHECKS: frozenset({P, N}),
    Action.ORDER_DOSE: frozenset({P}),
    Action.VERIFY_DOSE: frozenset({P, N}),
    Action.RUN_SESSION: frozenset({P, N}),
    Action.CANCEL_SESSION: frozenset({P, N, F}),
    Action.DISCHARGE_PATIENT: frozenset({P, N}),
    Action.OVERRIDE_DISCHARGE: frozenset({P}),
    Action.SUBMIT_REMS: frozenset({P, N}),
    Action.VIEW_INVENTORY: frozenset({P, N, C, A}),
    Action.RECEIVE_STOCK: frozenset({P, N, C}),
    Action.TRANSFER_STOCK: frozenset({P, N, C}),
    Action.DISPENSE_STOCK: frozenset({P, N}),
    Action.COUNT_STOCK: frozenset({P, N, C}),
    Action.RESOLVE_DISCREPANCY: frozenset({C}),
    Action.DESTROY_STOCK: frozenset({C}),
    Action.INVENTORY_REPORTS: frozenset({C, A}),
    Action.SEND_SELF_REPORT: frozenset({P, N, F}),
    Action.VIEW_DASHBOARD: frozenset({P, C}),
    Action.RESEARCH_EXPORT: frozenset({C}),
}
# Administrators manage accounts and sites in the admin; they see no patient data.


def allowed(user: User, action: Action, site: Site | None = None) -> bool:
    """True when the user's role may do `action` and, for patient data, belongs to `site`."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.role not in POLICY[action]:
        return False
    return site is None or site.pk in _site_ids(user)


def _site_ids(user: User) -> frozenset[int]:
    # Looked up once per user object (one request, or one loader run), not once per check.
    cached: frozenset[int] | None = getattr(user, "_kclinic_site_ids", None)
    if cached is None:
        cached = frozenset(user.sites.values_list("pk", flat=True))
        user._kclinic_site_ids = cached  # type: ignore[attr-defined]
    return cached


def require(user: User, action: Action, site: Site | None = None) -> None:
    """Raise PermissionDenied unless `allowed`."""
    if not allowed(user, action, site):
        raise PermissionDenied(f"{action.value} is not permitted for this user here")
