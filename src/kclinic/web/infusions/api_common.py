"""What the session API modules share: the error envelope's schema and the way an endpoint
finds its session (404 when the patient is not visible; a read needs view_clinical and is
audited naming the patient).

No `from __future__ import annotations`: ninja resolves the annotations at runtime.
"""

import uuid

from ninja import Schema

from kclinic.web.accounts.policy import Action, require
from kclinic.web.audit.services import Actor, record
from kclinic.web.common.views import AuthedRequest
from kclinic.web.infusions.models import InfusionSession
from kclinic.web.infusions.selectors import session_of


class ErrorOut(Schema):
    error: dict[str, object]


# The error envelope of src/kclinic/web/api.py, documented on every operation.
ERRORS: dict[int, type[Schema]] = {403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut}


def session_for_api(
    request: AuthedRequest, session_id: uuid.UUID, read: str = ""
) -> InfusionSession:
    """The session (404 when its patient is not visible); for a read (`read` names what is
    read), check view_clinical and audit the view naming the patient."""
    session = session_of(request.user, session_id)
    if read:
        require(request.user, Action.VIEW_CLINICAL, session.site)
        record(
            Actor.from_request(request),
            "view",
            patient_public_id=session.patient.public_id,
            object_type="api",
            object_id=read,
            detail={"session": str(session.public_id)},
        )
    return session
