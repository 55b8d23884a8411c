"""MADRS, the Montgomery-Åsberg Depression Rating Scale.

Montgomery SA, Åsberg M. Br J Psychiatry 1979;134:382-389. Ten clinician-rated items, each
0-6 (anchors are defined at 0, 2, 4 and 6; the odd values rate between two anchors, so every
whole number from 0 to 6 is allowed), total 0-60 (clinical reference 5.4).

The wording is copyright of the Royal College of Psychiatrists, which refused permission to an
open-source project, so only item numbers and short names ship; no anchor or item wording is
in this repository.

Severity cut-points disagree between sources, so two named band tables ship: Snaith 1986
(the default: it grades the whole 0-60 range and is the table most often quoted) and Müller
2003 (moderate/severe split at 31 against the CGI). The anhedonia subscale is items 1, 2, 6,
7 and 8. Item 10 (suicidal thoughts) above 0 raises `suicidal_ideation` (kclinic policy).
"""

from __future__ import annotations

from kclinic.domain.instruments.base import (
    SUICIDAL_IDEATION,
    Answers,
    BandTable,
    Instrument,
    Licence,
    Options,
    Tally,
    bands,
    scale_items,
    total_if_complete,
)
from kclinic.domain.sources import KCLINIC_POLICY, Source

MONTGOMERY_1979 = Source(
    id="montgomery-asberg-1979",
    citation="Montgomery SA, Åsberg M. A new depression scale designed to be sensitive to "
    "change. Br J Psychiatry 1979;134:382-389",
    url="https://survey.doctor/articles/what-your-madrs-score-means",
    confidence="secondary",
    note="ten items scored 0-6 with anchors at even values; item list as quoted by a "
    "secondary page",
)
SNAITH_1986 = Source(
    id="snaith-1986",
    citation="Snaith RP et al. Grade scores of the Montgomery-Åsberg Depression and the "
    "Clinical Anxiety Scales. Br J Psychiatry 1986;148:599-601",
    url="https://th4.ilovetranslation.com/J7JCavJZW9A=d",
    confidence="secondary",
    note="0-6 absent, 7-19 mild, 20-34 moderate, 35-60 severe, as quoted by a secondary page",
)
MUELLER_2003 = Source(
    id="mueller-2003",
    citation="Müller MJ, Szegedi A, Kienzle B, Himmerich H. Differentiating moderate and "
    "severe depression using the Montgomery-Asberg depression rating scale (MADRS). "
    "J Affect Disord 2003;77:255-260",
    url="https://pubmed.ncbi.nlm.nih.gov/14612225/",
    confidence="secondary",
    note="only the moderate/severe cut-point (31, against CGI severity) was read, in the "
    "abstract; the full text was not available, so the lower cut-points 7 and 20 are NOT from "
    "this paper: they are carried over from Snaith 1986 so the table covers 0-60",
)
ANHEDONIA_SUBSCALE = Source(
    id="madrs-anhedonia-items",
    citation="MADRS anhedonia subscale: items 1 (apparent sadness), 2 (reported sadness), "
    "6 (concentration difficulties), 7 (lassitude), 8 (inability to feel)",
    url="https://bio-protocol.org/bio101/r9014622",
)
MADRS_LICENCE = Source(
    id="madrs-licence",
    citation="MADRS copyright Royal College of Psychiatrists; permission refused to the "
    "open-source CamCOPS project in 2013 (CamCOPS docs/source/tasks/_tasks_missing.rst); "
    "listed as 'license required' by the German Psychiatric Data Set",
    url="https://simplifier.net/guide/German-Psychiatric-Data-Set/Home/Introduction/"
    "Licenses.page.md?version=current",
)
ITEM10_ROUTING = Source(
    id="madrs-item10-routing",
    citation="kclinic policy: MADRS item 10 (suicidal thoughts) above 0 routes to a suicide "
    "risk assessment, as PHQ-9 item 9 does",
    confidence="policy",
    note="no published routing rule for MADRS item 10 was found; any rating above 0 records "
    "some suicidal thinking, and a missed flag costs more than an extra C-SSRS, so the "
    "threshold is the most conservative one (see KCLINIC_POLICY)",
)

ITEMS = scale_items(
    names=(
        "apparent sadness",
        "reported sadness",
        "inner tension",
        "reduced sleep",
        "reduced appetite",
        "concentration difficulties",
        "lassitude",
        "inability to feel",
        "pessimistic thoughts",
        "suicidal thoughts",
    ),
    values=(0, 1, 2, 3, 4, 5, 6),
)
ITEM_IDS = tuple(item.id for item in ITEMS)
ANHEDONIA_ITEMS = ("1", "2", "6", "7", "8")
SUICIDE_ITEM = "10"

SNAITH = BandTable(
    name="snaith-1986",
    bands=bands(
        ("normal", 0, 6),
        ("mild", 7, 19),
        ("moderate", 20, 34),
        ("severe", 35, 60),
    ),
    source=SNAITH_1986,
)
MUELLER = BandTable(
    name="mueller-2003",
    bands=bands(
        ("normal", 0, 6),
        ("mild", 7, 19),
        ("moderate", 20, 30),
        ("severe", 31, 60),
    ),
    source=MUELLER_2003,
)


def _score(answers: Answers, options: Options) -> Tally:
    item10 = answers[SUICIDE_ITEM]
    flags = (SUICIDAL_IDEATION,) if item10 is not None and item10 > 0 else ()
    total = total_if_complete(answers, ITEM_IDS)
    anhedonia = total_if_complete(answers, ANHEDONIA_ITEMS)
    return Tally(
        total=total,
        complete=total is not None,
        subscales={"anhedonia": anhedonia},
        flags=flags,
    )


MADRS = Instrument(
    id="madrs",
    name="Montgomery-Åsberg Depression Rating Scale (MADRS)",
    respondent="clinician",
    # The reference gives no recall period for the interview, so none is claimed here.
    recall_period=None,
    items=ITEMS,
    min_total=0,
    max_total=60,
    licence=Licence(
        status="copyright-restricted",
        ships_item_text=False,
        note="Copyright Royal College of Psychiatrists; item wording is not in the repository. "
        "Item numbers and short names only, until the clinic holds a licence",
        source=MADRS_LICENCE,
    ),
    sources=(
        MONTGOMERY_1979,
        SNAITH_1986,
        MUELLER_2003,
        ANHEDONIA_SUBSCALE,
        ITEM10_ROUTING,
        KCLINIC_POLICY,
    ),
    scorer=_score,
    band_tables=(SNAITH, MUELLER),
    default_band_table=SNAITH.name,
    description="Depression severity, clinician-rated from interview. Item 10 > 0 flags "
    "suicidal ideation.",
)
