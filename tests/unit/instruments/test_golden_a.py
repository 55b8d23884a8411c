"""Golden cases for GAD-7, QIDS-SR16, MADRS, HAM-D-17, CADSS, BPRS+ and PCL-5.

The files in tests/data/instruments/ hold the worked examples of clinical reference section 5
and hand-computed band edges. Their expected values were typed from the reference and by hand
arithmetic, never produced by running the scoring code. Each case gives the answers, the
options (if any), the total, completeness, the band under the default table and under every
named table, flags, subscales and criteria.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kclinic.domain.instruments.base import Instrument
from kclinic.domain.instruments.bprs_positive import BPRS_POSITIVE
from kclinic.domain.instruments.cadss import CADSS
from kclinic.domain.instruments.gad7 import GAD7
from kclinic.domain.instruments.hamd17 import HAMD17
from kclinic.domain.instruments.madrs import MADRS
from kclinic.domain.instruments.pcl5 import PCL5
from kclinic.domain.instruments.qids_sr16 import QIDS_SR16

DATA = Path(__file__).resolve().parents[2] / "data" / "instruments"
INSTRUMENTS: dict[str, Instrument] = {
    instrument.id: instrument
    for instrument in (GAD7, QIDS_SR16, MADRS, HAMD17, CADSS, BPRS_POSITIVE, PCL5)
}


def _cases() -> list[object]:
    params = []
    for instrument_id in INSTRUMENTS:
        golden = json.loads((DATA / f"{instrument_id}.json").read_text(encoding="utf-8"))
        assert golden["instrument"] == instrument_id
        for case in golden["cases"]:
            params.append(pytest.param(instrument_id, case, id=f"{instrument_id}: {case['name']}"))
    return params


CASES = _cases()


def test_every_instrument_has_a_golden_file_with_cases():
    seen = {param.values[0] for param in CASES}
    assert seen == set(INSTRUMENTS)


@pytest.mark.parametrize(("instrument_id", "case"), CASES)
def test_golden_case_with_the_default_band_table(instrument_id, case):
    instrument = INSTRUMENTS[instrument_id]
    result = instrument.score(case["answers"], options=case.get("options"))
    assert result.total == case["total"]
    assert result.complete is case["complete"]
    assert result.band == case["band"]
    assert list(result.flags) == case["flags"]
    assert dict(result.subscales) == case["subscales"]
    assert dict(result.criteria) == case["criteria"]
    for name, value in case.get("result_options", {}).items():
        assert result.options[name] == value


@pytest.mark.parametrize(("instrument_id", "case"), CASES)
def test_golden_case_under_every_named_band_table(instrument_id, case):
    instrument = INSTRUMENTS[instrument_id]
    assert set(case["bands"]) == {table.name for table in instrument.band_tables}
    for table_name, band in case["bands"].items():
        result = instrument.score(
            case["answers"], band_table=table_name, options=case.get("options")
        )
        assert result.band == band, table_name
        assert result.total == case["total"]
