"""What every patient page does: find the patient the user may see, audit the view, build the
banner; and how a core ValidationError becomes a form error on the named field."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone
from django_htmx.middleware import HtmxDetails

from kclinic.domain.errors import KclinicError, ValidationError
from kclinic.web.accounts.models import User
from kclinic.web.accounts.policy import Action, allowed
from kclinic.web.audit.services import Actor, record
from kclinic.web.patients.models import Patient
from kclinic.web.patients.selectors import banner, patient_for


class AuthedRequest(HttpRequest):
    """A request behind `login_required`: its user is a signed-in staff member."""

    user: User
    htmx: HtmxDetails


# Tabs that show clinical detail need view_clinical; the rest need view_patient (front desk
# sees demographics and the schedule, not scores, notes or safety tasks).
CLINICAL_PAGES = frozenset({"screening", "assessments", "notes", "tasks"})


def patient_page(
    request: AuthedRequest, patient_id: uuid.UUID, page: str, *, audit: bool = True
) -> tuple[Patient, dict[str, Any]]:
    """The patient (404 if not visible), with the page context holding the banner.

    Raises PermissionDenied when the user's role may not see this page. Every GET of a page
    that shows patient data writes a `view` audit row naming the page.
    """
    patient = patient_for(request.user, patient_id)
    clinical = allowed(request.user, Action.VIEW_CLINICAL, patient.site)
    if page in CLINICAL_PAGES and not clinical:
        raise PermissionDenied(f"{page} needs view_clinical")
    if audit and request.method == "GET":
        record(
            Actor.from_request(request),
            "view",
            patient_public_id=patient.public_id,
            object_type="page",
            object_id=page,
        )
    context = {
        "banner": banner(patient, timezone.localdate(), show_clinical=clinical),
        "tab": page,
        "can_view_clinical": clinical,
    }
    return patient, context


def attach_error(form: forms.Form, error: KclinicError) -> None:
    """Show a core error on the field it names, or on the form as a whole."""
    field = getattr(error, "field", None)
    if isinstance(error, ValidationError) and field in form.fields:
        form.add_error(field, str(error))
    else:
        form.add_error(None, str(error))
