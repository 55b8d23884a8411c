"""`kclinic score` and `kclinic instruments` through the real console script."""

import json


def test_score_json_matches_the_documented_shape(kclinic):
    run = kclinic("score", "phq9", "--answers", "[2,3,1,2,0,1,2,1,1]", "--json")
    assert run.code == 0, run.err
    data = run.json()
    assert {"instrument", "total", "band", "complete", "flags", "subscales"} <= set(data)
    assert (data["total"], data["band"], data["flags"]) == (13, "moderate", ["suicidal_ideation"])


def test_score_accepts_answers_keyed_by_item_id_on_stdin(kclinic):
    answers = json.dumps({str(i): 0 for i in range(1, 10)})
    run = kclinic("score", "phq9", "--answers", "-", "--json", stdin=answers)
    assert run.code == 0, run.err
    assert run.json()["total"] == 0


def test_human_output_shows_the_safety_flag(kclinic):
    run = kclinic("score", "phq9", "--answers", "[0,0,0,0,0,0,0,0,1]")
    assert run.code == 0, run.err
    assert "SAFETY FLAG: suicidal_ideation" in run.out


def test_bad_input_exits_2_with_one_line_naming_the_field(kclinic):
    run = kclinic("score", "phq9", "--answers", "[9,0,0,0,0,0,0,0,0]", "--json")
    assert run.code == 2
    assert run.out == ""
    lines = run.err.strip().splitlines()
    assert len(lines) == 1
    assert "phq9 item 1" in lines[0]
    assert "0 to 3" in lines[0]


def test_unknown_instrument_lists_the_known_ids(kclinic):
    run = kclinic("score", "phq-9", "--answers", "[]")
    assert run.code == 2
    assert "phq9" in run.err


def test_malformed_json_is_reported(kclinic):
    run = kclinic("score", "phq9", "--answers", "[1,2,")
    assert run.code == 2
    assert "--answers: not valid JSON" in run.err


def test_instruments_json_lists_ids_with_their_sources(kclinic):
    run = kclinic("instruments", "--json")
    assert run.code == 0, run.err
    listing = {entry["id"]: entry for entry in run.json()}
    assert "phq9" in listing
    assert listing["phq9"]["sources"][0]["citation"].startswith("Kroenke")
