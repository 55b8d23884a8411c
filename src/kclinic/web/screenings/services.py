"""Every write about screenings and consents: permission, validation, one transaction, audit.

A screening stores the profile exactly as the core parsed it plus `screen(...).as_dict()`; it is
never edited, a new screening supersedes it. Overrides and consent withdrawals are new rows.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any, Final

from django.db import IntegrityError, transaction
from django.utils import timezone

from kclinic.domain.eligibility import DEFAULT_PROTOCOL, ScreeningProtocol, parse_profile, screen
from kclinic.domain.eligibility_profile import SEXES
from kclinic.domain.errors import ValidationError
from kclinic.domain.sources import KCLINIC_POLICY, Cited
from kclinic.web.accounts.models import User
from kclinic.web.accounts.policy import Action, allowed, require
from kclinic.web.audit.services import Actor, record
from kclinic.web.patients.models import Patient
from kclinic.web.screenings.models import (
    Consent,
    ConsentDocument,
    ConsentWithdrawal,
    EligibilityScreening,
    ScreeningOverride,
    SignatureMethod,
)

# No source gives a length; long enough that "ok" or "see notes" cannot pass as a reason.
OVERRIDE_REASON_MIN_CHARS: Final = Cited(20, KCLINIC_POLICY)
WITHDRAWAL_REASON_MIN_CHARS: Final = Cited(5, KCLINIC_POLICY)


def _json_safe(value: object) -> Any:
    """The core's dicts as plain JSON (Decimals are already rounded; a float keeps them)."""

    def default(item: object) -> object:
        if isinstance(item, Decimal):
            return float(item)
        if isinstance(item, tuple | frozenset | set):
            return list(item)
        raise TypeError(f"not JSON serialisable: {type(item).__name__}")

    return json.loads(json.dumps(value, default=default))


def complete_profile(data: object, patient: Patient, on: date) -> dict[str, Any]:
    """The profile with the patient record's date of birth and sex filled in.

    A profile that contradicts the record (another date of birth, age or sex) is refused: it
    is a typing error or the wrong patient, and the screen would judge someone else.
    """
    parse_profile(data)  # type and path errors first, named by the core
    assert isinstance(data, Mapping)  # parse_profile refuses anything else
    profile = dict(data)
    dob = patient.date_of_birth.isoformat()
    if profile.get("date_of_birth") is not None:
        if date.fromisoformat(profile["date_of_birth"]) != patient.date_of_birth:
            raise ValidationError(
                "date_of_birth", profile["date_of_birth"], f"{dob} (the patient record)"
            )
        profile["date_of_birth"] = dob
    elif profile.get("age_years") is not None:
        age = patient.age_on(on)
        if profile["age_years"] != age:
            raise ValidationError(
                "age_years", profile["age_years"], f"{age} (age on {on} by the patient record)"
            )
    else:
        profile["date_of_birth"] = dob
    recorded_sex = patient.sex if patient.sex in SEXES else None
    if profile.get("sex") is None:
        if recorded_sex is not None:
            profile["sex"] = recorded_sex
    elif recorded_sex is not None and profile["sex"] != recorded_sex:
        raise ValidationError("sex", profile["sex"], f"{recorded_sex} (the patient record)")
    return profile


def perform_screening(
    actor: Actor,
    patient: Patient,
    profile: object,
    *,
    screened_on: date | None = None,
    trd_definition: str | None = None,
    protocol: ScreeningProtocol = DEFAULT_PROTOCOL,
) -> EligibilityScreening:
    """Screen the patient with the core and store input and result; it supersedes the last one.

    Raises ValidationError naming the profile path (`trials[2].weeks_at_dose`) and writes
    nothing when the profile, the date or the TRD definition is not allowed.
    """
    user = actor.signed_in()
    require(user, Action.SCREEN_ELIGIBILITY, patient.site)
    today = timezone.localdate()
    on = screened_on or today
    if not patient.date_of_birth <= on <= today:
        raise ValidationError(
            "screened_on", on.isoformat(), f"a date from {patient.date_of_birth} to {today}"
        )
    if trd_definition:
        protocol = dataclasses.replace(protocol, trd_definition=trd_definition)
    data = complete_profile(profile, patient, on)
    result = screen(parse_profile(data), on, protocol)
    with transaction.atomic():
        # One screening at a time per patient, so each supersedes exactly the one before it.
        Patient.objects.select_for_update().filter(pk=patient.pk).first()
        previous = EligibilityScreening.objects.filter(patient=patient).first()
        screening = EligibilityScreening.objects.create(
            patient=patient,
            performed_by=user,
            performed_at=timezone.now(),
            screened_on=on,
            profile=_json_safe(data),
            result=_json_safe(result.as_dict()),
            status=result.status,
            trd_definition=protocol.trd_definition,
            protocol_name=protocol.name,
            protocol_version=protocol.version,
            supersedes=previous,
        )
        record(
            actor,
            "create",
            patient_public_id=patient.public_id,
            object_type="screening",
            object_id=screening.public_id,
            detail={
                "status": screening.status,
                "screened_on": on.isoformat(),
                "trd_definition": protocol.trd_definition,
                "findings": [f.rule for f in result.findings if f.finding_class != "caution"],
            },
        )
    return screening


def override_finding(
    actor: Actor, screening: EligibilityScreening, rule: str, reason: str
) -> ScreeningOverride:
    """A prescriber proceeds despite one relative finding, with a documented reason.

    Absolute findings (label contraindications) cannot be overridden; nor can a finding of a
    screening that a newer one superseded, or one already overridden.
    """
    user = actor.signed_in()
    patient = screening.patient
    require(user, Action.OVERRIDE_SCREENING, patient.site)
    rule = rule.strip()
    reason = reason.strip()
    relative = [f["rule"] for f in screening.findings("relative")]
    absolute = [f["rule"] for f in screening.findings("absolute")]
    allowed_rules = f"a relative finding of this screening ({', '.join(relative) or 'none'})"
    if rule in absolute:
        raise ValidationError(
            "rule",
            rule,
            allowed_rules,
            "an absolute finding is a label contraindication and cannot be overridden",
        )
    if rule not in relative:
        raise ValidationError("rule", rule, allowed_rules)
    if absolute:
        raise ValidationError(
            "rule",
            rule,
            "none while the screening is blocked",
            f"absolute finding {absolute[0]} blocks treatment; overrides cannot make it eligible",
        )
    if len(reason) < OVERRIDE_REASON_MIN_CHARS.value:
        raise ValidationError(
            "reason",
            reason,
            f"a reason of at least {OVERRIDE_REASON_MIN_CHARS.value} characters saying why "
            "the benefit outweighs this risk",
        )
    with transaction.atomic():
        # Serialise with new screenings of this patient, which would supersede this one.
        Patient.objects.select_for_update().filter(pk=patient.pk).first()
        newer = EligibilityScreening.objects.filter(supersedes=screening).first()
        if newer is not None:
            raise ValidationError(
                "screening",
                str(screening.public_id),
                "the patient's current screening",
                f"superseded by the screening of {newer.screened_on}",
            )
        try:
            with transaction.atomic():
                override = ScreeningOverride.objects.create(
                    screening=screening,
                    rule=rule,
                    reason=reason,
                    overridden_by=user,
                    overridden_at=timezone.now(),
                )
        except IntegrityError:
            raise ValidationError("rule", rule, "a finding not yet overridden") from None
        record(
            actor,
            "override",
            patient_public_id=patient.public_id,
            object_type="screening",
            object_id=screening.public_id,
            detail={"rule": rule, "reason": reason, "override": str(override.public_id)},
        )
    return override


def record_consent(
    actor: Actor,
    patient: Patient,
    document: ConsentDocument,
    signed_on: date,
    signature_method: str,
    witness: User,
) -> Consent:
    """Record a signed consent. The witness is another member of staff of the patient's site."""
    user = actor.signed_in()
    require(user, Action.RECORD_CONSENT, patient.site)
    today = timezone.localdate()
    if signature_method not in SignatureMethod.values:
        raise ValidationError(
            "signature_method", signature_method, ", ".join(SignatureMethod.values)
        )
    earliest = max(document.effective_from, patient.date_of_birth)
    if not earliest <= signed_on <= today:
        raise ValidationError(
            "signed_on",
            signed_on.isoformat(),
            f"a date from {earliest} to {today}",
            f"version {document.version} is in effect from {document.effective_from}",
        )
    if witness.pk == user.pk:
        raise ValidationError(
            "witness", witness.username, "a member of staff other than the person recording"
        )
    if not allowed(witness, Action.VIEW_PATIENT, patient.site):
        raise ValidationError(
            "witness", witness.username, f"an active member of staff of {patient.site.name}"
        )
    with transaction.atomic():
        consent = Consent.objects.create(
            patient=patient,
            document=document,
            signed_on=signed_on,
            signature_method=signature_method,
            witness=witness,
            recorded_by=user,
            recorded_at=timezone.now(),
        )
        record(
            actor,
            "create",
            patient_public_id=patient.public_id,
            object_type="consent",
            object_id=consent.public_id,
            detail={
                "document": document.code,
                "version": document.version,
                "signed_on": signed_on.isoformat(),
                "signature_method": signature_method,
                "witness": witness.username,
            },
        )
    return consent


def withdraw_consent(
    actor: Actor, consent: Consent, withdrawn_on: date, reason: str
) -> ConsentWithdrawal:
    """Record that the patient withdrew a consent. The consent stays on the record."""
    user = actor.signed_in()
    patient = consent.patient
    require(user, Action.RECORD_CONSENT, patient.site)
    reason = reason.strip()
    today = timezone.localdate()
    if not consent.signed_on <= withdrawn_on <= today:
        raise ValidationError(
            "withdrawn_on", withdrawn_on.isoformat(), f"a date from {consent.signed_on} to {today}"
        )
    if len(reason) < WITHDRAWAL_REASON_MIN_CHARS.value:
        raise ValidationError(
            "withdrawn_reason",
            reason,
            f"at least {WITHDRAWAL_REASON_MIN_CHARS.value} characters: what the patient said, "
            "or 'declined to say'",
        )
    with transaction.atomic():
        try:
            with transaction.atomic():
                withdrawal = ConsentWithdrawal.objects.create(
                    consent=consent,
                    withdrawn_on=withdrawn_on,
                    reason=reason,
                    recorded_by=user,
                    recorded_at=timezone.now(),
                )
        except IntegrityError:
            raise ValidationError(
                "consent", str(consent.public_id), "a consent not already withdrawn"
            ) from None
        record(
            actor,
            "withdraw",
            patient_public_id=patient.public_id,
            object_type="consent",
            object_id=consent.public_id,
            detail={"withdrawn_on": withdrawn_on.isoformat(), "reason": reason},
        )
    return withdrawal
