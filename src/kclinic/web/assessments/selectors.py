"""Reads of assessments. Clinical detail: every read requires Action.VIEW_CLINICAL at the
patient's site (front desk staff see the banner and schedule, never scores)."""

from __future__ import annotations

import importlib
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime

from django.apps import apps
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from kclinic.web.accounts.models import User
from kclinic.web.accounts.policy import Action, require
from kclinic.web.assessments.chart import Series
from kclinic.web.assessments.models import Assessment
from kclinic.web.assessments.services import SOURCE_TYPE
from kclinic.web.assessments.trajectory import CHARTED, ChartRow, trajectory_series
from kclinic.web.patients.models import Patient
from kclinic.web.tasks.models import Task

COURSES_APP = "kclinic.web.courses"


def assessments_of(user: User, patient: Patient) -> QuerySet[Assessment]:
    """The patient's assessments, newest first, corrections and superseded ones included."""
    require(user, Action.VIEW_CLINICAL, patient.site)
    return Assessment.objects.filter(patient=patient).select_related(
        "administered_by", "entered_by", "supersedes", "superseded_by"
    )


def assessment_for(user: User, patient: Patient, public_id: uuid.UUID) -> Assessment:
    """One assessment of the patient, or 404 (the patient must already be visible)."""
    found = assessments_of(user, patient).filter(public_id=public_id).first()
    if found is None:
        raise Http404("No such assessment")
    return found


def tasks_for(assessment: Assessment) -> QuerySet[Task]:
    """The safety tasks an assessment's flags opened."""
    return Task.objects.filter(
        patient_id=assessment.patient_id,
        source_type=SOURCE_TYPE,
        source_public_id=assessment.public_id,
    ).order_by("created_at", "pk")


def task_ids_by_assessment(assessments: Iterable[Assessment]) -> dict[uuid.UUID, list[Task]]:
    """Tasks per assessment for a page or API list, in one query."""
    rows = list(assessments)
    if not rows:
        return {}
    tasks = Task.objects.filter(
        source_type=SOURCE_TYPE, source_public_id__in=[a.public_id for a in rows]
    ).order_by("created_at", "pk")
    found: dict[uuid.UUID, list[Task]] = {a.public_id: [] for a in rows}
    for task in tasks:
        if task.source_public_id is not None:
            found.setdefault(task.source_public_id, []).append(task)
    return found


def _infusion_dates_function() -> Callable[[Patient], list[datetime]] | None:
    """kclinic.web.courses.selectors.infusion_dates, if the courses app is installed.

    Looked up at run time so the chart works (without markers) in a build without the
    courses app; once it is installed, any failure to import it is a real bug and is raised.
    """
    if not apps.is_installed(COURSES_APP):
        return None
    module = importlib.import_module(f"{COURSES_APP}.selectors")
    function: Callable[[Patient], list[datetime]] = module.infusion_dates
    return function


def infusion_dates(patient: Patient) -> list[datetime]:
    function = _infusion_dates_function()
    return list(function(patient)) if function is not None else []


def trajectory(user: User, patient: Patient) -> list[Series]:
    """Chart series for PHQ-9, QIDS-SR16 and MADRS totals (current versions only: a
    superseded assessment is replaced by its correction), times in the local time zone."""
    rows = [
        ChartRow(a.instrument_id, timezone.localtime(a.administered_at), a.total, a.complete)
        for a in assessments_of(user, patient)
        .filter(instrument_id__in=CHARTED, superseded_by__isnull=True, complete=True)
        .exclude(total=None)
        .order_by("administered_at")
    ]
    if not rows:
        return []
    infusions = [timezone.localtime(when) for when in infusion_dates(patient)]
    return trajectory_series(rows, infusions)
