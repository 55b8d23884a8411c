"""The `kclinic` console script."""

from __future__ import annotations

import click

from kclinic import __version__
from kclinic.cli.demo import demo_command
from kclinic.cli.dose import dose_command
from kclinic.cli.instruments import instruments_command, score_command
from kclinic.cli.pk import pk_group
from kclinic.cli.screen import screen_command
from kclinic.cli.web import (
    audit_group,
    createadmin_command,
    migrate_command,
    serve_command,
    token_group,
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kclinic")
def main() -> None:
    """kclinic: software for running a ketamine infusion therapy service."""


main.add_command(instruments_command)
main.add_command(score_command)
main.add_command(demo_command)
main.add_command(pk_group)
main.add_command(dose_command)
main.add_command(screen_command)
for command in (migrate_command, serve_command, createadmin_command, audit_group, token_group):
    main.add_command(command)
