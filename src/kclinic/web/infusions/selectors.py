"""Reads of chair-side sessions, limited to what the user may see (404 otherwise)."""

from __future__ import annotations

import uuid

from django.http import Http404

from kclinic.web.accounts.models import User
from kclinic.web.courses.models import PlannedSession
from kclinic.web.infusions.models import InfusionSession
from kclinic.web.infusions.services_lifecycle import session_for
from kclinic.web.patients.selectors import visible_patients


def session_of(
    user: User, session_id: uuid.UUID, patient_id: uuid.UUID | None = None
) -> InfusionSession:
    """The chair-side session of the planned session `session_id` (the two share one public
    id), created in state scheduled on first use; 404 when the user may not see its patient
    or, with `patient_id`, when it belongs to another patient."""
    planned = (
        PlannedSession.objects.select_related("course__patient__site", "chair")
        .filter(public_id=session_id, course__patient__in=visible_patients(user))
        .first()
    )
    if planned is None or (
        patient_id is not None and planned.course.patient.public_id != patient_id
    ):
        raise Http404("No such session")
    return session_for(planned)
