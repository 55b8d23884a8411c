"""Risk routing: a self-report with PHQ-9 item 9 > 0, QIDS-SR16 item 12 >= 1 or a C-SSRS
screener at moderate or high risk is never stored without an open URGENT task routed to the
patient's primary clinician and the site's on-call clinician."""

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
from kclinic.web.portal import answering, jobs, routing
from kclinic.web.portal.models import RiskRoute, SelfReportLink
from kclinic.web.tasks.models import Task
from kclinic.web.tasks.selectors import open_tasks_for
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
    assert (route.primary_clinician, route.on_call_clinician) == (clinic.prescriber, team)
    assert route.task.status == "open"
    assert route.task.source_public_id == assessment.public_id
    assert route.task.title.startswith("URGENT self-report: PHQ-9 item 9")
    assert "item 9 = 2" in route.task.title
    assert submitted.crisis
    # On both clinicians' task lists and the chart's open safety-task count.
    for user in (clinic.prescriber, team):
        assert route.task in open_tasks_for(user)
    assert clinic.patient.tasks.filter(kind="safety", status="open").count() >= 1


def test_the_risky_answer_is_routed_the_moment_it_is_saved(clinic, team):
    issued = issue(clinic, instruments=["phq9", "gad7"])
    saved = answering.save_progress(issued.token, "phq9", {"9": 1})
    assert saved.crisis
    (route,) = RiskRoute.objects.filter(link=issued.link)
    assert (route.stage, route.rule, route.task.status) == ("answered", "phq9-item9", "open")
    assert route.task.source_type == "self_report_link"
    assert route.task.source_public_id == issued.link.public_id
    # Saving again, or changing the answer back, does not open a second task nor close one.
    answering.save_progress(issued.token, "phq9", {"9": 3})
    answering.save_progress(issued.token, "phq9", {"9": 0})
    assert RiskRoute.objects.filter(link=issued.link).count() == 1
    route.task.refresh_from_db()
    assert route.task.status == "open"


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
    # The assessment still opened its ordinary safety task for the ideation flag.
    assert Task.objects.filter(source_public_id=low.public_id, status="open").exists()

    issued = issue(clinic, instruments=["cssrs-screener"])
    answering.save_progress(issued.token, "cssrs-screener", {"q1": 1, "q2": 1, "q6": 0})
    answering.save_progress(issued.token, "cssrs-screener", {"q3": 1, "q4": 0, "q5": 0})
    answering.submit(issued.token)
    moderate = Assessment.objects.filter(instrument_id="cssrs-screener").exclude(pk=low.pk).get()
    assert moderate.band == "moderate"
    route = RiskRoute.objects.get(assessment=moderate)
    assert route.detail == "triage level moderate"


def test_routing_falls_back_to_the_site_prescribers_when_nobody_is_assigned(clinic):
    clinic.prescriber.email = "lee@example.org"
    clinic.prescriber.save()
    issued = issue(clinic)  # no course, no on-call: the nurse sent it and records it
    answering.save_progress(issued.token, "phq9", {"9": 2})
    route = RiskRoute.objects.get(link=issued.link)
    assert (route.primary_clinician, route.on_call_clinician) == (None, None)
    assert route.task in open_tasks_for(clinic.prescriber)
    assert jobs.notify_urgent_route.call(str(route.public_id)) == "notified 1"
    assert mail.outbox[-1].to == ["lee@example.org"]


def test_assignees_are_notified_by_a_queued_job_without_patient_detail(clinic, team):
    submit(clinic, {"phq9": PHQ9_ITEM9_2})
    route = RiskRoute.objects.get(stage="submitted")
    queued = DBTaskResult.objects.filter(task_path="kclinic.web.portal.jobs.notify_urgent_route")
    assert [
        row.args_kwargs["args"]
        for row in queued
        if row.args_kwargs["args"] == [str(route.public_id)]
    ]
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
            assert route.task.patient_id == clinic.patient.pk
            assert route.task.title.startswith("URGENT")
        # Every urgent answer saved as progress was routed the moment it was saved, too.
        if findings:
            assert RiskRoute.objects.filter(
                link=issued.link, instrument=assessment.instrument_id, stage="answered"
            ).exists()
