"""Recovery and discharge of a chair-side session.

`readiness` gathers what the session stored (baseline and latest vitals, the latest modified
Aldrete and MOAA/S given since dosing started, whether the escort is here) and asks the core
(kclinic.domain.monitoring_discharge.discharge_readiness) whether the patient may leave,
under the clinic's discharge policy. `discharge` refuses until every criterion is met, unless
a prescriber overrides with a reason; it stores the Discharge, moves the session, completes
the planned session and writes the audit rows in one transaction.

The readers at the top (`dosing_times`, `baseline_vitals`, `latest_vitals`, `latest_scale`)
are shared with the session record and the REMS form.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from kclinic.domain import session_states as sm
from kclinic.domain.errors import ValidationError
from kclinic.domain.monitoring import VitalSigns
from kclinic.domain.monitoring_discharge import DischargePolicy, discharge_readiness
from kclinic.domain.sources import Source
from kclinic.web.accounts.policy import Action, require
from kclinic.web.assessments.models import Assessment
from kclinic.web.audit.services import Actor, record
from kclinic.web.courses.models import Phase, SessionStatus
from kclinic.web.courses.session_services import complete_session
from kclinic.web.infusions.instructions import render_instructions
from kclinic.web.infusions.models import Discharge, InfusionSession, VitalSet
from kclinic.web.infusions.policies import discharge_policy
from kclinic.web.infusions.services_lifecycle import apply_event, domain_session, lock
from kclinic.web.infusions.services_monitoring import domain_reading

MIN_OVERRIDE_REASON_CHARS = 10
ALDRETE_ITEMS = ("activity", "respiration", "consciousness", "spo2")  # circulation computed


def readiness_modality(session: InfusionSession) -> str:
    """The core's modality: esketamine (REMS: from the first device) or iv (every racemic
    route is observed from the end of dosing)."""
    return "esketamine" if session.modality == "esketamine" else "iv"


def dosing_times(session: InfusionSession) -> tuple[datetime, datetime | None]:
    """When dosing started (first device / infusion start) and ended (None while running).
    ValidationError when no drug has been given."""
    history = domain_session(session)
    started = sm.time_of(history, sm.Event.START_INFUSION)
    if started is None:
        raise ValidationError(
            "state", session.state, "a session whose dosing has started (no drug given yet)"
        )
    return started, sm.time_of(history, sm.Event.END_INFUSION)


def _with_bp(session: InfusionSession) -> QuerySet[VitalSet]:
    return session.vitals.filter(systolic__isnull=False, diastolic__isnull=False)


def baseline_vitals(session: InfusionSession) -> VitalSet | None:
    """The last pre-dose set with a blood pressure."""
    return _with_bp(session).filter(phase="pre_dose").order_by("taken_at", "id").last()


def latest_vitals(
    session: InfusionSession, since: datetime, until: datetime | None = None
) -> VitalSet | None:
    """The latest set with a blood pressure taken after `since` (the start of dosing) and,
    with `until`, not after it."""
    rows = _with_bp(session).filter(taken_at__gt=since)
    if until is not None:
        rows = rows.filter(taken_at__lte=until)
    return rows.order_by("taken_at", "id").last()


def current(assessment: Assessment) -> Assessment:
    """The assessment as last corrected (a correction supersedes, never edits)."""
    while hasattr(assessment, "superseded_by"):
        assessment = assessment.superseded_by
    return assessment


def session_scales(session: InfusionSession, instrument_id: str) -> list[tuple[str, Assessment]]:
    """(time point, current assessment) of one instrument for this session, oldest first."""
    rows = session.scales.select_related("assessment").order_by("id")
    found = [
        (row.time_point, current(row.assessment))
        for row in rows
        if row.assessment.instrument_id == instrument_id
    ]
    return sorted(found, key=lambda pair: (pair[1].administered_at, pair[1].pk))


def latest_scale(
    session: InfusionSession, instrument_id: str, since: datetime, until: datetime | None = None
) -> Assessment | None:
    """The latest scale of `instrument_id` given at or after `since` (and not after `until`)."""
    given = [
        a
        for _, a in session_scales(session, instrument_id)
        if a.administered_at >= since and (until is None or a.administered_at <= until)
    ]
    return given[-1] if given else None


@dataclass(frozen=True)
class Criterion:
    id: str
    label: str
    met: bool
    detail: str
    source: Source


@dataclass(frozen=True)
class Readiness:
    """The verdict at `at`: every criterion met or not, and what the core computed."""

    ready: bool
    at: datetime
    modality: str
    criteria: tuple[Criterion, ...]
    observed_minutes: int
    aldrete_total: int | None

    @property
    def unmet(self) -> tuple[Criterion, ...]:
        return tuple(c for c in self.criteria if not c.met)

    def as_dict(self, policy: DischargePolicy | None = None) -> dict[str, object]:
        chosen = policy or discharge_policy()
        return {
            "ready": self.ready,
            "at": self.at.isoformat(),
            "modality": self.modality,
            "observed_minutes": self.observed_minutes,
            "aldrete_total": self.aldrete_total,
            "criteria": [
                {
                    "id": c.id,
                    "label": c.label,
                    "met": c.met,
                    "detail": c.detail,
                    "source": c.source.as_dict(),
                }
                for c in self.criteria
            ],
            "unmet": [c.id for c in self.unmet],
            "policy": {
                f.name: {
                    "value": getattr(chosen, f.name).value,
                    "source": getattr(chosen, f.name).source.id,
                }
                for f in fields(chosen)
            },
        }


# A reading used only to let the core evaluate the other criteria when the stored data lack
# one; the criteria it stands in for are reported "not recorded" instead of the core's verdict.
_PLACEHOLDER_BP = (120, 80)


def readiness(
    session: InfusionSession, now: datetime | None = None, *, escort_present: bool = False
) -> Readiness:
    """Whether the patient may leave at `now`, criterion by criterion (ValidationError before
    dosing has ended)."""
    now = now or timezone.now()
    policy = discharge_policy()
    started, ended = dosing_times(session)
    if ended is None:
        raise ValidationError("state", session.state, "a session whose dosing has ended")
    modality = readiness_modality(session)
    # Only what was known at `now`, so a verdict can be recomputed for any past moment.
    base_row, last_row = baseline_vitals(session), latest_vitals(session, started, now)
    aldrete = latest_scale(session, "aldrete", started, now)
    moaas = latest_scale(session, "moaas", started, now)
    missing: dict[str, str] = {}
    placeholder = VitalSigns(*_PLACEHOLDER_BP, now)
    baseline = domain_reading(base_row) if base_row else placeholder
    latest = domain_reading(last_row) if last_row else baseline
    if base_row is None or last_row is None:
        gap = "no pre-dose (baseline) blood pressure" if base_row is None else None
        gap = gap or "no blood pressure recorded since dosing started"
        missing["systolic-baseline"] = missing["diastolic-baseline"] = gap
        missing["aldrete"] = f"{gap}, so the Aldrete circulation item cannot be scored"
    items = {k: (aldrete.answers.get(k) if aldrete else None) for k in ALDRETE_ITEMS}
    if aldrete is None or any(v is None for v in items.values()):
        missing.setdefault("aldrete", "no complete modified Aldrete score since dosing started")
        items = dict.fromkeys(ALDRETE_ITEMS, 2)
    if moaas is None or moaas.total is None:
        missing["moaas"] = "no MOAA/S recorded since dosing started"
    result = discharge_readiness(
        modality,
        started,
        ended,
        now,
        baseline,
        latest,
        {k: int(v) for k, v in items.items() if v is not None},
        moaas.total if moaas and moaas.total is not None else policy.moaas_required.value,
        escort_present,
        policy,
    )
    unmet = {u.criterion: u for u in result.unmet}
    band = policy.baseline_band_mmhg.value
    minimum = (
        policy.esketamine_min_observation_minutes
        if modality == "esketamine"
        else policy.iv_min_observation_minutes
    )
    since = "the first device" if modality == "esketamine" else "the end of the infusion"
    rows = [
        (
            "observation-time",
            f"At least {minimum.value} min since {since}",
            minimum.source,
            f"observed {result.observed_minutes} min",
        ),
        (
            "aldrete",
            f"Modified Aldrete at least {policy.aldrete_min_total.value}",
            policy.aldrete_min_total.source,
            f"Aldrete {result.aldrete_total}",
        ),
        (
            "systolic-baseline",
            f"Systolic within {band} mmHg of baseline",
            policy.baseline_band_mmhg.source,
            f"{latest.sbp_mmhg} vs baseline {baseline.sbp_mmhg}",
        ),
        (
            "diastolic-baseline",
            f"Diastolic within {band} mmHg of baseline",
            policy.baseline_band_mmhg.source,
            f"{latest.dbp_mmhg} vs baseline {baseline.dbp_mmhg}",
        ),
        (
            "moaas",
            f"MOAA/S {policy.moaas_required.value} (alert)",
            policy.moaas_required.source,
            f"MOAA/S {moaas.total if moaas else '-'}",
        ),
        (
            "escort",
            "Escort present",
            policy.escort_required.source,
            "escort confirmed" if escort_present else "escort not confirmed",
        ),
    ]
    criteria = []
    for cid, label, source, seen in rows:
        if cid == "escort" and not policy.escort_required.value:
            continue
        if cid in missing:
            criteria.append(Criterion(cid, label, False, missing[cid], source))
        elif cid in unmet:
            criteria.append(Criterion(cid, label, False, unmet[cid].message, source))
        else:
            criteria.append(Criterion(cid, label, True, seen, source))
    return Readiness(
        ready=all(c.met for c in criteria),
        at=now,
        modality=modality,
        criteria=tuple(criteria),
        observed_minutes=result.observed_minutes,
        aldrete_total=None if "aldrete" in missing else result.aldrete_total,
    )


def start_recovery(
    actor: Actor,
    session: InfusionSession,
    *,
    at: datetime | None = None,
    expected_version: int | None = None,
) -> InfusionSession:
    """infusion_ended -> recovery (nurse or prescriber); the lifecycle service audits it."""
    return apply_event(
        actor, session, sm.Event.START_RECOVERY, at=at, expected_version=expected_version
    )


def _clean(field: str, value: str, max_chars: int) -> str:
    text = " ".join((value or "").split())
    if len(text) > max_chars:
        raise ValidationError(field, f"{len(text)} characters", f"at most {max_chars}")
    return text


def discharge(
    actor: Actor,
    session: InfusionSession,
    *,
    escort_present: bool,
    escort_name: str = "",
    escort_relationship: str = "",
    escort_phone: str = "",
    override_reason: str = "",
    at: datetime | None = None,
    expected_version: int | None = None,
) -> Discharge:
    """Discharge a patient in recovery.

    Refused (ValidationError naming every unmet criterion) until the core finds the patient
    ready, unless a prescriber (Action.OVERRIDE_DISCHARGE) gives a reason of at least
    10 characters; a nurse's override is refused (PermissionDenied). Stores the readiness as
    computed, the escort and the printed instructions; completes the planned session.
    """
    user = actor.signed_in()
    require(user, Action.DISCHARGE_PATIENT, session.site)
    at = at or timezone.now()
    escort = {
        "escort_name": _clean("escort_name", escort_name, 200),
        "escort_relationship": _clean("escort_relationship", escort_relationship, 100),
        "escort_phone": _clean("escort_phone", escort_phone, 40),
    }
    if escort_present and not escort["escort_name"]:
        raise ValidationError("escort_name", "", "the name of the escort who is present")
    reason = _clean("override_reason", override_reason, 500)
    with transaction.atomic():
        fresh = lock(session, expected_version)
        if fresh.state != sm.State.RECOVERY:
            raise ValidationError(
                "state", fresh.state, "recovery (start recovery before discharging)"
            )
        policy = discharge_policy()
        verdict = readiness(fresh, at, escort_present=escort_present)
        overridden = not verdict.ready
        if overridden:
            unmet = "; ".join(f"{c.id}: {c.detail}" for c in verdict.unmet)
            if not reason:
                raise ValidationError(
                    "readiness",
                    "not ready",
                    "every discharge criterion met, or a prescriber's override with a reason",
                    unmet,
                )
            require(user, Action.OVERRIDE_DISCHARGE, session.site)
            if len(reason) < MIN_OVERRIDE_REASON_CHARS:
                raise ValidationError(
                    "override_reason",
                    reason,
                    f"a reason of at least {MIN_OVERRIDE_REASON_CHARS} characters",
                )
        moved = apply_event(
            actor,
            fresh,
            sm.Event.DISCHARGE,
            at=at,
            detail={"ready": verdict.ready, "override": overridden},
        )
        done = Discharge.objects.create(
            session=moved,
            at=at,
            by=user,
            readiness=verdict.as_dict(policy),
            override_reason=reason if overridden else "",
            overridden_by=user if overridden else None,
            instructions=render_instructions(moved, escort_name=escort["escort_name"], at=at),
            **escort,
        )
        planned = moved.planned
        completes = (
            planned.status == SessionStatus.SCHEDULED and planned.course.phase != Phase.ENDED
        )
        if completes:
            complete_session(actor, planned, now=at)
        record(
            actor,
            "discharge",
            patient_public_id=moved.patient.public_id,
            object_type="infusion_session",
            object_id=moved.public_id,
            detail={
                "ready": verdict.ready,
                "unmet": [c.id for c in verdict.unmet],
                "override_reason": reason if overridden else None,
                "escort_present": escort_present,
                "planned_session_completed": completes,
            },
            at=at,
        )
    return done
