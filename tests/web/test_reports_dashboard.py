"""The clinic dashboard against a small hand-built clinic: every count below is worked out
from the rows the fixture creates, not read back from the code."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from kclinic.domain.errors import ValidationError
from kclinic.domain.outcome_stats import wilson_interval
from kclinic.web.reports import dashboard as board
from tests.web.test_reports_support import JAN6, build_small_clinic


@pytest.fixture
def small_clinic(clinic):
    return build_small_clinic(clinic)


def _row(found, definition_id):
    return next(r for r in found.outcomes if r.definition.id == definition_id)


def test_cohort_counts(small_clinic):
    found = board.dashboard(small_clinic.prescriber)
    c = found.counts
    assert c.courses == 7
    assert (c.courses_started, c.patients_started) == (6, 6)
    assert (c.courses_inducted, c.patients_inducted) == (4, 4)
    assert (c.in_induction, c.dropped_out) == (1, 1)
    assert c.sessions == 6 + 6 + 6 + 3 + 2 + 6
    assert (found.dropout.successes, found.dropout.total) == (1, 6)
    assert (found.induction.successes, found.induction.total) == (4, 6)


def test_response_and_remission_by_instrument_and_definition(small_clinic):
    found = board.dashboard(small_clinic.prescriber)
    mcinnes = _row(found, "phq9-mcinnes-2022")
    assert (mcinnes.pairs, mcinnes.missing_outcome) == (3, 1)
    assert (mcinnes.response.successes, mcinnes.response.total) == (2, 3)
    assert (mcinnes.remission.successes, mcinnes.remission.total) == (1, 3)
    assert mcinnes.response.percent == Decimal("66.7")
    low, high = wilson_interval(2, 3)
    assert (mcinnes.response.low, mcinnes.response.high) == (low, high)
    keith = _row(found, "phq9-keith")
    assert keith.response.successes == 3
    qids = _row(found, "qids-sr16-star-d")
    assert (qids.pairs, qids.response.successes, qids.remission.successes) == (1, 1, 1)
    assert {r.instrument_id for r in found.outcomes} == {"phq9", "qids-sr16"}


def test_benchmarks_sit_next_to_the_definition_they_read(small_clinic):
    found = board.dashboard(small_clinic.prescriber)
    mcinnes = _row(found, "phq9-mcinnes-2022")
    assert [b.percent.value for b in mcinnes.response_benchmarks] == [Decimal("53.6"), 50]
    qids = _row(found, "qids-sr16-star-d")
    assert qids.response_benchmarks[0].comparator_percent == Decimal("41.2")
    assert found.dropout_benchmarks[0].percent.value == Decimal("11.3")


def test_adverse_events_per_100_sessions(small_clinic):
    found = board.dashboard(small_clinic.prescriber)
    events = {row.category.id: row for row in found.events}
    assert {k: v.sessions_with for k, v in events.items()} == {
        "hypertension": 1,
        "dissociation": 2,
        "nausea": 2,
    }
    assert events["dissociation"].sessions == 29
    assert events["dissociation"].per_100 == Decimal("6.9")  # 2 / 29 x 100
    assert events["hypertension"].per_100 == Decimal("3.4")
    assert found.any_adverse_event.sessions_with == 1


def test_filters_route_indication_and_dates(small_clinic):
    user = small_clinic.prescriber
    esketamine = board.dashboard(user, route="esketamine")
    assert (esketamine.counts.courses, esketamine.counts.courses_inducted) == (1, 1)
    assert _row(esketamine, "phq9-keith").response.successes == 1
    assert _row(esketamine, "phq9-mcinnes-2022").response.successes == 0
    f32 = board.dashboard(user, indication="f32")
    assert f32.counts.courses == 1
    assert _row(f32, "phq9-mcinnes-2022").remission.successes == 1
    january = board.dashboard(user, date_from=JAN6, date_to=dt.date(2025, 1, 31))
    assert january.counts.courses == 5  # C0 (March) and C5 (February) left out
    assert board.dashboard(user, date_from=dt.date(2026, 1, 1)).counts.courses == 0


def test_site_filter_and_visibility(small_clinic):
    clinic = small_clinic
    mine = board.dashboard(clinic.prescriber, site=clinic.site_a.public_id)
    assert mine.counts.courses == 7
    with pytest.raises(ValidationError) as refused:
        board.dashboard(clinic.prescriber, site=clinic.site_b.public_id)
    assert refused.value.field == "site"
    # The compliance officer of site A sees the same; a two-site user sees both sites.
    assert board.dashboard(clinic.compliance).counts.courses == 7
    clinic.compliance.sites.add(clinic.site_b)
    clinic.compliance.refresh_from_db()
    both = board.dashboard(clinic.compliance)
    assert both.counts.courses == 8
    assert _row(both, "phq9-mcinnes-2022").remission.successes == 2


@pytest.mark.parametrize(
    ("field", "filters"),
    [
        ("date_to", {"date_from": dt.date(2025, 2, 1), "date_to": dt.date(2025, 1, 1)}),
        ("indication", {"indication": "F33%"}),
        ("route", {"route": "oral"}),
    ],
)
def test_bad_filters_name_the_field(clinic, field, filters):
    with pytest.raises(ValidationError) as refused:
        board.dashboard(clinic.prescriber, **filters)
    assert refused.value.field == field


def test_roles_without_the_dashboard_are_refused(clinic):
    from django.core.exceptions import PermissionDenied

    for user in (clinic.nurse, clinic.front_desk, clinic.auditor, clinic.admin):
        with pytest.raises(PermissionDenied):
            board.dashboard(user)


def test_empty_clinic_has_no_rates(clinic):
    found = board.dashboard(clinic.prescriber)
    assert found.counts.courses == 0
    assert found.outcomes == ()
    assert found.dropout.percent is None
    assert all(row.per_100 is None for row in found.events)
