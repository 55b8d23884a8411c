"""The citations behind every dosing number (clinical reference sections 1.1-1.7 and 8.1).

Each constant here is a `Source`; the protocol in `dosing_limits` pairs every number with one
of them. Confidence follows the reference's tags: "verified" (read in a stored copy),
"unverified" (standard formula or general knowledge not seen in the corpus), "derived"
(arithmetic on cited values) and "policy" (a kclinic default where no source gives a number).
"""

from __future__ import annotations

from dataclasses import replace

from kclinic.domain.sources import KCLINIC_POLICY, Source

ANDRADE_2017 = Source(
    id="andrade-2017",
    citation="Andrade C. J Clin Psychiatry 2017;78(7):e852-e857 (ketamine dose, rate, route)",
    url="https://www.psychiatrist.com/JCP/article/Pages/2017/v78n07/17f11738.aspx",
    note="0.5 mg/kg over 40 min conventional; sessions of 2 to 100 min and doses of "
    "0.1-0.75 mg/kg reported",
)
FAVA_2018 = Source(
    id="fava-2018",
    citation="Fava M et al. Mol Psychiatry (dose-ranging RCT of IV ketamine 0.1, 0.2, 0.5 and "
    "1.0 mg/kg over 40 min in TRD)",
    url="https://pmc.ncbi.nlm.nih.gov/articles/PMC6447473",
    note="1.0 mg/kg is the highest single IV dose studied; kclinic uses it as the hard ceiling",
)
MURROUGH_2013 = Source(
    id="murrough-2013",
    citation="Murrough JW et al. Biol Psychiatry 2013;74(4):250-256 (0.5 mg/kg actual body "
    "weight over 40 min)",
    url="https://pmc.ncbi.nlm.nih.gov/articles/PMC3725185",
)
BIO_K = Source(
    id="bio-k-nct03156504",
    citation="Bio-K study NCT03156504: 40-min, 100-min and mixed durations had comparable "
    "safety and efficacy",
    url="https://www.clinicaltrialexchange.com/clinical-trials/The-BIO-K-Study-A-Single-Arm-"
    "Open-Label-Biomarker-Development-Clinical-Trial-of-Ketamine-for-Non-Psychotic-Unipolar-"
    "Major-Depression-and-Bipolar-I-or-II-Depression/NCT03156504",
)
SINGH_2019_SANACORA = Source(
    id="singh-2019-sanacora-2017",
    citation="Singh B, Bobo WV, ... Vande Voort JL. Letter, J Clin Psychiatry, 12 Nov 2019, "
    "quoting Sanacora G et al. JAMA Psychiatry 2017 (APA consensus)",
    url="https://legacy.psychiatrist.com/jcp/depression/bmi-and-remission-in-depressed-"
    "patients-receiving-iv-ketamine/",
    note="consensus suggested ideal body weight, especially at BMI >= 30; landmark and Mayo "
    "trials dosed on actual body weight",
)
KWASNA_2024 = Source(
    id="kwasna-2024",
    citation="Kwaśna J, Cubała WJ et al. 2024 preprint, doi:10.21203/rs.3.rs-4619443/v1",
    url="https://ouci.dntb.gov.ua/en/works/7pgwNBj9",
    note="retrospective dose-formula analysis (n=28) supports actual body weight; names "
    "Devine IBW as an alternative it did not endorse",
)
NCT05803551 = Source(
    id="nct05803551",
    citation="NCT05803551 (ICU ketamine-for-depression trial): excluded weight > 115 kg or < 45 kg",
    url="https://trials.co/clinical-trials-details/-/NCT05803551",
)
DEVINE_1974 = Source(
    id="devine-1974",
    citation="Devine BJ. Gentamicin therapy. Drug Intell Clin Pharm 1974;8:650-655 (ideal "
    "body weight: 50 kg male / 45.5 kg female + 2.3 kg per inch over 60 in)",
    url="https://ouci.dntb.gov.ua/en/works/7pgwNBj9",
    confidence="unverified",
    note="standard pharmacy formula; the reference names Devine (via Kwaśna 2024) but the "
    "formula text itself was not seen",
)
ADJUSTED_WEIGHT_04 = Source(
    id="adjusted-body-weight-0.4",
    citation="Adjusted body weight = IBW + 0.4 x (actual - IBW), the conventional 0.4 factor",
    confidence="unverified",
    note="standard pharmacy formula quoted in clinical reference 1.2; primary source not seen",
)
BMI_DEFINITION = Source(
    id="bmi-definition",
    citation="Body mass index = weight (kg) / height (m) squared",
    confidence="unverified",
    note="standard definition quoted in clinical reference 1.2",
)
CHILUKURI_2014 = Source(
    id="chilukuri-2014",
    citation="Chilukuri H et al. Indian J Psychol Med 2014;36(1):71-76 (0.25 and 0.5 mg/kg IM "
    "as effective as 0.5 mg/kg IV)",
    url="https://pubmed.ncbi.nlm.nih.gov/24701015/",
)
LAPIDUS_2014 = Source(
    id="lapidus-2014",
    citation="Lapidus KAB et al. Biol Psychiatry 2014;76(12):970-976 (intranasal racemic "
    "ketamine 50 mg at 100 mg/mL, 5 applications 5 min apart)",
    url="https://pmc.ncbi.nlm.nih.gov/articles/PMC4185009",
    note="dosing detail: https://pmc.ncbi.nlm.nih.gov/articles/PMC8434915/table/CD011612-tblf-0034",
)
SPRAVATO_US = Source(
    id="spravato-us-label",
    citation="Spravato (esketamine) US prescribing information, dosing and administration: "
    "28 mg devices, day 1 56 mg, then 56 or 84 mg",
    url="https://www.spravatohcp.com/trd/dosing-and-administration",
    note="also https://www.oncologynurseadvisor.com/drug/spravato/ ; the US rule for age >= 65 "
    "is unverified (clinical reference 9.7)",
)
SPRAVATO_HK = Source(
    id="spravato-hk-label",
    citation="Spravato Hong Kong label (MIMS): day 1 28 mg for patients >= 65 years, then 28, "
    "56 or 84 mg; 5 min rest between devices",
    url="https://uat.mimsdev.com/hongkong/drug/info/spravato",
)
KETAMINE_PRODUCTS = Source(
    id="ketamine-injection-products",
    citation="Ketamine HCl injection is marketed at 10, 50 and 100 mg/mL (openFDA NDC records, "
    "RxNorm 238082-238084)",
    url="https://api.fda.gov/drug/ndc.json?search=product_ndc%3A%2225021-684%22",
)
DERIVED_MG_CAP = Source(
    id="kclinic-derived-mg-cap",
    citation="Derived: 1.0 mg/kg (Fava 2018 highest studied dose) x 115 kg (NCT05803551 "
    "upper weight) = 115 mg",
    confidence="derived",
    note="no published absolute mg cap for depression infusions exists (clinical reference "
    "1.2); this cap is arithmetic on cited values and the medical director must confirm it",
)


def policy(note: str) -> Source:
    """KCLINIC_POLICY with a note saying what the policy decides and why."""
    return replace(KCLINIC_POLICY, note=note)
