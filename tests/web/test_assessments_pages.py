"""Assessment pages: entry with a live score, C-SSRS skip logic re-rendered by the server,
save and result with the safety flag and its task, the list with the trajectory chart,
corrections, permissions per role and the audit of every view."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from kclinic.web.assessments import selectors, services
from kclinic.web.assessments.models import Assessment
from kclinic.web.audit.models import AuditEvent
from kclinic.web.audit.services import Actor
from kclinic.web.tasks.models import Task

PHQ9_13 = [2, 3, 1, 2, 0, 1, 2, 1, 1]  # clinical reference 5.1: 13, moderate, item-9 flag


def _url(name: str, clinic, **kwargs: object) -> str:
    return reverse(f"assessments:{name}", kwargs={"patient_id": clinic.patient.public_id, **kwargs})


def _items(answers: list[int]) -> dict[str, str]:
    return {f"item-{n}": str(v) for n, v in enumerate(answers, start=1)}


def _form(answers: dict[str, str], **extra: str) -> dict[str, str]:
    when = timezone.localtime() - dt.timedelta(minutes=10)
    return {
        "context": "pre-session",
        "administered_at": when.strftime("%Y-%m-%dT%H:%M"),
        "respondent": "patient",
        **answers,
        **extra,
    }


def _record(clinic, instrument: str, answers, days_ago: float = 0):
    return services.record_assessment(
        Actor(clinic.nurse),
        clinic.patient,
        instrument,
        answers,
        "pre-session",
        timezone.now() - dt.timedelta(days=days_ago),
    )


def _no_inline_script_or_style(html: str) -> None:
    # CSP forbids inline script and style attributes: every <script> must have a src.
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert " style=" not in html


def test_the_picker_lists_every_instrument_in_the_core(clinic, login):
    from kclinic.domain.instruments import all_instruments

    html = login(clinic.nurse).get(_url("pick", clinic)).content.decode()
    for instrument in all_instruments():
        assert f'data-testid="pick-{instrument.id}"' in html
    assert 'data-testid="patient-banner"' in html


def test_the_phq9_form_shows_licensed_item_text_as_large_radio_choices(clinic, login):
    response = login(clinic.nurse).get(_url("new", clinic, instrument_id="phq9"))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="patient-banner"' in html
    assert html.count('<fieldset class="item') == 9
    assert "Little interest or pleasure in doing things" in html
    assert 'name="item-9" value="1"' in html
    assert "Several days" in html
    assert 'hx-post="' + _url("preview", clinic, instrument_id="phq9") + '"' in html
    _no_inline_script_or_style(html)


def test_unlicensed_wording_is_never_shown(clinic, login):
    html = login(clinic.nurse).get(_url("new", clinic, instrument_id="madrs")).content.decode()
    assert "Item wording is not shown" in html
    assert "apparent sadness" in html
    # MADRS offers two band tables: the select defaults to Snaith 1986.
    assert '<option value="snaith-1986" selected>' in html
    assert '<option value="mueller-2003">' in html


def test_an_unknown_instrument_is_404(clinic, login):
    assert login(clinic.nurse).get(_url("new", clinic, instrument_id="beck")).status_code == 404


def test_the_preview_scores_as_answers_change_and_stores_nothing(clinic, login):
    client = login(clinic.nurse)
    response = client.post(
        _url("preview", clinic, instrument_id="phq9"),
        _form(_items(PHQ9_13)),
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert '<b data-testid="total">13</b>' in html
    assert '<b data-testid="band">moderate</b>' in html
    assert "SAFETY FLAG" in html
    assert "Suicidal ideation" in html
    assert not Assessment.objects.exists()
    assert not Task.objects.exists()


def test_the_preview_names_an_incomplete_form_and_withholds_the_total(clinic, login):
    html = (
        login(clinic.nurse)
        .post(_url("preview", clinic, instrument_id="phq9"), {"item-1": "2", "item-9": "0"})
        .content.decode()
    )
    assert "Incomplete: 2, 3, 4, 5, 6, 7, 8 not answered" in html
    assert '<b data-testid="total">–</b>' in html


def _cssrs_items(html: str) -> list[str]:
    return re.findall(r'data-testid="item-(q\w+)"', html)


def test_cssrs_skip_logic_is_rendered_by_the_server(clinic, login):
    client = login(clinic.nurse)
    url = _url("preview", clinic, instrument_id="cssrs-screener")
    first = client.get(_url("new", clinic, instrument_id="cssrs-screener")).content.decode()
    assert _cssrs_items(first) == ["q1", "q2", "q6"]
    assert "q3, q4, q5 are asked only if q2 = yes" in first
    q2_yes = client.post(url, {"item-q1": "1", "item-q2": "1"}).content.decode()
    assert _cssrs_items(q2_yes) == ["q1", "q2", "q3", "q4", "q5", "q6"]
    # q2 back to no: q3 disappears and its answer is dropped from the live score.
    q2_no = client.post(url, {"item-q1": "1", "item-q2": "0", "item-q3": "1"}).content.decode()
    assert _cssrs_items(q2_no) == ["q1", "q2", "q6"]
    assert "Cannot score" not in q2_no
    q6_yes = client.post(url, {"item-q2": "0", "item-q6": "1"}).content.decode()
    assert _cssrs_items(q6_yes) == ["q1", "q2", "q6", "q6a"]
    # Item wording is not licensed: short names only.
    assert "wish to be dead" in first


def test_saving_a_cssrs_form_that_breaks_the_skip_logic_is_refused_on_the_item(clinic, login):
    response = login(clinic.nurse).post(
        _url("new", clinic, instrument_id="cssrs-screener"),
        _form({"item-q1": "1", "item-q2": "0", "item-q3": "1", "item-q6": "0"}),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "cssrs-screener item q3 (suicidal thoughts with method)" in html
    assert '<fieldset class="item has-error" id="item-q3"' in html
    assert not Assessment.objects.exists()


def test_save_shows_score_band_and_the_safety_flag_with_its_task(clinic, login):
    client = login(clinic.nurse)
    response = client.post(_url("new", clinic, instrument_id="phq9"), _form(_items(PHQ9_13)))
    assessment = Assessment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == _url("detail", clinic, assessment_id=assessment.public_id)
    task = Task.objects.get()
    html = client.get(response["Location"]).content.decode()
    assert '<b data-testid="total">13</b>' in html
    assert '<b data-testid="band">moderate</b>' in html
    assert "band table kroenke-2001" in html
    assert 'data-testid="flag-suicidal_ideation"' in html
    # The nurse may not resolve: the link goes to the patient's task list.
    assert f'href="{reverse("tasks:patient", args=[clinic.patient.public_id])}"' in html
    assert task.title in html
    assert "1 open safety task" in html  # the banner
    prescriber_html = login(clinic.prescriber).get(response["Location"]).content.decode()
    resolve = reverse("tasks:resolve", args=[clinic.patient.public_id, task.public_id])
    assert f'href="{resolve}"' in prescriber_html
    _no_inline_script_or_style(html)


def test_the_band_table_can_be_chosen_on_the_form(clinic, login):
    madrs = {f"item-{n}": str(v) for n, v in enumerate([4, 4, 3, 2, 3, 4, 3, 4, 3, 2], 1)}
    client = login(clinic.prescriber)
    client.post(
        _url("new", clinic, instrument_id="madrs"),
        _form(madrs, respondent="clinician", band_table="mueller-2003"),
    )
    stored = Assessment.objects.get()
    # 32: severe under Mueller 2003 (>= 31), not moderate as under Snaith 1986.
    assert (stored.total, stored.band, stored.band_table) == (32, "severe", "mueller-2003")


def test_missing_context_and_bad_answers_are_named_and_nothing_is_saved(clinic, login):
    client = login(clinic.nurse)
    missing = client.post(
        _url("new", clinic, instrument_id="phq9"), _form(_items(PHQ9_13), context="")
    )
    assert missing.status_code == 200
    assert "This field is required." in missing.content.decode()
    bad = client.post(
        _url("new", clinic, instrument_id="phq9"), _form(_items([0, 0, 7, 0, 0, 0, 0, 0, 0]))
    )
    html = bad.content.decode()
    assert "phq9 item 3 (sleep): 7 is not allowed; allowed: whole numbers 0 to 3" in html
    assert '<fieldset class="item has-error" id="item-3"' in html
    future = client.post(
        _url("new", clinic, instrument_id="phq9"),
        _form(_items(PHQ9_13), administered_at="2999-01-01T09:00"),
    )
    assert "a time not in the future" in future.content.decode()
    assert not Assessment.objects.exists()
    assert not Task.objects.exists()


def test_update_score_button_rerenders_without_saving(clinic, login):
    response = login(clinic.nurse).post(
        _url("new", clinic, instrument_id="phq9"), _form(_items(PHQ9_13), refresh="1")
    )
    assert '<b data-testid="total">13</b>' in response.content.decode()
    assert not Assessment.objects.exists()


def test_the_list_shows_the_chart_above_the_table(clinic, login):
    _record(clinic, "phq9", [3] * 7 + [0, 0], days_ago=14)  # 21
    _record(clinic, "phq9", [1] * 9, days_ago=7)  # 9, item 9 = 1
    _record(clinic, "gad7", [1] * 7, days_ago=7)
    html = login(clinic.auditor).get(_url("list", clinic)).content.decode()
    chart = html.index('data-testid="chart-phq9"')
    table = html.index('data-testid="assessment-list"')
    assert chart < table
    assert "chart-madrs" not in html
    assert '<title id="chart-phq9-title">PHQ-9 total over time</title>' in html
    assert "response ≤ 10.5 (50% below baseline 21)" in html
    assert "remission &lt; 5" in html
    assert 'data-testid="threshold-response"' in html
    assert html.count("<circle") == 2
    assert "Suicidal ideation" in html  # the flag column
    assert "Record an assessment" not in html  # auditors read only
    _no_inline_script_or_style(html)


def test_infusion_markers_come_from_the_courses_app(clinic, login, monkeypatch):
    _record(clinic, "phq9", [2] * 9, days_ago=10)
    when = timezone.now() - dt.timedelta(days=5)
    seen = []

    def fake_infusion_dates(patient):
        seen.append(patient)
        return [when]

    monkeypatch.setattr(selectors, "_infusion_dates_function", lambda: fake_infusion_dates)
    html = login(clinic.nurse).get(_url("list", clinic)).content.decode()
    assert html.count('data-testid="infusion-marker"') == 1
    assert f"infusion {timezone.localtime(when):%Y-%m-%d %H:%M}" in html
    assert seen == [clinic.patient]


def test_infusion_markers_from_the_real_courses_selector(clinic, login):
    # Completed sessions of the patient's course are the infusions; a scheduled one is not.
    from kclinic.web.courses.models import CoursePlan, PlannedSession, TreatmentCourse

    now = timezone.now()
    course = TreatmentCourse.objects.create(
        patient=clinic.patient,
        indication_code="F33.2",
        indication_text="Recurrent major depression, severe",
        modality="iv-racemic",
        template_id="iv-3-a-week-2-weeks",
        phase="induction",
        started_on=(now - dt.timedelta(days=20)).date(),
        created_by=clinic.prescriber,
    )
    plan = CoursePlan.objects.create(
        course=course,
        template_id=course.template_id,
        protocol_version=course.protocol_version,
        start_on=course.started_on,
        weekdays="mon,wed,fri",
        created_by=clinic.prescriber,
    )
    for sequence, (days_ago, status) in enumerate(
        [(12, "completed"), (10, "completed"), (2, "scheduled")], start=1
    ):
        PlannedSession.objects.create(
            course=course,
            plan=plan,
            sequence=sequence,
            scheduled_at=now - dt.timedelta(days=days_ago),
            status=status,
            created_by=clinic.prescriber,
        )
    _record(clinic, "phq9", [3] * 7 + [0, 0], days_ago=14)
    _record(clinic, "phq9", [1] * 9, days_ago=1)
    assert selectors.infusion_dates(clinic.patient) == [
        now - dt.timedelta(days=12),
        now - dt.timedelta(days=10),
    ]
    html = login(clinic.nurse).get(_url("list", clinic)).content.decode()
    assert html.count('data-testid="infusion-marker"') == 2
    assert "2 infusions marked." in html


def test_without_the_courses_app_the_chart_has_no_markers(clinic, login, monkeypatch):
    monkeypatch.setattr(selectors, "COURSES_APP", "kclinic.web.no_such_app")
    assert selectors._infusion_dates_function() is None
    _record(clinic, "phq9", [2] * 9, days_ago=10)
    html = login(clinic.nurse).get(_url("list", clinic)).content.decode()
    assert 'data-testid="chart-phq9"' in html
    assert 'data-testid="infusion-marker"' not in html


def test_a_correction_from_the_page(clinic, login):
    original = _record(clinic, "phq9", [1] * 9).assessment
    client = login(clinic.nurse)
    page = client.get(_url("correct", clinic, assessment_id=original.public_id)).content.decode()
    assert 'name="item-9" value="1" checked' in page
    response = client.post(
        _url("correct", clinic, assessment_id=original.public_id),
        _form(_items([1] * 8 + [0]), reason="Item 9 entered on the wrong row"),
    )
    correction = Assessment.objects.get(supersedes=original)
    assert response["Location"] == _url("detail", clinic, assessment_id=correction.public_id)
    html = client.get(_url("detail", clinic, assessment_id=original.public_id)).content.decode()
    assert 'data-testid="superseded"' in html
    again = client.get(_url("correct", clinic, assessment_id=original.public_id))
    assert again["Location"] == _url("detail", clinic, assessment_id=correction.public_id)


def test_a_correction_without_a_reason_is_refused(clinic, login):
    original = _record(clinic, "gad7", [1] * 7).assessment
    answers = {f"item-{n}": "2" for n in range(1, 8)}
    response = login(clinic.nurse).post(
        _url("correct", clinic, assessment_id=original.public_id), _form(answers, reason="x")
    )
    assert "a reason of at least 10 characters" in response.content.decode()
    assert Assessment.objects.count() == 1


@pytest.mark.parametrize(
    ("persona", "list_status", "entry_status"),
    [
        ("prescriber", 200, 200),
        ("nurse", 200, 200),
        ("compliance", 200, 403),
        ("auditor", 200, 403),
        ("front_desk", 403, 403),
        ("admin", 404, 404),
        ("other_site_nurse", 404, 404),
    ],
)
def test_page_permissions_per_role(clinic, login, persona, list_status, entry_status):
    assessment = _record(clinic, "phq9", [0] * 9).assessment
    client = login(getattr(clinic, persona))
    before = AuditEvent.objects.count()
    assert client.get(_url("list", clinic)).status_code == list_status
    assert (
        client.get(_url("detail", clinic, assessment_id=assessment.public_id)).status_code
        == list_status
    )
    assert client.get(_url("pick", clinic)).status_code == entry_status
    assert client.get(_url("new", clinic, instrument_id="phq9")).status_code == entry_status
    post = client.post(_url("new", clinic, instrument_id="phq9"), _form(_items([0] * 9)))
    assert post.status_code == (302 if entry_status == 200 else entry_status)
    preview = client.post(_url("preview", clinic, instrument_id="phq9"), _items([0] * 9))
    assert preview.status_code == entry_status
    assert Assessment.objects.count() == (2 if entry_status == 200 else 1)
    if list_status != 200:
        # Refused users leave no "view" row for a page they never saw.
        assert not AuditEvent.objects.filter(seq__gt=before, action="view").exists()


def test_views_of_the_list_and_of_one_assessment_are_audited(clinic, login):
    assessment = _record(clinic, "phq9", [0] * 9).assessment
    client = login(clinic.compliance)
    before = AuditEvent.objects.count()
    client.get(_url("list", clinic))
    client.get(_url("detail", clinic, assessment_id=assessment.public_id))
    events = AuditEvent.objects.filter(seq__gt=before, username="comp_ash", action="view")
    assert {(e.object_type, e.object_id) for e in events} == {
        ("page", "assessments"),
        ("assessment", str(assessment.public_id)),
    }
    assert {e.patient_public_id for e in events} == {clinic.patient.public_id}


def test_the_page_save_is_audited_with_the_request_address(clinic, login):
    client = login(clinic.nurse)
    client.post(
        _url("new", clinic, instrument_id="phq9"),
        _form(_items(PHQ9_13)),
        REMOTE_ADDR="10.9.8.7",
    )
    event = AuditEvent.objects.get(action="create", object_type="assessment")
    assert (event.username, event.source_address) == ("nurse_kim", "10.9.8.7")
    assert event.object_id == str(Assessment.objects.get().public_id)
