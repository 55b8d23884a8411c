"""16 nurses dispensing from one lot at once never overdraw it: the balance row lock
(SELECT ... FOR UPDATE on PostgreSQL, BEGIN IMMEDIATE on SQLite) serialises them.

Stock 500 mg (1 vial); 16 workers x 3 attempts x 50 mg = 2400 mg of demand, so exactly
500 / 50 = 10 dispenses can succeed and 48 - 10 = 38 must be refused (hand arithmetic)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from django.db import connection

from tests.web.inventory_support import race_setup_and_run

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = {
    "posted": 10,
    "refused": 38,
    "errors": 0,
    "dispense_rows": 10,
    "verify_ok": True,
}


def _check(result: dict[str, object]) -> None:
    print(json.dumps(result))  # the measured outcome, shown with -s
    assert {k: result[k] for k in EXPECTED} == EXPECTED
    # balance = stock - successful dispenses x 50 mg = 500 - 10 x 50 = 0, never below.
    assert float(str(result["balance_mg"])) == 500 - 50 * int(str(result["posted"])) == 0
    assert float(str(result["balance_units"])) == 0
    assert float(str(result["session_mg"])) == 500


def test_sixteen_workers_never_overdraw_on_this_database(transactional_db, tmp_path):
    if connection.vendor == "sqlite":
        # The test database is in memory on SQLite; run the race against a real file (WAL,
        # immediate transactions) in a fresh process instead.
        result = _sqlite_race(tmp_path / "race.sqlite3")
    else:
        result = json.loads(race_setup_and_run())
    _check(result)


def _sqlite_race(db: Path) -> dict[str, object]:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "KCLINIC_MODE": "test",
        "DATABASE_URL": f"sqlite:///{db}",
        "DJANGO_SETTINGS_MODULE": "tests.django_settings",
        "PYTHONPATH": str(ROOT),
    }
    script = (
        "import django; django.setup()\n"
        "from django.core.management import call_command\n"
        "call_command('migrate', verbosity=0)\n"
        "from tests.web.inventory_support import race_setup_and_run\n"
        "print(race_setup_and_run())\n"
    )
    try:
        done = subprocess.run(
            [sys.executable, "-c", script],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=240,
            check=False,
        )
    finally:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])
