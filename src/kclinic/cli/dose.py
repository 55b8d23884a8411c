"""`kclinic dose`: a ketamine or esketamine dose plan checked against the dosing protocol.

Numbers are passed to the domain as the strings typed, so 0.1 stays Decimal("0.1"). Options
that do not apply to the chosen route are refused rather than ignored: a `--minutes` silently
dropped from an IM order would mislead whoever reads the command back.
"""

from __future__ import annotations

import click
from rich.table import Table

from kclinic.cli.output import console, domain_errors_exit_2, emit_json, fail
from kclinic.domain.dosing import (
    BASES,
    DosePlan,
    plan_esketamine,
    plan_im,
    plan_intranasal,
    plan_iv,
)

# The options each kind of plan cannot use (flag names as typed).
_REFUSES = {
    "iv": ("--dose-mg", "--first-session", "--age", "--label"),
    "im": (
        "--dose-mg",
        "--minutes",
        "--bag-ml",
        "--dilution",
        "--first-session",
        "--age",
        "--label",
    ),
    "in": (
        "--mg-per-kg",
        "--minutes",
        "--basis",
        "--bag-ml",
        "--dilution",
        "--vial-ml",
        "--first-session",
        "--age",
        "--label",
    ),
    "esketamine": (
        "--mg-per-kg",
        "--minutes",
        "--basis",
        "--bag-ml",
        "--dilution",
        "--vial-ml",
        "--vial-mg-per-ml",
    ),
}


def _kind(route: str | None, drug: str) -> tuple[str, str]:
    if drug == "esketamine":
        if route not in (None, "in"):
            fail(f"--route: {route!r} is not allowed for esketamine; allowed: in")
        return "in", "esketamine"
    resolved = route or "iv"
    return resolved, resolved


def _required(value: str | None, flag: str, kind: str) -> str:
    if value is None:
        fail(f"{flag}: required for {_describe(kind)}")
    return value


def _refuse_extra(kind: str, given: dict[str, object]) -> None:
    for flag in _REFUSES[kind]:
        if given[flag] not in (None, False):
            fail(f"{flag}: does not apply to {_describe(kind)}")


def _describe(kind: str) -> str:
    return {
        "iv": "IV ketamine (route iv)",
        "im": "IM ketamine (route im)",
        "in": "intranasal racemic ketamine (route in)",
        "esketamine": "esketamine",
    }[kind]


@click.command("dose")
@click.option("--weight-kg", metavar="KG", help="Actual body weight in kg.")
@click.option("--height-cm", metavar="CM", help="Height in cm (needed for any basis but actual).")
@click.option("--sex", type=click.Choice(["male", "female"]), help="For ideal body weight.")
@click.option("--mg-per-kg", metavar="MG_PER_KG", help="Dose in mg/kg (IV and IM).")
@click.option("--minutes", metavar="MIN", help="Infusion duration in minutes (IV).")
@click.option("--basis", type=click.Choice(BASES), help="Dosing weight (default: actual).")
@click.option(
    "--vial-mg-per-ml", metavar="MG_PER_ML", help="Vial strength in mg/mL (IN: solution strength)."
)
@click.option("--vial-ml", metavar="ML", help="Volume of one vial in mL (to count vials).")
@click.option("--bag-ml", metavar="ML", help="Diluent bag volume in mL (IV).")
@click.option(
    "--dilution",
    type=click.Choice(["add", "replace"]),
    help="add: drug added to the bag (default); replace: equal diluent volume withdrawn first.",
)
@click.option("--route", type=click.Choice(["iv", "im", "in"]), help="Default iv (esketamine: in).")
@click.option("--drug", type=click.Choice(["ketamine", "esketamine"]), default="ketamine")
@click.option("--dose-mg", metavar="MG", help="Fixed dose in mg (intranasal ketamine, esketamine).")
@click.option("--first-session", is_flag=True, help="Esketamine: this is the first session.")
@click.option("--age", metavar="YEARS", help="Age in years (esketamine label rules).")
@click.option("--label", type=click.Choice(["us", "hk"]), help="Esketamine label (default us).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@domain_errors_exit_2
def dose_command(
    weight_kg: str | None,
    height_cm: str | None,
    sex: str | None,
    mg_per_kg: str | None,
    minutes: str | None,
    basis: str | None,
    vial_mg_per_ml: str | None,
    vial_ml: str | None,
    bag_ml: str | None,
    dilution: str | None,
    route: str | None,
    drug: str,
    dose_mg: str | None,
    first_session: bool,
    age: str | None,
    label: str | None,
    as_json: bool,
) -> None:
    """Plan a ketamine (IV, IM, intranasal) or esketamine dose within the protocol's limits."""
    route, kind = _kind(route, drug)
    _refuse_extra(
        kind,
        {
            "--weight-kg": weight_kg,
            "--mg-per-kg": mg_per_kg,
            "--minutes": minutes,
            "--basis": basis,
            "--vial-mg-per-ml": vial_mg_per_ml,
            "--vial-ml": vial_ml,
            "--bag-ml": bag_ml,
            "--dilution": dilution,
            "--dose-mg": dose_mg,
            "--first-session": first_session,
            "--age": age,
            "--label": label,
        },
    )
    plan: DosePlan
    if kind == "esketamine":
        plan = plan_esketamine(
            dose_mg=_required(dose_mg, "--dose-mg", kind),
            first_session=first_session,
            age_years=age,
            label=label,
            weight_kg=weight_kg,
            height_cm=height_cm,
            sex=sex,
        )
    elif kind == "in":
        plan = plan_intranasal(
            dose_mg=_required(dose_mg, "--dose-mg", kind),
            concentration_mg_per_ml=vial_mg_per_ml,
            weight_kg=weight_kg,
            height_cm=height_cm,
            sex=sex,
        )
    elif kind == "im":
        plan = plan_im(
            weight_kg=_required(weight_kg, "--weight-kg", kind),
            mg_per_kg=_required(mg_per_kg, "--mg-per-kg", kind),
            height_cm=height_cm,
            sex=sex,
            basis=basis,
            vial_mg_per_ml=vial_mg_per_ml,
            vial_ml=vial_ml,
        )
    else:
        plan = plan_iv(
            weight_kg=_required(weight_kg, "--weight-kg", kind),
            mg_per_kg=_required(mg_per_kg, "--mg-per-kg", kind),
            minutes=_required(minutes, "--minutes", kind),
            height_cm=height_cm,
            sex=sex,
            basis=basis,
            vial_mg_per_ml=vial_mg_per_ml,
            vial_ml=vial_ml,
            bag_ml=bag_ml,
            dilution=dilution or "add",
        )
    if as_json:
        emit_json(plan.as_dict())
    else:
        _print_plan(plan)


# (field, label, unit) rows of the human table, shown when the plan has a value.
_ROWS = (
    ("dose_mg", "dose", "mg"),
    ("mg_per_kg", "dose per kg", "mg/kg"),
    ("dosing_weight_kg", "dosing weight", "kg"),
    ("minutes", "duration (IV) / first to last application", "min"),
    ("vial_mg_per_ml", "vial / solution strength", "mg/mL"),
    ("drug_volume_ml", "drug volume to draw", "mL"),
    ("vials_needed", "vials needed", ""),
    ("bag_ml", "diluent bag", "mL"),
    ("dilution", "dilution", ""),
    ("final_volume_ml", "final volume", "mL"),
    ("final_mg_per_ml", "final concentration", "mg/mL"),
    ("rate_ml_per_h", "pump rate", "mL/h"),
    ("rate_mg_per_min", "drug rate", "mg/min"),
    ("vtbi_ml", "VTBI", "mL"),
    ("applications", "applications", ""),
    ("application_volume_ml", "volume per application", "mL"),
    ("devices", "devices (28 mg each)", ""),
    ("interval_min", "rest between applications or devices", "min"),
    ("label", "label jurisdiction", ""),
    ("label_first_dose_mg", "label first-session dose", "mg"),
)


def _print_plan(plan: DosePlan) -> None:
    table = Table(title=f"{plan.drug} dose plan, route {plan.route}")
    table.add_column("quantity")
    table.add_column("value", justify="right")
    table.add_column("unit")
    for name, title, unit in _ROWS:
        value = getattr(plan, name)
        if value is not None:
            table.add_row(title, str(value), unit)
    body = plan.body
    if body is not None:
        table.add_row("actual weight", str(body.actual_weight_kg), "kg")
        for value, title, unit in (
            (body.bmi_kg_per_m2, "BMI", "kg/m2"),
            (body.ideal_body_weight_kg, "ideal body weight (Devine)", "kg"),
            (body.adjusted_body_weight_kg, "adjusted body weight", "kg"),
        ):
            if value is not None:
                table.add_row(title, str(value), unit)
    console.print(table)
    if plan.dosing_weight_basis is not None:
        console.print(
            f"dosing weight basis: {plan.dosing_weight_basis} (weight used: "
            f"{plan.dosing_weight_used})"
        )
    for warning in plan.warnings:
        kind = "OVERRIDE NEEDED" if warning.override_required else "NOTICE"
        console.print(
            f"[bold]{kind} {warning.code}: {warning.message} (limit: {warning.limit}; "
            f"source: {warning.source.citation})[/bold]",
            highlight=False,
        )
    rule = plan.rounding
    console.print(
        f"[dim]protocol {plan.protocol_version}; rounded once ({rule.method}): dose "
        f"{rule.dose_mg} mg, volumes {rule.volume_ml} mL, pump {rule.rate_ml_per_h} mL/h, "
        f"{rule.rate_mg_per_min} mg/min[/dim]"
    )
