"""The measurement schedule from real courses, the due and overdue lists, links sent for a
schedule item, and the reminder jobs run by the database worker."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from kclinic.web.assessments.services import record_assessment
from kclinic.web.audit.models import AuditEvent
from kclinic.web.audit.services import Actor
from kclinic.web.courses.services import change_phase
from kclinic.web.courses.session_services import complete_session
from kclinic.web.portal import selectors, services
from kclinic.web.portal.models import SelfReportLink, SelfReportReminder
from tests.web.courses_factories import a_course, a_plan
from tests.web.test_portal_support import BASE_URL, issue

REMINDER_JOB = "kclinic.web.portal.jobs.send_reminder"


def course_in(clinic, days: int, *, start_hour: int = 9):
    """A 3-a-week IV course whose first session is `days` from today at 09:00."""
    start = timezone.localdate() + timedelta(days=days)
    course = a_course(
        clinic, template_id="iv-3-a-week-2-weeks", modality="iv-racemic", started_on=start
    )
    a_plan(clinic, course, weekdays=range(7), at=dt.time(start_hour))
    course.refresh_from_db()
    return course


def test_timeline_and_items_come_from_the_course(clinic):
    course = course_in(clinic, 2)
    sessions = list(course.sessions.order_by("sequence"))
    timeline = selectors.timeline(course)
    assert [p.id for p in timeline.sessions] == [str(s.public_id) for s in sessions]
    assert timeline.phases[0].phase == "induction"
    first = sessions[0].scheduled_at
    rows = selectors.due_rows([clinic.patient], first - timedelta(hours=10))
    assert [(r.item.rule, r.item.anchor, r.state.status) for r in rows] == [
        ("pre-infusion", str(sessions[0].public_id), "due")
    ]
    assert rows[0].item.context == "baseline"
    overdue = selectors.due_rows([clinic.patient], first - timedelta(hours=1))
    assert overdue[0].state.status == "overdue"
    # 4 h after the chair session 1's item is over and session 2's (2 days on) is open; the
    # session was not completed, so there is no post-infusion item.
    later = selectors.due_rows([clinic.patient], first + timedelta(hours=5))
    assert [(r.item.anchor, r.item.context, r.state.status) for r in later] == [
        (str(sessions[1].public_id), "pre-session", "due")
    ]


def test_completed_sessions_maintenance_and_end_generate_their_items(clinic):
    start = timezone.localdate() - timedelta(days=40)
    course = a_course(
        clinic, template_id="iv-3-a-week-2-weeks", modality="iv-racemic", started_on=start
    )
    a_plan(clinic, course, weekdays=(0, 2, 4), at=dt.time(9))
    nurse, prescriber = Actor(clinic.nurse), Actor(clinic.prescriber)
    sessions = list(course.sessions.order_by("sequence"))
    for session in sessions:
        complete_session(nurse, session, now=session.scheduled_at + timedelta(hours=2))
    course.refresh_from_db()
    switched = sessions[-1].scheduled_at + timedelta(days=3)
    change_phase(
        prescriber, course, phase="maintenance", expected_version=course.version, now=switched
    )
    course.refresh_from_db()
    timeline = selectors.timeline(course)
    assert [p.phase for p in timeline.phases] == ["induction", "maintenance"]
    assert timeline.phases[1].start == switched
    rows = selectors.due_rows([clinic.patient], switched + timedelta(days=7, hours=1))
    assert [(r.item.rule, r.item.anchor) for r in rows] == [("maintenance-weekly", "1.1")]

    ended_at = switched + timedelta(days=10)
    course.refresh_from_db()
    change_phase(
        prescriber,
        course,
        phase="ended",
        expected_version=course.version,
        reason="Sustained remission, stopping",
        now=ended_at,
    )
    course.refresh_from_db()
    assert selectors.timeline(course).ended_at == ended_at
    monthly = selectors.due_rows([clinic.patient], ended_at + timedelta(days=31))
    assert [(r.item.rule, r.item.anchor) for r in monthly] == [("after-course", "1")]


def test_an_assessment_taken_at_the_chair_completes_the_item(clinic):
    course = course_in(clinic, 2)
    first = course.sessions.order_by("sequence").first().scheduled_at
    now = first - timedelta(hours=3)
    row = selectors.due_rows([clinic.patient], now)[0]
    assert "phq9" in row.state.missing
    record_assessment(
        Actor(clinic.nurse), clinic.patient, "phq9", [0] * 9, "pre-session", timezone.now()
    )
    row = selectors.due_rows([clinic.patient], now)[0]
    assert "phq9" not in row.state.missing
    assert "urinary-symptoms" in row.state.missing


def test_a_link_for_a_schedule_item_takes_its_questionnaires(clinic):
    course = course_in(clinic, 2)
    row = selectors.due_rows([clinic.patient], timezone.now())[0]
    issued = services.create_link_for_item(
        Actor(clinic.nurse),
        clinic.patient,
        due_key=row.item.key,
        channel="qr",
        base_url=BASE_URL,
    )
    assert issued.link.instruments == [
        "phq9",
        "gad7",
        "qids-sr16",
        "pcl5",
        "cssrs-screener",
        "urinary-symptoms",
    ]
    assert (issued.link.context, issued.link.course, issued.link.due_key) == (
        "baseline",
        course,
        row.item.key,
    )
    again = selectors.due_rows([clinic.patient], timezone.now())[0]
    assert again.link == issued.link


def test_the_due_page_and_api_list_the_item(clinic, login):
    course_in(clinic, 2)
    before = AuditEvent.objects.count()
    page = login(clinic.nurse).get("/self-report/due/")
    assert page.status_code == 200
    assert b"HART, Robin" in page.content
    assert b"pre-infusion" in page.content
    assert AuditEvent.objects.filter(
        seq__gt=before, patient_public_id=clinic.patient.public_id, object_id="self-report-due"
    ).exists()
    api = login(clinic.nurse).get("/api/v1/self-report/due")
    assert api.status_code == 200
    (row,) = api.json()
    assert (row["patient"], row["rule"], row["status"]) == (
        str(clinic.patient.public_id),
        "pre-infusion",
        "due",
    )
    assert login(clinic.other_site_nurse).get("/api/v1/self-report/due").json() == []


def _email_patient(clinic) -> None:
    clinic.patient.email = "robin@example.org"
    clinic.patient.save()


def test_sending_queues_three_daily_reminders(clinic):
    _email_patient(clinic)
    now = timezone.now()
    issued = issue(clinic, channel="email", now=now)
    jobs = DBTaskResult.objects.filter(task_path=REMINDER_JOB).order_by("run_after")
    assert [j.args_kwargs["args"] for j in jobs] == [
        [str(issued.link.public_id), n] for n in (1, 2, 3)
    ]
    assert [j.run_after - now for j in jobs] == [timedelta(days=n) for n in (1, 2, 3)]
    assert len(mail.outbox) == 1
    assert issued.url in mail.outbox[0].body


@pytest.fixture(autouse=True)
def _worker_keeps_the_test_connection(monkeypatch):
    # The worker closes stale connections between jobs; a test runs inside one transaction
    # on one connection (PostgreSQL would lose it), so that housekeeping is skipped here.
    from django_tasks_db.management.commands import db_worker

    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)


def _run_worker() -> None:
    """The worker as `kclinic worker --batch` runs it: every ready job, then exit."""
    call_command("db_worker", batch=True, reload=False, startup_delay=False, verbosity=0)


def test_the_worker_sends_a_due_reminder_with_a_fresh_link(clinic):
    _email_patient(clinic)
    issued = issue(clinic, channel="email")
    mail.outbox.clear()
    _run_worker()  # nothing is due yet: the jobs wait as rows
    assert mail.outbox == []
    assert DBTaskResult.objects.filter(task_path=REMINDER_JOB, status="READY").count() == 3
    # A day later (the worker process may have restarted meanwhile: the jobs are rows).
    first = DBTaskResult.objects.filter(task_path=REMINDER_JOB).order_by("run_after").first()
    DBTaskResult.objects.filter(pk=first.pk).update(run_after=timezone.now() - timedelta(seconds=1))
    _run_worker()
    first.refresh_from_db()
    assert first.status == "SUCCESSFUL"
    assert first.return_value == "sent"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject.startswith("Reminder: ")
    assert issued.url not in mail.outbox[0].body  # a fresh token
    assert f"{BASE_URL}/r/" in mail.outbox[0].body
    assert SelfReportReminder.objects.filter(link=issued.link, number=1).count() == 1
    assert DBTaskResult.objects.filter(task_path=REMINDER_JOB, status="READY").count() == 2


def test_a_reminder_job_enqueued_and_run_synchronously_is_idempotent(clinic):
    from kclinic.web.portal.jobs import send_reminder

    _email_patient(clinic)
    issued = issue(clinic, channel="email")
    mail.outbox.clear()
    result = send_reminder.enqueue(str(issued.link.public_id), 2)
    _run_worker()
    result.refresh()
    assert result.return_value == "sent"
    again = send_reminder.enqueue(str(issued.link.public_id), 2)
    _run_worker()
    again.refresh()
    assert again.return_value == "skipped: already sent"
    assert len(mail.outbox) == 1
    link = SelfReportLink.objects.get(pk=issued.link.pk)
    assert link.reminders_sent == 1


def test_no_reminder_after_the_link_is_used_or_revoked(clinic):
    from kclinic.web.portal.jobs import send_reminder

    _email_patient(clinic)
    issued = issue(clinic, channel="email")
    services.revoke_link(Actor(clinic.nurse), issued.link)
    mail.outbox.clear()
    assert (
        send_reminder.call(str(issued.link.public_id), 1) == "skipped: link used, revoked or gone"
    )
    assert mail.outbox == []


def test_kclinic_worker_runs_the_ready_jobs_and_exits_with_batch(clinic):
    from click.testing import CliRunner

    from kclinic.cli.worker import worker_command
    from kclinic.web.portal.jobs import send_reminder

    _email_patient(clinic)
    issued = issue(clinic, channel="email")
    mail.outbox.clear()
    result = send_reminder.enqueue(str(issued.link.public_id), 1)
    run = CliRunner().invoke(worker_command, ["--batch"])
    assert run.exit_code == 0, run.output
    result.refresh()
    assert result.return_value == "sent"
    assert len(mail.outbox) == 1
    # The three reminders queued when the link was sent wait for their day.
    assert DBTaskResult.objects.filter(task_path=REMINDER_JOB, status="READY").count() == 3
