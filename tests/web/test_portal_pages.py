"""The patient's pages (one question at a time or whole forms, partial progress, submit,
crisis text) and the staff pages (send by email, SMS or QR code, withdraw, due list)."""

from __future__ import annotations

import logging
import re

from django.core import mail
from django.test import Client

from kclinic.web.assessments.models import Assessment
from kclinic.web.audit.models import AuditEvent
from kclinic.web.portal.models import SelfReportLink, SelfReportSubmission
from tests.web.factories import PatientFactory
from tests.web.test_portal_support import issue, on_call


def _next(response) -> str:
    assert response.status_code == 302, response.status_code
    return response["Location"]


def test_one_question_at_a_time_then_submit(clinic):
    issued = issue(clinic, instruments=["phq9", "urinary-symptoms", "side-effects"])
    client = Client()
    overview = client.get(f"/r/{issued.token}/")
    assert overview.status_code == 200
    assert overview["Referrer-Policy"] == "same-origin"
    assert b"Patient Health Questionnaire-9" in overview.content
    url = f"/r/{issued.token}/phq9/?mode=one"
    first = client.get(url)
    assert b"Question 1 of 9" in first.content
    assert b"Little interest or pleasure in doing things" in first.content
    answers = [1, 0, 2, 1, 0, 0, 1, 0, 0]
    for number, value in enumerate(answers, start=1):
        where = _next(
            client.post(
                f"/r/{issued.token}/phq9/",
                {"mode": "one", "item": str(number), "q-" + str(number): str(value)},
            )
        )
        if number < 9:
            assert where.endswith(f"?mode=one&item={number + 1}")
    assert where == f"/r/{issued.token}/urinary-symptoms/?mode=one"
    for key in ("frequency", "urgency", "dysuria", "haematuria", "suprapubic_pain"):
        where = _next(
            client.post(
                f"/r/{issued.token}/urinary-symptoms/",
                {"mode": "one", "item": key, f"q-{key}": "1" if key == "urgency" else "0"},
            )
        )
    assert where == f"/r/{issued.token}/side-effects/?mode=one"
    where = _next(
        client.post(
            f"/r/{issued.token}/side-effects/", {"mode": "one", "q-text": "Headache the next day."}
        )
    )
    assert where == f"/r/{issued.token}/?mode=one"
    ready = client.get(where)
    assert b"Send my answers" in ready.content
    done = client.post(f"/r/{issued.token}/", {"mode": "one"})
    assert done.status_code == 200
    assert b"Thank you" in done.content
    assessment = Assessment.objects.get(patient=clinic.patient)
    assert (assessment.instrument_id, assessment.total, assessment.respondent) == (
        "phq9",
        5,
        "patient",
    )
    submission = SelfReportSubmission.objects.get()
    assert submission.urinary["urgency"] == 1
    assert submission.side_effects == "Headache the next day."
    assert list(submission.assessments.all()) == [assessment]
    # The link is spent.
    assert client.get(f"/r/{issued.token}/").status_code == 410


def test_whole_questionnaire_on_one_page_keeps_partial_answers(clinic):
    issued = issue(clinic, instruments=["gad7"])
    client = Client()
    page = client.get(f"/r/{issued.token}/gad7/?mode=all")
    html = page.content.decode()
    assert html.count("<fieldset") == 7
    assert html.count("<legend>") == 7
    # Every radio has a label bound to it.
    for input_id in re.findall(r'<input type="radio" id="([^"]+)"', html):
        assert f'for="{input_id}"' in html
    where = _next(client.post(f"/r/{issued.token}/gad7/", {"mode": "all", "q-1": "2", "q-2": "1"}))
    assert where == f"/r/{issued.token}/gad7/?mode=all&missing=1"
    again = client.get(where).content.decode()
    assert "Some questions are not answered yet" in again
    assert 'value="2" checked' in again
    link = SelfReportLink.objects.get(pk=issued.link.pk)
    assert link.progress["gad7"]["1"] == 2
    assert link.progress["gad7"]["3"] is None
    # Not everything answered: the answers cannot be sent yet, and nothing is stored.
    refused = client.post(f"/r/{issued.token}/")
    assert b"every question answered" in refused.content
    assert not Assessment.objects.exists()


def test_a_value_out_of_range_is_refused_by_name(clinic):
    issued = issue(clinic)
    response = Client().post(f"/r/{issued.token}/phq9/", {"mode": "one", "item": "3", "q-3": "7"})
    assert response.status_code == 200
    assert b"phq9 item 3 (sleep)" in response.content
    assert SelfReportLink.objects.get(pk=issued.link.pk).progress == {}


def test_cssrs_follow_up_questions_appear_only_after_a_yes(clinic):
    issued = issue(clinic, instruments=["cssrs-screener"])
    client = Client()
    page = client.get(f"/r/{issued.token}/cssrs-screener/?mode=all").content.decode()
    assert 'name="q-q3"' not in page
    client.post(
        f"/r/{issued.token}/cssrs-screener/", {"mode": "all", "q-q1": "1", "q-q2": "1", "q-q6": "0"}
    )
    page = client.get(f"/r/{issued.token}/cssrs-screener/?mode=all").content.decode()
    assert 'name="q-q3"' in page
    assert 'data-testid="crisis-resources"' in page  # q1 yes: show the crisis text now


def test_the_crisis_text_follows_a_risky_answer_only(clinic, settings):
    settings.KCLINIC_CRISIS_TEXT = "Call the Riverside crisis line on 555-0100."
    issued = issue(clinic)
    client = Client()
    client.post(f"/r/{issued.token}/phq9/", {"mode": "one", "item": "1", "q-1": "1"})
    calm = client.get(f"/r/{issued.token}/phq9/?mode=one&item=2").content.decode()
    assert "555-0100" not in calm
    client.post(f"/r/{issued.token}/phq9/", {"mode": "one", "item": "9", "q-9": "2"})
    page = client.get(f"/r/{issued.token}/phq9/?mode=one&item=2").content.decode()
    assert 'data-testid="crisis-resources"' in page
    assert "Call the Riverside crisis line on 555-0100." in page


def test_the_patient_page_shows_nothing_about_the_patient_or_others(clinic):
    other = PatientFactory(site=clinic.site_a, created_by=clinic.prescriber, given_name="Quinn")
    issue(clinic, patient=other)
    issued = issue(clinic, instruments=["phq9", "gad7"])
    client = Client()
    pages = [
        client.get(f"/r/{issued.token}/").content.decode(),
        client.get(f"/r/{issued.token}/phq9/?mode=all").content.decode(),
    ]
    for page in pages:
        for secret in (
            clinic.patient.family_name,
            clinic.patient.given_name,
            clinic.patient.mrn,
            other.family_name,
            other.mrn,
            str(clinic.patient.public_id),
        ):
            assert secret not in page
        assert "Sign out" not in page


def test_viewing_a_valid_link_is_audited_without_a_user(clinic):
    issued = issue(clinic)
    before = AuditEvent.objects.count()
    Client().get(f"/r/{issued.token}/", REMOTE_ADDR="203.0.113.9")
    event = AuditEvent.objects.filter(seq__gt=before).get()
    assert (event.action, event.username, event.source_address) == ("view", "", "203.0.113.9")
    assert event.patient_public_id == clinic.patient.public_id


def test_staff_send_by_email_and_the_message_has_the_link_but_no_name(clinic, login):
    clinic.patient.email = "robin@example.org"
    clinic.patient.save()
    client = login(clinic.front_desk)
    on_call(clinic)  # the front desk cannot record: the on-call prescriber will
    response = client.post(
        f"/patients/{clinic.patient.public_id}/self-report/",
        {"instruments": ["phq9", "side-effects"], "channel": "email", "context": "follow-up"},
    )
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.to == ["robin@example.org"]
    assert re.search(r"http://testserver/r/[A-Za-z0-9_-]{43}/", message.body)
    assert "Robin" not in message.body
    assert "Hart" not in message.body
    link = SelfReportLink.objects.get()
    assert (link.channel, link.sent_to, link.sent_by) == (
        "email",
        "r***@example.org",
        clinic.front_desk,
    )
    page = client.get(f"/patients/{clinic.patient.public_id}/self-report/").content.decode()
    assert "r***@example.org" in page
    assert "Urgent routing" not in page  # the front desk sees no clinical detail


def test_email_needs_an_address_on_file(clinic, login):
    response = login(clinic.nurse).post(
        f"/patients/{clinic.patient.public_id}/self-report/",
        {"instruments": ["phq9"], "channel": "email", "context": "follow-up"},
    )
    assert response.status_code == 200
    assert b"add the email address to the patient first" in response.content
    assert not SelfReportLink.objects.exists()
    assert mail.outbox == []


def test_sms_goes_to_the_logging_backend(clinic, login, caplog):
    clinic.patient.phone = "555-201-7788"
    clinic.patient.save()
    with caplog.at_level(logging.WARNING, logger="kclinic.portal.delivery"):
        response = login(clinic.nurse).post(
            f"/patients/{clinic.patient.public_id}/self-report/",
            {"instruments": ["phq9"], "channel": "sms", "context": "follow-up"},
        )
    assert response.status_code == 302
    (record,) = [r for r in caplog.records if r.name == "kclinic.portal.delivery"]
    assert "***7788" in record.getMessage()
    assert "/r/" in record.getMessage()
    assert SelfReportLink.objects.get().sent_to == "***7788"


def test_a_qr_link_is_shown_once_as_an_inline_svg(clinic, login):
    client = login(clinic.nurse)
    response = client.post(
        f"/patients/{clinic.patient.public_id}/self-report/",
        {"instruments": ["phq9", "gad7"], "channel": "qr", "context": "pre-session"},
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()
    assert "<svg" in html
    url = re.search(r"http://testserver/r/([A-Za-z0-9_-]{43})/", html)
    assert url is not None
    assert Client().get(f"/r/{url.group(1)}/").status_code == 200
    # The staff page never shows the link again (only its digest is stored).
    again = client.get(f"/patients/{clinic.patient.public_id}/self-report/").content.decode()
    assert url.group(1) not in again


def test_withdrawing_a_link(clinic, login):
    issued = issue(clinic)
    client = login(clinic.nurse)
    url = f"/patients/{clinic.patient.public_id}/self-report/{issued.link.public_id}/revoke/"
    assert b"Withdraw link" in client.get(url).content
    assert client.post(url).status_code == 302
    assert SelfReportLink.objects.get(pk=issued.link.pk).revoked_by == clinic.nurse
    assert Client().get(f"/r/{issued.token}/").status_code == 410
