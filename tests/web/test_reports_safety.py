"""Long-term safety follow-up in the clinic: the facts read from the chair-side record, one
task per finding, idempotent runs, the command, and the outcomes page and API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from click.testing import CliRunner
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from kclinic.cli.safety import safety_followup_command
from kclinic.web.audit.models import AuditEvent
from kclinic.web.audit.services import Actor
from kclinic.web.reports import facts
from kclinic.web.reports.models import SafetyFinding
from kclinic.web.reports.safety import record_findings, run_safety_followup
from kclinic.web.tasks.models import Task
from kclinic.web.tasks.services import resolve_task
from tests.web.test_reports_support import (
    a_course,
    chair_side,
    dose,
    event,
    sessions,
    vitals,
)

START = dt.date(2025, 5, 5)
TODAY = START + dt.timedelta(days=25)


def day(n: int) -> dt.date:
    return START + dt.timedelta(days=n)


@pytest.fixture
def exposed(clinic):
    """Nine sessions 3 days apart (days 0-24). 0.5 mg/kg each, then 0.6 and 0.7 mg/kg with a
    soft-limit override (days 21, 24); pre-dose BP 150/95 at the last three; dysuria and
    haematuria recorded at day 12."""
    course = a_course(clinic, clinic.patient, START)
    done = sessions(clinic, course, [day(3 * n) for n in range(9)])
    rates = ["0.5"] * 7 + ["0.6", "0.7"]
    for n, (planned, rate) in enumerate(zip(done, rates, strict=True)):
        session = chair_side(clinic, planned)
        override = "Titration beyond the usual range" if rate != "0.5" else ""
        mg = str(Decimal(rate) * 70)
        dose(clinic, session, mg, "70", mg_per_kg=rate, override_reason=override)
        vitals(clinic, session, 150 if n >= 6 else 128, 95 if n >= 6 else 80)
    event(clinic, done[4].infusion, "Dysuria and blood in the urine since last week")
    return clinic


def test_facts_read_from_the_record(exposed):
    found = facts.followup_facts(exposed.patient)
    assert [d.on for d in found.doses] == [day(3 * n) for n in range(9)]
    assert sum(d.mg_per_kg for d in found.doses) == Decimal("4.8")
    assert [(s.on, s.kind) for s in found.misuse] == [
        (day(21), "dose_escalation"),
        (day(24), "dose_escalation"),
    ]
    assert [(r.on, r.symptoms) for r in found.urinary] == [
        (day(12), frozenset({"dysuria", "haematuria"}))
    ]
    assert [(r.sbp_mmhg, r.dbp_mmhg) for r in found.predose_bp][-3:] == [(150, 95)] * 3


def test_run_opens_one_task_per_finding(exposed):
    before = AuditEvent.objects.count()
    run = run_safety_followup(TODAY)
    assert (run.patients, run.opened) == (1, 5)
    keys = set(SafetyFinding.objects.values_list("key", flat=True))
    assert keys == {
        f"urinary:{day(12)}",
        f"lft:{day(21)}:0",  # 3.5 mg/kg by day 18, then 0.6 makes 4.1 in 30 days
        f"cognitive:{day(21)}:0",
        f"misuse:{day(24)}",
        f"bp-trend:{day(24)}",
    }
    tasks = Task.objects.filter(patient=exposed.patient, kind="followup", status="open")
    assert tasks.count() == 5
    titles = set(tasks.values_list("title", flat=True))
    assert "Urinary symptoms reported: urinalysis and urology review" in titles
    assert "Possible misuse signals: prescriber review" in titles
    for finding in SafetyFinding.objects.all():
        assert finding.task.source_public_id == finding.public_id
        assert finding.task.source_type == "safety_followup"
        # Routine checks, for the prescriber who opened the course.
        assert finding.task.priority == "routine"
        assert list(finding.task.assigned_to.all()) == [exposed.prescriber]
    created = AuditEvent.objects.filter(seq__gt=before, action="create", object_type="task")
    assert created.count() == 5
    assert {e.username for e in created} == {""}  # the system, not a user


def test_followup_tasks_are_unassigned_when_the_course_prescriber_may_not_resolve(exposed):
    exposed.prescriber.is_active = False
    exposed.prescriber.save()
    assert run_safety_followup(TODAY).opened == 5
    tasks = Task.objects.filter(kind="followup")
    assert not tasks.filter(assigned_to__isnull=False).exists()
    assert set(tasks.values_list("priority", flat=True)) == {"routine"}


def test_runs_are_idempotent_even_after_a_task_is_resolved(exposed):
    assert run_safety_followup(TODAY).opened == 5
    assert run_safety_followup(TODAY).opened == 0
    urinary = SafetyFinding.objects.get(rule="urinary").task
    resolve_task(
        Actor(exposed.prescriber), urinary, "no_action", "Urinalysis normal; reviewed with patient."
    )
    assert run_safety_followup(TODAY + dt.timedelta(days=1)).opened == 0
    # 90 days after the first trigger the liver tests are due again (a new cycle).
    later = run_safety_followup(day(21 + 90))
    assert later.opened == 1
    assert SafetyFinding.objects.filter(key=f"lft:{day(21)}:1").exists()


def test_a_finding_is_stored_once(exposed):
    record_findings(exposed.patient, TODAY)
    first = SafetyFinding.objects.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        SafetyFinding.objects.create(
            patient=first.patient,
            rule=first.rule,
            key=first.key,
            title="again",
            detail="",
            since=first.since,
            source_id="x",
            found_on=TODAY,
            task=Task.objects.create(patient=first.patient, title="again"),
        )


def test_patients_without_findings_get_no_task(clinic):
    course = a_course(clinic, clinic.patient, START)
    for planned in sessions(clinic, course, [day(0), day(7)]):
        dose(clinic, chair_side(clinic, planned), "35", "70")
    assert run_safety_followup(TODAY).opened == 0
    assert not Task.objects.exists()


def test_portal_urinary_answers_start_and_end_an_episode(clinic):
    from kclinic.web.portal.models import SelfReportLink, SelfReportSubmission

    a_course(clinic, clinic.patient, START)

    def submit(when: dt.date, answers: dict[str, int], text: str = "") -> None:
        at = timezone.make_aware(dt.datetime.combine(when, dt.time(10)), dt.UTC)
        link = SelfReportLink.objects.create(
            patient=clinic.patient,
            instruments=["urinary"],
            context="follow-up",
            token_digest=f"{when.isoformat():0<64}",
            base_url="https://clinic.example",
            channel="email",
            sent_by=clinic.nurse,
            created_at=at,
            expires_at=at + dt.timedelta(days=3),
            used_at=at,
        )
        SelfReportSubmission.objects.create(
            link=link,
            patient=clinic.patient,
            submitted_at=at,
            urinary=answers,
            side_effects=text,
            recorded_for=clinic.prescriber,
        )

    none = dict.fromkeys(("frequency", "urgency", "dysuria", "haematuria", "suprapubic_pain"), 0)
    submit(day(0), none)
    submit(day(7), {**none, "urgency": 1})
    assert [f.key for f in record_findings(clinic.patient, day(8))] == [f"urinary:{day(7)}"]
    submit(day(14), none, "A little tired")
    assert record_findings(clinic.patient, day(15)) == []
    submit(day(21), none, "Some pain passing urine")  # named in free text
    assert [f.key for f in record_findings(clinic.patient, day(22))] == [f"urinary:{day(21)}"]


def test_command_runs_the_rules(exposed):
    result = CliRunner().invoke(safety_followup_command, ["--date", TODAY.isoformat()])
    assert result.exit_code == 0, result.output
    assert f"Safety follow-up for {TODAY}: 1 patients evaluated, 5 new tasks opened." in (
        result.output
    )


def test_outcomes_page_and_api_show_exposure_and_checks_due(exposed, login, monkeypatch):
    monkeypatch.setattr(timezone, "localdate", lambda *args: TODAY)
    run_safety_followup(TODAY)
    client = login(exposed.prescriber)
    url = reverse("reports:patient_outcomes", kwargs={"patient_id": exposed.patient.public_id})
    page = client.get(url).content.decode()
    assert "<b>336.00 mg</b>" in page  # 7 x 35 + 42 + 49
    assert "4.800 mg/kg" in page
    assert "Liver function tests due (repeated ketamine)" in page
    assert "Blood pressure trend across sessions: review" in page
    api = client.get(
        reverse("api:reports_patient_outcomes", kwargs={"patient_id": exposed.patient.public_id})
    ).json()
    assert api["exposure"]["sessions"] == 9
    assert api["exposure"]["window_mg_per_kg"] == "4.800"
    assert {f["rule"] for f in api["findings"]} == {
        "urinary",
        "lft",
        "cognitive",
        "misuse",
        "bp-trend",
    }
