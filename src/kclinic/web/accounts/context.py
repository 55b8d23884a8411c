"""Template context shared by every page."""

from __future__ import annotations

from django.http import HttpRequest

from kclinic.web.accounts.policy import Action, allowed


def staff(request: HttpRequest) -> dict[str, object]:
    user = request.user
    if not user.is_authenticated:
        return {}
    return {
        "can_view_patients": allowed(user, Action.VIEW_PATIENT),
        "can_view_clinical": allowed(user, Action.VIEW_CLINICAL),
        "can_view_audit": allowed(user, Action.VIEW_AUDIT),
        "can_view_inventory": allowed(user, Action.VIEW_INVENTORY),
        "can_view_dashboard": allowed(user, Action.VIEW_DASHBOARD),
        "can_send_self_report": allowed(user, Action.SEND_SELF_REPORT),
        "role_label": user.get_role_display(),
    }
