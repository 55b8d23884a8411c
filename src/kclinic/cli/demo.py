"""`kclinic demo`: a short scripted tour of the clinical core (until the web app serves one)."""

from __future__ import annotations

import click

from kclinic.cli.output import console

# Each step is what a user would type after `kclinic`, with a line saying why.
TOUR: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("The validated scales kclinic scores", ("instruments",)),
    (
        "A PHQ-9 of 13 with item 9 endorsed: moderate, and a safety flag whatever the total",
        ("score", "phq9", "--answers", "[2,3,1,2,0,1,2,1,1]"),
    ),
)


@click.command("demo")
@click.pass_context
def demo_command(context: click.Context) -> None:
    """Run a short scripted tour of the clinical core."""
    root = context.find_root().command
    for title, args in TOUR:
        console.rule(f"[bold]kclinic {' '.join(args)}")
        console.print(f"[dim]{title}[/dim]")
        root.main(list(args), prog_name="kclinic", standalone_mode=False)
