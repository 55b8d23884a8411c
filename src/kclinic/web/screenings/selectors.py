"""Reads of screenings and consents. Clinical detail needs Action.VIEW_CLINICAL at the
patient's site; the patient itself comes from patients.selectors.patient_for (404 elsewhere)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Final

from django.db.models import QuerySet
from django.http import Http404

from kclinic.domain.eligibility import status_after_overrides
from kclinic.web.accounts.models import User
from kclinic.web.accounts.policy import Action, require
from kclinic.web.patients.models import Patient
from kclinic.web.screenings.models import (
    Consent,
    ConsentDocument,
    EligibilityScreening,
    ScreeningOverride,
)

EFFECTIVE_LABELS: Final = {
    "blocked": "Blocked: contraindicated",
    "override-needed": "Override needed",
    "incomplete": "Incomplete: information missing",
    "eligible": "Eligible",
    "eligible-with-overrides": "Eligible with documented overrides",
}


@dataclass(frozen=True)
class EffectiveStatus:
    """The screen's status once the prescriber's overrides are taken into account.

    Overrides only lift relative findings: `blocked` stays blocked; `override-needed` with
    every relative finding overridden becomes `incomplete` if information is missing, else
    `eligible-with-overrides`. The precedence is the core's (domain.eligibility `_status`).
    """

    code: str
    overridden: tuple[str, ...]
    pending: tuple[str, ...]  # relative findings not yet overridden

    @property
    def label(self) -> str:
        return EFFECTIVE_LABELS[self.code]


def effective_status(
    screening: EligibilityScreening, overrides: list[ScreeningOverride] | None = None
) -> EffectiveStatus:
    if overrides is None:
        overrides = list(screening.overrides.all())
    after = status_after_overrides(
        screening.status,
        [f["rule"] for f in screening.findings("relative")],
        (o.rule for o in overrides),
        information_missing=bool(screening.findings("missing")),
    )
    return EffectiveStatus(after.status, after.overridden, after.pending)


def screenings_of(user: User, patient: Patient) -> QuerySet[EligibilityScreening]:
    """The patient's screenings, newest first."""
    require(user, Action.VIEW_CLINICAL, patient.site)
    return (
        EligibilityScreening.objects.filter(patient=patient)
        .select_related("performed_by")
        .prefetch_related("overrides__overridden_by")
    )


def screening_for(user: User, patient: Patient, public_id: uuid.UUID) -> EligibilityScreening:
    screening = screenings_of(user, patient).filter(public_id=public_id).first()
    if screening is None:
        raise Http404("No such screening")
    return screening


def current_screening(patient: Patient) -> EligibilityScreening | None:
    """The latest screening: the one every later one supersedes."""
    return EligibilityScreening.objects.filter(patient=patient).first()


def superseding(screening: EligibilityScreening) -> EligibilityScreening | None:
    """The screening that replaced this one, or None when this one is current."""
    return EligibilityScreening.objects.filter(supersedes=screening).first()


# -- consents ---------------------------------------------------------------------------------


def documents_in_effect(on: date) -> list[ConsentDocument]:
    """For each document code, the highest version in effect on `on`."""
    latest: dict[str, ConsentDocument] = {}
    for document in ConsentDocument.objects.filter(effective_from__lte=on).order_by(
        "code", "-version"
    ):
        latest.setdefault(document.code, document)
    return list(latest.values())


def current_document(code: str, on: date) -> ConsentDocument | None:
    """The version of a document in effect on `on` (the highest version already effective)."""
    return (
        ConsentDocument.objects.filter(code=code, effective_from__lte=on)
        .order_by("-version")
        .first()
    )


def consents_of(user: User, patient: Patient) -> QuerySet[Consent]:
    require(user, Action.VIEW_CLINICAL, patient.site)
    return Consent.objects.filter(patient=patient).select_related(
        "document", "witness", "recorded_by", "withdrawal", "withdrawal__recorded_by"
    )


def consent_for(user: User, patient: Patient, public_id: uuid.UUID) -> Consent:
    consent = consents_of(user, patient).filter(public_id=public_id).first()
    if consent is None:
        raise Http404("No such consent")
    return consent


def current_consent(patient: Patient, code: str) -> Consent | None:
    """The patient's valid consent to the document `code`, or None.

    Among consents not withdrawn, the one to the highest document version (then the latest
    signed). A withdrawal revokes every signature to the same document given before it (on
    the same date: recorded before it): withdrawing consent to treatment is not undone by an
    older signature still on file. A newer signature after the withdrawal counts again.
    Callers compare `consent.document.version` with `current_document(code, on)` to see
    whether the patient signed the version now in effect. No permission check: the caller
    (a chair-side service) has already checked its own.
    """
    consents: list[Consent] = list(
        Consent.objects.filter(patient=patient, document__code=code).select_related(
            "document", "withdrawal"
        )
    )
    withdrawals = [c.withdrawal for c in consents if c.withdrawal_or_none is not None]
    valid = [
        c
        for c in consents
        if c.withdrawal_or_none is None
        and not any(
            w.withdrawn_on > c.signed_on
            or (w.withdrawn_on == c.signed_on and w.recorded_at > c.recorded_at)
            for w in withdrawals
        )
    ]
    if not valid:
        return None
    latest: Consent = max(valid, key=lambda c: (c.document.version, c.signed_on, c.recorded_at))
    return latest
