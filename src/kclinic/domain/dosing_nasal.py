"""Fixed nasal doses: intranasal racemic ketamine and esketamine (clinical reference 1.6-1.7).

Intranasal racemic ketamine follows the one trial (Lapidus 2014): 50 mg of a 100 mg/mL
solution given as 5 applications of 10 mg, 5 minutes apart. The dose must be whole 10-mg
applications; above 50 mg is refused (nothing higher was studied); below 50 mg, or another
concentration, needs an override.

Esketamine (Spravato) comes in 28-mg devices with 5 minutes' rest between devices. A dose is
whole devices up to 84 mg (28, 56 or 84 mg); anything else is refused. The labelled doses
depend on the label's jurisdiction, which the plan records: the US label starts at 56 mg;
the Hong Kong label starts patients aged 65 or over at 28 mg and allows 28, 56 or 84 mg
afterwards. A dose that differs from the label needs an override.
"""

from __future__ import annotations

from kclinic.domain import dosing_rounding as rounded
from kclinic.domain.dose_plan import BodySummary, DosePlan, measure
from kclinic.domain.dosing_limits import (
    DEFAULT_PROTOCOL,
    DoseWarning,
    DosingProtocol,
    EsketamineLabel,
    plausible,
    positive,
    refuse_above,
    vial_concentration,
)
from kclinic.domain.dosing_sources import SPRAVATO_US
from kclinic.domain.errors import ValidationError
from kclinic.domain.units import Number


def _body(
    protocol: DosingProtocol,
    weight_kg: Number | None,
    height_cm: Number | None,
    sex: str | None,
) -> BodySummary | None:
    # A fixed dose does not depend on weight; a weight given is still checked and reported.
    if weight_kg is None:
        return None
    return BodySummary.of(measure(protocol, weight_kg, height_cm, sex))


def plan_intranasal(
    *,
    dose_mg: Number,
    concentration_mg_per_ml: Number | None = None,
    weight_kg: Number | None = None,
    height_cm: Number | None = None,
    sex: str | None = None,
    protocol: DosingProtocol = DEFAULT_PROTOCOL,
) -> DosePlan:
    """Plan intranasal racemic ketamine (Lapidus 2014): dose in mg, solution in mg/mL.

    Returns the dose (mg), total volume (mL), number of 10-mg applications, volume per
    application (mL) and the interval between applications (min). Raises LimitError above
    50 mg and ValidationError for a dose that is not whole applications.
    """
    limits = protocol.intranasal
    dose = positive(dose_mg, "dose_mg", "mg")
    refuse_above(dose, limits.dose_mg_max, "dose_mg", "mg")
    per_application = limits.application_mg.value
    if dose % per_application != 0:
        raise ValidationError(
            "dose_mg", dose_mg, f"a multiple of {per_application} mg (one application each)"
        )
    warnings: tuple[DoseWarning, ...] = ()
    studied = limits.dose_mg_studied
    if dose != studied.value:
        warnings += (
            DoseWarning(
                "intranasal-dose-not-studied",
                f"{dose} mg differs from the {studied.value} mg studied; needs a prescriber "
                "override with a reason",
                f"{studied.value} mg",
                studied.source,
            ),
        )
    solution = limits.concentration_mg_per_ml
    strength = solution.value
    if concentration_mg_per_ml is not None:
        strength, found = vial_concentration(
            concentration_mg_per_ml, protocol.iv, "concentration_mg_per_ml"
        )
        warnings += found
    if strength != solution.value:
        warnings += (
            DoseWarning(
                "intranasal-concentration-not-studied",
                f"{strength} mg/mL gives {rounded.volume_ml(per_application / strength)} mL per "
                f"application instead of the studied {solution.value} mg/mL",
                f"{solution.value} mg/mL",
                solution.source,
            ),
        )
    applications = int(dose / per_application)
    interval = limits.interval_min.value
    return DosePlan(
        route="in",
        drug="ketamine",
        protocol_version=protocol.version,
        dose_mg=rounded.dose_mg(dose),
        body=_body(protocol, weight_kg, height_cm, sex),
        minutes=interval * (applications - 1),
        vial_mg_per_ml=strength,
        drug_volume_ml=rounded.volume_ml(dose / strength),
        final_volume_ml=rounded.volume_ml(dose / strength),
        final_mg_per_ml=rounded.concentration_mg_per_ml(strength),
        applications=applications,
        application_mg=per_application,
        application_volume_ml=rounded.volume_ml(per_application / strength),
        interval_min=interval,
        warnings=warnings,
    )


def _age(age_years: Number | None, protocol: DosingProtocol, label: EsketamineLabel) -> int | None:
    if age_years is None:
        if label.older_adult_age_years is not None:
            limit = label.older_adult_age_years.value
            raise ValidationError(
                "age_years",
                None,
                str(protocol.patient.age_years.value),
                f"required under the {label.jurisdiction} label, whose doses change at {limit}",
            )
        return None
    age = plausible(age_years, protocol.patient.age_years, "age_years")
    if age != age.to_integral_value():
        raise ValidationError("age_years", age_years, "whole years")
    return int(age)


def plan_esketamine(
    *,
    dose_mg: Number,
    first_session: bool = False,
    age_years: Number | None = None,
    label: str | None = None,
    weight_kg: Number | None = None,
    height_cm: Number | None = None,
    sex: str | None = None,
    protocol: DosingProtocol = DEFAULT_PROTOCOL,
) -> DosePlan:
    """Plan an esketamine nasal spray session (Spravato labels; clinical reference 1.7).

    Dose in mg (28, 56 or 84), age in years (required under a label with an age rule), label
    jurisdiction "us"|"hk" (protocol default "us"). Returns the devices (28 mg each) and the
    rest between them (min). Raises LimitError above 84 mg, ValidationError for a dose that
    is not whole devices; a dose the label does not give for this session is a warning.
    """
    limits = protocol.esketamine
    chosen = limits.label(label)
    age = _age(age_years, protocol, chosen)
    dose = positive(dose_mg, "dose_mg", "mg")
    refuse_above(dose, limits.dose_mg_max, "dose_mg", "mg")
    device = limits.device_mg.value
    if dose % device != 0:
        highest = limits.dose_mg_max.value
        raise ValidationError(
            "dose_mg", dose_mg, f"whole {device}-mg devices up to {highest} mg (28, 56 or 84)"
        )
    older = chosen.is_older_adult(age)
    who = f"{chosen.jurisdiction} label" + (", age >= 65" if older else "")
    warnings: tuple[DoseWarning, ...] = ()
    expected = chosen.first_dose(age)
    if first_session and dose != expected.value:
        warnings += (
            DoseWarning(
                "esketamine-first-dose-differs-from-label",
                f"first-session dose {dose} mg differs from the {expected.value} mg of the {who}; "
                "needs a prescriber override with a reason",
                f"{expected.value} mg on the first session ({who})",
                expected.source,
            ),
        )
    later = chosen.later_doses(age)
    if not first_session and dose not in later.value:
        allowed = " or ".join(str(value) for value in later.value)
        warnings += (
            DoseWarning(
                "esketamine-dose-not-labelled",
                f"{dose} mg is not a labelled dose after the first session ({who}: {allowed} mg); "
                "needs a prescriber override with a reason",
                f"{allowed} mg ({who})",
                later.source,
            ),
        )
    if first_session and chosen.jurisdiction == "us" and age is not None and age >= 65:
        warnings += (
            DoseWarning(
                "esketamine-us-older-adult-unverified",
                "the US label's first dose for patients aged 65 or over could not be verified "
                "(clinical reference 9.7); the Hong Kong label starts them at 28 mg",
                "56 mg (US label, unverified for age >= 65)",
                SPRAVATO_US,
                override_required=False,
            ),
        )
    devices = int(dose / device)
    interval = limits.interval_min.value
    return DosePlan(
        route="in",
        drug="esketamine",
        protocol_version=protocol.version,
        dose_mg=rounded.dose_mg(dose),
        body=_body(protocol, weight_kg, height_cm, sex),
        minutes=interval * (devices - 1),
        application_mg=device,
        interval_min=interval,
        devices=devices,
        label=chosen.jurisdiction,
        first_session=first_session,
        label_first_dose_mg=expected.value,
        warnings=warnings,
    )
