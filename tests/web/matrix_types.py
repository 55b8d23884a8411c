"""One row of the permission matrix, apart from permission_matrix.py so that the per-app
matrix modules it merges can import it without importing it back (see catalogue_types.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kclinic.web.accounts.policy import Action


@dataclass(frozen=True)
class Endpoint:
    name: str  # URL name, e.g. "patients:chart" or "api:get_patient"
    method: str
    action: Action
    patient: bool = True  # takes the patient_id of the clinic fixture's patient
    kwargs: Callable[[Any], dict[str, object]] = field(default=lambda clinic: {})
    data: Callable[[Any], dict[str, object]] = field(default=lambda clinic: {})
