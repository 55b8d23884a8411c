"""The clinic dashboard's aggregates, computed in the database in one statement.

A clinic network holds hundreds of thousands of sessions and a million assessments, so
nothing here loops over rows in Python: the statement returns one row of course counts, one
row per instrument and one row of adverse-event counts. The same SQL runs on SQLite and
PostgreSQL; the only difference is date arithmetic (`_plus_days`).

The cohort is the courses of the chosen sites, started in the date range, with the chosen
indication (ICD-10-CM prefix) and route (course modality). For each course:

- `done`: completed sessions; `t_first`: the first one's time; `t_k`: the K-th one's
  (K = READING_RULES.induction_sessions), by time, from one ordered pass over the sessions;
- started: at least one completed session; inducted: at least K; dropped out: ended with
  fewer than K;
- baseline: per instrument, the last current (not superseded), complete assessment at or
  before t_first and within the look-back; outcome: the last one after t_k and within the
  outcome window. Both come from one range join per course on the assessments' (patient,
  instrument, administered_at) index, so only the scores of the course's span are read;
- response and remission per outcome definition, in integers: (b - f) x 100 x q >= p x b
  for a minimum reduction of p/q percent (exact, as kclinic.domain.outcomes does);
- adverse events: completed sessions of the cohort with a recorded side effect or adverse
  event of a category (its words), or a vital-sign set at one of its levels; each session
  counts once per category.

Every value a user chooses is a query parameter; the numbers woven into the text come from
the cited protocol data (kclinic.domain), never from a request.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import connection, transaction

from kclinic.domain.outcome_stats import AE_CATEGORIES, READING_RULES
from kclinic.domain.outcomes import DEFINITIONS, OutcomeDefinition


@dataclass(frozen=True)
class CohortFilter:
    site_ids: tuple[int, ...]
    date_from: date | None = None
    date_to: date | None = None
    indication: str = ""  # ICD-10-CM prefix, upper case, letters, digits and dots only
    route: str = ""  # courses.Modality value


@dataclass(frozen=True)
class CohortCounts:
    courses: int
    courses_started: int
    patients_started: int
    courses_inducted: int
    patients_inducted: int
    in_induction: int
    dropped_out: int
    sessions: int


@dataclass(frozen=True)
class InstrumentCounts:
    instrument_id: str
    pairs: int  # inducted courses with a baseline above 0 and an outcome assessment
    missing_outcome: int  # inducted courses with a baseline but no outcome assessment
    responders: dict[str, int]  # definition id -> count
    remitters: dict[str, int]


@dataclass(frozen=True)
class EventCounts:
    sessions: int
    with_category: dict[str, int]  # category id -> completed sessions with such an event
    with_adverse_event: int  # sessions with any event recorded as an adverse event


@dataclass(frozen=True)
class Numbers:
    counts: CohortCounts
    outcomes: list[InstrumentCounts]
    events: EventCounts


def outcome_definitions() -> tuple[OutcomeDefinition, ...]:
    """Every definition, grouped by instrument in a stable order."""
    return tuple(sorted(DEFINITIONS.values(), key=lambda d: (d.instrument_id, d.id)))


def _plus_days(column: str, days: int) -> str:
    days = int(days)  # protocol data; an int, so the text cannot carry anything else
    if connection.vendor == "postgresql":
        return f"({column} + INTERVAL '{days} days')"
    return f"datetime({column}, '{days:+d} days')"


def _placeholders(values: Sequence[object]) -> str:
    return ", ".join(["%s"] * len(values))


def _cohort(where: CohortFilter) -> tuple[str, list[Any]]:
    """The CTEs `courses` (the filtered courses) and `cohort` (with their session counts)."""
    if not where.site_ids:
        raise ValueError("a cohort needs at least one site")
    ops = connection.ops
    clauses = [f"p.site_id IN ({_placeholders(where.site_ids)})"]
    params: list[Any] = list(where.site_ids)
    if where.date_from is not None:
        clauses.append("tc.started_on >= %s")
        params.append(ops.adapt_datefield_value(where.date_from))
    if where.date_to is not None:
        clauses.append("tc.started_on <= %s")
        params.append(ops.adapt_datefield_value(where.date_to))
    if where.indication:
        clauses.append("tc.indication_code LIKE %s")
        params.append(where.indication + "%")
    if where.route:
        clauses.append("tc.modality = %s")
        params.append(where.route)
    k = READING_RULES.induction_sessions.value
    sql = f"""
        courses AS (
            SELECT tc.id AS course_id, tc.patient_id AS patient_id, tc.phase AS phase
            FROM courses_treatmentcourse tc
            JOIN patients_patient p ON p.id = tc.patient_id
            WHERE {" AND ".join(clauses)}
        ),
        ranked AS (
            SELECT ps.course_id, ps.scheduled_at,
                   ROW_NUMBER() OVER (PARTITION BY ps.course_id
                                      ORDER BY ps.scheduled_at, ps.sequence) AS rn
            FROM courses_plannedsession ps
            JOIN courses c ON c.course_id = ps.course_id
            WHERE ps.status = 'completed'
        ),
        done AS (
            SELECT course_id, COUNT(*) AS done, MIN(scheduled_at) AS t_first,
                   MAX(CASE WHEN rn = {k} THEN scheduled_at END) AS t_k
            FROM ranked GROUP BY course_id
        ),
        cohort AS (
            SELECT c.course_id, c.patient_id, c.phase, COALESCE(d.done, 0) AS done,
                   d.t_first, d.t_k
            FROM courses c LEFT JOIN done d ON d.course_id = c.course_id
        )"""
    return sql, params


def _counts_sql() -> str:
    k = READING_RULES.induction_sessions.value
    return f"""
        SELECT COUNT(*),
               COUNT(CASE WHEN done >= 1 THEN 1 END),
               COUNT(DISTINCT CASE WHEN done >= 1 THEN patient_id END),
               COUNT(CASE WHEN done >= {k} THEN 1 END),
               COUNT(DISTINCT CASE WHEN done >= {k} THEN patient_id END),
               COUNT(CASE WHEN done >= 1 AND done < {k} AND phase <> 'ended' THEN 1 END),
               COUNT(CASE WHEN done >= 1 AND done < {k} AND phase = 'ended' THEN 1 END),
               COALESCE(SUM(done), 0)
        FROM cohort"""


def _response_sql(definition: OutcomeDefinition) -> tuple[str, list[Any]]:
    p, q = definition.response.min_reduction_percent.as_integer_ratio()
    sql = "(b - f) * %s >= %s * b"
    params: list[Any] = [100 * q, p]
    if definition.response.or_followup_below is not None:
        sql = f"({sql} OR f < %s)"
        params.append(definition.response.or_followup_below)
    return sql, params


def _remission_sql(definition: OutcomeDefinition) -> tuple[str, list[Any]]:
    operator = {"<": "<", "<=": "<="}[definition.remission.comparison]
    return f"f {operator} %s", [definition.remission.threshold]


def _scores_ctes(instruments: Sequence[str]) -> str:
    """Per inducted course and instrument: the last current, complete score of the baseline
    window and of the outcome window, read in one pass over the course's span.

    On PostgreSQL the scores are read per course through LATERAL, so the planner walks the
    (patient, instrument, administered_at) index over each course's span whatever it guesses
    about the cohort's size (it has no statistics for a CTE, and a guess of millions of
    courses makes it scan every assessment instead). SQLite plans the plain join that way."""
    rules = READING_RULES
    low = _plus_days("c.t_first", -rules.baseline_lookback_days.value)
    high = _plus_days("c.t_k", rules.outcome_window_days.value)
    filters = f"""a.instrument_id IN ({_placeholders(instruments)})
                 AND a.administered_at > {low} AND a.administered_at <= {high}
                 AND a.complete AND a.total IS NOT NULL
                 AND NOT EXISTS (SELECT 1 FROM assessments_assessment s
                                 WHERE s.supersedes_id = a.id)"""
    if connection.vendor == "postgresql":
        source = f"""CROSS JOIN LATERAL (
                SELECT a.id, a.instrument_id, a.total, a.administered_at
                FROM assessments_assessment a
                WHERE a.patient_id = c.patient_id AND {filters}
            ) a"""
    else:
        source = f"JOIN assessments_assessment a ON a.patient_id = c.patient_id AND {filters}"
    kind = "CASE WHEN a.administered_at <= c.t_first THEN 'b' ELSE 'f' END"
    return f"""
        scored AS (
            SELECT c.course_id, a.instrument_id, a.total, {kind} AS kind,
                   ROW_NUMBER() OVER (PARTITION BY c.course_id, a.instrument_id, {kind}
                                      ORDER BY a.administered_at DESC, a.id DESC) AS rn
            FROM cohort c
            {source}
            WHERE c.t_k IS NOT NULL
              AND (a.administered_at <= c.t_first OR a.administered_at > c.t_k)
        ),
        pairs AS (
            SELECT course_id, instrument_id,
                   MAX(CASE WHEN kind = 'b' THEN total END) AS b,
                   MAX(CASE WHEN kind = 'f' THEN total END) AS f
            FROM scored WHERE rn = 1
            GROUP BY course_id, instrument_id
        )"""


def _outcomes_parts(
    definitions: Sequence[OutcomeDefinition], instruments: Sequence[str]
) -> tuple[str, list[Any], str, list[Any]]:
    """The CTEs pairing baselines with outcomes, and the SELECT counting over the pairs."""
    columns: list[str] = []
    params: list[Any] = []
    for definition in definitions:
        for condition, condition_params in (_response_sql(definition), _remission_sql(definition)):
            columns.append(
                "SUM(CASE WHEN instrument_id = %s AND b > 0 AND f IS NOT NULL "
                f"AND {condition} THEN 1 ELSE 0 END)"
            )
            params += [definition.instrument_id, *condition_params]
    select = f"""
        SELECT instrument_id,
               COUNT(CASE WHEN b > 0 AND f IS NOT NULL THEN 1 END),
               COUNT(CASE WHEN f IS NULL THEN 1 END),
               {", ".join(columns)}
        FROM pairs WHERE b IS NOT NULL GROUP BY instrument_id"""
    return _scores_ctes(instruments), list(instruments), select, params


def _keyword_sql(keywords: Sequence[str]) -> tuple[str, list[Any]]:
    sql = " OR ".join(["LOWER(e.description) LIKE %s"] * len(keywords))
    return f"({sql})", [f"%{word}%" for word in keywords]


def _events_parts() -> tuple[str, list[Any], str]:
    """The CTEs flagging completed cohort sessions by event category, and their SELECT."""
    event_columns, event_params, vital_columns, vital_params, totals = [], [], [], [], []
    for category in AE_CATEGORIES:
        condition, params = _keyword_sql(category.keywords)
        event_columns.append(f"MAX(CASE WHEN {condition} THEN 1 ELSE 0 END) AS {category.id}")
        event_params += params
        if category.vital_levels:
            marks = _placeholders(category.vital_levels)
            vital_columns.append(f"MAX(CASE WHEN v.level IN ({marks}) THEN 1 ELSE 0 END)")
            vital_params += list(category.vital_levels)
        else:
            vital_columns.append("0")
        totals.append(f"SUM(CASE WHEN {category.id} > 0 THEN 1 ELSE 0 END)")
    levels = sorted({level for c in AE_CATEGORIES for level in c.vital_levels})
    maxima = ", ".join(f"MAX({c.id}) AS {c.id}" for c in AE_CATEGORIES)
    # From the events to their sessions (primary keys), not from every session to its
    # events: there are far fewer events and alarming vital signs than sessions.
    ctes = f"""
        flagged AS (
            SELECT i.planned_id, {", ".join(event_columns)},
                   MAX(CASE WHEN e.kind = 'adverse_event' THEN 1 ELSE 0 END) AS any_ae
            FROM infusions_clinicalevent e
            JOIN infusions_infusionsession i ON i.id = e.session_id
            JOIN courses_plannedsession ps ON ps.id = i.planned_id AND ps.status = 'completed'
            JOIN courses c ON c.course_id = ps.course_id
            WHERE e.kind IN ('side_effect', 'adverse_event')
            GROUP BY i.planned_id
            UNION ALL
            SELECT i.planned_id, {", ".join(vital_columns)}, 0
            FROM infusions_vitalset v
            JOIN infusions_infusionsession i ON i.id = v.session_id
            JOIN courses_plannedsession ps ON ps.id = i.planned_id AND ps.status = 'completed'
            JOIN courses c ON c.course_id = ps.course_id
            WHERE v.level IN ({_placeholders(levels)})
            GROUP BY i.planned_id
        ),
        per_session AS (
            SELECT planned_id, {maxima}, MAX(any_ae) AS any_ae
            FROM flagged GROUP BY planned_id
        )"""
    select = f"""
        SELECT {", ".join(totals)}, SUM(CASE WHEN any_ae > 0 THEN 1 ELSE 0 END)
        FROM per_session"""
    return ctes, [*event_params, *vital_params, *levels], select


def _padded(select: str, label: str, width: int, used: int, instrument: bool) -> str:
    """`select` as one branch of the UNION: a part label, an instrument id and `width`
    numbers (NULL beyond the `used` ones the part has)."""
    head, rest = select.split("SELECT", 1)
    body, tail = rest.rsplit("FROM", 1)
    columns = body if instrument else f"NULL, {body}"
    pad = ", NULL" * (width - used)
    return f"{head}SELECT '{label}', {columns}{pad} FROM{tail}"


def numbers(where: CohortFilter) -> Numbers:
    """Every dashboard number for the cohort, from one statement."""
    definitions = outcome_definitions()
    instruments = sorted({d.instrument_id for d in definitions})
    cohort, cohort_params = _cohort(where)
    outcome_ctes, outcome_cte_params, outcome_select, outcome_params = _outcomes_parts(
        definitions, instruments
    )
    event_ctes, event_params, event_select = _events_parts()
    width = max(8, 2 + 2 * len(definitions), len(AE_CATEGORIES) + 1)
    sql = f"""
        WITH {cohort}, {outcome_ctes}, {event_ctes}
        {_padded(_counts_sql(), "counts", width, 8, False)}
        UNION ALL
        {_padded(outcome_select, "outcome", width, 2 + 2 * len(definitions), True)}
        UNION ALL
        {_padded(event_select, "events", width, len(AE_CATEGORIES) + 1, False)}"""
    params = [*cohort_params, *outcome_cte_params, *event_params, *outcome_params]
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The plan's cost estimate can pass PostgreSQL's JIT threshold, and compiling
            # takes seconds, many times what this statement needs to run.
            cursor.execute("SET LOCAL jit = off")
        cursor.execute(sql, params)
        rows = list(cursor.fetchall())
    counts = next(row for row in rows if row[0] == "counts")
    values = [int(v or 0) for v in counts[2:10]]
    cohort_counts = CohortCounts(*values)
    events_row = next(row for row in rows if row[0] == "events")
    flags = [int(v or 0) for v in events_row[2 : 3 + len(AE_CATEGORIES)]]
    events = EventCounts(
        sessions=cohort_counts.sessions,
        with_category={c.id: flags[i] for i, c in enumerate(AE_CATEGORIES)},
        with_adverse_event=flags[-1],
    )
    outcomes = []
    found = {row[1]: row for row in rows if row[0] == "outcome"}
    for instrument_id in instruments:
        if instrument_id not in found:
            continue
        row = found[instrument_id]
        sums = [int(v or 0) for v in row[4 : 4 + 2 * len(definitions)]]
        mine = [(i, d) for i, d in enumerate(definitions) if d.instrument_id == instrument_id]
        outcomes.append(
            InstrumentCounts(
                instrument_id=instrument_id,
                pairs=int(row[2]),
                missing_outcome=int(row[3]),
                responders={d.id: sums[2 * i] for i, d in mine},
                remitters={d.id: sums[2 * i + 1] for i, d in mine},
            )
        )
    return Numbers(counts=cohort_counts, outcomes=outcomes, events=events)
