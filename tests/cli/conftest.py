"""CLI tests run the installed console script in a real subprocess, as a user would."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(sys.executable).with_name("kclinic")


class Run:
    def __init__(self, completed: subprocess.CompletedProcess[str]) -> None:
        self.code = completed.returncode
        self.out = completed.stdout
        self.err = completed.stderr

    def json(self) -> object:
        return json.loads(self.out)


@pytest.fixture
def kclinic():
    if not SCRIPT.exists():
        pytest.fail(f"console script not installed at {SCRIPT}; run `make test`")

    def run(*args: str, stdin: str | None = None) -> Run:
        completed = subprocess.run(
            [str(SCRIPT), *args],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            env={"COLUMNS": "200", "PATH": "/usr/bin:/bin", "NO_COLOR": "1"},
        )
        return Run(completed)

    return run
