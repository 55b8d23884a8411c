"""The courses tab: list, course view with its timeline, and the forms that change a course.

Views parse, call one service and render. Front desk staff see the schedule (dates, chairs,
status) but no clinical detail: indication, modality, template, phase, reasons and findings
are shown only to roles with Action.VIEW_CLINICAL.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from kclinic.domain import courses as rules
from kclinic.domain.errors import KclinicError
from kclinic.web.accounts.policy import Action, allowed
from kclinic.web.audit.services import Actor
from kclinic.web.common.views import AuthedRequest, attach_error, patient_page
from kclinic.web.courses import services
from kclinic.web.courses.forms import (
    CancelForm,
    CourseForm,
    PhaseForm,
    PlanForm,
    SessionForm,
)
from kclinic.web.courses.models import TreatmentCourse
from kclinic.web.courses.selectors import (
    chairs_for,
    course_of,
    courses_of,
    session_of,
    summary,
)
from kclinic.web.courses.timeline import build_timeline
from kclinic.web.patients.models import Patient

TAB = "courses"


def _can(request: AuthedRequest, patient: Patient) -> dict[str, bool]:
    user, site = request.user, patient.site
    return {
        "can_view_clinical": allowed(user, Action.VIEW_CLINICAL, site),
        "can_manage": allowed(user, Action.MANAGE_COURSE, site),
        "can_schedule": allowed(user, Action.SCHEDULE_SESSION, site),
        "can_complete": allowed(user, Action.RECORD_CLINICAL_DATA, site),
    }


def _need(request: AuthedRequest, patient: Patient, action: Action) -> None:
    if not allowed(request.user, action, patient.site):
        raise PermissionDenied


def _course_page(
    request: AuthedRequest, patient_id: uuid.UUID, course_id: uuid.UUID
) -> tuple[Patient, TreatmentCourse, dict[str, Any]]:
    patient, context = patient_page(request, patient_id, TAB)
    course = course_of(patient, course_id)
    context.update(_can(request, patient))
    context["course"] = course
    context["template"] = rules.DEFAULT_TEMPLATES.get(course.template_id)
    return patient, course, context


def _saved(request: AuthedRequest, course: TreatmentCourse, text: str) -> HttpResponse:
    messages.success(request, text)
    return redirect("courses:detail", course.patient.public_id, course.public_id)


@login_required
def course_list(request: AuthedRequest, patient_id: uuid.UUID) -> HttpResponse:
    patient, context = patient_page(request, patient_id, TAB)
    context.update(_can(request, patient))
    context["summaries"] = [summary(course) for course in courses_of(patient)]
    return render(request, "courses/list.html", context)


@login_required
def course_new(request: AuthedRequest, patient_id: uuid.UUID) -> HttpResponse:
    patient, context = patient_page(request, patient_id, TAB)
    _need(request, patient, Action.MANAGE_COURSE)
    form = CourseForm(request.POST or None, initial={"started_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            course = services.create_course(
                Actor.from_request(request), patient, services.NewCourse(**form.cleaned_data)
            )
        except KclinicError as error:
            attach_error(form, error)
        else:
            return _saved(request, course, "Course created. Plan its sessions next.")
    context["form"] = form
    context["templates"] = rules.DEFAULT_TEMPLATES.values()
    return render(request, "courses/new.html", context)


@login_required
def course_detail(
    request: AuthedRequest, patient_id: uuid.UUID, course_id: uuid.UUID
) -> HttpResponse:
    _, course, context = _course_page(request, patient_id, course_id)
    today = timezone.localdate()
    facts = summary(course)
    context.update(
        {
            "summary": facts,
            "timeline": build_timeline(facts, today, clinical=context["can_view_clinical"]),
            "today": today,
            "phase_changes": course.phase_changes.select_related("changed_by"),
        }
    )
    return render(request, "courses/detail.html", context)


@login_required
def plan(request: AuthedRequest, patient_id: uuid.UUID, course_id: uuid.UUID) -> HttpResponse:
    patient, course, context = _course_page(request, patient_id, course_id)
    _need(request, patient, Action.SCHEDULE_SESSION)
    template = context["template"]
    initial = {
        "version": course.version,
        "start_on": max(course.started_on, timezone.localdate()),
        "weekdays": [str(d) for d in template.example_weekdays] if template else [],
        "time_of_day": "09:00",
        "open_ended_sessions": 0,
    }
    form = PlanForm(
        request.POST or None, initial=initial, chairs=chairs_for(course), template=template
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            made = services.plan_sessions(
                Actor.from_request(request),
                course,
                start_on=data["start_on"],
                weekdays=[int(d) for d in data["weekdays"]],
                time_of_day=data["time_of_day"],
                chair=data["chair"],
                expected_version=data["version"],
                open_ended_sessions=data.get("open_ended_sessions") or 0,
                pace=data.get("pace") or None,
            )
        except KclinicError as error:
            attach_error(form, error)
        else:
            return _saved(request, course, f"Planned {made.sessions.count()} sessions.")
    context["form"] = form
    return render(request, "courses/plan.html", context)


@login_required
def add_session(
    request: AuthedRequest, patient_id: uuid.UUID, course_id: uuid.UUID
) -> HttpResponse:
    patient, course, context = _course_page(request, patient_id, course_id)
    _need(request, patient, Action.SCHEDULE_SESSION)
    form = SessionForm(
        request.POST or None,
        initial={"version": course.version},
        chairs=chairs_for(course),
        can_override=context["can_manage"],
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.add_session(
                Actor.from_request(request),
                course,
                scheduled_at=data["scheduled_at"],
                chair=data["chair"],
                expected_version=data["version"],
                override_reason=data.get("override_reason", ""),
            )
        except KclinicError as error:
            attach_error(form, error)
        else:
            return _saved(request, course, "Session added.")
    context.update({"form": form, "title": "Add a session", "button": "Add session"})
    return render(request, "courses/session_form.html", context)


@login_required
def reschedule(
    request: AuthedRequest, patient_id: uuid.UUID, course_id: uuid.UUID, session_id: uuid.UUID
) -> HttpResponse:
    patient, course, context = _course_page(request, patient_id, course_id)
    _need(request, patient, Action.SCHEDULE_SESSION)
    session = session_of(course, session_id)
    initial = {
        "version": course.version,
        "scheduled_at": timezone.localtime(session.scheduled_at),
        "chair": session.chair,
    }
    form = SessionForm(
        request.POST or None,
        initial=initial,
        chairs=chairs_for(course),
        can_override=context["can_manage"],
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.reschedule_session(
                Actor.from_request(request),
                session,
                scheduled_at=data["scheduled_at"],
                chair=data["chair"],
                expected_version=data["version"],
                override_reason=data.get("override_reason", ""),
            )
        except KclinicError as error:
            attach_error(form, error)
        else:
            return _saved(request, course, f"Session {session.sequence} rescheduled.")
    context.update(
        {
            "form": form,
            "session": session,
            "title": f"Reschedule session {session.sequence}",
            "button": "Reschedule",
        }
    )
    return render(request, "courses/session_form.html", context)


@login_required
def cancel(
    request: AuthedRequest, patient_id: uuid.UUID, course_id: uuid.UUID, session_id: uuid.UUID
) -> HttpResponse:
    patient, course, context = _course_page(request, patient_id, course_id)
    _need(request, patient, Action.SCHEDULE_SESSION)
    session = session_of(course, session_id)
    form = CancelForm(request.POST or None, initial={"version": course.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.cancel_session(
                Actor.from_request(request),
                session,
                reason=form.cleaned_data["reason"],
                expected_version=form.cleaned_data["version"],
            )
        except KclinicError as error:
            attach_error(form, error)
        else:
            return _saved(request, course, f"Session {session.sequence} cancelled.")
    context.update({"form": form, "session": session})
    return render(request, "courses/cancel.html", context)


@login_required
def complete(
    request: AuthedRequest, patient_id: uuid.UUID, course_id: uuid.UUID, session_id: uuid.UUID
) -> HttpResponse:
    patient, course, context = _course_page(request, patient_id, course_id)
    _need(request, patient, Action.RECORD_CLINICAL_DATA)
    session = session_of(course, session_id)
    error = None
    if request.method == "POST":
        try:
            services.complete_session(Actor.from_request(request), session)
        except KclinicError as failure:
            error = str(failure)
        else:
            return _saved(request, course, f"Session {session.sequence} marked completed.")
    context.update({"session": session, "error": error})
    return render(request, "courses/complete.html", context)


@login_required
def phase(request: AuthedRequest, patient_id: uuid.UUID, course_id: uuid.UUID) -> HttpResponse:
    patient, course, context = _course_page(request, patient_id, course_id)
    _need(request, patient, Action.MANAGE_COURSE)
    form = PhaseForm(
        request.POST or None,
        initial={"version": course.version, "template_id": course.template_id},
        current=course.phase,
        modality=course.modality,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.change_phase(
                Actor.from_request(request),
                course,
                phase=data["phase"],
                reason=data["reason"],
                template_id=data["template_id"] or None,
                expected_version=data["version"],
            )
        except KclinicError as error:
            attach_error(form, error)
        else:
            return _saved(request, course, f"Course moved to {course.get_phase_display()}.")
    context["form"] = form
    return render(request, "courses/phase.html", context)
