"""Sign-in: argon2, lockout, idle logout, second factor; settings are secure by default."""

from __future__ import annotations

import os
import subprocess
import sys

from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from kclinic.web.audit.models import AuditEvent
from tests.web.factories import PASSWORD


def test_sign_in_and_out_are_audited(clinic):
    client = Client()
    response = client.post("/accounts/login/", {"username": "nurse_kim", "password": PASSWORD})
    assert response.status_code == 302
    client.post("/accounts/logout/")
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["sign_in", "sign_out"]


def test_repeated_failures_lock_the_account(clinic, settings):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/accounts/login/", {"username": "nurse_kim", "password": "wrong"})
    locked = client.post("/accounts/login/", {"username": "nurse_kim", "password": PASSWORD})
    assert locked.status_code == 429
    assert "temporarily locked" in locked.content.decode()
    assert AuditEvent.objects.filter(action="sign_in_failed").count() >= settings.AXES_FAILURE_LIMIT


def test_idle_session_is_signed_out_by_the_server(clinic, login, settings):
    client = login(clinic.nurse)
    assert client.get("/patients/").status_code == 200
    session = client.session
    session["kclinic_last_seen"] -= settings.KCLINIC_IDLE_TIMEOUT_MINUTES * 60 + 1
    session.save()
    response = client.get("/patients/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert client.get("/patients/").status_code == 302


def test_site_requiring_a_second_factor_asks_for_totp(clinic):
    clinic.site_a.require_second_factor = True
    clinic.site_a.save()
    client = Client()
    client.post("/accounts/login/", {"username": "nurse_kim", "password": PASSWORD})
    first = client.get("/patients/")
    assert first.status_code == 302
    assert "/accounts/verify/" in first["Location"]
    # No device yet: set one up and confirm it with a real TOTP code.
    assert client.get("/accounts/verify/")["Location"].endswith("/accounts/totp/")
    client.get("/accounts/totp/")
    device = TOTPDevice.objects.get(user=clinic.nurse)
    bad = client.post("/accounts/totp/", {"token": "000000"})
    assert "not valid" in bad.content.decode()
    device.refresh_from_db()
    device.throttle_reset()  # django-otp slows retries after a wrong code; skip the wait
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    client.post("/accounts/totp/", {"token": f"{code:06d}"})
    assert client.get("/patients/").status_code == 200


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KCLINIC_", "DJANGO_"))}
    env["DJANGO_SETTINGS_MODULE"] = "kclinic.web.settings"
    run = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert run.returncode != 0
    assert "KCLINIC_SECRET_KEY is required" in run.stderr


def test_production_settings_use_argon2_and_secure_cookies():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KCLINIC_", "DJANGO_"))}
    env.update({"KCLINIC_SECRET_KEY": "x" * 50, "DJANGO_SETTINGS_MODULE": "kclinic.web.settings"})
    code = (
        "from django.conf import settings as s; import django; django.setup();"
        "print(s.PASSWORD_HASHERS[0], s.DEBUG, s.SESSION_COOKIE_SECURE,"
        " s.KCLINIC_IDLE_TIMEOUT_MINUTES)"
    )
    run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert run.stdout.split() == [
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "False",
        "True",
        "15",
    ], run.stderr


def test_bad_environment_value_names_the_variable_and_range():
    env = {
        **os.environ,
        "KCLINIC_IDLE_TIMEOUT_MINUTES": "0",
        "KCLINIC_MODE": "dev",
        "DJANGO_SETTINGS_MODULE": "kclinic.web.settings",
    }
    run = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert "KCLINIC_IDLE_TIMEOUT_MINUTES=0; allowed: 1-1440" in run.stderr
