"""The clinic's chair-side policies: each is the cited default with the matching section of
the clinic's protocol file (KCLINIC_PROTOCOL_FILE) applied. A bad file is the clinic's
configuration, not the nurse's input, so it raises ConfigurationError, and `problems()` lets a
start-up system check (apps.py) stop the server before any nurse meets it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from kclinic.domain import session_orders
from kclinic.domain.dosing import DEFAULT_PROTOCOL, DosingProtocol
from kclinic.domain.errors import ConfigurationError, ValidationError
from kclinic.domain.monitoring import VitalSignPolicy
from kclinic.domain.monitoring_discharge import DischargePolicy
from kclinic.domain.monitoring_protocol import (
    discharge_policy_from_overrides,
    vital_sign_policy_from_overrides,
)
from kclinic.domain.prechecks_policy import (
    CLINIC_PROTOCOL,
    PrecheckPolicy,
    precheck_policy_from_overrides,
)
from kclinic.web.infusions import protocol


def vital_policy() -> VitalSignPolicy:
    """Vital-sign thresholds ("vital_signs"; docs/clinical/monitoring.md)."""
    try:
        return vital_sign_policy_from_overrides(protocol.section("vital_signs"), protocol.source())
    except ValidationError as error:
        raise ConfigurationError(f"KCLINIC_PROTOCOL_FILE: {error}") from error


def discharge_policy() -> DischargePolicy:
    """Discharge criteria ("discharge"; docs/clinical/discharge.md)."""
    try:
        return discharge_policy_from_overrides(protocol.section("discharge"), protocol.source())
    except ValidationError as error:
        raise ConfigurationError(f"KCLINIC_PROTOCOL_FILE: {error}") from error


def precheck_policy() -> PrecheckPolicy:
    """The pre-infusion checklist ("prechecks"; docs/clinical/prechecks.md)."""
    try:
        source = replace(CLINIC_PROTOCOL, citation=protocol.source() or CLINIC_PROTOCOL.citation)
        return precheck_policy_from_overrides(protocol.section("prechecks"), source)
    except ValidationError as error:
        raise ConfigurationError(f"KCLINIC_PROTOCOL_FILE: {error}") from error


def dosing_protocol() -> DosingProtocol:
    """Dose limits ("dosing"; docs/clinical/dosing.md)."""
    overrides = protocol.section("dosing")
    if not overrides:
        return DEFAULT_PROTOCOL
    try:
        source = replace(
            session_orders.CLINIC_DOSING, citation=protocol.source() or "clinic protocol"
        )
        return session_orders.dosing_protocol_from_overrides(overrides, source)
    except ValidationError as error:
        raise ConfigurationError(f"KCLINIC_PROTOCOL_FILE: {error}") from error


BUILDERS: tuple[Callable[[], object], ...] = (
    vital_policy,
    discharge_policy,
    precheck_policy,
    dosing_protocol,
)


def problems() -> list[str]:
    """What is wrong with the clinic's protocol file (empty when every section applies)."""
    try:
        protocol.source()  # reads the file: one message when it is missing or not an object
    except ConfigurationError as error:
        return [str(error)]
    found = []
    for build in BUILDERS:
        try:
            build()
        except ConfigurationError as error:
            found.append(str(error))
    return found
