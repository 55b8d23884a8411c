"""Recovery and discharge services: readiness from the stored data, refusal until ready, the
prescriber's override, the esketamine 120-minute minimum, the planned session completed."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from kclinic.domain.errors import ValidationError
from kclinic.web.audit.models import AuditEvent
from kclinic.web.audit.services import Actor
from kclinic.web.courses.models import SessionStatus
from kclinic.web.infusions import services_discharge as services
from kclinic.web.infusions.models import Discharge
from tests.web.infusions_factories_discharge import (
    dosed,
    minutes_ago,
    planned_session,
    ready_session,
    scale,
    vitals,
)


def _discharge(actor_user, session, **extra):
    args = {"escort_present": True, "escort_name": "Sam Hart", "escort_relationship": "partner"}
    return services.discharge(Actor(actor_user), session, **(args | extra))


def _unmet(verdict) -> set[str]:
    return {c.id for c in verdict.unmet}


def test_ready_session_waits_only_for_the_escort(clinic):
    session = ready_session(clinic)
    assert _unmet(services.readiness(session)) == {"escort"}
    confirmed = services.readiness(session, escort_present=True)
    assert confirmed.ready
    assert [c.id for c in confirmed.criteria] == [
        "observation-time",
        "aldrete",
        "systolic-baseline",
        "diastolic-baseline",
        "moaas",
        "escort",
    ]
    assert confirmed.aldrete_total == 10


def test_missing_data_are_named_not_guessed(clinic):
    session = dosed(clinic)  # in recovery, no vitals and no scales
    verdict = services.readiness(session, escort_present=True)
    details = {c.id: c.detail for c in verdict.unmet}
    assert set(details) == {"aldrete", "systolic-baseline", "diastolic-baseline", "moaas"}
    assert "baseline" in details["systolic-baseline"]
    assert "MOAA/S" in details["moaas"]
    assert verdict.aldrete_total is None


def test_readiness_uses_the_latest_scales_and_vitals(clinic):
    # 185/105 against 130/80: systolic +55 (Aldrete circulation 0, total 8), diastolic +25.
    session = ready_session(clinic, moaas=4, last_bp=(185, 105))
    verdict = services.readiness(session, escort_present=True)
    assert _unmet(verdict) == {"moaas", "systolic-baseline", "diastolic-baseline", "aldrete"}
    # A later MOAA/S of 5 and a BP back near baseline: ready (circulation back to 2 points).
    scale(clinic, session, "moaas", [5], minutes_ago(1))
    vitals(clinic, session, minutes_ago(1), 134, 84)
    assert services.readiness(session, escort_present=True).ready


def test_readiness_is_refused_before_dosing(clinic):
    with pytest.raises(ValidationError, match="dosing has started"):
        services.readiness(planned_session(clinic))


@pytest.mark.parametrize(
    ("modality", "minutes", "met"),
    [
        ("esketamine", 115, False),  # REMS: 2 h from the first device
        ("esketamine", 125, True),
        ("iv", 115, True),  # IV: 60 min after a 40-min infusion ended 75 min ago
    ],
)
def test_minimum_observation_per_modality(clinic, modality, minutes, met):
    session = ready_session(clinic, modality=modality, started_minutes_ago=minutes)
    verdict = services.readiness(session, escort_present=True)
    criterion = next(c for c in verdict.criteria if c.id == "observation-time")
    assert criterion.met is met
    if modality == "esketamine":
        assert "120 min since the first device" in criterion.label
    if not met:
        assert "at least 120 min needed" in criterion.detail


def test_discharge_refused_until_ready_then_allowed(clinic):
    session = ready_session(clinic, moaas=4)
    with pytest.raises(ValidationError) as refused:
        _discharge(clinic.nurse, session)
    assert refused.value.field == "readiness"
    assert "moaas: MOAA/S 4" in str(refused.value)
    session.refresh_from_db()
    assert session.state == "recovery"
    assert not Discharge.objects.exists()
    assert session.planned.status == SessionStatus.SCHEDULED

    scale(clinic, session, "moaas", [5], minutes_ago(1))
    done = _discharge(clinic.nurse, session)
    session.refresh_from_db()
    assert session.state == "discharged"
    assert done.readiness["ready"] is True
    assert done.readiness["unmet"] == []
    assert done.override_reason == ""
    assert done.overridden_by is None
    assert done.escort_name == "Sam Hart"
    session.planned.refresh_from_db()
    assert session.planned.status == SessionStatus.COMPLETED
    assert session.planned.completed_by == clinic.nurse
    actions = set(
        AuditEvent.objects.filter(object_id=str(session.public_id)).values_list("action", flat=True)
    )
    assert {"session_discharge", "discharge", "complete"} <= actions


def test_escort_must_be_named(clinic):
    session = ready_session(clinic)
    with pytest.raises(ValidationError, match="escort_name"):
        _discharge(clinic.nurse, session, escort_name="  ")


def test_discharge_needs_recovery(clinic):
    session = dosed(clinic, recovery=False)
    with pytest.raises(ValidationError, match="start recovery"):
        _discharge(clinic.nurse, session)
    services.start_recovery(Actor(clinic.nurse), session)
    assert session.state == "recovery"


def test_override_only_by_a_prescriber_with_a_reason(clinic):
    session = ready_session(clinic, moaas=4)
    reason = "MOAA/S 4 is her usual post-session level; spouse driving, reviewed in person."
    with pytest.raises(PermissionDenied):
        _discharge(clinic.nurse, session, override_reason=reason)
    with pytest.raises(ValidationError, match="readiness"):
        _discharge(clinic.prescriber, session)
    with pytest.raises(ValidationError, match="override_reason"):
        _discharge(clinic.prescriber, session, override_reason="ok")
    assert not Discharge.objects.exists()

    done = _discharge(clinic.prescriber, session, override_reason=reason)
    assert done.override_reason == reason
    assert done.overridden_by == clinic.prescriber
    assert done.readiness["ready"] is False
    assert done.readiness["unmet"] == ["moaas"]
    audit = AuditEvent.objects.get(action="discharge", object_id=str(session.public_id))
    assert audit.detail["override_reason"] == reason


def test_front_desk_cannot_discharge(clinic):
    session = ready_session(clinic)
    with pytest.raises(PermissionDenied):
        _discharge(clinic.front_desk, session)


def test_instructions_are_stored_with_the_discharge(clinic):
    session = ready_session(clinic, modality="esketamine")
    done = _discharge(clinic.nurse, session)
    assert "CLINIC TO REVIEW" in done.instructions
    assert "Sam Hart" in done.instructions
    assert "until the next day" in done.instructions
    assert "[CRISIS LINE NUMBER]" in done.instructions
    assert clinic.patient.full_name in done.instructions


def test_stored_readiness_names_the_policy_and_sources(clinic):
    session = ready_session(clinic, modality="esketamine")
    done = _discharge(clinic.nurse, session)
    policy = done.readiness["policy"]
    assert policy["esketamine_min_observation_minutes"]["value"] == 120
    assert policy["aldrete_min_total"]["value"] == 9
    sources = {c["id"]: c["source"]["id"] for c in done.readiness["criteria"]}
    assert sources["observation-time"] == "spravato-rems-2h"


def test_clinic_protocol_changes_the_iv_minimum(clinic, settings, tmp_path):
    from kclinic.web.infusions import protocol

    path = tmp_path / "protocol.json"
    path.write_text(
        '{"source": "Test protocol v1", "discharge": {"iv_min_observation_minutes": 180}}'
    )
    settings.KCLINIC_PROTOCOL_FILE = str(path)
    protocol._document.cache_clear()
    try:
        session = ready_session(clinic, modality="iv", started_minutes_ago=150)
        verdict = services.readiness(session, escort_present=True)
    finally:
        protocol._document.cache_clear()
    criterion = next(c for c in verdict.criteria if c.id == "observation-time")
    assert not criterion.met
    assert "180" in criterion.label
    assert criterion.source.citation == "Test protocol v1"
