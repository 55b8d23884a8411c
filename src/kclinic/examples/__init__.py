"""Example inputs shipped with kclinic (eligibility profiles) for the demo, docs and tests."""

from importlib.resources import files
from pathlib import Path

PROFILES = Path(str(files(__name__) / "profiles"))
