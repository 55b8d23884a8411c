"""Golden cases for the C-SSRS screener, MOAA/S and the modified Aldrete score.

The files tests/data/instruments/{cssrs-screener,moaas,aldrete}.json hold the worked examples
of clinical reference 5.6, 5.10 and 5.11, typed from the reference (and, for the Aldrete
variant table, by hand), never produced by running the scoring code. They share the shape of
the other golden files (answers, total, complete, band, bands per named table, flags) and add
"error" cases (input the scale must refuse) and, for Aldrete, "circulation" cases.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kclinic.domain import errors
from kclinic.domain.instruments.aldrete import ALDRETE, circulation_score
from kclinic.domain.instruments.base import Instrument
from kclinic.domain.instruments.cssrs_screener import CSSRS_SCREENER
from kclinic.domain.instruments.moaas import MOAAS

DATA = Path(__file__).resolve().parents[2] / "data" / "instruments"
INSTRUMENTS: dict[str, Instrument] = {i.id: i for i in (CSSRS_SCREENER, MOAAS, ALDRETE)}


def _load(instrument_id: str) -> dict[str, object]:
    golden = json.loads((DATA / f"{instrument_id}.json").read_text(encoding="utf-8"))
    assert golden["instrument"] == instrument_id
    return golden


def _cases(kind: str) -> list[object]:
    params = []
    for instrument_id in INSTRUMENTS:
        for case in _load(instrument_id)["cases"]:
            if ("error" in case) is (kind == "error"):
                name = f"{instrument_id}: {case['name']}"
                params.append(pytest.param(instrument_id, case, id=name))
    return params


SCORED = _cases("scored")
REFUSED = _cases("error")
CIRCULATION = [pytest.param(case, id=case["name"]) for case in _load("aldrete")["circulation"]]


def test_every_instrument_has_golden_cases_and_the_invalid_cssrs_vector_is_there():
    assert {param.values[0] for param in SCORED} == set(INSTRUMENTS)
    assert [param.values[0] for param in REFUSED] == ["cssrs-screener"]
    assert len(CIRCULATION) == 2


@pytest.mark.parametrize(("instrument_id", "case"), SCORED)
def test_golden_case_with_the_default_band_table(instrument_id, case):
    result = INSTRUMENTS[instrument_id].score(case["answers"], options=case.get("options"))
    assert result.total == case["total"]
    assert result.complete is case["complete"]
    assert result.band == case["band"]
    assert list(result.flags) == case["flags"]
    for name, value in case.get("result_options", {}).items():
        assert result.options[name] == value


@pytest.mark.parametrize(("instrument_id", "case"), SCORED)
def test_golden_case_under_every_named_band_table(instrument_id, case):
    instrument = INSTRUMENTS[instrument_id]
    assert set(case["bands"]) == {table.name for table in instrument.band_tables}
    for table_name, band in case["bands"].items():
        result = instrument.score(case["answers"], band_table=table_name)
        assert (result.band, result.band_table) == (band, table_name)
        assert result.total == case["total"]


@pytest.mark.parametrize(("instrument_id", "case"), REFUSED)
def test_golden_input_that_must_be_refused(instrument_id, case):
    error_type = getattr(errors, case["error"]["type"])
    with pytest.raises(error_type) as raised:
        INSTRUMENTS[instrument_id].score(case["answers"])
    for fragment in case["error"]["message_contains"]:
        assert fragment in str(raised.value)


@pytest.mark.parametrize("case", CIRCULATION)
def test_golden_aldrete_circulation_rule(case):
    points = circulation_score(
        case["baseline_systolic_mmhg"], case["current_systolic_mmhg"], case["rule"]
    )
    assert points == case["expected"]
