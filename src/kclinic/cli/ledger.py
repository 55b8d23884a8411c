"""`kclinic ledger ...`: the controlled-substance ledger (Django is imported inside commands)."""

from __future__ import annotations

import sys

import click

from kclinic.cli.web import setup_django


@click.group("ledger")
def ledger_group() -> None:
    """The controlled-substance ledger."""


@ledger_group.command("verify")
def ledger_verify_command() -> None:
    """Recompute every site's hash chain; exit 1 naming the first broken entry."""
    setup_django()
    from kclinic.web.inventory.selectors import verify_ledger

    sites, broken = verify_ledger()
    if broken is not None:
        where = f"seq {broken.seq}" if broken.seq is not None else "chain head"
        click.echo(f"TAMPERED: site {broken.site} {where}: {broken.reason}", err=True)
        sys.exit(1)
    total = sum(s.entries for s in sites)
    click.echo(f"ok: {total} entries in {len(sites)} site chains")
    for site in sites:
        click.echo(f"{site.site}: {site.entries} entries, head {site.head_hash}")
