"""The session record: a clinical note of kind "session" drafted from what the session stored.

`draft_session_record` writes the draft through the notes services (so the notes rules hold:
only the author edits or signs it, signing asks for the password again, a signed note is
locked) and links it on InfusionSession.record_note. Drafting again refreshes the text while
the note is an unsigned draft; the clinician edits, signs and locks it on the notes pages.
`record_sections` is also what the PDF prints when no note exists yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from kclinic.domain.errors import ValidationError
from kclinic.web.audit.services import Actor, record
from kclinic.web.infusions.models import Discharge, DoseOrder, InfusionSession, PrecheckResult
from kclinic.web.infusions.services_discharge import current
from kclinic.web.infusions.services_monitoring import volume_infused_ml
from kclinic.web.notes.models import ClinicalNote, NoteKind
from kclinic.web.notes.services import create_note, update_draft


@dataclass(frozen=True)
class Section:
    title: str
    lines: tuple[str, ...]


def _t(when: datetime | None) -> str:
    return timezone.localtime(when).strftime("%H:%M") if when else "-"


def _dt(when: datetime | None) -> str:
    return timezone.localtime(when).strftime("%Y-%m-%d %H:%M") if when else "-"


def _by(user: object) -> str:
    return str(getattr(user, "signature_name", "") or "-")


def _num(value: Decimal | int | None, unit: str) -> str:
    """A quantity as written on a chart: no trailing zeros (56 mg, 0.3846 mg/mL)."""
    if value is None:
        return "-"
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text} {unit}".strip()


def active_order(session: InfusionSession) -> DoseOrder | None:
    """The latest order no later order superseded."""
    return session.orders.filter(superseded_by__isnull=True).order_by("ordered_at", "id").last()


def _session(session: InfusionSession) -> Section:
    planned = session.planned
    return Section(
        "Session",
        (
            f"Patient: {session.patient.full_name}, MRN {session.patient.mrn}, "
            f"born {session.patient.date_of_birth:%Y-%m-%d}",
            f"Scheduled: {_dt(planned.scheduled_at)}; session {planned.sequence} of the course",
            f"Treatment: {session.modality}; protocol {session.protocol_version or '-'}",
            f"Site: {session.site.name}; chair: {session.chair.name if session.chair else '-'}",
            f"State: {session.state.replace('_', ' ')}",
        ),
    )


def _prechecks(session: InfusionSession) -> Section:
    latest: dict[str, PrecheckResult] = {}
    for row in session.prechecks.select_related("recorded_by"):
        latest[row.item] = row  # ordered by time: the last one counts
    lines = [
        f"{row.item}: {row.get_status_display()}"
        + (f" ({row.message})" if row.message else "")
        + (f"; released by prescriber: {row.override_reason}" if row.override_reason else "")
        + f" [{_t(row.recorded_at)} {_by(row.recorded_by)}]"
        for row in latest.values()
    ]
    return Section("Pre-infusion checks", tuple(lines) or ("No pre-checks recorded.",))


def _order(session: InfusionSession) -> Section:
    order = active_order(session)
    if order is None:
        return Section("Dose order and double check", ("No dose order.",))
    lines = [
        f"Ordered {_dt(order.ordered_at)} by {_by(order.ordered_by)}: "
        f"{_num(order.dose_mg, 'mg')}"
        + (f" ({_num(order.mg_per_kg, 'mg/kg')}, {order.weight_basis or 'weight'} "
           f"{_num(order.weight_kg, 'kg')})" if order.mg_per_kg is not None else "")
        + (f", {order.devices} device(s)" if order.devices else ""),
    ]  # fmt: skip
    if order.rate_ml_per_h is not None:
        lines.append(
            f"Pump: {_num(order.drug_volume_ml, 'mL')} drug in {_num(order.bag_ml, 'mL')} "
            f"({_num(order.final_mg_per_ml, 'mg/mL')}), {_num(order.rate_ml_per_h, 'mL/h')}, "
            f"VTBI {_num(order.vtbi_ml, 'mL')}, over {_num(order.duration_min, 'min')}"
        )
    if order.titration_reason:
        lines.append(f"Titration reason: {order.titration_reason}")
    if order.override_reason:
        lines.append(f"Soft-limit override: {order.override_reason}")
    for check in order.checks.select_related("checked_by", "lot"):
        verdict = (
            "matched"
            if check.matched
            else "MISMATCH " + ", ".join(str(m.get("field", m)) for m in check.mismatches)
        )
        lot = f"; lot {check.lot.lot_number}" if check.lot else ""
        lines.append(
            f"Independent check {_t(check.checked_at)} by {_by(check.checked_by)}: {verdict}{lot}"
        )
    return Section("Dose order and double check", tuple(lines))


def _events(session: InfusionSession, now: datetime) -> Section:
    lines = [
        f"{_t(step.at)} {step.event.replace('_', ' ')} ({step.from_state} -> {step.to_state})"
        + (f": {step.reason}" if step.reason else "")
        + f" [{_by(step.by)}]"
        for step in session.transitions.select_related("by").order_by("seq")
    ]
    for event in session.infusion_events.select_related("recorded_by"):
        rate = f" at {_num(event.rate_ml_per_h, 'mL/h')}" if event.rate_ml_per_h is not None else ""
        note = f": {event.note}" if event.note else ""
        lines.append(f"{_t(event.at)} pump {event.get_kind_display().lower()}{rate}{note}")
    if session.modality != "esketamine":  # nasal devices: no infused volume
        lines.append(f"Volume infused: {_num(volume_infused_ml(session, now), 'mL')}")
    return Section("Lifecycle and infusion events", tuple(lines))


VITALS_HEADER = ("Time", "Phase", "BP mmHg", "HR", "SpO2 %", "RR", "Source", "Alert")


def vitals_rows(session: InfusionSession) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for v in session.vitals.all():
        bp = f"{v.systolic}/{v.diastolic}" if v.systolic and v.diastolic else "-"
        rows.append(
            (
                _t(v.taken_at),
                v.phase,
                bp,
                str(v.heart_rate or "-"),
                str(v.spo2 or "-"),
                str(v.respiratory_rate or "-"),
                v.source,
                v.level or "-",
            )
        )
    return rows


def _vitals(session: InfusionSession) -> Section:
    rows = vitals_rows(session)
    if not rows:
        return Section("Vital signs", ("No vital signs recorded.",))
    table = [" | ".join(VITALS_HEADER)] + [" | ".join(row) for row in rows]
    return Section("Vital signs", tuple(table))


def _scales(session: InfusionSession) -> Section:
    lines = []
    for row in session.scales.select_related("assessment").order_by("id"):
        a = current(row.assessment)
        band = f" ({a.band})" if a.band else ""
        lines.append(
            f"{_t(a.administered_at)} {a.instrument_id.upper()} at {row.time_point}: "
            f"{a.total if a.total is not None else 'incomplete'}{band}"
        )
    return Section("Scales", tuple(lines) or ("No scales recorded.",))


def _clinical_events(session: InfusionSession) -> Section:
    lines = []
    for e in session.clinical_events.all():
        drug = " ".join(x for x in (e.medication, e.dose, e.route) if x)
        grade = f"; grade {e.grade}" if e.grade else ""
        serious = "; SERIOUS (" + ", ".join(map(str, e.seriousness)) + ")" if e.serious else ""
        outcome = f"; outcome: {e.outcome}" if e.outcome else ""
        lines.append(
            f"{_t(e.at)} {e.get_kind_display()}: {e.description}"
            + (f" [{drug}]" if drug else "")
            + grade
            + serious
            + outcome
        )
    return Section("Side effects, interventions, adverse events", tuple(lines) or ("None.",))


def _alarms(session: InfusionSession) -> Section:
    lines = []
    for a in session.alarms.select_related("acknowledged_by"):
        if a.acknowledged_at:
            handled = (
                f"acknowledged {_t(a.acknowledged_at)} by {_by(a.acknowledged_by)}: "
                f"{a.get_action_display()}" + (f" ({a.action_note})" if a.action_note else "")
            )
        else:
            handled = "NOT ACKNOWLEDGED"
        lines.append(f"{_t(a.raised_at)} {a.level} {a.message}; {handled}")
    return Section("Alarms and actions", tuple(lines) or ("None.",))


def _discharge(session: InfusionSession) -> Section:
    done = Discharge.objects.filter(session=session).first()
    if done is None:
        return Section("Discharge", ("Not discharged yet.",))
    readiness = done.readiness or {}
    lines = [f"Discharged {_dt(done.at)} by {_by(done.by)}"]
    for c in readiness.get("criteria", []):
        lines.append(f"{'met' if c['met'] else 'NOT MET'}: {c['label']} ({c['detail']})")
    if done.override_reason:
        lines.append(f"Override by {_by(done.overridden_by)}: {done.override_reason}")
    escort = ", ".join(
        x for x in (done.escort_name, done.escort_relationship, done.escort_phone) if x
    )
    lines.append(f"Escort: {escort or 'none recorded'}")
    return Section("Discharge", tuple(lines))


def record_sections(session: InfusionSession, now: datetime | None = None) -> list[Section]:
    """Every section of the record, in the order of the session."""
    now = now or timezone.now()
    return [
        _session(session),
        _prechecks(session),
        _order(session),
        _events(session, now),
        _vitals(session),
        _scales(session),
        _clinical_events(session),
        _alarms(session),
        _discharge(session),
    ]


def draft_body(session: InfusionSession, now: datetime | None = None) -> str:
    parts = [
        "AUTO-DRAFTED from the session data: review, correct and sign.",
        *(
            "\n".join([section.title.upper(), *section.lines])
            for section in record_sections(session, now)
        ),
    ]
    return "\n\n".join(parts)


def record_title(session: InfusionSession) -> str:
    when = timezone.localtime(session.planned.scheduled_at)
    return f"Session record {when:%Y-%m-%d} (session {session.planned.sequence})"


def draft_session_record(
    actor: Actor, session: InfusionSession, *, now: datetime | None = None
) -> ClinicalNote:
    """Create the session's record note, or refresh its text while it is an unsigned draft.

    A signed record is locked (ValidationError: add an addendum on the notes page); a draft
    marked entered in error is replaced by a new draft. Only the draft's author may refresh
    it (the notes rules; PermissionDenied otherwise).
    """
    body = draft_body(session, now)
    title = record_title(session)
    with transaction.atomic():
        fresh = InfusionSession.objects.select_for_update().get(pk=session.pk)
        note = fresh.record_note
        if note is not None and note.signed_at is not None:
            raise ValidationError(
                "record_note",
                "signed",
                "an unsigned draft (the signed record is locked; add an addendum to it)",
            )
        if note is None or note.entered_in_error_at is not None:
            note = create_note(actor, fresh.patient, kind=NoteKind.SESSION, title=title, body=body)
            InfusionSession.objects.filter(pk=fresh.pk).update(record_note=note)
            action = "record_drafted"
        else:
            note = update_draft(
                actor,
                note,
                kind=NoteKind.SESSION,
                title=note.title,
                body=body,
                expected_version=note.version,
            )
            action = "record_refreshed"
        record(
            actor,
            action,
            patient_public_id=fresh.patient.public_id,
            object_type="infusion_session",
            object_id=fresh.public_id,
            detail={"note": str(note.public_id), "version": note.version},
        )
    session.record_note = note
    return note
