"""Published outcome figures to set a clinic's results against (clinical reference section 6),
and the treatment options a patient weighs (the "ketamine and the alternatives" page).

Definitions differ by study (instrument, time point, threshold), so each benchmark says what
it measured and, where a kclinic outcome definition reads the same rule, names it in
`definition_id`: the dashboard shows a benchmark next to the clinic's figure only under the
definition it matches, and lists the rest with their own definitions. Every figure is a
`Cited` value whose source gives the study and where it was read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType
from typing import Final, Literal

from kclinic.domain.sources import Cited, Source

Measure = Literal["response", "remission", "dropout", "adverse_event", "relapse", "sustained"]

ELEKT_D = Source(
    id="elekt-d-2023-result",
    citation="Anand A et al. Ketamine versus ECT for nonpsychotic treatment-resistant major "
    "depression (ELEKT-D). N Engl J Med 2023 (doi:10.1056/NEJMoa2302399): QIDS-SR16 response "
    "55.4% with ketamine (n=195) vs 41.2% with ECT (n=170); difference 14.2 points "
    "(95% CI 3.9-24.2)",
    url="https://pubmed.ncbi.nlm.nih.gov/37224232/",
)
MCINNES = Source(
    id="mcinnes-2022-result",
    citation="McInnes LA et al. J Affect Disord 2022 (Osmind real-world data, 537 analysable "
    "inductions in 178 US practices): PHQ-9 response 53.6%, remission (< 5) 28.9% at 14-31 "
    "days after induction; sustained response about 80% at 4 weeks and 60% at 8 weeks",
    url="https://blossomanalysis.com/papers/a-retrospective-analysis-of-ketamine-intravenous-"
    "therapy-for-depression-in-real-world-care-settings/",
    note="read on a summary page of the paper",
)
OLIVER = Source(
    id="oliver-2022",
    citation="Oliver PA et al. J Clin Psychiatry 2022;83(6):21m14336 (424 TRD patients, one "
    "multisite private clinic): PHQ-9 response 50% and remission 20% within 6 weeks; 72% and "
    "38% after 10 infusions",
)
KEITH = Source(
    id="keith-jcp-result",
    citation="Keith et al., J Clin Psychopharmacol (145 outpatients): 51.7% responders "
    "(PHQ-9 reduction >= 50% or final PHQ-9 < 10)",
    url="https://ouci.dntb.gov.ua/en/?backlinks_to=10.1097%2Fjcp.0000000000001132",
)
ACADEMIC_CLINIC = Source(
    id="academic-clinic-5y",
    citation="Public academic clinic, 5 years of IV low-dose ketamine for TRD (n=71): response "
    "54.9%; mild transient adverse effects 78.3%; dropout 11.3%",
    url="https://www.moreblossom.com/papers/iv-low-dose-ketamine-infusions-for-treatment-"
    "resistant-depression-results-from-a",
)
MURROUGH = Source(
    id="murrough-2013-result",
    citation="Murrough JW et al. Biol Psychiatry 2013;74:250 (n=24, up to 6 infusions over "
    "12 days): MADRS response 70.8%; median time to relapse 18 days",
    url="https://pmc.ncbi.nlm.nih.gov/articles/PMC3725185",
)
PHILLIPS = Source(
    id="phillips-2019-result",
    citation="Phillips JL et al. Am J Psychiatry 2019;176:401 (n=41): 59% MADRS response "
    "after 6 open-label infusions; median 3 infusions to response",
    url="https://pubmed.ncbi.nlm.nih.gov/30922101/",
)
BIO_K = Source(
    id="bio-k-result",
    citation="Bio-K (n=75, 4 US sites, 3 infusions over 11 days): MADRS response 67%, "
    "remission (< 10) 52%",
    note="tagged as read in clinical reference 6.1, which records no address",
)
KETECT = Source(
    id="ketect-2022-result",
    citation="Ekstrand J et al. KetECT. Int J Neuropsychopharmacol 2022;25:339-349 (186 "
    "inpatients): MADRS remission (<= 10) 46% with ketamine vs 63% with ECT; among remitters "
    "70% (ketamine) vs 63% (ECT) relapsed within 12 months",
    url="https://pmc.ncbi.nlm.nih.gov/articles/PMC9154276",
)
TRANSFORM_2 = Source(
    id="transform-2",
    citation="Esketamine TRANSFORM-2, day 28: esketamine plus a new oral antidepressant vs a "
    "new oral antidepressant plus placebo spray: MADRS response 69.3% vs 52.0%, remission "
    "52.5% vs 31.0%",
    url="https://pmc.ncbi.nlm.nih.gov/articles/PMC7894501/table/cpt2024-tbl-0001",
)
TRANSFORM_1 = Source(
    id="transform-1",
    citation="Esketamine TRANSFORM-1, fixed 56 or 84 mg: MADRS response 54.1% and 53.1% vs "
    "38.9%; remission 36.0% and 38.8% vs 30.6% (new oral antidepressant plus placebo)",
    url="https://pmc.ncbi.nlm.nih.gov/articles/PMC7894501/table/cpt2024-tbl-0001",
)
SPRAVATO_AE = Source(
    id="spravato-pi-ae-table",
    citation="Spravato prescribing information, adverse reactions (esketamine plus oral "
    "antidepressant vs placebo plus oral antidepressant): dissociation 41% vs 9%, nausea 28% "
    "vs 9%, blood pressure increased 10% vs 3%",
    url="https://www.spravatohcp.com/safety",
)
ECT_MEMORY = Source(
    id="elekt-d-memory",
    citation="ELEKT-D: ECT was associated with a decrease in memory recall after 3 weeks with "
    "gradual recovery; ketamine with dissociation (clinical reference 4.1 and 6.2)",
    url="https://moreblossom.com/papers/ketamine-versus-ect-for-nonpsychotic-treatment-"
    "resistant-major-depression",
)
REMS_2H = Source(
    id="spravato-rems-2h",
    citation="Spravato REMS: esketamine is given only in a certified setting, with at least 2 "
    "hours of monitoring after each dose, and never dispensed for home use",
    url="https://www.spravatorems.com/outpatient-hcs.html",
)
KETAMINE_ACUTE = Source(
    id="short-2018-acute",
    citation="Short B et al. Lancet Psychiatry 2018;5(1):65-78 (60 studies): the commonest "
    "effects of IV ketamine are headache, dizziness, dissociation, raised blood pressure and "
    "blurred vision",
    url="https://moreblossom.com/papers/side-effects-associated-with-ketamine-use-in-"
    "depression-a-systematic-review",
)
LONG_TERM = Source(
    id="ketamine-long-term-safety",
    citation="Clinical reference 4.3: ketamine uropathy (mostly in recreational daily users), "
    "liver enzyme rises with long or repeated infusions, unknown long-term cognitive effects, "
    "and misuse potential (Schedule III)",
    url="https://www.hkmj.org/abstracts/v28n6/466.htm",
)


@dataclass(frozen=True)
class Benchmark:
    """One published figure: `percent` of `n` (when known) met `measure` as the study defined
    it. `comparator` names the other arm and `comparator_percent` its figure, if any."""

    id: str
    study: str
    treatment: str
    instrument_id: str  # "" for measures without an instrument (dropout, adverse events)
    measure: Measure
    definition: str
    percent: Cited[Decimal]
    timepoint: str
    definition_id: str | None = None
    n: int | None = None
    comparator: str = ""
    comparator_percent: Decimal | None = None
    category: str = ""  # adverse-event category id (kclinic.domain.outcome_stats)
    note: str = ""


def _b(
    id: str,
    study: str,
    treatment: str,
    instrument_id: str,
    measure: Measure,
    definition: str,
    percent: str,
    source: Source,
    timepoint: str,
    *,
    definition_id: str | None = None,
    n: int | None = None,
    comparator: str = "",
    comparator_percent: Decimal | None = None,
    category: str = "",
    note: str = "",
) -> Benchmark:
    return Benchmark(
        id=id,
        study=study,
        treatment=treatment,
        instrument_id=instrument_id,
        measure=measure,
        definition=definition,
        percent=Cited(Decimal(percent), source),
        timepoint=timepoint,
        definition_id=definition_id,
        n=n,
        comparator=comparator,
        comparator_percent=comparator_percent,
        category=category,
        note=note,
    )


IV = "IV racemic ketamine"
PER_PATIENT = "share of patients with the event during the trial, not per 100 sessions"

_BENCHMARKS: Final = (
    _b("mcinnes-phq9-response", "McInnes 2022 (Osmind)", IV, "phq9", "response",
       "PHQ-9 reduction >= 50%", "53.6", MCINNES, "14-31 days after induction",
       definition_id="phq9-mcinnes-2022", n=537),
    _b("mcinnes-phq9-remission", "McInnes 2022 (Osmind)", IV, "phq9", "remission",
       "PHQ-9 < 5", "28.9", MCINNES, "14-31 days after induction",
       definition_id="phq9-mcinnes-2022", n=537),
    _b("oliver-phq9-response", "Oliver 2022", IV, "phq9", "response",
       "PHQ-9 reduction >= 50%", "50", OLIVER, "within 6 weeks",
       definition_id="phq9-mcinnes-2022", n=424),
    _b("oliver-phq9-remission", "Oliver 2022", IV, "phq9", "remission", "PHQ-9 < 5", "20",
       OLIVER, "within 6 weeks", definition_id="phq9-mcinnes-2022", n=424,
       note="remission threshold as read in clinical reference 6.3 (PHQ-9 < 5 assumed)"),
    _b("keith-phq9-response", "Keith et al.", IV, "phq9", "response",
       "PHQ-9 reduction >= 50% or final PHQ-9 < 10", "51.7", KEITH, "end of induction",
       definition_id="phq9-keith", n=145),
    _b("elekt-d-qids-response", "ELEKT-D (Anand 2023)", f"{IV}, 6 infusions over 3 weeks",
       "qids-sr16", "response", "QIDS-SR16 reduction >= 50%", "55.4", ELEKT_D,
       "end of treatment (3 weeks)", definition_id="qids-sr16-star-d", n=195,
       comparator="ECT, 9 sessions", comparator_percent=Decimal("41.2")),
    _b("murrough-madrs-response", "Murrough 2013", f"{IV}, up to 6 infusions", "madrs",
       "response", "MADRS reduction >= 50%", "70.8", MURROUGH, "end of study",
       definition_id="madrs-ketect", n=24),
    _b("phillips-madrs-response", "Phillips 2019", f"{IV}, 6 infusions", "madrs", "response",
       "MADRS reduction >= 50%", "59", PHILLIPS, "after 6 infusions",
       definition_id="madrs-ketect", n=41),
    _b("bio-k-madrs-response", "Bio-K", f"{IV}, 3 infusions", "madrs", "response",
       "MADRS reduction >= 50%", "67", BIO_K, "after 3 infusions",
       definition_id="madrs-bio-k", n=75),
    _b("bio-k-madrs-remission", "Bio-K", f"{IV}, 3 infusions", "madrs", "remission",
       "MADRS < 10", "52", BIO_K, "after 3 infusions", definition_id="madrs-bio-k", n=75),
    _b("ketect-madrs-remission", "KetECT (Ekstrand 2022)", f"{IV}, up to 12 infusions",
       "madrs", "remission", "MADRS <= 10", "46", KETECT, "end of treatment",
       definition_id="madrs-ketect", n=186, comparator="ECT", comparator_percent=Decimal(63),
       note="n is both arms together; inpatients, psychotic depression included"),
    _b("transform-2-madrs-response", "TRANSFORM-2", "Esketamine nasal spray", "madrs",
       "response", "MADRS reduction >= 50%", "69.3", TRANSFORM_2, "day 28",
       comparator="new oral antidepressant plus placebo",
       comparator_percent=Decimal("52.0")),
    _b("transform-2-madrs-remission", "TRANSFORM-2", "Esketamine nasal spray", "madrs",
       "remission", "MADRS remission (threshold as the trial defined it)", "52.5",
       TRANSFORM_2, "day 28", comparator="new oral antidepressant plus placebo",
       comparator_percent=Decimal("31.0")),
    _b("academic-clinic-response", "Public academic clinic (5 years)", IV, "", "response",
       "response (instrument not stated in the reference)", "54.9", ACADEMIC_CLINIC,
       "end of induction", n=71),
    _b("academic-clinic-dropout", "Public academic clinic (5 years)", IV, "", "dropout",
       "stopped before completing treatment", "11.3", ACADEMIC_CLINIC, "whole series", n=71),
    _b("mcinnes-sustained-4w", "McInnes 2022 (Osmind)", IV, "phq9", "sustained",
       "response still met 4 weeks later (about)", "80", MCINNES, "4 weeks after response",
       definition_id="phq9-mcinnes-2022"),
    _b("mcinnes-sustained-8w", "McInnes 2022 (Osmind)", IV, "phq9", "sustained",
       "response still met 8 weeks later (about)", "60", MCINNES, "8 weeks after response",
       definition_id="phq9-mcinnes-2022"),
    _b("ketect-relapse", "KetECT (Ekstrand 2022)", IV, "madrs", "relapse",
       "relapse within 12 months among remitters", "70", KETECT, "12 months",
       comparator="ECT", comparator_percent=Decimal(63)),
    _b("spravato-dissociation", "Spravato label", "Esketamine nasal spray", "",
       "adverse_event", "dissociation", "41", SPRAVATO_AE, "induction trials",
       category="dissociation", comparator="placebo", comparator_percent=Decimal(9),
       note=PER_PATIENT),
    _b("spravato-nausea", "Spravato label", "Esketamine nasal spray", "", "adverse_event",
       "nausea", "28", SPRAVATO_AE, "induction trials", category="nausea",
       comparator="placebo", comparator_percent=Decimal(9), note=PER_PATIENT),
    _b("spravato-bp", "Spravato label", "Esketamine nasal spray", "", "adverse_event",
       "blood pressure increased", "10", SPRAVATO_AE, "induction trials",
       category="hypertension", comparator="placebo", comparator_percent=Decimal(3),
       note=PER_PATIENT),
)  # fmt: skip

BENCHMARKS: Final[Mapping[str, Benchmark]] = MappingProxyType({b.id: b for b in _BENCHMARKS})


def all_benchmarks() -> tuple[Benchmark, ...]:
    return _BENCHMARKS


def benchmarks_for(
    measure: Measure,
    *,
    instrument_id: str | None = None,
    definition_id: str | None = None,
    category: str | None = None,
) -> tuple[Benchmark, ...]:
    """Benchmarks of one measure, narrowed to an instrument, a definition or an adverse-event
    category when given (in the order listed above)."""
    return tuple(
        b
        for b in _BENCHMARKS
        if b.measure == measure
        and (instrument_id is None or b.instrument_id == instrument_id)
        and (definition_id is None or b.definition_id == definition_id)
        and (category is None or b.category == category)
    )


# -- treatment options for shared decision-making --------------------------------------------


@dataclass(frozen=True)
class Figure:
    """One published figure as a patient reads it."""

    text: str
    source: Source


@dataclass(frozen=True)
class TreatmentOption:
    id: str
    name: str
    how: str
    figures: tuple[Figure, ...]
    burdens: tuple[Figure, ...]


TREATMENT_OPTIONS: Final = (
    TreatmentOption(
        "iv-ketamine",
        "Ketamine infusions (IV racemic ketamine)",
        "A drip into a vein over about 40 minutes, usually 6 times over 2-3 weeks, in the "
        "clinic; you need someone to take you home.",
        (
            Figure("In ELEKT-D, 55 of every 100 people improved by half or more after 6 "
                   "infusions (55.4%).", ELEKT_D),
            Figure("In everyday clinics, about 54 in 100 improved by half or more and about "
                   "29 in 100 had few symptoms left 2-4 weeks after the infusions.", MCINNES),
            Figure("In KetECT (people treated in hospital), 46 in 100 had few symptoms left "
                   "at the end of treatment.", KETECT),
        ),
        (
            Figure("Feeling detached or unreal, dizziness, headache and a rise in blood "
                   "pressure during the infusion are common.", KETAMINE_ACUTE),
            Figure("In one clinic's 5-year series, 78 in 100 people had mild side effects "
                   "that passed.", ACADEMIC_CLINIC),
            Figure("Long, frequent use can affect the bladder and the liver, and ketamine can "
                   "be misused; the clinic checks for these over time.", LONG_TERM),
        ),
    ),
    TreatmentOption(
        "esketamine",
        "Esketamine nasal spray (Spravato)",
        "A nasal spray taken in the clinic twice a week for 4 weeks, then weekly or every "
        "2 weeks, together with an antidepressant tablet; you stay at least 2 hours after "
        "each dose.",
        (
            Figure("In TRANSFORM-2, 69 in 100 improved by half or more after 4 weeks "
                   "(69.3%), against 52 in 100 with a new antidepressant tablet alone.",
                   TRANSFORM_2),
            Figure("About 53 in 100 had few symptoms left after 4 weeks (52.5%), against 31 "
                   "in 100 with a new tablet alone.", TRANSFORM_2),
        ),
        (
            Figure("In the trials 41 in 100 felt detached or unreal, 28 in 100 felt sick and "
                   "10 in 100 had a rise in blood pressure.", SPRAVATO_AE),
            Figure("Given only in a certified clinic with at least 2 hours of monitoring "
                   "after each dose.", REMS_2H),
        ),
    ),
    TreatmentOption(
        "ect",
        "Electroconvulsive therapy (ECT)",
        "A brief electrical stimulation of the brain under general anaesthesia, usually "
        "2-3 times a week for several weeks.",
        (
            Figure("In ELEKT-D (outpatients without psychosis), 41 in 100 improved by half "
                   "or more after 3 weeks (41.2%).", ELEKT_D),
            Figure("In KetECT (people treated in hospital), 63 in 100 had few symptoms left "
                   "at the end of treatment.", KETECT),
        ),
        (
            Figure("Memory for recent events often gets worse during the course and "
                   "recovers gradually over the following months.", ECT_MEMORY),
            Figure("About 63 in 100 people whose symptoms cleared had them return within a "
                   "year (70 in 100 after ketamine).", KETECT),
        ),
    ),
    TreatmentOption(
        "antidepressants",
        "Continuing or changing antidepressant tablets",
        "Taking an antidepressant by mouth every day, with regular reviews; no clinic "
        "sessions are needed.",
        (
            Figure("In TRANSFORM-2, people who started a new antidepressant tablet (with a "
                   "dummy spray): 52 in 100 improved by half or more and 31 in 100 had few "
                   "symptoms left after 4 weeks.", TRANSFORM_2),
            Figure("In TRANSFORM-1 the same group did a little less well: 39 in 100 improved "
                   "by half or more and 31 in 100 had few symptoms left.", TRANSFORM_1),
        ),
        (),
    ),
)  # fmt: skip
