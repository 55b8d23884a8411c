"""Risk routing: a self-report with PHQ-9 item 9 > 0, QIDS-SR16 item 12 >= 1 or a C-SSRS
screener at moderate or high risk is never stored without an open urgent task assigned to
the patient's primary clinician and the site's on-call clinician; saving the answer and then
submitting it leaves one task, not two."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kclinic.domain.self_report_risk import urgent_findings
from kclinic.web.assessments.models import Assessment
from kclinic.web.assessments.selectors import tasks_for
from kclinic.web.audit.services import Actor
from kclinic.web.portal import answering, jobs, routing
from kclinic.web.portal.models import RiskRoute, SelfReportLink
from kclinic.web.tasks.models import Task
from kclinic.web.tasks.selectors import open_tasks_for, task_list
from kclinic.web.tasks.services import resolve_task
from tests.web.courses_factories import todays_course
from tests.web.factories import UserFactory
from tests.web.test_portal_support import answer_all, issue, on_call

PHQ9_ITEM9_2 = [1, 2, 1, 1, 0, 1, 1, 0, 2]
QIDS_SAFE = [1] * 11 + [0] + [1] * 4
CSSRS_NONE = {"q1": 0, "q2": 0, "q6": 0}


@pytest.fixture
def team(clinic):
    """The patient's course (opened by the prescriber) and a second prescriber on call."""
    todays_course(clinic)
    on_call_doc = UserFactory(
        username="dr_call", role="prescriber", sites=[clinic.site_a], email="call@example.org"
    )
    clinic.prescriber.email = "lee@example.org"
    clinic.prescriber.save()
    on_call(clinic, on_call_doc)
    return on_call_doc


def submit(clinic, answers, *, instruments=None):
    issued = issue(clinic, instruments=instruments or list(answers))
    answer_all(issued.token, issued.link, answers)
    return issued, answering.submit(issued.token)


def test_phq9_item9_opens_an_urgent_task_for_primary_and_on_call(clinic, team):
    _issued, submitted = submit(clinic, {"phq9": PHQ9_ITEM9_2})
    assessment = Assessment.objects.get(patient=clinic.patient)
    assert (assessment.respondent, assessment.total, assessment.flags) == (
        "patient",
        9,
        ["suicidal_ideation"],
    )
    route = RiskRoute.objects.get(assessment=assessment)
    assert route.stage == "submitted"
    assert route.detail == "item 9 = 2"
    task = route.task
    assert (task.status, task.priority) == ("open", "urgent")
    assert set(task.assigned_to.all()) == {clinic.prescriber, team}
    assert task.source_public_id == assessment.public_id
    assert task.title.startswith("Self-report: PHQ-9 item 9")
    assert "URGENT" not in task.title
    assert submitted.crisis
    # On both clinicians' task lists, first, and the chart's open safety-task count.
    for user in (clinic.prescriber, team):
        assert task_list(user).mine == [task]
    assert clinic.patient.tasks.filter(kind="safety", status="open").count() == 1


def test_answering_item9_then_submitting_leaves_exactly_one_urgent_task(clinic, team):
    issued = issue(clinic, instruments=["phq9"])
    answering.save_progress(issued.token, "phq9", {"9": 2})
    (answered,) = RiskRoute.objects.filter(link=issued.link)
    answered_task = answered.task
    answer_all(issued.token, issued.link, {"phq9": PHQ9_ITEM9_2})
    answering.submit(issued.token)

    (task,) = Task.objects.filter(patient=clinic.patient)
    assert task.pk == answered_task.pk
    assert (task.status, task.priority, task.flag) == ("open", "urgent", "suicidal_ideation")
    assert set(task.assigned_to.all()) == {clinic.prescriber, team}
    assessment = Assessment.objects.get(patient=clinic.patient)
    assert (task.source_type, task.source_public_id) == ("assessment", assessment.public_id)
    assert sorted(RiskRoute.objects.filter(task=task).values_list("stage", flat=True)) == [
        "answered",
        "submitted",
    ]
    # The assessment's page finds its task; the clinicians were told once.
    assert list(tasks_for(assessment)) == [task]
    notices = DBTaskResult.objects.filter(task_path="kclinic.web.portal.jobs.notify_urgent_route")
    assert notices.count() == 1


def test_the_risky_answer_is_routed_the_moment_it_is_saved(clinic, team):
    issued = issue(clinic, instruments=["phq9", "gad7"])
    saved = answering.save_progress(issued.token, "phq9", {"9": 1})
    assert saved.crisis
    (route,) = RiskRoute.objects.filter(link=issued.link)
    assert (route.stage, route.rule, route.task.status) == ("answered", "phq9-item9", "open")
    assert route.task.source_type == "self_report_link"
    assert route.task.source_public_id == issued.link.public_id
    assert route.task.priority == "urgent"
    assert set(route.task.assigned_to.all()) == {clinic.prescriber, team}
    # Saving again, or changing the answer back, does not open a second task nor close one.
    answering.save_progress(issued.token, "phq9", {"9": 3})
    answering.save_progress(issued.token, "phq9", {"9": 0})
    assert RiskRoute.objects.filter(link=issued.link).count() == 1
    route.task.refresh_from_db()
    assert route.task.status == "open"
    # Submitting the changed answer stores no flag: the saved answer's task stays for review.
    answering.save_progress(issued.token, "phq9", dict.fromkeys("12345678", 0))
    answering.save_progress(issued.token, "gad7", dict.fromkeys("1234567", 0))
    answering.submit(issued.token)
    assert list(Task.objects.filter(patient=clinic.patient)) == [route.task]
    route.task.refresh_from_db()
    assert (route.task.status, route.task.source_type) == ("open", "self_report_link")


def test_a_task_resolved_before_the_form_is_submitted_is_not_reopened(clinic, team):
    issued = issue(clinic, instruments=["phq9"])
    answering.save_progress(issued.token, "phq9", {"9": 2})
    first = RiskRoute.objects.get(link=issued.link).task
    resolve_task(Actor(clinic.prescriber), first, "cssrs_done", "Called: low risk, plan made.")
    answer_all(issued.token, issued.link, {"phq9": PHQ9_ITEM9_2})
    answering.submit(issued.token)
    # The submitted answer is a new report: it gets its own urgent, assigned task.
    new = Task.objects.get(patient=clinic.patient, status="open")
    assert new.pk != first.pk
    assert new.priority == "urgent"
    assert set(new.assigned_to.all()) == {clinic.prescriber, team}


def test_two_instruments_on_one_link_each_keep_their_own_submitted_task(clinic, team):
    qids = list(QIDS_SAFE)
    qids[11] = 2
    submit(clinic, {"phq9": PHQ9_ITEM9_2, "qids-sr16": qids})
    phq9 = Assessment.objects.get(instrument_id="phq9")
    qids_row = Assessment.objects.get(instrument_id="qids-sr16")
    open_tasks = Task.objects.filter(patient=clinic.patient, status="open")
    assert open_tasks.count() == 2
    assert set(open_tasks.values_list("source_public_id", flat=True)) == {
        phq9.public_id,
        qids_row.public_id,
    }
    assert not open_tasks.filter(source_type="self_report_link").exists()
    assert RiskRoute.objects.get(assessment=qids_row).task.title.startswith("Self-report: QIDS")
    for task in open_tasks:
        assert task.priority == "urgent"
        assert set(task.assigned_to.all()) == {clinic.prescriber, team}


def test_qids_item12_is_urgent(clinic, team):
    qids = list(QIDS_SAFE)
    qids[11] = 1
    submit(clinic, {"qids-sr16": qids})
    assessment = Assessment.objects.get(instrument_id="qids-sr16")
    assert RiskRoute.objects.filter(assessment=assessment, rule="qids-item12").exists()


def test_cssrs_moderate_is_urgent_and_low_is_a_plain_safety_task(clinic, team):
    submit(clinic, {"cssrs-screener": {"q1": 1, "q2": 0, "q6": 0}})
    low = Assessment.objects.get(instrument_id="cssrs-screener")
    assert low.band == "low"
    assert not RiskRoute.objects.filter(assessment=low).exists()
    # The assessment still opened its safety task for the ideation flag: urgent by the flag,
    # on every clinician's list, but not routed to anyone in particular.
    low_task = Task.objects.get(source_public_id=low.public_id, status="open")
    assert low_task.priority == "urgent"
    assert not low_task.assigned_to.exists()

    issued = issue(clinic, instruments=["cssrs-screener"])
    answering.save_progress(issued.token, "cssrs-screener", {"q1": 1, "q2": 1, "q6": 0})
    answering.save_progress(issued.token, "cssrs-screener", {"q3": 1, "q4": 0, "q5": 0})
    answering.submit(issued.token)
    moderate = Assessment.objects.filter(instrument_id="cssrs-screener").exclude(pk=low.pk).get()
    assert moderate.band == "moderate"
    route = RiskRoute.objects.get(assessment=moderate)
    assert route.detail == "triage level moderate"
    assert set(route.task.assigned_to.all()) == {clinic.prescriber, team}


def test_routing_falls_back_to_the_site_prescribers_when_nobody_is_assigned(clinic):
    clinic.prescriber.email = "lee@example.org"
    clinic.prescriber.save()
    issued = issue(clinic)  # no course, no on-call: the nurse sent it and records it
    answering.save_progress(issued.token, "phq9", {"9": 2})
    route = RiskRoute.objects.get(link=issued.link)
    assert not route.task.assigned_to.exists()
    assert route.task.priority == "urgent"
    assert route.task in open_tasks_for(clinic.prescriber)
    assert jobs.notify_urgent_route.call(str(route.public_id)) == "notified 1"
    assert mail.outbox[-1].to == ["lee@example.org"]


def test_assignees_are_notified_by_a_queued_job_without_patient_detail(clinic, team):
    submit(clinic, {"phq9": PHQ9_ITEM9_2})
    # One notice per task: queued when the saved answer was routed, not again on submission.
    route = RiskRoute.objects.get(stage="answered")
    queued = DBTaskResult.objects.filter(task_path="kclinic.web.portal.jobs.notify_urgent_route")
    assert [row.args_kwargs["args"] for row in queued] == [[str(route.public_id)]]
    mail.outbox.clear()
    assert jobs.notify_urgent_route.call(str(route.public_id)) == "notified 2"
    assert sorted(m.to[0] for m in mail.outbox) == ["call@example.org", "lee@example.org"]
    for message in mail.outbox:
        assert clinic.patient.family_name not in message.body
        assert clinic.patient.mrn not in message.body


def test_an_inactive_or_non_prescriber_on_call_is_skipped(clinic):
    todays_course(clinic)
    on_call(clinic, clinic.nurse)  # nurses may not resolve safety tasks
    assert routing.on_call_clinician(clinic.site_a, timezone.now()) is None
    later = on_call(clinic, clinic.prescriber, at=timezone.now() - timedelta(hours=1))
    assert routing.on_call_clinician(clinic.site_a, timezone.now()) == clinic.prescriber
    later.clinician.is_active = False
    later.clinician.save()
    assert routing.on_call_clinician(clinic.site_a, timezone.now()) is None
    assert routing.primary_clinician(clinic.patient) is None


def test_if_routing_fails_nothing_is_stored(clinic, team, monkeypatch):
    issued = issue(clinic)
    answering.save_progress(issued.token, "phq9", dict(zip("12345678", [0] * 8, strict=True)))
    link = SelfReportLink.objects.get(pk=issued.link.pk)
    link.progress["phq9"]["9"] = 2  # stored directly so only the submission routes it
    SelfReportLink.objects.filter(pk=link.pk).update(progress=link.progress)

    def broken(*args, **kwargs):
        raise RuntimeError("routing failed")

    monkeypatch.setattr(routing, "_route", broken)
    tasks_before = Task.objects.count()
    with pytest.raises(RuntimeError):
        answering.submit(issued.token)
    assert not Assessment.objects.exists()
    assert Task.objects.count() == tasks_before
    link.refresh_from_db()
    assert link.used_at is None


# -- completeness over answer vectors -------------------------------------------------

_zero_to_three = st.integers(min_value=0, max_value=3)


def _cssrs_vectors():
    yes_no = st.sampled_from((0, 1))

    def build(values):
        q1, q2, q3, q4, q5, q6, q6a = values
        answers = {"q1": q1, "q2": q2, "q6": q6}
        if q2:
            answers.update(q3=q3, q4=q4, q5=q5)
        if q6:
            answers["q6a"] = q6a
        return answers

    return st.tuples(*(yes_no for _ in range(7))).map(build)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    phq9=st.lists(_zero_to_three, min_size=9, max_size=9),
    qids=st.lists(_zero_to_three, min_size=16, max_size=16),
    cssrs=_cssrs_vectors(),
)
def test_no_urgent_answer_is_stored_without_its_open_urgent_task(clinic, phq9, qids, cssrs):
    issued = issue(clinic, instruments=["phq9", "qids-sr16", "cssrs-screener"])
    answer_all(
        issued.token, issued.link, {"phq9": phq9, "qids-sr16": qids, "cssrs-screener": cssrs}
    )
    submitted = answering.submit(issued.token)
    for assessment in submitted.submission.assessments.all():
        findings = urgent_findings(assessment.instrument_id, assessment.answers)
        routes = RiskRoute.objects.filter(assessment=assessment, stage="submitted")
        assert {r.rule for r in routes} == {f.rule.id for f in findings}, assessment.answers
        for route in routes:
            assert route.task.status == "open"
            assert route.task.kind == "safety"
            assert route.task.priority == "urgent"
            assert route.task.patient_id == clinic.patient.pk
            assert route.task.source_public_id == assessment.public_id
            assert route.task.title.startswith("Self-report:")
        # Every urgent answer saved as progress was routed the moment it was saved, too.
        if findings:
            assert RiskRoute.objects.filter(
                link=issued.link, instrument=assessment.instrument_id, stage="answered"
            ).exists()
    # No duplicates: each task a saved answer opened was continued by a stored assessment,
    # and no assessment has two open tasks for one flag.
    answered = RiskRoute.objects.filter(link=issued.link, stage="answered")
    submitted_tasks = set(
        RiskRoute.objects.filter(link=issued.link, stage="submitted").values_list("task", flat=True)
    )
    assert set(answered.values_list("task", flat=True)) <= submitted_tasks
    assert not Task.objects.filter(source_type="self_report_link", status="open").exists()
    keys = list(
        Task.objects.filter(status="open").values_list("source_public_id", "flag").order_by()
    )
    assert len(keys) == len(set(keys))


def test_the_self_report_page_shows_both_routes_of_the_one_task(clinic, team, login):
    submit(clinic, {"phq9": PHQ9_ITEM9_2})
    page = login(clinic.prescriber).get(f"/patients/{clinic.patient.public_id}/self-report/")
    html = page.content.decode()
    start = html.index('data-testid="routes"')
    table = html[start : html.index("</table>", start)]
    assert table.count("phq9-item9: item 9 = 2") == 2  # answer saved, then submitted
    assert table.count(f"{clinic.prescriber.signature_name}, {team.signature_name}") == 2 or (
        table.count(f"{team.signature_name}, {clinic.prescriber.signature_name}") == 2
    )
    assert "Submitted" in table
    assert "Answer saved" in table
