"""The rules of the eligibility screen: ids, classes and sources, and the Finding they raise.

Each rule has a stable id, the class of finding it raises and its source (clinical reference
2.3). Classes:

    absolute   written as a contraindication in a label: blocks treatment
    relative   a trial exclusion or a label precaution: a hard stop that a prescriber may
               override with a documented reason
    caution    proceed, but monitor (the interaction or risk is named)
    missing    the rule needs information the profile does not hold

A rule whose input is unknown raises a *missing* finding under its own id, so nothing is
assumed safe because nobody asked. `RULES` lists every rule for the documentation and tests;
`contraindications` evaluates them against a profile.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from kclinic.domain.eligibility_profile import Comorbidity
from kclinic.domain.eligibility_protocol import (
    CHINA_2019,
    CRTCE,
    ICD10CM,
    MAYO_ICU,
    PMC10812090,
    SANACORA_2017,
    SPRAVATO_ABUSE,
    SPRAVATO_ADULTS,
    SPRAVATO_CONTRAINDICATIONS,
    SPRAVATO_INDICATION,
    SPRAVATO_INTERACTIONS,
    SPRAVATO_OLDER_ADULTS,
    SPRAVATO_PI_5_6,
    SPRAVATO_PI_PSYCHOSIS,
    SPRAVATO_PREGNANCY,
)
from kclinic.domain.instruments.msm import FEKADU_2018
from kclinic.domain.sources import Source
from kclinic.domain.trd import BIO_K, LABEL_TRD

FindingClass = Literal["absolute", "relative", "caution", "missing"]
FINDING_CLASSES: Final[tuple[FindingClass, ...]] = ("absolute", "relative", "caution", "missing")


@dataclass(frozen=True)
class Finding:
    """One result of one rule: what, how serious, why, and the profile field concerned."""

    rule: str
    finding_class: FindingClass
    message: str
    source: Source
    field: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "class": self.finding_class,
            "message": self.message,
            "field": self.field,
            "source": self.source.as_dict(),
        }


@dataclass(frozen=True)
class Rule:
    """A rule as documented: id, the class it raises when triggered, source, summary."""

    id: str
    finding_class: FindingClass
    source: Source
    summary: str

    def found(self, message: str, field: str | None = None) -> Finding:
        return Finding(self.id, self.finding_class, message, self.source, field)

    def missing(self, field: str, needed_for: str) -> Finding:
        return Finding(
            self.id, "missing", f"{field} not recorded: {needed_for}", self.source, field
        )


def _rule(rule_id: str, finding_class: FindingClass, source: Source, summary: str) -> Rule:
    return Rule(rule_id, finding_class, source, summary)


# -- the rules ------------------------------------------------------------------------------

# Label contraindications of esketamine; for racemic ketamine the class is a protocol choice.
VASCULAR: Final = (
    _rule(
        "aneurysmal-vascular-disease",
        "absolute",
        SPRAVATO_CONTRAINDICATIONS,
        "aneurysmal vascular disease (aorta, intracranial, peripheral arteries)",
    ),
    _rule(
        "arteriovenous-malformation",
        "absolute",
        SPRAVATO_CONTRAINDICATIONS,
        "arteriovenous malformation",
    ),
    _rule(
        "intracerebral-haemorrhage",
        "absolute",
        SPRAVATO_CONTRAINDICATIONS,
        "history of intracerebral haemorrhage",
    ),
)
HYPERSENSITIVITY = _rule(
    "hypersensitivity",
    "absolute",
    SPRAVATO_CONTRAINDICATIONS,
    "hypersensitivity to ketamine or esketamine (racemic ketamine contains esketamine)",
)

# (rule, the comorbidities that trigger it)
COMORBIDITY_RULES: Final[tuple[tuple[Rule, frozenset[Comorbidity]], ...]] = (
    (
        _rule(
            "hypertensive-encephalopathy",
            "relative",
            SPRAVATO_PI_5_6,
            "history of hypertensive encephalopathy: intensive BP and symptom monitoring",
        ),
        frozenset({"hypertensive-encephalopathy"}),
    ),
    (
        _rule(
            "cardiovascular-cerebrovascular-disease",
            "relative",
            SPRAVATO_PI_5_6,
            "cardiovascular or cerebrovascular disease: weigh benefit against BP risk",
        ),
        frozenset({"cardiovascular-disease", "cerebrovascular-disease"}),
    ),
    (
        _rule(
            "uncontrolled-hypertension",
            "relative",
            PMC10812090,
            "uncontrolled hypertension (trial exclusion)",
        ),
        frozenset({"uncontrolled-hypertension"}),
    ),
    (
        _rule(
            "significant-arrhythmia",
            "relative",
            PMC10812090,
            "significant arrhythmia (trial exclusion)",
        ),
        frozenset({"significant-arrhythmia"}),
    ),
    (
        _rule("prolonged-qt", "relative", MAYO_ICU, "prolonged QT (trial exclusion)"),
        frozenset({"prolonged-qt"}),
    ),
    (
        _rule(
            "raised-intracranial-or-intraocular-pressure",
            "relative",
            MAYO_ICU,
            "raised intracranial or intraocular pressure (trial exclusion)",
        ),
        frozenset({"raised-intracranial-pressure", "raised-intraocular-pressure"}),
    ),
    (
        _rule(
            "unstable-medical-condition",
            "relative",
            BIO_K,
            "unstable medical condition (trial exclusion)",
        ),
        frozenset({"unstable-medical-condition"}),
    ),
    (_rule("dementia", "relative", CRTCE, "dementia (clinic exclusion)"), frozenset({"dementia"})),
    (
        _rule(
            "controlled-hypertension",
            "caution",
            CHINA_2019,
            "controlled hypertension: larger BP rises during infusions; monitor",
        ),
        frozenset({"controlled-hypertension"}),
    ),
)
COMORBIDITY_LIST = _rule(
    "comorbidity-list",
    "missing",
    SPRAVATO_CONTRAINDICATIONS,
    "the comorbidity list is needed for every label contraindication",
)

PREDOSE_BP = _rule(
    "predose-bp",
    "relative",
    SPRAVATO_PI_5_6,
    "latest BP above 140/90 mmHg (protocol); reading older than 30 days = missing",
)
CONSENT = _rule("consent-capacity", "relative", CRTCE, "no capacity to consent")
PSYCHOSIS_CURRENT = _rule(
    "psychosis-current",
    "relative",
    SPRAVATO_PI_PSYCHOSIS,
    "current psychosis or psychotic features in the episode",
)
PSYCHOSIS_HISTORY = _rule(
    "psychosis-history", "relative", SPRAVATO_PI_PSYCHOSIS, "history of psychosis"
)
SUBSTANCE_HISTORY = _rule(
    "substance-use-history",
    "missing",
    SANACORA_2017,
    "the substance-use history is part of the pre-treatment evaluation",
)
SUD = _rule(
    "substance-use-disorder",
    "relative",
    SPRAVATO_ABUSE,
    "substance use disorder, current or within 3 months",
)
RECENT_USE = _rule(
    "recent-substance-use",
    "relative",
    CRTCE,
    "illicit or problem substance use within 1 month (protocol)",
)
CANNABIS = _rule("cannabis-use", "relative", BIO_K, "any current cannabis use (Bio-K exclusion)")
PREGNANCY = _rule("pregnancy", "relative", SPRAVATO_PREGNANCY, "pregnant")
BREASTFEEDING = _rule("breastfeeding", "relative", SPRAVATO_PREGNANCY, "breastfeeding")
MEDICATION_LIST = _rule(
    "medication-list",
    "missing",
    SPRAVATO_INTERACTIONS,
    "current medicines are needed for the interaction rules",
)
BENZODIAZEPINE = _rule(
    "benzodiazepine-load",
    "relative",
    BIO_K,
    "benzodiazepine load above the protocol's lorazepam-equivalent limit",
)
MORNING_BENZODIAZEPINE = _rule(
    "benzodiazepine-morning-dose",
    "relative",
    BIO_K,
    "any morning benzodiazepine dose (Bio-K exclusion)",
)
MAOI = _rule("maoi", "caution", SPRAVATO_INTERACTIONS, "MAOI: monitor blood pressure closely")
PSYCHOSTIMULANT = _rule(
    "psychostimulant",
    "caution",
    SPRAVATO_INTERACTIONS,
    "psychostimulant: monitor blood pressure closely",
)
CNS_DEPRESSANT = _rule(
    "cns-depressant",
    "caution",
    SPRAVATO_INTERACTIONS,
    "other CNS depressant: monitor sedation closely",
)
ADULT = _rule("adult", "relative", SPRAVATO_ADULTS, "under 18: the regimens are for adults")
OLDER_ADULT = _rule(
    "esketamine-older-adult",
    "caution",
    SPRAVATO_OLDER_ADULTS,
    "esketamine at 65 or over: Day-1 dose differs by label jurisdiction",
)
BIPOLAR = _rule(
    "esketamine-bipolar",
    "caution",
    SPRAVATO_INDICATION,
    "esketamine in bipolar depression is outside its MDD indications",
)
DIAGNOSIS = _rule(
    "depressive-diagnosis",
    "relative",
    ICD10CM,
    "no ICD-10-CM code of a current depressive episode (F32/F33/F31 depressed)",
)
PLANNED_TREATMENT = _rule(
    "planned-treatment",
    "missing",
    SPRAVATO_CONTRAINDICATIONS,
    "the planned treatment decides which label applies",
)
TRD_NOT_MET = _rule(
    "trd-not-met",
    "relative",
    LABEL_TRD,
    "the selected TRD definition is not met (or cannot be told: missing)",
)
MSM_STAGE = _rule(
    "msm-stage",
    "missing",
    FEKADU_2018,
    "the Maudsley stage needs episode length, severity, trials and ECT history",
)

RULES: Final[tuple[Rule, ...]] = (
    *VASCULAR,
    HYPERSENSITIVITY,
    PREDOSE_BP,
    *(rule for rule, _ in COMORBIDITY_RULES),
    CONSENT,
    PSYCHOSIS_CURRENT,
    PSYCHOSIS_HISTORY,
    SUD,
    RECENT_USE,
    CANNABIS,
    PREGNANCY,
    BREASTFEEDING,
    BENZODIAZEPINE,
    MORNING_BENZODIAZEPINE,
    MAOI,
    PSYCHOSTIMULANT,
    CNS_DEPRESSANT,
    ADULT,
    OLDER_ADULT,
    BIPOLAR,
    DIAGNOSIS,
    TRD_NOT_MET,
    PLANNED_TREATMENT,
    COMORBIDITY_LIST,
    MEDICATION_LIST,
    SUBSTANCE_HISTORY,
    MSM_STAGE,
)
