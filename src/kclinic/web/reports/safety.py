"""Long-term safety follow-up: evaluate the rules for a patient and open one task per finding.

`run_safety_followup(today)` evaluates every patient with a treatment course; the nightly
worker or `kclinic safety-followup` calls it. It runs as the system (the audit rows name no
user) and is idempotent: a finding is recorded once per patient and episode key (unique in
the database, so two runs at once cannot both open its task), and a finding already
recorded never opens a second task, whether or not its task has been resolved. Follow-up
tasks are routine (they ask for checks, not an emergency response) and are assigned to the
patient's primary clinician (the prescriber who opened their course; see
kclinic.web.tasks.priority.primary_clinician) when that person may still resolve them.

The clinic may override the rules' thresholds in the `safety_followup` section of its
protocol file (KCLINIC_PROTOCOL_FILE, docs/configuration.md) once that section is enabled.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone

from kclinic.domain import safety_followup as rules
from kclinic.domain.sources import Source
from kclinic.web.audit.services import Actor
from kclinic.web.infusions import protocol
from kclinic.web.patients.models import Patient
from kclinic.web.reports.facts import followup_facts
from kclinic.web.reports.models import SafetyFinding
from kclinic.web.tasks.models import Priority
from kclinic.web.tasks.priority import primary_clinician
from kclinic.web.tasks.services import open_task

SOURCE_TYPE = "safety_followup"
TASK_KIND = "followup"
SECTION = "safety_followup"
SYSTEM = Actor(user=None)


def policy() -> rules.FollowupPolicy:
    """The cited defaults, with the clinic's protocol-file overrides when it has any."""
    overrides = protocol.section(SECTION)
    if not overrides:
        return rules.DEFAULT_POLICY
    source = Source(
        id="clinic-protocol",
        citation=protocol.source() or "the clinic's protocol file (KCLINIC_PROTOCOL_FILE)",
        confidence="policy",
    )
    return rules.policy_from(overrides, source)


def findings_for(patient: Patient, today: date) -> tuple[rules.Finding, ...]:
    """The checks due for the patient today (a read: nothing is written)."""
    return rules.evaluate(followup_facts(patient), today, policy())


def _open(patient: Patient, finding: rules.Finding, today: date, actor: Actor) -> SafetyFinding:
    public_id = uuid.uuid4()
    with transaction.atomic():
        task = open_task(
            actor,
            patient,
            kind=TASK_KIND,
            flag=finding.rule,
            title=finding.title,
            source_type=SOURCE_TYPE,
            source_public_id=public_id,
            priority=Priority.ROUTINE,
            assignees=[primary_clinician(patient)],
            audit_detail={"source": SOURCE_TYPE, "rule": finding.rule, "key": finding.key},
        )
        recorded = SafetyFinding.objects.create(
            public_id=public_id,
            patient=patient,
            rule=finding.rule,
            key=finding.key,
            title=finding.title[:200],
            detail=finding.detail,
            since=finding.since,
            source_id=finding.source.id,
            found_on=today,
            task=task,
        )
    return recorded


def record_findings(patient: Patient, today: date, actor: Actor = SYSTEM) -> list[SafetyFinding]:
    """Evaluate the rules and open a task for each finding not recorded before."""
    known = set(SafetyFinding.objects.filter(patient=patient).values_list("key", flat=True))
    opened = []
    for finding in findings_for(patient, today):
        if finding.key in known:
            continue
        try:
            opened.append(_open(patient, finding, today, actor))
        except IntegrityError:
            # Another run recorded the same finding a moment ago: its task is the one.
            if not SafetyFinding.objects.filter(patient=patient, key=finding.key).exists():
                raise
    return opened


@dataclass(frozen=True)
class FollowupRun:
    today: date
    patients: int
    opened: int


def run_safety_followup(today: date | None = None) -> FollowupRun:
    """Evaluate every patient with a treatment course; returns how many tasks were opened."""
    today = today or timezone.localdate()
    patients = Patient.objects.filter(courses__isnull=False).distinct().order_by("pk")
    count = opened = 0
    for patient in patients.iterator(chunk_size=500):
        count += 1
        opened += len(record_findings(patient, today))
    return FollowupRun(today=today, patients=count, opened=opened)
