"""The demo clinic: loads through the real services, idempotently, with a sound audit trail."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from kclinic.web.accounts.models import Role, User
from kclinic.web.assessments.models import Assessment
from kclinic.web.audit.services import verify
from kclinic.web.courses.models import PlannedSession
from kclinic.web.demo.loader import load
from kclinic.web.patients.models import Patient
from kclinic.web.screenings.models import EligibilityScreening


def test_loads_staff_of_every_role_and_patients_with_histories(db):
    report = load(patients_count=10, parts=())
    assert report.loaded
    assert report.parts == ()
    assert {user.role for user in User.objects.all()} == set(Role.values)
    assert Patient.objects.count() == 10
    assert EligibilityScreening.objects.count() == 10
    assert Assessment.objects.filter(context="baseline").count() == 10
    assert PlannedSession.objects.filter(status="completed").exists()
    for patient in Patient.objects.all():
        assert patient.measurements.exists()
    checked, broken = verify()
    assert broken is None
    assert checked > 100


def test_a_second_load_changes_nothing(db):
    load(patients_count=3, parts=())
    before = (Patient.objects.count(), Assessment.objects.count())
    again = load(patients_count=3, parts=())
    assert not again.loaded
    assert (Patient.objects.count(), Assessment.objects.count()) == before


def test_kclinic_demo_command_loads_into_a_fresh_directory(tmp_path: Path):
    # The command as a user runs it: no DATABASE_URL, so the SQLite file under ./var/.
    env = {"PATH": "/usr/bin:/bin", "KCLINIC_HOME": str(tmp_path), "HOME": str(tmp_path)}
    kclinic = str(Path(sys.executable).with_name("kclinic"))
    run = subprocess.run(
        [kclinic, "demo", "--no-serve", "--patients", "4"],
        env=env,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    assert "demo clinic loaded: 4 patients" in run.stdout
    # One line per part with the seconds it took (the ledger's year of history is loaded
    # whatever the number of patients).
    for part in ("patients", "ledger"):
        assert re.search(rf"^  {part} +\d+\.\d s", run.stdout, re.MULTILINE), run.stdout
    assert "ketamine-demo" in run.stdout
    assert (tmp_path / "var" / "kclinic.sqlite3").exists()
    again = subprocess.run(
        [kclinic, "demo", "--no-serve", "--patients", "4"],
        env=env,
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=300,
    )
    assert "already loaded" in again.stdout
