"""Settings for the test run: the real settings in test mode, with a fast password hasher
(argon2 is checked in tests/web/test_settings.py). DATABASE_URL picks PostgreSQL when set."""

import os

os.environ.setdefault("KCLINIC_MODE", "test")

from kclinic.web.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AXES_ENABLED = True
