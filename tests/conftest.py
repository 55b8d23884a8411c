"""Test-wide settings.

Hypothesis never fails a test on wall-clock time (deadline=None: speed is measured in
`make bench`, not in tests). Under CI it runs derandomised, so a red run can be replayed.
"""

import os

from hypothesis import settings

settings.register_profile("dev", deadline=None, max_examples=100)
settings.register_profile("ci", deadline=None, max_examples=200, derandomize=True)
settings.load_profile("ci" if os.environ.get("CI") else "dev")
