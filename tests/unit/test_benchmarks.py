"""Published benchmarks: the figures of clinical reference section 6, cited and consistent
with the outcome definitions they are shown against."""

from __future__ import annotations

from decimal import Decimal

from kclinic.domain import benchmarks
from kclinic.domain.outcome_stats import AE_CATEGORIES
from kclinic.domain.outcomes import DEFINITIONS


def test_elekt_d_ketamine_against_ect():
    elekt_d = benchmarks.BENCHMARKS["elekt-d-qids-response"]
    assert elekt_d.percent.value == Decimal("55.4")
    assert elekt_d.comparator_percent == Decimal("41.2")
    assert elekt_d.n == 195
    assert elekt_d.instrument_id == "qids-sr16"
    assert "NEJMoa2302399" in elekt_d.percent.source.citation


def test_real_world_phq9_figures():
    response = benchmarks.benchmarks_for("response", definition_id="phq9-mcinnes-2022")
    assert [(b.study, b.percent.value) for b in response] == [
        ("McInnes 2022 (Osmind)", Decimal("53.6")),
        ("Oliver 2022", Decimal(50)),
    ]
    remission = benchmarks.benchmarks_for("remission", instrument_id="phq9")
    assert {b.percent.value for b in remission} == {Decimal("28.9"), Decimal(20)}


def test_every_benchmark_is_cited_and_in_range():
    ids = [b.id for b in benchmarks.all_benchmarks()]
    assert len(ids) == len(set(ids))
    for b in benchmarks.all_benchmarks():
        assert b.percent.source.citation
        assert Decimal(0) < b.percent.value <= Decimal(100)
        if b.comparator_percent is not None:
            assert b.comparator
            assert Decimal(0) < b.comparator_percent <= Decimal(100)


def test_definitions_named_by_benchmarks_read_the_same_instrument():
    for b in benchmarks.all_benchmarks():
        if b.definition_id is None:
            continue
        definition = DEFINITIONS[b.definition_id]
        assert definition.instrument_id == b.instrument_id, b.id
        if b.measure == "response":
            assert definition.response.min_reduction_percent == 50
            # Keith counts a final PHQ-9 under 10 as a response too; so must its definition.
            keith = "final PHQ-9 < 10" in b.definition
            assert (definition.response.or_followup_below == 10) == keith, b.id


def test_adverse_event_benchmarks_name_known_categories():
    known = {c.id for c in AE_CATEGORIES}
    events = benchmarks.benchmarks_for("adverse_event")
    assert {b.category for b in events} == known
    for b in events:
        assert "not per 100 sessions" in b.note


def test_filters_combine():
    assert benchmarks.benchmarks_for(
        "remission", instrument_id="madrs", definition_id="madrs-bio-k"
    )
    assert not benchmarks.benchmarks_for("response", instrument_id="gad7")
    assert benchmarks.benchmarks_for("adverse_event", category="nausea")[0].percent.value == 28


def test_treatment_options_cover_the_alternatives_with_sources():
    options = {o.id: o for o in benchmarks.TREATMENT_OPTIONS}
    assert list(options) == ["iv-ketamine", "esketamine", "ect", "antidepressants"]
    for option in options.values():
        assert option.figures
        for figure in option.figures + option.burdens:
            assert figure.text.endswith(".")
            assert figure.source.citation
    ect_text = " ".join(f.text for f in options["ect"].figures)
    assert "41.2%" in ect_text
    assert "69.3%" in " ".join(f.text for f in options["esketamine"].figures)
