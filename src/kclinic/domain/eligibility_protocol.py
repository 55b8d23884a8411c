"""The screening protocol: every threshold the eligibility rules use, each with its source.

A clinic's medical director reviews and may change these values; kclinic's defaults follow
clinical reference 2.3 and 3.2. Where the sources disagree the choice is named:

- benzodiazepine load: trial exclusions cite > 4 mg (Bio-K), > 3 mg (PMC10812090) and > 2 mg
  (PMC6884875) lorazepam-equivalents a day. Default "bio-k" (> 4 mg): Bio-K is the IV
  ketamine clinic network whose operating procedures became the Parikh 2021 clinic primer,
  so it matches a clinic rather than a tightly selected trial population.
- aneurysm, arteriovenous malformation, intracerebral haemorrhage with *racemic* ketamine:
  they are contraindications in the esketamine label; the racemic ketamine label's
  contraindication ("a significant elevation of blood pressure would be a serious hazard")
  could not be read. Default "absolute" (the same molecule raises blood pressure the same
  way), selectable as "relative".
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Final, Literal

from kclinic.domain.errors import UnknownNameError
from kclinic.domain.sources import KCLINIC_POLICY, Cited, Source
from kclinic.domain.trd import BIO_K, DEFAULT_TRD_DEFINITION

SPRAVATO_CONTRAINDICATIONS = Source(
    id="spravato-contraindications",
    citation="Spravato (esketamine) prescribing information, Contraindications: aneurysmal "
    "vascular disease or arteriovenous malformation, history of intracerebral hemorrhage, "
    "hypersensitivity to esketamine, ketamine or excipients",
    url="https://www.oncologynurseadvisor.com/drug/spravato/",
)
KETALAR_CONTRAINDICATION = Source(
    id="ketalar-pi-4",
    citation="Ketalar (racemic ketamine) prescribing information section 4: patients in whom a "
    "significant elevation of blood pressure would constitute a serious hazard",
    confidence="unverified",
    note="not readable in the corpus (clinical reference 2.3); applied to aneurysm, AVM and "
    "intracerebral haemorrhage for racemic ketamine by kclinic policy",
)
SPRAVATO_PI_5_6 = Source(
    id="spravato-pi-5.6",
    citation="Spravato prescribing information 5.6 (increase in blood pressure): pre-dose BP "
    "> 140/90 mmHg as a general guide; hypertensive encephalopathy; cardiovascular and "
    "cerebrovascular conditions",
    url="http://www.120ty.net/bencandy.php?aid=58243&fid=134&page=7",
)
SPRAVATO_PI_PSYCHOSIS = Source(
    id="spravato-pi-5.2",
    citation="Spravato prescribing information 5.2 as cited by the clinical reference: assess "
    "patients with psychosis carefully and treat only if benefit outweighs risk; psychosis "
    "excluded in Bio-K, ELEKT-D and CRTCE",
    url="http://www.120ty.net/bencandy.php?aid=58243&fid=134&page=5",
)
SPRAVATO_ABUSE = Source(
    id="spravato-sud",
    citation="Spravato dosing and REMS page: assess and monitor patients with a substance use "
    "disorder (including alcohol) for abuse or dependence",
    url="https://www.spravatohcp.com/dosing-spravato-trd",
)
SPRAVATO_INTERACTIONS = Source(
    id="spravato-interactions",
    citation="Spravato prescribing information: CNS depressants increase sedation; "
    "psychostimulants and MAOIs increase blood pressure; monitor closely",
    url="http://www.120ty.net/bencandy.php?aid=58243&fid=134&page=6",
)
SPRAVATO_PREGNANCY = Source(
    id="spravato-pregnancy",
    citation="Spravato patient information: do not use if pregnant; do not breastfeed. "
    "Pregnancy and breastfeeding are exclusions in PMC10812090",
    url="https://viewer.joomag.com/discovering-you-magazine-february-2024-issue/0630909001490834231/p19",
)
SPRAVATO_ADULTS = Source(
    id="spravato-adults",
    citation="Spravato TRD dosing and administration: regimen for adults",
    url="https://www.spravatohcp.com/trd/dosing-and-administration",
)
SPRAVATO_OLDER_ADULTS = Source(
    id="spravato-hk-65",
    citation="Spravato Hong Kong label (MIMS): Day-1 dose 28 mg for patients >= 65 years; "
    "the US sources list a 56 mg Day-1 start",
    url="https://uat.mimsdev.com/hongkong/drug/info/spravato",
)
SPRAVATO_INDICATION = Source(
    id="spravato-indication",
    citation="Spravato indications: treatment-resistant depression and depressive symptoms "
    "with acute suicidal ideation, both in major depressive disorder",
    url="https://www.spravatohcp.com/mdsi/dosing-and-administration",
    confidence="unverified",
    note="the reference's pages describe MDD regimens; that bipolar depression is off-label "
    "is general knowledge",
)
PMC10812090 = Source(
    id="pmc10812090",
    citation="Ketamine trial exclusion criteria (PMC10812090, table 1): uncontrolled "
    "hypertension, significant arrhythmia, unstable cerebrovascular disease, pregnancy, "
    "breastfeeding, > 3 mg lorazepam-equivalents a day; controlled hypertension or diabetes "
    "not excluded",
    url="https://pmc.ncbi.nlm.nih.gov/articles/PMC10812090/table/T1",
)
PMC6884875_EXCLUSIONS = Source(
    id="pmc6884875-exclusions",
    citation="Oral ketamine RCT (PMC6884875, table 1) exclusion: > 2 mg lorazepam-equivalents "
    "a day",
    url="https://pmc.ncbi.nlm.nih.gov/articles/PMC6884875/table/Tab1",
)
MAYO_ICU = Source(
    id="nct05803551",
    citation="Mayo ICU depression trial (NCT05803551) exclusions: raised intracranial or "
    "intraocular pressure, prolonged QT, vital-sign instability",
    url="https://trials.co/clinical-trials-details/-/NCT05803551",
)
CRTCE = Source(
    id="crtce-faq",
    citation="CRTCE ketamine clinic FAQ: excludes a current substance use disorder or one within "
    "3 months, requires illicit use to stop >= 1 month before the first infusion; excludes "
    "dementia and inability to consent",
    url="https://crtce.com/faq",
    confidence="secondary",
)
CHINA_2019 = Source(
    id="china-2019-bp",
    citation="Repeated subanaesthetic ketamine infusions in depression, 135 patients: larger "
    "blood-pressure rises with age >= 50, hypertension, dissociation and higher dose",
    url="https://www.physiciansweekly.com/cardiovascular-effects-of-repeated-subanaesthetic-"
    "ketamine-infusion-in-depression/",
)
ICD10CM = Source(
    id="icd-10-cm-mdd",
    citation="ICD-10-CM F32/F33 major depressive disorder and F31 bipolar codes (clinical "
    "reference 7.6); TRD has no code of its own",
    url="https://mdclarity.com/icd-codes/f33-2",
    note="codes other than F32.x/F33.x are general knowledge to validate against the tabular list",
)
SANACORA_2017 = Source(
    id="sanacora-2017",
    citation="Sanacora G et al. A consensus statement on the use of ketamine in the treatment "
    "of mood disorders. JAMA Psychiatry 2017: pre-procedural evaluation with attention to "
    "substance use and psychosis history, prior antidepressant treatment",
    url="https://qa00.mdedge.com/psychiatry/article/133049/depression/"
    "apa-task-force-urges-caution-label-use-ketamine-mood-disorders",
)


@dataclass(frozen=True)
class BenzodiazepineLimit:
    """A named ceiling on the daily benzodiazepine load, in lorazepam-equivalent mg."""

    name: str
    max_lorazepam_eq_mg_per_day: Decimal
    source: Source


BIO_K_BENZODIAZEPINE_LIMIT: Final = BenzodiazepineLimit("bio-k", Decimal(4), BIO_K)
BENZODIAZEPINE_LIMITS: Final = {
    limit.name: limit
    for limit in (
        BIO_K_BENZODIAZEPINE_LIMIT,
        BenzodiazepineLimit("pmc10812090", Decimal(3), PMC10812090),
        BenzodiazepineLimit("pmc6884875", Decimal(2), PMC6884875_EXCLUSIONS),
    )
}


def benzodiazepine_limit(name: str) -> BenzodiazepineLimit:
    """The named limit, or UnknownNameError listing the names that exist."""
    try:
        return BENZODIAZEPINE_LIMITS[name]
    except KeyError:
        raise UnknownNameError("benzodiazepine_limit", name, BENZODIAZEPINE_LIMITS) from None


RacemicVascularClass = Literal["absolute", "relative"]

PREDOSE_SYSTOLIC_MAX_MMHG: Final = Cited(140, SPRAVATO_PI_5_6)
PREDOSE_DIASTOLIC_MAX_MMHG: Final = Cited(90, SPRAVATO_PI_5_6)
# How old a screening BP may be before a new one is needed: no source gives a number.
BP_READING_MAX_AGE_DAYS: Final = Cited(30, KCLINIC_POLICY)
SUBSTANCE_FREE_MONTHS: Final = Cited(Decimal(1), CRTCE)
ADULT_AGE_YEARS: Final = Cited(18, SPRAVATO_ADULTS)
ESKETAMINE_OLDER_ADULT_AGE_YEARS: Final = Cited(65, SPRAVATO_OLDER_ADULTS)


@dataclass(frozen=True)
class ScreeningProtocol:
    """Thresholds and named choices for `screen`. Defaults: clinical reference 2.3 and 3.2."""

    name: str = "kclinic-default"
    version: str = "1"
    trd_definition: str = DEFAULT_TRD_DEFINITION
    benzodiazepine_limit: BenzodiazepineLimit = BIO_K_BENZODIAZEPINE_LIMIT
    predose_systolic_max_mmhg: Cited[int] = PREDOSE_SYSTOLIC_MAX_MMHG
    predose_diastolic_max_mmhg: Cited[int] = PREDOSE_DIASTOLIC_MAX_MMHG
    bp_reading_max_age_days: Cited[int] = BP_READING_MAX_AGE_DAYS
    substance_free_months: Cited[Decimal] = SUBSTANCE_FREE_MONTHS
    adult_age_years: Cited[int] = ADULT_AGE_YEARS
    esketamine_older_adult_age_years: Cited[int] = ESKETAMINE_OLDER_ADULT_AGE_YEARS
    racemic_vascular_class: RacemicVascularClass = "absolute"

    def as_dict(self) -> dict[str, object]:
        limit = self.benzodiazepine_limit
        return {
            "name": self.name,
            "version": self.version,
            "trd_definition": self.trd_definition,
            "benzodiazepine_limit": {
                "name": limit.name,
                "max_lorazepam_eq_mg_per_day": limit.max_lorazepam_eq_mg_per_day,
            },
            "predose_bp_max_mmhg": [
                self.predose_systolic_max_mmhg.value,
                self.predose_diastolic_max_mmhg.value,
            ],
            "racemic_vascular_class": self.racemic_vascular_class,
        }


DEFAULT_PROTOCOL: Final = ScreeningProtocol()
