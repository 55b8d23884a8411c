"""The clinic outcomes dashboard: filters, the selector the page, the API and the CSV share,
and the flat rows the CSV and the API both print.

The counting happens in SQL (`dashboard_sql`); this module checks the filters against what
the user may see, turns counts into proportions with Wilson intervals and rates per 100
sessions (kclinic.domain.outcome_stats), and puts the published benchmarks that read the
same definition next to each figure (kclinic.domain.benchmarks).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from kclinic.domain import benchmarks
from kclinic.domain.benchmarks import Benchmark
from kclinic.domain.errors import UnknownNameError, ValidationError
from kclinic.domain.outcome_stats import (
    AE_CATEGORIES,
    READING_RULES,
    AdverseEventCategory,
    Proportion,
    ReadingRules,
    proportion,
    rate_per_100,
)
from kclinic.domain.outcomes import DEFINITIONS, OutcomeDefinition
from kclinic.domain.sources import Source
from kclinic.web.accounts.models import Site, User
from kclinic.web.accounts.policy import Action, require
from kclinic.web.courses.models import Modality
from kclinic.web.reports import dashboard_sql as q
from kclinic.web.reports.outcome_chart import short_name

INDICATION = re.compile(r"^[A-Z][0-9A-Z.]{0,9}$")


@dataclass(frozen=True)
class Filters:
    """What the dashboard counts: the sites (all the user's when none is chosen), courses
    started in [date_from, date_to], an ICD-10-CM prefix and a route (course modality)."""

    sites: tuple[Site, ...]
    site: Site | None = None
    date_from: date | None = None
    date_to: date | None = None
    indication: str = ""
    route: str = ""

    def as_dict(self) -> dict[str, str]:
        """The chosen filters as text (for the audit row, the CSV header and the API)."""
        return {
            "site": str(self.site.public_id) if self.site else "",
            "date_from": self.date_from.isoformat() if self.date_from else "",
            "date_to": self.date_to.isoformat() if self.date_to else "",
            "indication": self.indication,
            "route": self.route,
        }


def dashboard_sites(user: User, action: Action = Action.VIEW_DASHBOARD) -> tuple[Site, ...]:
    """The sites whose figures the user may see (for the dashboard, or with
    Action.RESEARCH_EXPORT for the export): their own sites, if the role may."""
    require(user, action)
    return tuple(user.sites.order_by("name"))


def resolve_filters(
    user: User,
    *,
    action: Action = Action.VIEW_DASHBOARD,
    site: uuid.UUID | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    indication: str = "",
    route: str = "",
) -> Filters:
    """Check the filters; ValidationError names the field and what is allowed."""
    sites = dashboard_sites(user, action)
    chosen = None
    if site is not None:
        chosen = next((s for s in sites if s.public_id == site), None)
        if chosen is None:
            raise UnknownNameError("site", str(site), [str(s.public_id) for s in sites])
    if date_from and date_to and date_from > date_to:
        raise ValidationError("date_to", date_to.isoformat(), f"{date_from} or later")
    indication = indication.strip().upper()
    if indication and not INDICATION.match(indication):
        raise ValidationError("indication", indication, "an ICD-10-CM code or prefix, e.g. F33")
    if route and route not in Modality.values:
        raise UnknownNameError("route", route, Modality.values)
    return Filters(
        sites=(chosen,) if chosen else sites,
        site=chosen,
        date_from=date_from,
        date_to=date_to,
        indication=indication,
        route=route,
    )


@dataclass(frozen=True)
class OutcomeRow:
    instrument_id: str
    instrument: str
    definition: OutcomeDefinition
    pairs: int
    missing_outcome: int
    response: Proportion
    remission: Proportion
    response_benchmarks: tuple[Benchmark, ...]
    remission_benchmarks: tuple[Benchmark, ...]


@dataclass(frozen=True)
class EventRow:
    category: AdverseEventCategory
    sessions_with: int
    sessions: int
    per_100: Decimal | None
    share: Proportion
    benchmarks: tuple[Benchmark, ...]


@dataclass(frozen=True)
class Dashboard:
    filters: Filters
    rules: ReadingRules
    counts: q.CohortCounts
    induction: Proportion  # inducted of started
    dropout: Proportion  # dropped out of started
    outcomes: tuple[OutcomeRow, ...]
    events: tuple[EventRow, ...]
    any_adverse_event: EventRow | None
    dropout_benchmarks: tuple[Benchmark, ...]
    other_benchmarks: tuple[Benchmark, ...]

    @property
    def sources(self) -> tuple[Source, ...]:
        """Every source the page cites, once, in the order first cited."""
        cited = [
            self.rules.induction_sessions.source,
            self.rules.outcome_window_days.source,
            self.rules.baseline_lookback_days.source,
        ]
        for row in self.outcomes:
            cited += [b.percent.source for b in row.response_benchmarks + row.remission_benchmarks]
        for event in self.events:
            cited += [event.category.source] + [b.percent.source for b in event.benchmarks]
        cited += [b.percent.source for b in self.dropout_benchmarks + self.other_benchmarks]
        seen: dict[str, Source] = {}
        for source in cited:
            seen.setdefault(source.id, source)
        return tuple(seen.values())


def build(filters: Filters) -> Dashboard:
    """The dashboard for filters already checked by `resolve_filters`."""
    where = q.CohortFilter(
        site_ids=tuple(s.pk for s in filters.sites),
        date_from=filters.date_from,
        date_to=filters.date_to,
        indication=filters.indication,
        route=filters.route,
    )
    found_numbers = q.numbers(where)
    counts = found_numbers.counts
    outcomes = []
    for found in found_numbers.outcomes:
        for definition_id in found.responders:
            definition = DEFINITIONS[definition_id]
            outcomes.append(
                OutcomeRow(
                    instrument_id=found.instrument_id,
                    instrument=short_name(found.instrument_id),
                    definition=definition,
                    pairs=found.pairs,
                    missing_outcome=found.missing_outcome,
                    response=proportion(found.responders[definition_id], found.pairs),
                    remission=proportion(found.remitters[definition_id], found.pairs),
                    response_benchmarks=benchmarks.benchmarks_for(
                        "response", definition_id=definition_id
                    ),
                    remission_benchmarks=benchmarks.benchmarks_for(
                        "remission", definition_id=definition_id
                    ),
                )
            )
    events = found_numbers.events
    rows = tuple(_event_row(c, events.with_category[c.id], events.sessions) for c in AE_CATEGORIES)
    listed = {b.id for row in outcomes for b in row.response_benchmarks + row.remission_benchmarks}
    listed |= {b.id for row in rows for b in row.benchmarks}
    dropout_benchmarks = benchmarks.benchmarks_for("dropout")
    listed |= {b.id for b in dropout_benchmarks}
    return Dashboard(
        filters=filters,
        rules=READING_RULES,
        counts=counts,
        induction=proportion(counts.courses_inducted, counts.courses_started),
        dropout=proportion(counts.dropped_out, counts.courses_started),
        outcomes=tuple(outcomes),
        events=rows,
        any_adverse_event=_event_row(
            AdverseEventCategory("adverse_event", "Any recorded adverse event", ()),
            events.with_adverse_event,
            events.sessions,
        ),
        dropout_benchmarks=dropout_benchmarks,
        other_benchmarks=tuple(b for b in benchmarks.all_benchmarks() if b.id not in listed),
    )


def _event_row(category: AdverseEventCategory, count: int, sessions: int) -> EventRow:
    return EventRow(
        category=category,
        sessions_with=count,
        sessions=sessions,
        per_100=rate_per_100(count, sessions),
        share=proportion(count, sessions),
        benchmarks=benchmarks.benchmarks_for("adverse_event", category=category.id)
        if category.keywords
        else (),
    )


def dashboard(
    user: User,
    *,
    site: uuid.UUID | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    indication: str = "",
    route: str = "",
) -> Dashboard:
    """Check permission and filters, then count (the page, the API and the CSV call this)."""
    filters = resolve_filters(
        user, site=site, date_from=date_from, date_to=date_to, indication=indication, route=route
    )
    return build(filters)


# -- flat rows: the CSV, and the check that the API says the same ---------------------------

CSV_HEADER = (
    "section",
    "instrument",
    "definition",
    "measure",
    "numerator",
    "denominator",
    "percent",
    "ci95_low",
    "ci95_high",
    "per_100_sessions",
    "benchmarks",
)


def _pct(value: Decimal | None) -> str:
    return "" if value is None else str(value)


def _cited(found: tuple[Benchmark, ...]) -> str:
    return "; ".join(f"{b.study}: {b.percent.value}% [{b.percent.source.id}]" for b in found)


def _share(section: str, measure: str, share: Proportion, *, instrument: str = "",
           definition: str = "", per_100: Decimal | None = None,
           cited: tuple[Benchmark, ...] = ()) -> tuple[str, ...]:  # fmt: skip
    return (
        section,
        instrument,
        definition,
        measure,
        str(share.successes),
        str(share.total),
        _pct(share.percent),
        _pct(share.low_percent),
        _pct(share.high_percent),
        _pct(per_100),
        _cited(cited),
    )


def flat_rows(board: Dashboard) -> list[tuple[str, ...]]:
    """Every figure of the dashboard as one row (CSV_HEADER order)."""
    c = board.counts
    rows: list[tuple[str, ...]] = [
        ("cohort", "", "", "courses", str(c.courses), "", "", "", "", "", ""),
        ("cohort", "", "", "patients_started", str(c.patients_started), "", "", "", "", "", ""),
        ("cohort", "", "", "patients_inducted", str(c.patients_inducted), "", "", "", "", "", ""),
        ("cohort", "", "", "in_induction", str(c.in_induction), "", "", "", "", "", ""),
        ("cohort", "", "", "sessions", str(c.sessions), "", "", "", "", "", ""),
        _share("cohort", "completed_induction", board.induction),
        _share("cohort", "dropout", board.dropout, cited=board.dropout_benchmarks),
    ]
    for row in board.outcomes:
        for measure, share, cited in (
            ("response", row.response, row.response_benchmarks),
            ("remission", row.remission, row.remission_benchmarks),
        ):
            rows.append(
                _share("outcome", measure, share, instrument=row.instrument_id,
                       definition=row.definition.id, cited=cited)
            )  # fmt: skip
    events = [*board.events, *([board.any_adverse_event] if board.any_adverse_event else [])]
    for event in events:
        rows.append(
            _share("adverse_events", event.category.id, event.share, per_100=event.per_100,
                   cited=event.benchmarks)
        )  # fmt: skip
    return rows
