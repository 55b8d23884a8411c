"""`kclinic tour`: a short scripted tour of the clinical core from the command line."""

from __future__ import annotations

import click

from kclinic.cli.output import console
from kclinic.examples import PROFILES

# Each step is what a user would type after `kclinic`, with a line saying why.
TOUR: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("The validated scales kclinic scores", ("instruments",)),
    (
        "A PHQ-9 of 13 with item 9 endorsed: moderate, and a safety flag whatever the total",
        ("score", "phq9", "--answers", "[2,3,1,2,0,1,2,1,1]"),
    ),
    (
        "The same MADRS of 32 is moderate under Snaith 1986 and severe under Müller 2003",
        ("score", "madrs", "--answers", "[4,4,3,2,3,4,3,4,3,2]", "--band-table", "mueller-2003"),
    ),
    (
        "C-SSRS screener with skip logic and Columbia triage: intent without plan is high risk",
        ("score", "cssrs-screener", "--answers", '{"q1":1,"q2":1,"q3":1,"q4":1,"q5":0,"q6":0}'),
    ),
    (
        "0.5 mg/kg over 40 min for 80 kg, 10 mg/mL vial into a 100 mL bag",
        (
            "dose",
            "--weight-kg",
            "80",
            "--mg-per-kg",
            "0.5",
            "--minutes",
            "40",
            "--vial-mg-per-ml",
            "10",
            "--bag-ml",
            "100",
        ),
    ),
    (
        "120 kg, 178 cm man dosed on adjusted body weight (the sources disagree; basis recorded)",
        (
            "dose",
            "--weight-kg",
            "120",
            "--height-cm",
            "178",
            "--sex",
            "male",
            "--basis",
            "adjusted",
            "--mg-per-kg",
            "0.5",
            "--minutes",
            "40",
        ),
    ),
    (
        "Screening a candidate: relative contraindications need a documented override",
        ("screen", str(PROFILES / "relative-findings.json"), "--on", "2025-03-01"),
    ),
)


@click.command("tour")
@click.pass_context
def tour_command(context: click.Context) -> None:
    """Run a short scripted tour of the clinical core."""
    root = context.find_root().command
    for title, args in TOUR:
        console.rule(f"[bold]kclinic {' '.join(args)}")
        console.print(f"[dim]{title}[/dim]")
        root.main(list(args), prog_name="kclinic", standalone_mode=False)
