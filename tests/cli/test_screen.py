"""`kclinic screen` through the real console script."""

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from rich.console import Console

from kclinic.examples import PROFILES as EXAMPLE_PROFILES

PROFILES = EXAMPLE_PROFILES
ON = "2025-03-01"


def profile(name):
    return str(PROFILES / f"{name}.json")


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("clean-candidate", "eligible"),
        ("absolute-aneurysm-esketamine", "blocked"),
        ("relative-findings", "override-needed"),
        ("missing-information", "incomplete"),
        ("trd-definitions-disagree", "eligible"),
    ],
)
def test_each_example_profile_gives_its_status(kclinic, name, status):
    run = kclinic("screen", profile(name), "--on", ON, "--json")
    assert run.code == 0, run.err
    assert run.json()["status"] == status


def test_json_has_the_documented_shape(kclinic):
    run = kclinic("screen", profile("relative-findings"), "--on", ON, "--json")
    assert run.code == 0, run.err
    data = run.json()
    assert data["on"] == ON
    assert data["decision_support"].startswith("Decision support only")
    finding = data["findings"][0]
    assert set(finding) == {"rule", "class", "message", "field", "source"}
    assert (finding["rule"], finding["class"]) == ("predose-bp", "relative")
    assert finding["source"]["url"].startswith("http")
    trd = data["trd"]
    assert (trd["definition"], trd["version"], trd["met"]) == (
        "two-adequate-current-episode",
        "1",
        True,
    )
    assert trd["failed_adequate_trials"] == 3
    assert [c["trial"] for c in trd["counted"]] == ["trials[0]", "trials[1]", "trials[2]"]
    assert trd["not_counted"] == [
        {
            "trial": "trials[3]",
            "treatment": "lithium",
            "class": "mood-stabilizer",
            "reason": "class mood-stabilizer not counted",
            "undetermined": False,
        }
    ]
    # Clinical reference 2.5 test vector: 2 + 4 + 2 + 1 + 0 = 9, moderate.
    assert data["msm"]["total"] == 9
    assert data["msm"]["band"] == "moderate"
    assert data["msm"]["dimensions"] == {
        "duration": 2,
        "severity": 4,
        "antidepressants": 2,
        "augmentation": 1,
        "ect": 0,
    }


def test_msm_is_null_when_information_is_missing(kclinic):
    data = kclinic("screen", profile("missing-information"), "--on", ON, "--json").json()
    assert data["msm"] is None
    assert data["trd"]["met"] is None
    assert data["trd"]["missing"] == ["trials[1].weeks_at_dose"]


@pytest.mark.parametrize(
    ("definition", "met", "status"),
    [
        ("two-adequate-current-episode", True, "eligible"),
        ("bio-k", False, "override-needed"),
        ("three-classes-lifetime", True, "eligible"),
    ],
)
def test_trd_definition_option_changes_the_answer(kclinic, definition, met, status):
    run = kclinic(
        "screen",
        profile("trd-definitions-disagree"),
        "--on",
        ON,
        "--trd-definition",
        definition,
        "--json",
    )
    assert run.code == 0, run.err
    data = run.json()
    assert (data["trd"]["definition"], data["trd"]["met"], data["status"]) == (
        definition,
        met,
        status,
    )


def test_human_output_shows_status_findings_trd_and_msm(kclinic):
    run = kclinic("screen", profile("absolute-aneurysm-esketamine"), "--on", ON)
    assert run.code == 0, run.err
    assert run.out.startswith("status: BLOCKED (esketamine, 2025-03-01)")
    assert "Decision support only" in run.out
    assert "aneurysmal-vascular-disease" in run.out
    assert "spravato-contraindications" in run.out
    assert (
        "TRD (two-adequate-current-episode v1): met, 2 failed adequate trial(s), 2 needed"
        in run.out
    )
    # 30 months (3) + F33.1 moderate (3) + 2 failures (1) + 0 + 0 = 7, moderate.
    assert "Maudsley stage: 7 (moderate" in run.out


def test_absolute_findings_are_bold_red(monkeypatch):
    from kclinic.cli import screen as screen_cli
    from kclinic.domain.eligibility import parse_profile, screen

    recorder = Console(record=True, force_terminal=True, color_system="standard", width=200)
    monkeypatch.setattr(screen_cli, "console", recorder)
    data = json.loads(Path(profile("absolute-aneurysm-esketamine")).read_text())
    screen_cli._print_result(screen(parse_profile(data), date(2025, 3, 1)))
    ansi = recorder.export_text(styles=True)
    row = next(line for line in ansi.splitlines() if "aneurysmal-vascular-disease" in line)
    assert "\x1b[1;31m" in row  # bold red
    caution = next(line for line in ansi.splitlines() if "controlled-hypertension" in line)
    assert "\x1b[1;31m" not in caution


def test_without_on_the_screen_uses_today(kclinic):
    run = kclinic("screen", profile("clean-candidate"), "--json")
    assert run.code == 0, run.err
    now = datetime.now(UTC).astimezone()
    assert run.json()["on"] in {(now + timedelta(days=d)).date().isoformat() for d in (-1, 0, 1)}


def one_line_error(run):
    assert run.code == 2
    assert run.out == ""
    lines = run.err.strip().splitlines()
    assert len(lines) == 1, run.err
    return lines[0]


def test_a_bad_field_exits_2_naming_its_path(kclinic, tmp_path):
    data = json.loads(Path(profile("clean-candidate")).read_text())
    data["trials"][2]["weeks_at_dose"] = "six"
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    line = one_line_error(kclinic("screen", str(path), "--on", ON))
    assert line.startswith("error: trials[2].weeks_at_dose: 'six' is not allowed")
    assert "a number 0 to 520" in line


def test_an_unknown_comorbidity_lists_the_controlled_vocabulary(kclinic, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"comorbidities": ["heart trouble"]}))
    line = one_line_error(kclinic("screen", str(path), "--on", ON, "--json"))
    assert "comorbidities[0]" in line
    assert "aneurysmal-vascular-disease" in line


def test_a_missing_file_exits_2(kclinic, tmp_path):
    line = one_line_error(kclinic("screen", str(tmp_path / "none.json"), "--on", ON))
    assert "cannot read the profile" in line


def test_invalid_json_exits_2(kclinic, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"planned_treatment": ')
    assert "not valid JSON" in one_line_error(kclinic("screen", str(path), "--on", ON))


def test_a_bad_date_exits_2(kclinic):
    line = one_line_error(kclinic("screen", profile("clean-candidate"), "--on", "01/03/2025"))
    assert "--on" in line
    assert "YYYY-MM-DD" in line


def test_a_date_in_the_profile_after_the_screening_date_exits_2(kclinic):
    line = one_line_error(kclinic("screen", profile("clean-candidate"), "--on", "2023-01-01"))
    assert "date_of_birth" not in line
    assert "current_episode.start_date: '2023-12-01'" in line


def test_an_unknown_trd_definition_lists_the_names(kclinic):
    run = kclinic("screen", profile("clean-candidate"), "--on", ON, "--trd-definition", "is-trd")
    line = one_line_error(run)
    assert "bio-k" in line
    assert "three-classes-lifetime" in line
