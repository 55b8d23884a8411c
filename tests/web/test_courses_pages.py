"""The courses tab in the browser: what each role sees, the forms, errors that name the field
and write nothing, stale forms refused, and the audit of every view."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from kclinic.web.audit.models import AuditEvent
from kclinic.web.courses.models import PlannedSession, TreatmentCourse
from tests.web.courses_factories import a_chair, a_course, a_plan, spravato_course


def url(clinic, *parts: object) -> str:
    return "/".join(["", "patients", str(clinic.patient.public_id), "courses", *map(str, parts)])


def page(client, address: str) -> str:
    response = client.get(address)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_the_courses_tab_is_on_every_patient_page_for_front_desk_too(clinic, login):
    html = page(login(clinic.front_desk), f"/patients/{clinic.patient.public_id}/")
    assert f'href="{url(clinic)}/"' in html
    assert ">Courses</a>" in html


def test_course_list_shows_clinical_detail_only_to_clinical_roles(clinic, login):
    spravato_course(clinic)
    nurse = page(login(clinic.nurse), url(clinic) + "/")
    assert "F33.2" in nurse
    assert "Esketamine nasal spray" in nurse
    assert "Induction" in nurse
    desk = page(login(clinic.front_desk), url(clinic) + "/")
    assert "F33.2" not in desk
    assert "Esketamine" not in desk
    assert "active" in desk
    assert "12 scheduled" in desk


def test_course_view_has_the_banner_the_timeline_and_an_accessible_table(clinic, login):
    course = spravato_course(clinic)
    html = page(login(clinic.nurse), url(clinic, course.public_id) + "/")
    assert "HART, Robin" in html  # banner
    assert '<svg class="chart timeline"' in html
    assert 'role="img"' in html
    assert "12 sessions from 2025-03-03 to 2025-04-21" in html
    assert html.count('data-testid="session-') == 12
    assert "Mon 2025-03-03 09:00" in html
    assert "<caption" in html
    assert "band band-induction" in html
    view = AuditEvent.objects.filter(action="view").last()
    assert (view.patient_public_id, view.object_id, view.username) == (
        clinic.patient.public_id,
        "courses",
        "nurse_kim",
    )


def test_front_desk_sees_the_schedule_but_no_clinical_detail(clinic, login):
    course = spravato_course(clinic)
    desk = page(login(clinic.front_desk), url(clinic, course.public_id) + "/")
    for hidden in ("F33.2", "Esketamine", "band band-", "Departures", "Phase history"):
        assert hidden not in desk, hidden
    assert "Mon 2025-03-03 09:00" in desk
    assert "Chair 1" in desk
    assert "Reschedule" in desk
    assert "Change phase" not in desk
    assert "Complete</a>" not in desk
    first = course.sessions.get(sequence=1)
    form = page(
        login(clinic.front_desk),
        url(clinic, course.public_id, "sessions", first.public_id, "reschedule") + "/",
    )
    assert 'name="scheduled_at"' in form
    assert 'name="override_reason"' not in form  # only a prescriber approves departures


def test_prescriber_creates_a_course_through_the_form(clinic, login):
    client = login(clinic.prescriber)
    response = client.post(
        url(clinic, "new") + "/",
        {
            "indication_code": "f33.1",
            "indication_text": "MDD, recurrent, moderate",
            "modality": "iv-racemic",
            "template_id": "iv-2-a-week-3-weeks",
            "started_on": "2025-03-03",
            "phase": "evaluation",
        },
    )
    course = TreatmentCourse.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url(clinic, course.public_id) + "/"
    assert course.indication_code == "F33.1"


def test_a_bad_indication_code_is_shown_on_its_field_and_nothing_is_written(clinic, login):
    response = login(clinic.prescriber).post(
        url(clinic, "new") + "/",
        {
            "indication_code": "depression",
            "indication_text": "MDD",
            "modality": "esketamine",
            "template_id": "esketamine-trd",
            "started_on": "2025-03-03",
            "phase": "evaluation",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "indication_code: &#x27;depression&#x27; is not allowed" in html
    assert not TreatmentCourse.objects.exists()


def test_nurse_plans_sessions_through_the_form(clinic, login):
    course = a_course(clinic)
    chair = a_chair(clinic.site_a)
    response = login(clinic.nurse).post(
        url(clinic, course.public_id, "plan") + "/",
        {
            "version": "1",
            "start_on": "2025-03-03",
            "weekdays": ["0", "3"],
            "time_of_day": "10:30",
            "chair": str(chair.public_id),
            "open_ended_sessions": "2",
            "pace": "every-2-weeks",
        },
    )
    assert response.status_code == 302
    days = [
        timezone.localdate(s.scheduled_at).isoformat()
        for s in PlannedSession.objects.order_by("scheduled_at")
    ]
    assert days[-3:] == ["2025-04-21", "2025-04-28", "2025-05-12"]


def test_plan_form_shows_why_the_weekdays_do_not_fit(clinic, login):
    course = a_course(clinic)
    response = login(clinic.nurse).post(
        url(clinic, course.public_id, "plan") + "/",
        {"version": "1", "start_on": "2025-03-03", "weekdays": ["0"], "time_of_day": "09:00"},
    )
    assert response.status_code == 200
    assert "weekdays: &#x27;Mon&#x27; is not allowed" in response.content.decode()
    assert not PlannedSession.objects.exists()


def test_a_departure_by_a_nurse_is_refused_on_the_time_field(clinic, login):
    course = spravato_course(clinic)
    target = course.sessions.get(sequence=4)  # Thursday 2025-03-13
    response = login(clinic.nurse).post(
        url(clinic, course.public_id, "sessions", target.public_id, "reschedule") + "/",
        {"version": str(course.version), "scheduled_at": "2025-03-18T09:00"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "only a prescriber may approve a departure" in html
    assert "week 2 has 1 session" in html


def test_a_prescriber_approves_a_departure_with_a_reason(clinic, login):
    course = spravato_course(clinic)
    target = course.sessions.get(sequence=4)
    response = login(clinic.prescriber).post(
        url(clinic, course.public_id, "sessions", target.public_id, "reschedule") + "/",
        {
            "version": str(course.version),
            "scheduled_at": "2025-03-18T09:00",
            "override_reason": "Patient travelling; agreed to a short week",
        },
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.override_reason == "Patient travelling; agreed to a short week"
    html = page(login(clinic.nurse), url(clinic, course.public_id) + "/")
    assert "Departure approved: Patient travelling" in html
    assert "week 2 has 1 session" in html  # still listed under departures


def test_a_stale_form_is_refused(clinic, login):
    course = spravato_course(clinic)
    target = course.sessions.get(sequence=5)
    stale = str(course.version - 1)
    response = login(clinic.front_desk).post(
        url(clinic, course.public_id, "sessions", target.public_id, "cancel") + "/",
        {"version": stale, "reason": "Patient unwell today"},
    )
    assert response.status_code == 200
    assert "changed by someone else" in response.content.decode()
    target.refresh_from_db()
    assert target.status == "scheduled"


def test_cancel_complete_and_end_through_the_pages(clinic, login):
    course = spravato_course(clinic)
    nurse, prescriber = login(clinic.nurse), login(clinic.prescriber)
    first, second = course.sessions.get(sequence=1), course.sessions.get(sequence=2)
    assert nurse.post(url(clinic, course.public_id, "sessions", first.public_id, "complete") + "/")[
        "Location"
    ].endswith(f"{course.public_id}/")
    course.refresh_from_db()
    cancel = nurse.post(
        url(clinic, course.public_id, "sessions", second.public_id, "cancel") + "/",
        {"version": str(course.version), "reason": "Blood pressure 182/104 before dosing"},
    )
    assert cancel.status_code == 302
    course.refresh_from_db()
    end = prescriber.post(
        url(clinic, course.public_id, "phase") + "/",
        {"version": str(course.version), "phase": "ended", "reason": "Patient moved away"},
    )
    assert end.status_code == 302
    course.refresh_from_db()
    assert course.phase == "ended"
    html = page(nurse, url(clinic, course.public_id) + "/")
    assert "Ended" in html
    assert "Blood pressure 182/104 before dosing" in html
    assert "Reschedule</a>" not in html


def test_pages_that_change_a_course_are_refused_to_roles_without_the_right(clinic, login):
    course = spravato_course(clinic)
    session = course.sessions.get(sequence=1)
    desk, auditor = login(clinic.front_desk), login(clinic.auditor)
    assert desk.get(url(clinic, "new") + "/").status_code == 403
    assert desk.get(url(clinic, course.public_id, "phase") + "/").status_code == 403
    assert (
        desk.get(
            url(clinic, course.public_id, "sessions", session.public_id, "complete") + "/"
        ).status_code
        == 403
    )
    assert auditor.get(url(clinic, course.public_id, "plan") + "/").status_code == 403
    assert auditor.get(url(clinic, course.public_id) + "/").status_code == 200
    other = login(clinic.other_site_nurse)
    assert other.get(url(clinic, course.public_id) + "/").status_code == 404


def test_today_is_marked_on_the_timeline_and_in_the_table(clinic, login):
    today = timezone.localdate()
    course = a_course(
        clinic,
        template_id="iv-maintenance-weekly-4",
        modality="iv-racemic",
        started_on=today - dt.timedelta(days=7),
    )
    # Weekly from a week ago: last week, today, next week and the week after.
    a_plan(clinic, course, weekdays=range(7))
    html = page(login(clinic.nurse), url(clinic, course.public_id) + "/")
    assert 'class="today"' in html
    assert html.count("<b>today</b>") == 1
    assert html.count(">Complete</a>") == 2  # only sessions due by today can be completed
