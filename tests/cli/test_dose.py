"""`kclinic dose` through the real console script (clinical reference 1.1-1.7 vectors)."""

import pytest

DOCUMENTED_KEYS = {
    "route",
    "drug",
    "dosing_weight_kg",
    "dosing_weight_basis",
    "dosing_weight_used",
    "body",
    "mg_per_kg",
    "dose_mg",
    "minutes",
    "vial_mg_per_ml",
    "vial_ml",
    "vials_needed",
    "bag_ml",
    "dilution",
    "drug_volume_ml",
    "final_volume_ml",
    "final_mg_per_ml",
    "rate_ml_per_h",
    "rate_mg_per_min",
    "vtbi_ml",
    "applications",
    "application_mg",
    "application_volume_ml",
    "interval_min",
    "devices",
    "label",
    "first_session",
    "label_first_dose_mg",
    "warnings",
    "override_required",
    "rounding",
    "protocol_version",
}

IV_80_KG = ("dose", "--weight-kg", "80", "--mg-per-kg", "0.5", "--minutes", "40")


def one_line_error(run):
    assert run.code == 2, run.out
    assert run.out == ""
    lines = run.err.strip().splitlines()
    assert len(lines) == 1, run.err
    return lines[0]


def test_iv_json_has_the_documented_shape_and_the_reference_values(kclinic):
    run = kclinic(
        *IV_80_KG, "--vial-mg-per-ml", "10", "--bag-ml", "100", "--dilution", "replace", "--json"
    )
    assert run.code == 0, run.err
    data = run.json()
    assert set(data) == DOCUMENTED_KEYS
    # Reference 1.1: 40 mg, 1.0 mg/min, 100 mL over 40 min = 150 mL/h.
    assert (data["route"], data["drug"]) == ("iv", "ketamine")
    assert data["dose_mg"] == pytest.approx(40.00, abs=0.01)
    assert data["rate_mg_per_min"] == 1.0
    assert data["rate_ml_per_h"] == 150.0
    assert data["drug_volume_ml"] == 4.0
    assert data["final_volume_ml"] == 100.0
    assert data["final_mg_per_ml"] == 0.4
    assert data["vtbi_ml"] == 100.0
    assert (data["dosing_weight_kg"], data["dosing_weight_basis"]) == (80.0, "actual")
    assert (data["warnings"], data["override_required"]) == ([], False)
    assert data["rounding"]["method"] == "ROUND_HALF_UP"
    assert data["rounding"]["rate_ml_per_h"] == 0.1
    assert data["protocol_version"]


@pytest.mark.parametrize(
    ("basis", "dose", "used"),
    [("actual", 60.0, "actual"), ("ideal", 36.59, "ideal"), ("adjusted", 45.95, "adjusted")],
)
def test_obese_man_reference_doses_and_basis(kclinic, basis, dose, used):
    run = kclinic(
        "dose",
        "--weight-kg",
        "120",
        "--height-cm",
        "178",
        "--sex",
        "male",
        "--mg-per-kg",
        "0.5",
        "--minutes",
        "40",
        "--basis",
        basis,
        "--json",
    )
    assert run.code == 0, run.err
    data = run.json()
    assert data["dose_mg"] == pytest.approx(dose, abs=0.01)
    assert (data["dosing_weight_basis"], data["dosing_weight_used"]) == (basis, used)
    assert data["body"]["bmi_kg_per_m2"] == 37.87
    assert data["body"]["ideal_body_weight_kg"] == 73.18
    assert data["body"]["adjusted_body_weight_kg"] == 91.91
    # 120 kg is outside the 45-115 kg studied range: a soft limit.
    warning = next(w for w in data["warnings"] if w["code"] == "weight-outside-studied-range")
    assert {"code", "message", "limit", "source", "override_required"} <= set(warning)
    assert warning["limit"] == "45 to 115 kg"
    assert warning["source"]["id"] == "nct05803551"
    assert data["override_required"] is True


def test_human_output_is_a_table_with_warnings(kclinic):
    run = kclinic(*IV_80_KG[:-1], "20", "--vial-mg-per-ml", "10", "--bag-ml", "100")
    assert run.code == 0, run.err
    assert "40.00" in run.out
    # 104 mL x 60 / 20 min = 312.0 mL/h.
    assert "312.0" in run.out
    assert "OVERRIDE NEEDED minutes-outside-usual" in run.out
    assert "dosing weight basis: actual" in run.out


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--mg-per-kg", "1.2"), ("mg_per_kg", "1.2", "1.0 mg/kg")),
        (("--minutes", "120"), ("minutes", "120", "2 to 100 min")),
        (("--weight-kg", "240"), ("dose_mg", "120.00", "115 mg")),
    ],
)
def test_hard_limit_breach_exits_2_naming_field_value_and_limit(kclinic, args, expected):
    base = {"--weight-kg": "80", "--mg-per-kg": "0.5", "--minutes": "40"}
    base.update(dict(zip(args[::2], args[1::2], strict=True)))
    flat = [item for pair in base.items() for item in pair]
    line = one_line_error(kclinic("dose", *flat, "--json"))
    field, value, limit = expected
    assert line.startswith(f"error: {field}: {value}")
    assert limit in line
    assert "hard limit" in line


def test_missing_height_for_ideal_basis_names_the_field(kclinic):
    line = one_line_error(kclinic(*IV_80_KG, "--sex", "male", "--basis", "ideal"))
    assert "height_cm" in line


def test_missing_sex_for_adjusted_basis_names_the_field(kclinic):
    line = one_line_error(kclinic(*IV_80_KG, "--height-cm", "170", "--basis", "adjusted"))
    assert "sex" in line


@pytest.mark.parametrize("flag", ["--weight-kg", "--mg-per-kg", "--minutes"])
def test_iv_needs_weight_dose_and_minutes(kclinic, flag):
    args = dict(zip(IV_80_KG[1::2], IV_80_KG[2::2], strict=True))
    del args[flag]
    flat = [item for pair in args.items() for item in pair]
    line = one_line_error(kclinic("dose", *flat))
    assert f"{flag}: required" in line


def test_implausible_weight_is_refused(kclinic):
    line = one_line_error(
        kclinic("dose", "--weight-kg", "800", "--mg-per-kg", "0.5", "--minutes", "40")
    )
    assert "weight_kg: '800'" in line
    assert "25 to 350 kg" in line


def test_im_json(kclinic):
    run = kclinic(
        "dose",
        "--route",
        "im",
        "--weight-kg",
        "80",
        "--mg-per-kg",
        "0.25",
        "--vial-mg-per-ml",
        "50",
        "--json",
    )
    assert run.code == 0, run.err
    data = run.json()
    # 0.25 x 80 = 20 mg; 20 / 50 = 0.4 mL.
    assert (data["route"], data["dose_mg"], data["drug_volume_ml"]) == ("im", 20.0, 0.4)
    assert data["rate_ml_per_h"] is None


def test_im_refuses_an_infusion_duration(kclinic):
    line = one_line_error(
        kclinic(
            "dose", "--route", "im", "--weight-kg", "80", "--mg-per-kg", "0.5", "--minutes", "40"
        )
    )
    assert "--minutes: does not apply" in line


def test_intranasal_json(kclinic):
    run = kclinic("dose", "--route", "in", "--dose-mg", "50", "--json")
    assert run.code == 0, run.err
    data = run.json()
    # Lapidus 2014: 5 x 10 mg at 100 mg/mL, 5 min apart.
    assert (data["applications"], data["application_volume_ml"]) == (5, 0.1)
    assert (data["drug_volume_ml"], data["interval_min"]) == (0.5, 5)
    assert data["dosing_weight_kg"] is None


def test_intranasal_needs_a_dose(kclinic):
    line = one_line_error(kclinic("dose", "--route", "in"))
    assert "--dose-mg: required" in line


def test_esketamine_first_session_under_the_hk_label(kclinic):
    run = kclinic(
        "dose",
        "--drug",
        "esketamine",
        "--dose-mg",
        "56",
        "--first-session",
        "--age",
        "70",
        "--label",
        "hk",
        "--json",
    )
    assert run.code == 0, run.err
    data = run.json()
    assert (data["route"], data["drug"], data["devices"]) == ("in", "esketamine", 2)
    assert (data["label"], data["label_first_dose_mg"]) == ("hk", 28)
    assert [w["code"] for w in data["warnings"]] == ["esketamine-first-dose-differs-from-label"]
    assert data["override_required"] is True


@pytest.mark.parametrize(("dose", "fragment"), [("112", "hard limit"), ("42", "28-mg devices")])
def test_esketamine_refuses_doses_that_are_not_28_56_or_84(kclinic, dose, fragment):
    line = one_line_error(kclinic("dose", "--drug", "esketamine", "--dose-mg", dose))
    # Validation errors quote the text typed ('42'); limit errors show the number checked.
    assert line.replace("'", "").startswith(f"error: dose_mg: {dose}")
    assert fragment in line


def test_esketamine_is_nasal_only(kclinic):
    line = one_line_error(
        kclinic("dose", "--drug", "esketamine", "--route", "iv", "--dose-mg", "56")
    )
    assert "--route" in line


def test_esketamine_hk_label_needs_the_age(kclinic):
    line = one_line_error(
        kclinic(
            "dose", "--drug", "esketamine", "--dose-mg", "28", "--first-session", "--label", "hk"
        )
    )
    assert "age_years" in line
