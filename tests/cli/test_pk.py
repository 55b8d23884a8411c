"""`kclinic pk` through the installed console script."""

from __future__ import annotations

import csv
import io


def test_models_json_lists_sources_and_flags(kclinic):
    run = kclinic("pk", "models", "--json")
    assert run.code == 0, run.err
    models = {m["id"]: m for m in run.json()}
    assert set(models) == {"herd-2007", "domino", "clements-250"}
    assert models["herd-2007"]["default"] is True
    assert models["herd-2007"]["verification"] == "verified"
    assert models["domino"]["verification"] == "transcribed"
    assert models["domino"]["parameters"][0] == {
        "symbol": "V1",
        "value": "0.063",
        "unit": "L/kg",
        "scaling": "per_kg",
        "exponent": "1",
        "iiv_percent": None,
        "source": "domino-pmid-7198883",
    }


def test_models_table(kclinic):
    run = kclinic("pk", "models")
    assert run.code == 0
    assert "herd-2007" in run.out


def test_simulate_json_for_the_depression_regimen(kclinic):
    run = kclinic(
        "pk",
        "simulate",
        "--model",
        "domino",
        "--weight-kg",
        "70",
        "--dose-mg-per-kg",
        "0.5",
        "--minutes",
        "40",
        "--times",
        "10,40,80",
        "--threshold-ng-per-ml",
        "100",
        "--json",
    )
    assert run.code == 0, run.err
    data = run.json()
    assert data["regimen"]["dose_mg"] == 35
    assert data["times_min"] == [10, 40, 80]
    # shared/pk-reference.md 2.2: Domino 182 / 240 / 46 ng/mL at 10 / 40 / 80 min.
    assert [round(v) for v in data["plasma_ng_per_ml"]] == [182, 240, 46]
    assert data["summary"]["tmax_min"] == 40
    assert abs(data["mass_balance"]["relative_error"]) < 1e-9
    assert set(data["amounts_mg"]) == {"central", "peripheral_1", "peripheral_2"}
    assert "not verified" in data["warnings"][0]
    assert data["effect_site"].startswith("none published")


def test_simulate_csv_default_grid(kclinic):
    run = kclinic(
        "pk",
        "simulate",
        "--model",
        "herd-2007",
        "--weight-kg",
        "70",
        "--age",
        "40",
        "--dose-mg-per-kg",
        "0.5",
        "--minutes",
        "40",
        "--csv",
    )
    assert run.code == 0, run.err
    rows = list(csv.reader(io.StringIO(run.out)))
    assert rows[0] == ["time_min", "plasma_ng_per_ml"]
    assert len(rows) == 1 + 241  # every 60 s from 0 to 40 + 200 min
    assert rows[41][0] == "40.000"
    assert round(float(rows[41][1])) == 253
    assert "outside the studied range" in run.err


def test_population_json_is_reproducible(kclinic):
    args = (
        "pk",
        "simulate",
        "--model",
        "herd-2007",
        "--weight-kg",
        "70",
        "--dose-mg-per-kg",
        "0.5",
        "--minutes",
        "40",
        "--step-s",
        "600",
        "--until-min",
        "120",
        "--population",
        "500",
        "--seed",
        "11",
        "--json",
    )
    first, second = kclinic(*args), kclinic(*args)
    assert first.code == 0, first.err
    assert first.out == second.out
    data = first.json()
    assert data["population"] == {"patients": 500, "seed": 11, "iiv_convention": "sqrt-omega"}
    curves = data["plasma_ng_per_ml"]
    assert len(curves["p50"]) == 13
    assert curves["p05"][4] < curves["p50"][4] < curves["p95"][4]
    assert set(data["summary"]["cmax_ng_per_ml"]) == {"p05", "p50", "p95", "mean"}


def test_bad_input_exits_2_with_one_line(kclinic):
    cases = [
        (("--model", "kamp-2020"), "model"),
        (("--model", "domino", "--weight-kg", "0"), "weight_kg"),
        (("--model", "domino", "--population", "10", "--seed", "1"), "variability"),
        (("--model", "herd-2007", "--population", "10"), "--seed"),
    ]
    for extra, field in cases:
        base = ["pk", "simulate", "--weight-kg", "70", "--dose-mg-per-kg", "0.5", "--minutes", "40"]
        run = kclinic(*base, *extra)
        assert run.code == 2, (extra, run.err)
        assert field in run.err
        assert len(run.err.strip().splitlines()) == 1
