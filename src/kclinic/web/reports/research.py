"""The de-identified research export (CSV or Parquet): one row per scored assessment and per
completed session of the courses the dashboard filters select.

What is left out or changed, and why:

- one "course" row per course, then its sessions and scores;
- no name, MRN, date of birth, contact detail, address, escort, free text or public id;
  patients and courses appear as keyed pseudonyms (HMAC-SHA256 of the public id under the
  export key), stable from one export to the next so a study can be extended;
- every date is shifted by the patient's own offset of 1-365 days, earlier or later, drawn
  from the same keyed hash: intervals within a patient are kept (and `day`, the days since
  the course started, is exact), calendar dates are not. Times of day are dropped;
- age is given in bands (10 years; 90 and over together), at the start of the course.

The key is the setting KCLINIC_RESEARCH_EXPORT_KEY when present, else the site's
SECRET_KEY (each under its own salt): without it a shifted date cannot be shifted back.
"""

from __future__ import annotations

import hmac
import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from hashlib import sha256
from io import BytesIO
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from kclinic.domain.outcome_stats import (
    AE_CATEGORIES,
    MG_PER_KG_STEP,
    READING_RULES,
    ae_category,
)
from kclinic.domain.units import round_half_up
from kclinic.web.accounts.models import User
from kclinic.web.accounts.policy import Action, require
from kclinic.web.assessments.models import Assessment
from kclinic.web.courses.models import PlannedSession, SessionStatus, TreatmentCourse
from kclinic.web.infusions.models import ClinicalEvent, DoseOrder, VitalSet
from kclinic.web.reports.dashboard import Filters

MAX_SHIFT_DAYS = 365
LOOKBACK_DAYS = READING_RULES.baseline_lookback_days.value
SALT = "kclinic.reports.research-export"
COLUMNS = (
    "subject",
    "site",
    "sex",
    "age_band",
    "course",
    "modality",
    "indication",
    "course_start",
    "phase",
    "record",
    "date",
    "day",
    "instrument",
    "total",
    "context",
    "session_number",
    "dose_mg_per_kg",
    "events",
)
HYPERTENSION_LEVELS = next(c.vital_levels for c in AE_CATEGORIES if c.id == "hypertension")


def _key() -> bytes:
    secret = getattr(settings, "KCLINIC_RESEARCH_EXPORT_KEY", "") or settings.SECRET_KEY
    return secret.encode()


def _digest(purpose: str, value: object) -> bytes:
    return hmac.new(_key(), f"{SALT}:{purpose}:{value}".encode(), sha256).digest()


def pseudonym(kind: str, public_id: object) -> str:
    """A stable, keyed stand-in for a public id: 'S-' or 'C-' and 16 hex digits."""
    return f"{kind[0].upper()}-{_digest(kind, public_id).hex()[:16]}"


def shift_days(patient_public_id: object) -> int:
    """The patient's date offset: 1 to MAX_SHIFT_DAYS days, earlier or later, never 0."""
    digest = _digest("date-shift", patient_public_id)
    magnitude = 1 + int.from_bytes(digest[:4], "big") % MAX_SHIFT_DAYS
    return magnitude if digest[4] & 1 else -magnitude


def age_band(age: int) -> str:
    if age >= 90:
        return "90+"
    if age < 18:
        return "under 18"
    low = age // 10 * 10
    return f"{max(low, 18)}-{low + 9}"


@dataclass(frozen=True)
class _Course:
    course: TreatmentCourse
    subject: str
    shift: timedelta
    band: str


def courses_for(user: User, filters: Filters) -> QuerySet[TreatmentCourse]:
    """The courses the export covers: the dashboard's filters, the user's sites."""
    require(user, Action.RESEARCH_EXPORT)
    courses = TreatmentCourse.objects.filter(patient__site__in=filters.sites)
    if filters.date_from:
        courses = courses.filter(started_on__gte=filters.date_from)
    if filters.date_to:
        courses = courses.filter(started_on__lte=filters.date_to)
    if filters.indication:
        courses = courses.filter(indication_code__startswith=filters.indication)
    if filters.route:
        courses = courses.filter(modality=filters.route)
    return courses.select_related("patient__site").order_by("patient_id", "started_on", "pk")


def _session_details(session_ids: list[int]) -> tuple[dict[int, Decimal], dict[int, set[str]]]:
    doses: dict[int, Decimal] = {}
    orders = (
        DoseOrder.objects.filter(session__planned_id__in=session_ids, superseded_by__isnull=True)
        .order_by("session_id", "-ordered_at", "-id")
        .values_list("session__planned_id", "mg_per_kg", "dose_mg", "weight_kg")
    )
    for planned_id, mg_per_kg, dose_mg, weight_kg in orders:
        if planned_id not in doses:
            doses[planned_id] = round_half_up(mg_per_kg or dose_mg / weight_kg, MG_PER_KG_STEP)
    events: dict[int, set[str]] = {}
    texts = ClinicalEvent.objects.filter(
        session__planned_id__in=session_ids, kind__in=("side_effect", "adverse_event")
    ).values_list("session__planned_id", "description")
    for planned_id, text in texts:
        events.setdefault(planned_id, set()).update(ae_category(text))
    high = VitalSet.objects.filter(
        session__planned_id__in=session_ids, level__in=HYPERTENSION_LEVELS
    ).values_list("session__planned_id", flat=True)
    for planned_id in high:
        events.setdefault(planned_id, set()).add("hypertension")
    return doses, events


def _rows_for_patient(items: list[_Course]) -> Iterator[dict[str, Any]]:
    patient = items[0].course.patient
    ids = [item.course.pk for item in items]
    sessions = list(
        PlannedSession.objects.filter(course_id__in=ids, status=SessionStatus.COMPLETED)
        .order_by("scheduled_at", "sequence")
        .values_list("pk", "course_id", "scheduled_at", "sequence")
    )
    doses, events = _session_details([s[0] for s in sessions])
    assessments = list(
        Assessment.objects.filter(
            patient=patient, complete=True, total__isnull=False, superseded_by__isnull=True
        )
        .order_by("administered_at", "pk")
        .values_list("administered_at", "instrument_id", "total", "context")
    )
    for item in items:
        course = item.course
        shift = item.shift
        base = {
            "subject": item.subject,
            "site": patient.site.code,
            "sex": patient.sex,
            "age_band": item.band,
            "course": pseudonym("course", course.public_id),
            "modality": course.modality,
            "indication": course.indication_code,
            "course_start": course.started_on + shift,
            "phase": course.phase,
        }
        yield {**base, "record": "course", "date": course.started_on + shift, "day": 0}
        for pk, course_id, when, sequence in sessions:
            if course_id != course.pk:
                continue
            day = timezone.localdate(when)
            yield {
                **base,
                "record": "session",
                "date": day + shift,
                "day": (day - course.started_on).days,
                "session_number": sequence,
                "dose_mg_per_kg": doses.get(pk),
                "events": ";".join(sorted(events.get(pk, ()))),
            }
        for when, instrument_id, total, context in assessments:
            day = timezone.localdate(when)
            if _course_of(items, day) is not item:
                continue
            yield {
                **base,
                "record": "assessment",
                "date": day + shift,
                "day": (day - course.started_on).days,
                "instrument": instrument_id,
                "total": total,
                "context": context,
            }


def _course_of(items: list[_Course], day: date) -> _Course | None:
    """The course an assessment belongs to: the latest one started on or before its day, or
    the first course when it falls in the 90 days before that course started."""
    started = [item for item in items if item.course.started_on <= day]
    if started:
        return started[-1]
    first = items[0]
    return first if day >= first.course.started_on - timedelta(days=LOOKBACK_DAYS) else None


def export_rows(user: User, filters: Filters) -> Iterator[dict[str, Any]]:
    """Every row of the export, patient by patient (keys: COLUMNS; missing ones are blank)."""
    batch: list[_Course] = []
    for course in courses_for(user, filters).iterator(chunk_size=500):
        if batch and batch[-1].course.patient_id != course.patient_id:
            yield from _rows_for_patient(batch)
            batch = []
        patient = course.patient
        batch.append(
            _Course(
                course=course,
                subject=pseudonym("subject", patient.public_id),
                shift=timedelta(days=shift_days(patient.public_id)),
                band=age_band(patient.age_on(course.started_on)),
            )
        )
    if batch:
        yield from _rows_for_patient(batch)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def csv_lines(user: User, filters: Filters) -> Iterator[list[str]]:
    yield list(COLUMNS)
    for row in export_rows(user, filters):
        yield [_text(row.get(column)) for column in COLUMNS]


def parquet_bytes(user: User, filters: Filters) -> bytes:
    # pyarrow ships no type information; imported by name so the checker treats it as Any.
    pa: Any = importlib.import_module("pyarrow")
    pq: Any = importlib.import_module("pyarrow.parquet")

    types = {
        "course_start": pa.date32(),
        "date": pa.date32(),
        "day": pa.int32(),
        "total": pa.int32(),
        "session_number": pa.int32(),
        "dose_mg_per_kg": pa.decimal128(7, 3),
    }
    schema = pa.schema([(c, types.get(c, pa.string())) for c in COLUMNS])
    columns: dict[str, list[object]] = {c: [] for c in COLUMNS}
    for row in export_rows(user, filters):
        for column in COLUMNS:
            value = row.get(column)
            columns[column].append(value if column in types else _text(value))
    table = pa.table(columns, schema=schema)
    buffer = BytesIO()
    pq.write_table(table, buffer, compression="zstd")
    return buffer.getvalue()
