"""One chair-side treatment session, persisted: its lifecycle, pre-checks, dose order and
independent double check, monitoring, recovery, discharge and REMS form.

Every row here is appended, never edited, except the session's own `state`/`version` (moved
only by `services_lifecycle.apply_event`, under a row lock) and the acknowledgement columns of
an alarm. The rules (which transition, which threshold, which discharge criterion) live in
kclinic.domain; these models only keep what happened, who did it and when.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from kclinic.domain.session_states import Event, State
from kclinic.web.accounts.models import Chair, Site
from kclinic.web.courses.models import PlannedSession
from kclinic.web.patients.models import Patient

STATE_CHOICES = [(state.value, state.value.replace("_", " ").capitalize()) for state in State]
EVENT_CHOICES = [(event.value, event.value.replace("_", " ").capitalize()) for event in Event]

_USER = settings.AUTH_USER_MODEL


class InfusionSession(models.Model):
    """The chair-side record of one planned session (one per PlannedSession).

    The ledger account of drug drawn for it is `session:<public_id>`.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    planned = models.OneToOneField(
        PlannedSession, on_delete=models.PROTECT, related_name="infusion"
    )
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="infusions")
    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="infusions")
    chair = models.ForeignKey(Chair, null=True, blank=True, on_delete=models.PROTECT)
    modality = models.CharField(max_length=20)  # courses.Modality value, copied at check-in
    protocol_version = models.CharField(max_length=40)
    state = models.CharField(max_length=20, choices=STATE_CHOICES, default=State.SCHEDULED)
    version = models.PositiveIntegerField(default=1)  # bumped by every transition
    created_at = models.DateTimeField()
    # The auto-drafted session record (a notes.ClinicalNote of kind "session"), once drafted.
    record_note = models.OneToOneField(
        "notes.ClinicalNote", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["site", "state"])]

    def __str__(self) -> str:
        return f"session {self.public_id} ({self.state})"

    @property
    def ledger_account(self) -> str:
        return f"session:{self.public_id}"


class SessionTransition(models.Model):
    """One step of the lifecycle, in order (`seq` from 1)."""

    session = models.ForeignKey(
        InfusionSession, on_delete=models.PROTECT, related_name="transitions"
    )
    seq = models.PositiveIntegerField()
    event = models.CharField(max_length=20, choices=EVENT_CHOICES)
    from_state = models.CharField(max_length=20, choices=STATE_CHOICES)
    to_state = models.CharField(max_length=20, choices=STATE_CHOICES)
    at = models.DateTimeField()
    by = models.ForeignKey(_USER, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["session", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["session", "seq"], name="transition_seq"),
        ]


class PrecheckResult(models.Model):
    """One answered item of the pre-infusion checklist. A later row for the same item replaces
    the earlier one for the checklist's status; both are kept."""

    class Status(models.TextChoices):
        PASS = "pass", "Pass"
        WARN = "warn", "Warning"
        FAIL = "fail", "Fail"
        NOT_APPLICABLE = "na", "Not applicable"

    session = models.ForeignKey(InfusionSession, on_delete=models.PROTECT, related_name="prechecks")
    item = models.CharField(max_length=40)
    status = models.CharField(max_length=4, choices=Status.choices)
    value = models.JSONField(default=dict, blank=True)  # what was entered (hours fasted, ...)
    message = models.CharField(max_length=500, blank=True)
    # A prescriber's review that releases a hard stop (e.g. a high C-SSRS result).
    override_reason = models.CharField(max_length=500, blank=True)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(_USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["session", "recorded_at", "id"]


class DoseOrder(models.Model):
    """A prescriber's order for this session, computed by the core dose plan. A new order
    supersedes the previous one (its `superseded_by` is set); it is never edited."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    session = models.ForeignKey(InfusionSession, on_delete=models.PROTECT, related_name="orders")
    ordered_at = models.DateTimeField()
    ordered_by = models.ForeignKey(_USER, on_delete=models.PROTECT, related_name="+")
    weight_kg = models.DecimalField(max_digits=6, decimal_places=2)
    height_cm = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    weight_basis = models.CharField(max_length=20, blank=True)
    mg_per_kg = models.DecimalField(max_digits=6, decimal_places=3, null=True, blank=True)
    dose_mg = models.DecimalField(max_digits=8, decimal_places=2)
    duration_min = models.PositiveIntegerField(null=True, blank=True)
    vial_mg_per_ml = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    bag_ml = models.DecimalField(max_digits=7, decimal_places=1, null=True, blank=True)
    drug_volume_ml = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)
    final_mg_per_ml = models.DecimalField(max_digits=8, decimal_places=4, null=True, blank=True)
    rate_ml_per_h = models.DecimalField(max_digits=8, decimal_places=1, null=True, blank=True)
    vtbi_ml = models.DecimalField(max_digits=8, decimal_places=1, null=True, blank=True)
    devices = models.PositiveSmallIntegerField(null=True, blank=True)  # esketamine 28 mg each
    plan = models.JSONField(default=dict)  # the core's full result, with sources and choices
    titration_reason = models.CharField(max_length=500, blank=True)
    override_reason = models.CharField(max_length=500, blank=True)  # soft-limit override
    superseded_by = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="supersedes"
    )

    class Meta:
        ordering = ["session", "ordered_at", "id"]


class DoseCheck(models.Model):
    """One independent second-person check of an order: what the checker entered and whether
    it matched. Failed checks are kept; the order is verified by a matching one."""

    order = models.ForeignKey(DoseOrder, on_delete=models.PROTECT, related_name="checks")
    checked_at = models.DateTimeField()
    checked_by = models.ForeignKey(_USER, on_delete=models.PROTECT, related_name="+")
    entered = models.JSONField(default=dict)  # {"weight_kg": "80", "vial_mg_per_ml": "10"}
    mismatches = models.JSONField(default=list)  # [{"field", "ordered", "entered"}]
    matched = models.BooleanField()
    lot = models.ForeignKey(
        "inventory.Lot", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["order", "checked_at", "id"]


class VitalSet(models.Model):
    """One set of vital signs with the policy's verdict on it at the time it was recorded."""

    class Source(models.TextChoices):
        MANUAL = "manual", "Manual"
        DEVICE = "device", "Device"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    session = models.ForeignKey(InfusionSession, on_delete=models.PROTECT, related_name="vitals")
    phase = models.CharField(max_length=10)  # pre_dose | infusion | recovery
    taken_at = models.DateTimeField()
    systolic = models.PositiveSmallIntegerField(null=True, blank=True)
    diastolic = models.PositiveSmallIntegerField(null=True, blank=True)
    heart_rate = models.PositiveSmallIntegerField(null=True, blank=True)
    spo2 = models.PositiveSmallIntegerField(null=True, blank=True)
    respiratory_rate = models.PositiveSmallIntegerField(null=True, blank=True)
    symptoms = models.JSONField(default=list, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MANUAL)
    device_id = models.CharField(max_length=80, blank=True)
    level = models.CharField(max_length=10, blank=True)  # highest alert level, "" when none
    alerts = models.JSONField(default=list, blank=True)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(_USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["session", "taken_at", "id"]


class Alarm(models.Model):
    """An alarm raised on a session (a vital-sign alert, overdue vitals, a crisis symptom). It
    stays open until someone acknowledges it with the action taken."""

    class Action(models.TextChoices):
        OBSERVED = "observed", "Observed"
        PAUSED = "paused", "Infusion paused"
        RATE_REDUCED = "rate_reduced", "Rate reduced"
        MEDICATION = "medication", "Medication given"
        STOPPED = "stopped", "Infusion stopped"
        ESCALATED = "escalated", "Emergency escalation"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    session = models.ForeignKey(InfusionSession, on_delete=models.PROTECT, related_name="alarms")
    kind = models.CharField(max_length=20)  # vitals | overdue | crisis | ...
    level = models.CharField(max_length=10)
    code = models.CharField(max_length=40)
    message = models.CharField(max_length=500)
    vital_set = models.ForeignKey(
        VitalSet, null=True, blank=True, on_delete=models.PROTECT, related_name="alarms"
    )
    raised_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        _USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=20, choices=Action.choices, blank=True)
    action_note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["session", "raised_at", "id"]
        indexes = [models.Index(fields=["session", "acknowledged_at"])]


class InfusionEvent(models.Model):
    """Pump events: start, pause, resume, rate change (with the new rate), stop."""

    class Kind(models.TextChoices):
        START = "start", "Start"
        PAUSE = "pause", "Pause"
        RESUME = "resume", "Resume"
        RATE_CHANGE = "rate_change", "Rate change"
        STOP = "stop", "Stop"

    session = models.ForeignKey(
        InfusionSession, on_delete=models.PROTECT, related_name="infusion_events"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    at = models.DateTimeField()
    rate_ml_per_h = models.DecimalField(max_digits=8, decimal_places=1, null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)
    recorded_by = models.ForeignKey(_USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["session", "at", "id"]


class SessionScale(models.Model):
    """A scale given at a protocol time point of the session (CADSS, MOAA/S, Aldrete, ...),
    stored as an assessments.Assessment and linked here with its time point."""

    session = models.ForeignKey(InfusionSession, on_delete=models.PROTECT, related_name="scales")
    assessment = models.OneToOneField(
        "assessments.Assessment", on_delete=models.PROTECT, related_name="session_scale"
    )
    time_point = models.CharField(max_length=40)  # e.g. "pre", "40 min", "pre-discharge"

    class Meta:
        ordering = ["session", "id"]


class ClinicalEvent(models.Model):
    """A side effect, an intervention (e.g. ondansetron 4 mg IV) or an adverse event."""

    class Kind(models.TextChoices):
        SIDE_EFFECT = "side_effect", "Side effect"
        INTERVENTION = "intervention", "Intervention"
        ADVERSE_EVENT = "adverse_event", "Adverse event"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    session = models.ForeignKey(
        InfusionSession, on_delete=models.PROTECT, related_name="clinical_events"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    at = models.DateTimeField()
    description = models.CharField(max_length=500)
    # Interventions: drug, dose and route ("ondansetron", "4 mg", "IV").
    medication = models.CharField(max_length=100, blank=True)
    dose = models.CharField(max_length=40, blank=True)
    route = models.CharField(max_length=20, blank=True)
    # Adverse events: CTCAE-style grade 1-5 and seriousness (with its criteria).
    grade = models.PositiveSmallIntegerField(null=True, blank=True)
    serious = models.BooleanField(default=False)
    seriousness = models.JSONField(default=list, blank=True)
    outcome = models.CharField(max_length=200, blank=True)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(_USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["session", "at", "id"]


class Discharge(models.Model):
    """How the patient left: the readiness the core computed, the escort, and any prescriber
    override (with its reason) of unmet criteria."""

    session = models.OneToOneField(
        InfusionSession, on_delete=models.PROTECT, related_name="discharge"
    )
    at = models.DateTimeField()
    by = models.ForeignKey(_USER, on_delete=models.PROTECT, related_name="+")
    readiness = models.JSONField(default=dict)  # {"ready": bool, "unmet": [...], "policy": ...}
    escort_name = models.CharField(max_length=200, blank=True)
    escort_relationship = models.CharField(max_length=100, blank=True)
    escort_phone = models.CharField(max_length=40, blank=True)
    override_reason = models.CharField(max_length=500, blank=True)
    overridden_by = models.ForeignKey(
        _USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    instructions = models.TextField(blank=True)


class RemsForm(models.Model):
    """The Spravato REMS Patient Monitoring Form of an esketamine session. `data` holds the
    fields of kclinic.domain.rems.PatientMonitoringForm (as JSON), filled from the session and
    completed by the clinician; submission to the REMS is tracked, not performed."""

    session = models.OneToOneField(
        InfusionSession, on_delete=models.PROTECT, related_name="rems_form"
    )
    data = models.JSONField(default=dict)
    form_version = models.CharField(max_length=20)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        _USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submitted_on = models.DateField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        _USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    submission_reference = models.CharField(max_length=100, blank=True)
