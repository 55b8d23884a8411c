"""Self-report links: finding one by its token, sending, withdrawing and reminding.

Staff writes check `SEND_SELF_REPORT`. The patient is not signed in: the token is the only
credential, so every patient-side call (kclinic.web.portal.answering) finds the link by the
token's digest with `find`, which refuses a link that is unknown, used, revoked or expired
before anything is written.

Answers are recorded in the name of a clinician allowed to record assessments
(`recording_clinician`): the sender if they may, else the patient's primary clinician, else
the site's on-call clinician (the front desk may send links but not record assessments). A
link cannot be sent when there is none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from kclinic.domain.errors import KclinicError, ValidationError
from kclinic.web.accounts.models import User
from kclinic.web.accounts.policy import Action, allowed, require
from kclinic.web.assessments.models import Context
from kclinic.web.audit.services import Actor, record
from kclinic.web.courses.models import TreatmentCourse
from kclinic.web.patients.models import Patient
from kclinic.web.portal import delivery, questions, routing, tokens
from kclinic.web.portal.models import (
    Channel,
    SelfReportLink,
    SelfReportReminder,
)

OBJECT = "self_report_link"
# Reminders for a link not yet submitted: daily for 3 days (kclinic policy, issue 6).
REMINDER_EVERY = timedelta(days=1)
REMINDER_COUNT = 3


class LinkState(StrEnum):
    OPEN = "open"
    USED = "used"
    EXPIRED = "expired"
    REVOKED = "revoked"
    UNKNOWN = "unknown"


class LinkUnavailable(KclinicError):
    """The token does not lead to a link the patient may use now (nothing was written)."""

    def __init__(self, state: LinkState) -> None:
        self.state = state
        super().__init__(f"self-report link: {state.value}")


def state_of(link: SelfReportLink | None, now: datetime) -> LinkState:
    if link is None:
        return LinkState.UNKNOWN
    if link.used_at is not None:
        return LinkState.USED
    if link.revoked_at is not None:
        return LinkState.REVOKED
    if now >= link.expires_at:
        return LinkState.EXPIRED
    return LinkState.OPEN


def find(token: str, now: datetime | None = None, *, lock: bool = False) -> SelfReportLink:
    """The open link for this token, or LinkUnavailable saying why not."""
    now = now or timezone.now()
    link = None
    if tokens.well_formed(token):
        rows = SelfReportLink.objects.select_related("patient__site__clinic")
        if lock:
            rows = rows.select_for_update(of=("self",))
        link = rows.filter(token_digest=tokens.digest(token)).first()
    state = state_of(link, now)
    if link is None or state != LinkState.OPEN:
        raise LinkUnavailable(state)
    return link


def link_url(link: SelfReportLink, token: str) -> str:
    return link.base_url.rstrip("/") + reverse("portal:respond", args=[token])


def base_url_for(request_base: str) -> str:
    """KCLINIC_PUBLIC_URL when set (the address patients reach), else the request's."""
    return (settings.KCLINIC_PUBLIC_URL or request_base).rstrip("/")


# -- staff: send and revoke ------------------------------------------------------------


@dataclass(frozen=True)
class Issued:
    link: SelfReportLink
    token: str  # shown once: in the message sent, or as the QR code on the page
    url: str


def recording_clinician(
    link_or_patient: SelfReportLink | Patient, sender: User | None, now: datetime
) -> User | None:
    patient = (
        link_or_patient.patient if isinstance(link_or_patient, SelfReportLink) else link_or_patient
    )
    for user in (
        sender,
        routing.primary_clinician(patient),
        routing.on_call_clinician(patient.site, now),
    ):
        if (
            user is not None
            and user.is_active
            and allowed(user, Action.RECORD_ASSESSMENT, patient.site)
        ):
            return user
    return None


def _address(patient: Patient, channel: str) -> str:
    if channel == Channel.EMAIL:
        return patient.email
    if channel == Channel.SMS:
        return patient.phone
    return ""


def create_link(
    actor: Actor,
    patient: Patient,
    *,
    instruments: Sequence[str],
    channel: str,
    base_url: str,
    context: str = Context.FOLLOW_UP,
    course: TreatmentCourse | None = None,
    due_key: str = "",
    now: datetime | None = None,
) -> Issued:
    """Create a single-use link, deliver it (email or SMS; a QR link is shown by the caller),
    and queue its reminders. Raises ValidationError naming the field and what is allowed."""
    user = actor.signed_in()
    require(user, Action.SEND_SELF_REPORT, patient.site)
    now = now or timezone.now()
    sections = questions.check_sections(instruments)
    if channel not in Channel.values:
        raise ValidationError("channel", channel, ", ".join(Channel.values))
    if context not in Context.values:
        raise ValidationError("context", context, ", ".join(Context.values))
    address = _address(patient, channel)
    if channel != Channel.QR and not address:
        raise ValidationError(
            "channel",
            channel,
            f"a channel the patient has an address for ({'email' if channel == 'sms' else 'SMS'} "
            "or the QR code; add the "
            f"{'email address' if channel == 'email' else 'phone number'} to the patient first)",
        )
    if recording_clinician(patient, user, now) is None:
        raise ValidationError(
            "patient",
            patient.mrn,
            "a patient with a prescriber (an open course) or a site on-call clinician, "
            "under whose name the answers are recorded",
        )
    token, digest = tokens.new_token()
    hours = settings.KCLINIC_SELF_REPORT_HOURS
    with transaction.atomic():
        link = SelfReportLink.objects.create(
            patient=patient,
            course=course,
            due_key=due_key,
            instruments=list(sections),
            context=context,
            token_digest=digest,
            base_url=base_url.rstrip("/"),
            channel=channel,
            sent_to=delivery.mask(address) if address else "",
            sent_by=user,
            created_at=now,
            expires_at=now + timedelta(hours=hours),
        )
        record(
            actor,
            "create",
            patient_public_id=patient.public_id,
            object_type=OBJECT,
            object_id=link.public_id,
            detail={
                "instruments": list(sections),
                "channel": channel,
                "context": context,
                "due_key": due_key or None,
                "expires_at": link.expires_at.isoformat(),
            },
        )
        url = link_url(link, token)
        if channel != Channel.QR:
            # Inside the transaction: a link that could not be delivered is not kept.
            delivery.sender(channel).send(_message(link, channel, address, url, reminder=0))
        _queue_reminders(link, now)
    return Issued(link, token, url)


def create_link_for_item(
    actor: Actor,
    patient: Patient,
    *,
    due_key: str,
    channel: str,
    base_url: str,
    now: datetime | None = None,
) -> Issued:
    """A link for a schedule item that is due or overdue now: its questionnaires, context
    and course come from the schedule, not from the caller."""
    from kclinic.web.portal.selectors import due_item

    require(actor.signed_in(), Action.SEND_SELF_REPORT, patient.site)
    now = now or timezone.now()
    found = due_item(patient, due_key, now)
    if found is None:
        raise ValidationError(
            "due_key", due_key, "an item of this patient that is due or overdue now"
        )
    course, item = found
    return create_link(
        actor,
        patient,
        instruments=item.instruments,
        channel=channel,
        base_url=base_url,
        context=item.context,
        course=course,
        due_key=item.key,
        now=now,
    )


def _queue_reminders(link: SelfReportLink, now: datetime) -> None:
    from kclinic.web.portal.jobs import send_reminder

    if not (link.patient.email or link.patient.phone):
        return
    for number in range(1, REMINDER_COUNT + 1):
        send_reminder.using(run_after=now + number * REMINDER_EVERY).enqueue(
            str(link.public_id), number
        )


def _message(
    link: SelfReportLink, channel: str, to: str, url: str, *, reminder: int
) -> delivery.Message:
    clinic = link.patient.site.clinic.name
    until = timezone.localtime(link.expires_at).strftime("%d %b %Y %H:%M")
    count = len(link.instruments)
    lead = "Reminder: " if reminder else ""
    if channel == Channel.SMS:
        body = f"{lead}{clinic}: please answer your questionnaires: {url} (for you only; "
        return delivery.Message(to, "", f"{body}expires {until})")
    body = (
        f"Hello,\n\n{lead}{clinic} asks you to answer {count} short "
        f"questionnaire{'s' if count != 1 else ''}. Please open this link:\n\n{url}\n\n"
        f"The link is for you only, works once, and expires on {until}. "
        "If you did not expect this message, please contact the clinic.\n"
    )
    return delivery.Message(to, f"{lead}Your questionnaires from {clinic}", body)


def revoke_link(actor: Actor, link: SelfReportLink, now: datetime | None = None) -> SelfReportLink:
    user = actor.signed_in()
    require(user, Action.SEND_SELF_REPORT, link.patient.site)
    now = now or timezone.now()
    with transaction.atomic():
        updated = SelfReportLink.objects.filter(pk=link.pk, used_at=None, revoked_at=None).update(
            revoked_at=now, revoked_by=user
        )
        if not updated:
            raise ValidationError("link", str(link.public_id), "a link not yet used or revoked")
        record(
            actor,
            "revoke",
            patient_public_id=link.patient.public_id,
            object_type=OBJECT,
            object_id=link.public_id,
        )
    link.refresh_from_db()
    return link


# -- reminders (run by the background worker) -----------------------------------------


def send_reminder(link_id: str, number: int, now: datetime | None = None) -> str:
    """Send reminder `number` for a link not yet submitted: a fresh token for the same link
    (saved answers are kept; the previous token stops working), valid for
    KCLINIC_SELF_REPORT_HOURS from now. Idempotent: a reminder is sent at most once."""
    now = now or timezone.now()
    with transaction.atomic():
        link = (
            SelfReportLink.objects.select_for_update(of=("self",))
            .select_related("patient__site__clinic")
            .filter(public_id=link_id)
            .first()
        )
        if link is None or link.used_at is not None or link.revoked_at is not None:
            return "skipped: link used, revoked or gone"
        if link.reminders.filter(number=number).exists():
            return "skipped: already sent"
        channel = link.channel
        if channel == Channel.QR:
            channel = Channel.EMAIL if link.patient.email else Channel.SMS
        address = _address(link.patient, channel)
        if not address:
            return "skipped: no address"
        token, digest = tokens.new_token()
        expires = max(link.expires_at, now + timedelta(hours=settings.KCLINIC_SELF_REPORT_HOURS))
        SelfReportLink.objects.filter(pk=link.pk).update(
            token_digest=digest, expires_at=expires, reminders_sent=F("reminders_sent") + 1
        )
        link.refresh_from_db()
        SelfReportReminder.objects.create(link=link, number=number, sent_at=now, channel=channel)
        record(
            Actor(None),
            "remind",
            patient_public_id=link.patient.public_id,
            object_type=OBJECT,
            object_id=link.public_id,
            detail={"number": number, "channel": channel, "expires_at": expires.isoformat()},
        )
        delivery.sender(channel).send(
            _message(link, channel, address, link_url(link, token), reminder=number)
        )
    return "sent"
