"""The pre-infusion checklist as protocol data: which items exist, which are hard stops, and
every limit with its source (clinical reference 1.7, 2.3, 3.2, 3.5, 3.6 and 5.6).

`DEFAULT_PRECHECK_POLICY` holds kclinic's cited defaults; a clinic changes them in the
"prechecks" section of its protocol file, which `precheck_policy_from_overrides` turns into a
policy (unknown keys and out-of-range values are refused with a ValidationError naming them).
docs/clinical/prechecks.md lists every default with its source.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum
from typing import Any, Final

from kclinic.domain.courses_templates import MODALITIES
from kclinic.domain.errors import OutOfRangeError, UnknownNameError, ValidationError
from kclinic.domain.instruments import REGISTRY
from kclinic.domain.instruments.cssrs_screener import COLUMBIA_TRIAGE, HIGH, LOW, MODERATE
from kclinic.domain.sources import KCLINIC_POLICY, Cited, Source
from kclinic.domain.units import to_decimal


class Item(StrEnum):
    """The checklist's items, in the order a nurse works through them."""

    CONSENT = "consent"
    CONTRAINDICATIONS = "contraindications"
    FASTING = "fasting"
    ESCORT = "escort"
    PREGNANCY = "pregnancy"
    SYMPTOM_SCALE = "symptom_scale"
    CSSRS = "cssrs"
    BASELINE_VITALS = "baseline_vitals"
    WEIGHT = "weight"


ITEMS: Final[tuple[Item, ...]] = tuple(Item)
LABELS: Final[dict[Item, str]] = {
    Item.CONSENT: "Current consent on file",
    Item.CONTRAINDICATIONS: "No new contraindication since screening",
    Item.FASTING: "Fasting time",
    Item.ESCORT: "Escort / driver confirmed",
    Item.PREGNANCY: "Pregnancy test",
    Item.SYMPTOM_SCALE: "Pre-session symptom scale today",
    Item.CSSRS: "C-SSRS screener today",
    Item.BASELINE_VITALS: "Baseline vital signs",
    Item.WEIGHT: "Weight measured today",
}


def _policy(note: str) -> Source:
    return replace(KCLINIC_POLICY, note=note)


SPRAVATO_FASTING = Source(
    id="spravato-label-fasting",
    citation="Spravato label (clinical reference 1.7): avoid food for at least 2 hours and "
    "liquids for at least 30 minutes before dosing",
    url="https://uat.mimsdev.com/hongkong/drug/info/spravato",
    note="also https://www.oncologynurseadvisor.com/drug/spravato/",
)
ASA_FASTING = Source(
    id="asa-preprocedure-fasting",
    citation="American Society of Anesthesiologists practice guideline for preoperative "
    "fasting: light meal at least 6 hours, clear liquids at least 2 hours before a "
    "procedure with sedation",
    confidence="unverified",
    note="the clinical reference (section 3) gives no fasting rule for racemic ketamine; this "
    "general anaesthesia rule is stated from general knowledge and must be checked",
)
SPRAVATO_TRANSPORT = Source(
    id="spravato-transport",
    citation="Spravato dosing and administration (clinical reference 3.5): no driving until "
    "the next day after a restful sleep; the patient must arrange transportation",
    url="https://www.spravatohcp.com/trd/dosing-and-administration",
    note="IV clinics also require a driver (secondary: nervanamedical.com discharge sheet)",
)
SPRAVATO_PREGNANCY = Source(
    id="spravato-pregnancy",
    citation="Spravato patient information (clinical reference 2.3): do not use if pregnant",
    url="https://viewer.joomag.com/discovering-you-magazine-february-2024-issue/"
    "0630909001490834231/p19",
    note="racemic ketamine trials exclude pregnancy too (PMC10812090)",
)
REMS_ENROLMENT = Source(
    id="spravato-rems-enrolment",
    citation="Spravato REMS (clinical reference 3.6): the setting must enrol each patient "
    "before the first treatment",
    url="https://www.spravatorems.com/outpatient-hcs.html",
    note="kclinic maps each modality to the consent document that must be on file",
)

_RACEMIC_WEIGHT_BASED = ("iv-racemic", "im-racemic")


@dataclass(frozen=True)
class PrecheckPolicy:
    """A clinic's pre-infusion checklist. Hours are Decimal hours before dosing.

    `hard_stops`: items whose failure blocks completion until a prescriber reviews it with a
    reason (the C-SSRS is always one). `consent_documents`: (modality, document code) pairs.
    `cssrs_review_levels`: Columbia triage levels that block until a prescriber reviews.
    `childbearing_age_years`: inclusive ages at which a pregnancy test applies.
    """

    hard_stops: Cited[frozenset[Item]]
    fasting_hours: Cited[Decimal]
    fasting_hours_esketamine: Cited[Decimal]
    liquids_hours: Cited[Decimal]
    liquids_hours_esketamine: Cited[Decimal]
    escort_required: Cited[bool]
    pregnancy_test_required: Cited[bool]
    childbearing_age_years: Cited[tuple[int, int]]
    consent_documents: Cited[tuple[tuple[str, str], ...]]
    symptom_instruments: Cited[tuple[str, ...]]
    cssrs_review_levels: Cited[frozenset[str]]
    weight_today_modalities: Cited[frozenset[str]]

    def consent_code(self, modality: str) -> str | None:
        """The consent document a session of `modality` needs, or None if none is set."""
        return dict(self.consent_documents.value).get(modality)

    def fasting_minimum(self, modality: str) -> Cited[Decimal]:
        if modality == "esketamine":
            return self.fasting_hours_esketamine
        return self.fasting_hours

    def liquids_minimum(self, modality: str) -> Cited[Decimal]:
        if modality == "esketamine":
            return self.liquids_hours_esketamine
        return self.liquids_hours

    def is_hard_stop(self, item: Item) -> bool:
        return item in self.hard_stops.value


DEFAULT_PRECHECK_POLICY: Final = PrecheckPolicy(
    hard_stops=Cited(
        frozenset(
            {
                Item.CONSENT,
                Item.CONTRAINDICATIONS,
                Item.FASTING,
                Item.ESCORT,
                Item.PREGNANCY,
                Item.CSSRS,
                Item.BASELINE_VITALS,
                Item.WEIGHT,
            }
        ),
        _policy(
            "every item that protects the patient today blocks until a prescriber reviews it; "
            "a missing symptom score is documented but does not block the dose"
        ),
    ),
    fasting_hours=Cited(Decimal("6"), ASA_FASTING),
    fasting_hours_esketamine=Cited(Decimal("2"), SPRAVATO_FASTING),
    liquids_hours=Cited(Decimal("2"), ASA_FASTING),
    liquids_hours_esketamine=Cited(Decimal("0.5"), SPRAVATO_FASTING),
    escort_required=Cited(True, SPRAVATO_TRANSPORT),
    pregnancy_test_required=Cited(True, SPRAVATO_PREGNANCY),
    childbearing_age_years=Cited(
        (12, 55),
        _policy("ages at which a pregnancy test is asked for unless the nurse records why not"),
    ),
    consent_documents=Cited(
        (
            ("iv-racemic", "iv-ketamine-treatment"),
            ("im-racemic", "iv-ketamine-treatment"),
            ("intranasal-racemic", "iv-ketamine-treatment"),
            ("esketamine", "esketamine-rems-enrolment"),
        ),
        REMS_ENROLMENT,
    ),
    symptom_instruments=Cited(
        ("phq9",),
        _policy("the course's measurement-based-care scale; a clinic may list others"),
    ),
    cssrs_review_levels=Cited(frozenset({HIGH}), COLUMBIA_TRIAGE),
    weight_today_modalities=Cited(
        frozenset(_RACEMIC_WEIGHT_BASED),
        _policy("a weight-based dose is calculated on a weight measured the same day"),
    ),
)


# --- the clinic's overrides -----------------------------------------------------------------

MAX_FASTING_HOURS: Final = Decimal(24)
OVERRIDE_KEYS: Final[tuple[str, ...]] = (
    "source",
    "hard_stops",
    "fasting_hours",
    "fasting_hours_esketamine",
    "liquids_hours",
    "liquids_hours_esketamine",
    "escort_required",
    "pregnancy_test_required",
    "childbearing_age_years",
    "consent_documents",
    "symptom_instruments",
    "cssrs_review_levels",
    "weight_today_modalities",
)
CLINIC_PROTOCOL: Final = Source(
    id="clinic-protocol",
    citation="the clinic's own protocol (KCLINIC_PROTOCOL_FILE, section prechecks)",
    confidence="policy",
)


def section_source(overrides: Mapping[str, Any], section: str, default: Source) -> Source:
    """The citation of a section's overrides: its own "source" text, else `default`."""
    if "source" not in overrides:
        return default
    text = overrides["source"]
    if not isinstance(text, str) or not text.strip():
        raise ValidationError(f"{section}.source", text, "a non-blank citation of the protocol")
    return replace(default, citation=text.strip())


def _field(key: str) -> str:
    return f"prechecks.{key}"


def _hours(key: str, value: object) -> Decimal:
    hours = to_decimal(value, _field(key))
    if not Decimal(0) <= hours <= MAX_FASTING_HOURS:
        raise OutOfRangeError(_field(key), value, 0, MAX_FASTING_HOURS, "h")
    return hours


def _flag(key: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(_field(key), value, "true or false")
    return value


def _names(key: str, value: object, known: tuple[str, ...], empty_ok: bool) -> tuple[str, ...]:
    if not isinstance(value, list | tuple) or (not value and not empty_ok):
        wanted = "a list" if empty_ok else "a non-empty list"
        raise ValidationError(_field(key), value, f"{wanted} of: {', '.join(known)}")
    for name in value:
        if name not in known:
            raise UnknownNameError(_field(key), name, known)
    return tuple(dict.fromkeys(value))


def _ages(value: object) -> tuple[int, int]:
    key = _field("childbearing_age_years")
    if (
        not isinstance(value, list | tuple)
        or len(value) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    ):
        raise ValidationError(key, value, "[lowest, highest] whole years")
    low, high = value
    if not 8 <= low < high <= 70:
        raise ValidationError(key, value, "8 <= lowest < highest <= 70 years")
    return low, high


def _documents(value: object) -> tuple[tuple[str, str], ...]:
    key = _field("consent_documents")
    if not isinstance(value, Mapping):
        raise ValidationError(key, value, "an object of modality: consent document code")
    for modality, code in value.items():
        if modality not in MODALITIES:
            raise UnknownNameError(key, modality, MODALITIES)
        if not isinstance(code, str) or not code.strip():
            raise ValidationError(f"{key}.{modality}", code, "a consent document code")
    return tuple((str(m), str(c).strip()) for m, c in value.items())


def precheck_policy_from_overrides(
    overrides: Mapping[str, Any],
    source: Source = CLINIC_PROTOCOL,
    base: PrecheckPolicy = DEFAULT_PRECHECK_POLICY,
) -> PrecheckPolicy:
    """`base` with the clinic's overrides applied, each cited to `source`.

    Keys are those of OVERRIDE_KEYS; "source" (the section's own citation) replaces the
    citation of `source`; hours are 0-24; item, modality and instrument names must exist.
    The C-SSRS stays a hard stop and "high" stays a review level: a safety flag is never
    switched off by configuration (design rule 3).
    """
    for key in overrides:
        if key not in OVERRIDE_KEYS:
            raise UnknownNameError("prechecks", key, OVERRIDE_KEYS)
    source = section_source(overrides, "prechecks", source)
    changes: dict[str, Cited[Any]] = {}
    for key, value in overrides.items():
        if key == "source":
            continue
        if key == "hard_stops":
            items = _names(key, value, tuple(i.value for i in Item), empty_ok=False)
            if Item.CSSRS.value not in items:
                raise ValidationError(_field(key), value, "a list that includes 'cssrs'")
            changes[key] = Cited(frozenset(Item(i) for i in items), source)
        elif key.startswith(("fasting_hours", "liquids_hours")):
            changes[key] = Cited(_hours(key, value), source)
        elif key in ("escort_required", "pregnancy_test_required"):
            changes[key] = Cited(_flag(key, value), source)
        elif key == "childbearing_age_years":
            changes[key] = Cited(_ages(value), source)
        elif key == "consent_documents":
            changes[key] = Cited(_documents(value), source)
        elif key == "symptom_instruments":
            changes[key] = Cited(_names(key, value, tuple(REGISTRY), empty_ok=False), source)
        elif key == "cssrs_review_levels":
            levels = _names(key, value, (LOW, MODERATE, HIGH), empty_ok=False)
            if HIGH not in levels:
                raise ValidationError(_field(key), value, "a list that includes 'high'")
            changes[key] = Cited(frozenset(levels), source)
        else:  # weight_today_modalities
            changes[key] = Cited(frozenset(_names(key, value, MODALITIES, empty_ok=True)), source)
    return replace(base, **changes)
