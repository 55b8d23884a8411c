"""/api/v1/reports: the clinic dashboard (the page's numbers, and its CSV rows), the published
benchmarks, and one patient's outcomes. Same selectors, permissions and audit as the pages.

Percentages and doses are strings (exact decimals, as in the CSV). No `from __future__ import
annotations` here: django-ninja reads the annotations at run time.
"""

import uuid
from datetime import date, datetime
from typing import Annotated, Any

from django.utils import timezone
from ninja import Query, Router, Schema

from kclinic.domain.benchmarks import Benchmark, all_benchmarks
from kclinic.domain.outcome_stats import Proportion
from kclinic.web.audit.services import Actor, record
from kclinic.web.common.views import AuthedRequest
from kclinic.web.patients.selectors import patient_for
from kclinic.web.reports import dashboard as board
from kclinic.web.reports.patient_outcomes import InstrumentOutcome, patient_outcomes

router = Router(tags=["reports"])


class ProportionOut(Schema):
    successes: int
    total: int
    percent: str | None
    ci95_low: str | None
    ci95_high: str | None


class SourceOut(Schema):
    id: str
    citation: str
    url: str
    confidence: str
    note: str


class BenchmarkOut(Schema):
    id: str
    study: str
    treatment: str
    instrument: str
    measure: str
    definition: str
    definition_id: str | None
    percent: str
    n: int | None
    timepoint: str
    comparator: str
    comparator_percent: str | None
    category: str
    note: str
    source: SourceOut


class CohortOut(Schema):
    courses: int
    courses_started: int
    patients_started: int
    courses_inducted: int
    patients_inducted: int
    in_induction: int
    dropped_out: int
    sessions: int
    induction: ProportionOut
    dropout: ProportionOut
    dropout_benchmarks: list[str]


class OutcomeOut(Schema):
    instrument: str
    definition: str
    description: str
    pairs: int
    missing_outcome: int
    response: ProportionOut
    remission: ProportionOut
    response_benchmarks: list[str]
    remission_benchmarks: list[str]


class EventOut(Schema):
    category: str
    label: str
    sessions_with: int
    sessions: int
    per_100_sessions: str | None
    share: ProportionOut
    benchmarks: list[str]


class DashboardOut(Schema):
    filters: dict[str, str]
    rules: dict[str, int]
    cohort: CohortOut
    outcomes: list[OutcomeOut]
    adverse_events: list[EventOut]
    benchmarks: list[BenchmarkOut]
    columns: list[str]
    rows: list[list[str]]


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _share(share: Proportion) -> dict[str, Any]:
    return {
        "successes": share.successes,
        "total": share.total,
        "percent": _text(share.percent),
        "ci95_low": _text(share.low_percent),
        "ci95_high": _text(share.high_percent),
    }


def _benchmark(b: Benchmark) -> dict[str, Any]:
    return {
        "id": b.id,
        "study": b.study,
        "treatment": b.treatment,
        "instrument": b.instrument_id,
        "measure": b.measure,
        "definition": b.definition,
        "definition_id": b.definition_id,
        "percent": str(b.percent.value),
        "n": b.n,
        "timepoint": b.timepoint,
        "comparator": b.comparator,
        "comparator_percent": _text(b.comparator_percent),
        "category": b.category,
        "note": b.note,
        "source": b.percent.source.as_dict(),
    }


def _ids(found: tuple[Benchmark, ...]) -> list[str]:
    return [b.id for b in found]


def _event(row: board.EventRow) -> dict[str, Any]:
    return {
        "category": row.category.id,
        "label": row.category.label,
        "sessions_with": row.sessions_with,
        "sessions": row.sessions,
        "per_100_sessions": _text(row.per_100),
        "share": _share(row.share),
        "benchmarks": _ids(row.benchmarks),
    }


@router.get("/dashboard", response=DashboardOut)
def reports_dashboard(
    request: AuthedRequest,
    site: uuid.UUID | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    indication: str = "",
    route: str = "",
) -> dict[str, Any]:
    """Outcomes of the clinic's courses, filtered like the page; `rows` are the CSV's rows."""
    filters = board.resolve_filters(
        request.user,
        site=site,
        date_from=date_from,
        date_to=date_to,
        indication=indication,
        route=route,
    )
    record(
        Actor.from_request(request),
        "view",
        object_type="api",
        object_id="reports/dashboard",
        detail=filters.as_dict(),
    )
    found = board.build(filters)
    c = found.counts
    events = [*found.events, *([found.any_adverse_event] if found.any_adverse_event else [])]
    return {
        "filters": filters.as_dict(),
        "rules": {
            "induction_sessions": found.rules.induction_sessions.value,
            "outcome_window_days": found.rules.outcome_window_days.value,
            "baseline_lookback_days": found.rules.baseline_lookback_days.value,
        },
        "cohort": {
            "courses": c.courses,
            "courses_started": c.courses_started,
            "patients_started": c.patients_started,
            "courses_inducted": c.courses_inducted,
            "patients_inducted": c.patients_inducted,
            "in_induction": c.in_induction,
            "dropped_out": c.dropped_out,
            "sessions": c.sessions,
            "induction": _share(found.induction),
            "dropout": _share(found.dropout),
            "dropout_benchmarks": _ids(found.dropout_benchmarks),
        },
        "outcomes": [
            {
                "instrument": row.instrument_id,
                "definition": row.definition.id,
                "description": row.definition.description,
                "pairs": row.pairs,
                "missing_outcome": row.missing_outcome,
                "response": _share(row.response),
                "remission": _share(row.remission),
                "response_benchmarks": _ids(row.response_benchmarks),
                "remission_benchmarks": _ids(row.remission_benchmarks),
            }
            for row in found.outcomes
        ],
        "adverse_events": [_event(row) for row in events],
        "benchmarks": [_benchmark(b) for b in all_benchmarks()],
        "columns": list(board.CSV_HEADER),
        "rows": [list(row) for row in board.flat_rows(found)],
    }


@router.get("/benchmarks", response=list[BenchmarkOut])
def reports_benchmarks(request: AuthedRequest) -> list[dict[str, Any]]:
    """The published figures the dashboard compares with, each with its source."""
    return [_benchmark(b) for b in all_benchmarks()]


class PointOut(Schema):
    at: datetime
    total: int


class ReadingOut(Schema):
    definition: str
    baseline: int
    baseline_at: datetime
    latest: int
    latest_at: datetime
    response_now: bool
    remission_now: bool
    first_response: datetime | None
    days_to_response: str | None
    sessions_before_response: int | None
    sustained: dict[str, str]
    relapse_onset: datetime | None
    relapse_confirmed: datetime | None
    days_in_response: str | None


class InstrumentOut(Schema):
    instrument: str
    definition: str | None
    points: list[PointOut]
    reading: ReadingOut | None
    note: str


class CourseOut(Schema):
    id: uuid.UUID
    number: int
    modality: str
    indication_code: str
    started_on: date
    phase: str
    sessions: list[datetime]
    side_effects: dict[str, int]
    instruments: list[InstrumentOut]


class ExposureOut(Schema):
    sessions: int
    total_mg: str
    total_mg_per_kg: str
    window_days: int
    window_sessions: int
    window_mg: str
    window_mg_per_kg: str
    peak_window_mg_per_kg: str


class FindingOut(Schema):
    rule: str
    key: str
    title: str
    detail: str
    since: date
    source: SourceOut


class PatientOutcomesOut(Schema):
    patient: uuid.UUID
    today: date
    exposure: ExposureOut
    findings: list[FindingOut]
    courses: list[CourseOut]


def _instrument(item: InstrumentOutcome) -> dict[str, Any]:
    reading = None
    if item.reading is not None:
        r = item.reading
        t = r.trajectory
        reading = {
            "definition": t.definition_id,
            "baseline": t.baseline,
            "baseline_at": t.baseline_time,
            "latest": r.latest,
            "latest_at": r.latest_time,
            "response_now": r.response_now,
            "remission_now": r.remission_now,
            "first_response": r.time_to_response.first_response,
            "days_to_response": _text(r.time_to_response.days),
            "sessions_before_response": r.time_to_response.sessions_before,
            "sustained": {str(weeks): state for weeks, state in r.sustained},
            "relapse_onset": r.relapse.onset,
            "relapse_confirmed": r.relapse.confirmed,
            "days_in_response": _text(r.relapse.days_in_response),
        }
    return {
        "instrument": item.instrument_id,
        "definition": item.definition.id if item.definition else None,
        "points": [{"at": at, "total": total} for at, total in item.points],
        "reading": reading,
        "note": item.note,
    }


@router.get("/patients/{patient_id}/outcomes", response=PatientOutcomesOut)
def reports_patient_outcomes(
    request: AuthedRequest,
    patient_id: uuid.UUID,
    definition: Annotated[list[str] | None, Query()] = None,
) -> dict[str, Any]:
    """Trajectories, time to response, sustained response, relapse and exposure; repeat
    `definition` to read a scale under another named outcome definition."""
    patient = patient_for(request.user, patient_id)
    found = patient_outcomes(request.user, patient, timezone.localdate(), definition or [])
    record(
        Actor.from_request(request),
        "view",
        patient_public_id=patient.public_id,
        object_type="api",
        object_id="reports/outcomes",
    )
    e = found.exposure
    return {
        "patient": patient.public_id,
        "today": found.today,
        "exposure": {
            "sessions": e.sessions,
            "total_mg": str(e.total_mg),
            "total_mg_per_kg": str(e.total_mg_per_kg),
            "window_days": e.window_days,
            "window_sessions": e.window_sessions,
            "window_mg": str(e.window_mg),
            "window_mg_per_kg": str(e.window_mg_per_kg),
            "peak_window_mg_per_kg": str(e.peak_window_mg_per_kg),
        },
        "findings": [
            {
                "rule": f.rule,
                "key": f.key,
                "title": f.title,
                "detail": f.detail,
                "since": f.since,
                "source": f.source.as_dict(),
            }
            for f in found.findings
        ],
        "courses": [
            {
                "id": course.course.public_id,
                "number": course.number,
                "modality": course.course.modality,
                "indication_code": course.course.indication_code,
                "started_on": course.course.started_on,
                "phase": course.course.phase,
                "sessions": list(course.sessions),
                "side_effects": dict(course.side_effects),
                "instruments": [_instrument(item) for item in course.instruments],
            }
            for course in found.courses
        ],
    }
