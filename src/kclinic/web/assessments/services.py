"""Recording assessments: permission, scoring by the core, one transaction with the safety
tasks the flags raise, and the audit row.

A flagged answer can never be stored without its task: the assessment, one open safety task
per flag and the audit rows are written in one transaction, so if any of them fails nothing
is written. An assessment is never edited; `correct_assessment` stores a new one that
supersedes it, with a reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from django.db import IntegrityError, transaction
from django.utils import timezone

from kclinic.domain import instruments
from kclinic.domain.errors import ValidationError
from kclinic.domain.instruments.base import ScoreResult
from kclinic.web.accounts.models import User
from kclinic.web.accounts.policy import Action, require
from kclinic.web.assessments.entry import instrument_version
from kclinic.web.assessments.models import Assessment, Context, Respondent
from kclinic.web.audit.services import Actor, record
from kclinic.web.patients.models import Patient
from kclinic.web.tasks.models import Task
from kclinic.web.tasks.services import open_safety_task

SOURCE_TYPE: Final = "assessment"
# A form saved on a tablet whose clock runs slightly ahead is not "in the future".
CLOCK_TOLERANCE: Final = timedelta(minutes=5)
MIN_REASON_CHARS: Final = 10

RawAnswers = Mapping[str, object] | Sequence[object]


@dataclass(frozen=True)
class Recorded:
    """A stored assessment and the safety tasks its flags opened (in flag order)."""

    assessment: Assessment
    tasks: tuple[Task, ...]


def score(
    instrument_id: str,
    answers: RawAnswers,
    band_table: str | None = None,
    options: Mapping[str, str] | None = None,
) -> ScoreResult:
    """Score with the core without storing anything. Raises the core's AnswerError or
    UnknownNameError, naming the item (or band table, option) and what is allowed."""
    instrument = instruments.get(instrument_id)
    return instrument.score(answers, band_table or None, dict(options or {}) or None)


def preview(
    actor: Actor,
    patient: Patient,
    instrument_id: str,
    answers: RawAnswers,
    band_table: str | None = None,
    options: Mapping[str, str] | None = None,
) -> ScoreResult:
    """The entry page's live score: same permission as recording, nothing stored or audited
    (the answers are not part of the record until saved)."""
    require(actor.signed_in(), Action.RECORD_ASSESSMENT, patient.site)
    return score(instrument_id, answers, band_table, options)


def _check_context(context: str) -> str:
    if context not in Context.values:
        raise ValidationError("context", context, ", ".join(Context.values))
    return context


def _check_respondent(respondent: str | None, default: str) -> str:
    chosen = respondent or default
    if chosen not in Respondent.values:
        raise ValidationError("respondent", chosen, ", ".join(Respondent.values))
    return chosen


def _check_time(administered_at: datetime, patient: Patient, now: datetime) -> datetime:
    if not isinstance(administered_at, datetime):
        raise ValidationError("administered_at", administered_at, "a date and time")
    if timezone.is_naive(administered_at):
        raise ValidationError(
            "administered_at", administered_at.isoformat(), "a date and time with a time zone"
        )
    latest = now + CLOCK_TOLERANCE
    if administered_at > latest:
        raise ValidationError(
            "administered_at",
            administered_at.isoformat(timespec="minutes"),
            f"a time not in the future (up to {now:%Y-%m-%d %H:%M} UTC)",
        )
    if timezone.localtime(administered_at).date() < patient.date_of_birth:
        raise ValidationError(
            "administered_at",
            administered_at.isoformat(timespec="minutes"),
            f"a time on or after the patient's date of birth ({patient.date_of_birth})",
        )
    return administered_at


def record_assessment(
    actor: Actor,
    patient: Patient,
    instrument_id: str,
    answers: RawAnswers,
    context: str,
    administered_at: datetime,
    band_table: str | None = None,
    options: Mapping[str, str] | None = None,
    *,
    respondent: str | None = None,
) -> Recorded:
    """Score and store one administration, open a safety task per flag, audit it.

    `answers` is a list in item order or an object keyed by item id (None = unanswered).
    `respondent` defaults to the instrument's own (self-report or clinician-rated).
    Bad answers raise the core's AnswerError naming the item and the allowed values, and
    nothing is written.
    """
    user = actor.signed_in()
    require(user, Action.RECORD_ASSESSMENT, patient.site)
    return _store(
        actor,
        patient,
        instrument_id,
        answers,
        context,
        administered_at,
        band_table,
        options,
        respondent,
        administered_by=user,
        supersedes=None,
        reason="",
    )


def correct_assessment(
    actor: Actor,
    original: Assessment,
    answers: RawAnswers,
    reason: str,
    *,
    context: str | None = None,
    administered_at: datetime | None = None,
    band_table: str | None = None,
    options: Mapping[str, str] | None = None,
    respondent: str | None = None,
) -> Recorded:
    """Store a corrected copy of `original` (same instrument and patient) that supersedes it.

    What is not given is taken from the original. The original stays in the record. Only the
    latest version of an assessment can be corrected; its open safety tasks stay open until
    a clinician resolves them (a correction never closes a safety task by itself).
    """
    user = actor.signed_in()
    patient = original.patient
    require(user, Action.RECORD_ASSESSMENT, patient.site)
    if len(reason.strip()) < MIN_REASON_CHARS:
        raise ValidationError(
            "reason", reason, f"a reason of at least {MIN_REASON_CHARS} characters for the change"
        )
    return _store(
        actor,
        patient,
        original.instrument_id,
        answers,
        context or original.context,
        administered_at or original.administered_at,
        band_table if band_table is not None else (original.band_table or None),
        options if options is not None else original.options,
        respondent or original.respondent,
        administered_by=original.administered_by,
        supersedes=original,
        reason=reason.strip(),
    )


def _store(
    actor: Actor,
    patient: Patient,
    instrument_id: str,
    answers: RawAnswers,
    context: str,
    administered_at: datetime,
    band_table: str | None,
    options: Mapping[str, str] | None,
    respondent: str | None,
    *,
    administered_by: User,
    supersedes: Assessment | None,
    reason: str,
) -> Recorded:
    instrument = instruments.get(instrument_id)
    now = timezone.now()
    _check_context(context)
    chosen_respondent = _check_respondent(respondent, instrument.respondent)
    _check_time(administered_at, patient, now)
    result = score(instrument_id, answers, band_table, options)
    try:
        with transaction.atomic():
            if supersedes is not None and Assessment.objects.filter(supersedes=supersedes).exists():
                raise _already_corrected(supersedes)
            assessment = Assessment.objects.create(
                patient=patient,
                instrument_id=instrument.id,
                instrument_version=instrument_version(instrument),
                band_table=result.band_table or "",
                options=dict(result.options),
                answers=dict(result.answers),
                total=result.total,
                band=result.band or "",
                complete=result.complete,
                flags=list(result.flags),
                subscales=dict(result.subscales),
                criteria=dict(result.criteria),
                context=context,
                respondent=chosen_respondent,
                administered_at=administered_at,
                administered_by=administered_by,
                entered_by=actor.signed_in(),
                entered_at=now,
                supersedes=supersedes,
                correction_reason=reason,
            )
            tasks = tuple(
                open_safety_task(actor, patient, flag, SOURCE_TYPE, assessment.public_id)
                for flag in result.flags
            )
            record(
                actor,
                "correct" if supersedes is not None else "create",
                patient_public_id=patient.public_id,
                object_type="assessment",
                object_id=assessment.public_id,
                detail={
                    "instrument": instrument.id,
                    "instrument_version": assessment.instrument_version,
                    "context": context,
                    "complete": result.complete,
                    "flags": list(result.flags),
                    "tasks": [str(task.public_id) for task in tasks],
                    "supersedes": str(supersedes.public_id) if supersedes else None,
                    "reason": reason or None,
                },
            )
    except IntegrityError:
        # Two corrections of the same assessment at once: the one-to-one link lets only
        # the first in; the second is told to reload rather than silently forking the record.
        if supersedes is None:
            raise
        raise _already_corrected(supersedes) from None
    return Recorded(assessment, tasks)


def _already_corrected(original: Assessment) -> ValidationError:
    return ValidationError(
        "supersedes",
        str(original.public_id),
        "the latest version of an assessment (this one has already been corrected; "
        "open the correction and correct that)",
    )
