"""Commands that run the clinic application. Django is imported inside each command so the
pure commands (score, dose, screen, pk) never load it."""

from __future__ import annotations

import os
import shutil
import sys

import click

from kclinic.cli.output import fail


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kclinic.web.settings")
    import django

    django.setup()


def ensure_var_dir() -> None:
    # The default SQLite file lives under ./var/ (see docs/configuration.md).
    if "DATABASE_URL" not in os.environ:
        os.makedirs(os.path.join(os.environ.get("KCLINIC_HOME", os.getcwd()), "var"), exist_ok=True)


@click.command("migrate")
def migrate_command() -> None:
    """Create or upgrade the database schema."""
    ensure_var_dir()
    setup_django()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=1)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", default=2, show_default=True, type=click.IntRange(1, 64))
def serve_command(host: str, port: int, workers: int) -> None:
    """Serve the application with gunicorn (static files by whitenoise)."""
    ensure_var_dir()
    setup_django()
    from django.conf import settings
    from django.core.management import call_command

    if settings.MODE == "production":
        call_command("collectstatic", interactive=False, verbosity=0)
    gunicorn = shutil.which("gunicorn", path=os.path.dirname(sys.executable)) or "gunicorn"
    args = [
        gunicorn,
        "kclinic.web.wsgi:application",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        "--access-logfile",
        "-",
    ]
    os.execv(gunicorn, args)


@click.command("createadmin")
@click.option("--username", required=True)
@click.option("--email", default="")
@click.password_option(help="Password (asked twice when not given).")
def createadmin_command(username: str, email: str, password: str) -> None:
    """Create an administrator account (manages staff and sites; sees no patient data)."""
    setup_django()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    User = get_user_model()
    if User.objects.filter(username=username).exists():
        fail(f"username: {username!r} already exists")
    user = User(username=username, email=email, role="admin", is_staff=True, is_superuser=True)
    try:
        validate_password(password, user)
    except ValidationError as error:
        fail("password: " + " ".join(error.messages))
    user.set_password(password)
    user.save()
    click.echo(f"created administrator {username}")


@click.group("audit")
def audit_group() -> None:
    """The hash-chained audit trail."""


@audit_group.command("verify")
def audit_verify_command() -> None:
    """Recompute the audit chain; exit 1 naming the first broken event."""
    setup_django()
    from kclinic.web.audit.services import verify

    checked, broken = verify()
    if broken is not None:
        where = f"event {broken.seq}" if broken.seq is not None else "chain head"
        click.echo(
            f"TAMPERED: {where}: {broken.reason} ({checked} events verified before it)", err=True
        )
        sys.exit(1)
    from kclinic.web.audit.models import AuditChainHead

    head = AuditChainHead.objects.filter(name="main").first()
    click.echo(f"ok: {checked} events, chain head {head.hash if head else '(empty)'}")


@click.group("token")
def token_group() -> None:
    """API bearer tokens for integrations."""


@token_group.command("create")
@click.argument("username")
@click.option("--name", required=True, help="What the token is for.")
def token_create_command(username: str, name: str) -> None:
    """Create a token acting as USERNAME; it is printed once."""
    setup_django()
    from kclinic.web.accounts.api_auth import issue_token
    from kclinic.web.accounts.models import User

    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        fail(f"username: {username!r} is not an active user")
    click.echo(issue_token(user, name))


@click.command("demo")
@click.option("--reset", is_flag=True, help="Empty the database and load the demo again.")
@click.option("--no-serve", is_flag=True, help="Load only; do not start the server.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--patients",
    default=160,
    show_default=True,
    type=click.IntRange(1, 5000),
    help="How many synthetic patients to load.",
)
@click.pass_context
def demo_command(
    context: click.Context, reset: bool, no_serve: bool, host: str, port: int, patients: int
) -> None:
    """Load the synthetic demo clinic and serve it at http://HOST:PORT."""
    os.environ.setdefault("KCLINIC_MODE", "demo")
    ensure_var_dir()
    setup_django()
    from django.core.management import call_command
    from rich.table import Table

    from kclinic.cli.output import console
    from kclinic.web.demo.loader import PASSWORD, load

    call_command("migrate", interactive=False, verbosity=0)
    if reset:
        call_command("flush", interactive=False, verbosity=0)
    report = load(patients_count=patients)
    if report.loaded:
        console.print(f"demo clinic loaded: {report.patients} patients in {report.seconds:.1f} s")
        lines = [("patients", report.patients_seconds, "")]
        lines += [(p.name, p.seconds, p.summary) for p in report.parts if p.loaded]
        for name, seconds, summary in lines:
            console.print(f"  {name:<9}{seconds:6.1f} s  {summary}".rstrip(), highlight=False)
    else:
        console.print("demo clinic already loaded (kclinic demo --reset starts over)")
    table = Table(title=f"Demo logins (password for all: {PASSWORD})")
    for column in ("username", "role", "sites"):
        table.add_column(column)
    for row in report.staff:
        table.add_row(*row)
    console.print(table)
    if not no_serve:
        console.print(f"serving at http://{host}:{port}  (Ctrl-C stops)")
        context.invoke(serve_command, host=host, port=port, workers=2)
