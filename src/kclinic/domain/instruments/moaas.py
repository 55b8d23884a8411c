"""MOAA/S, the Modified Observer's Assessment of Alertness/Sedation.

Chernik DA et al. J Clin Psychopharmacol 1990;10:244-251. One clinician rating, 0-5, of
how the patient responds to voice and touch (clinical reference 3.4, 5.10).

Versions differ at the bottom of the scale (one uses "does not respond to mild prodding"
for 1, another runs 1-6). kclinic pins the 0-5 version used in esketamine labelling, in
which 1 = responds only after a painful trapezius squeeze and 0 = does not respond to it.
The pin is recorded as the single-choice option "version" so every stored score says which
scale it is on.

The Spravato label calls MOAA/S = 0 loss of consciousness; a score of 0 raises the
`loss_of_consciousness` flag. Escalation thresholds above 0 (e.g. <= 3) are clinic policy
and live in the monitoring protocol, not here.
"""

from __future__ import annotations

from kclinic.domain.instruments.base import (
    LOSS_OF_CONSCIOUSNESS,
    Answers,
    BandTable,
    Choice,
    Instrument,
    Item,
    Licence,
    Option,
    Options,
    Tally,
    bands,
)
from kclinic.domain.sources import Source

CHERNIK_1990 = Source(
    id="chernik-1990",
    citation="Chernik DA et al. J Clin Psychopharmacol 1990;10:244-251 (0-5 version, "
    "0 = no response to painful trapezius squeeze, as tabulated in BMC Anesthesiology 2022)",
    url="https://bmcanesthesiol.biomedcentral.com/articles/10.1186/s12871-022-01788-1/tables/2",
)
SPRAVATO_LOC = Source(
    id="spravato-moaas-loc",
    citation="SPRAVATO (esketamine) prescribing information and HCP safety page: loss of "
    "consciousness defined as MOAA/S = 0; sedation on MOAA/S in 49-61% in trials",
    url="https://www.spravatohcp.com/safety",
)
MOAAS_LICENCE = Source(
    id="moaas-licence",
    citation="MOAA/S: published clinical scale (Chernik 1990); no licence statement found",
    confidence="unverified",
)

# kclinic's own short descriptions of each level (not the published wording).
LEVELS = (
    Choice(5, "responds readily to name in a normal tone"),
    Choice(4, "lethargic response to name in a normal tone"),
    Choice(3, "responds only to name called loudly or repeatedly"),
    Choice(2, "responds only to mild prodding or shaking"),
    Choice(1, "responds only to a painful trapezius squeeze"),
    Choice(0, "no response to a painful trapezius squeeze"),
)

ITEMS = (
    Item(
        id="1",
        short_name="responsiveness",
        values=(0, 1, 2, 3, 4, 5),
        choices=LEVELS,
    ),
)

CHERNIK_BANDS = BandTable(
    name="chernik-1990",
    bands=bands(
        ("unresponsive", 0, 0),
        ("painful stimulus", 1, 1),
        ("prodding", 2, 2),
        ("loud voice", 3, 3),
        ("lethargic", 4, 4),
        ("alert", 5, 5),
    ),
    source=CHERNIK_1990,
)

VERSION = Option(
    name="version",
    choices=("chernik-1990-trapezius",),
    default="chernik-1990-trapezius",
    description="0-5 scale as in esketamine labelling: 1 = responds only after a painful "
    "trapezius squeeze, 0 = no response to it. The 'mild prodding' and 1-6 variants are not "
    "offered, so scores from them cannot be mixed in by mistake.",
    source=CHERNIK_1990,
)


def _score(answers: Answers, options: Options) -> Tally:
    value = answers["1"]
    flags = (LOSS_OF_CONSCIOUSNESS,) if value == 0 else ()
    return Tally(total=value, complete=value is not None, flags=flags)


MOAAS = Instrument(
    id="moaas",
    name="Modified Observer's Assessment of Alertness/Sedation (MOAA/S)",
    respondent="clinician",
    recall_period=None,
    items=ITEMS,
    min_total=0,
    max_total=5,
    licence=Licence(
        status="unknown",
        ships_item_text=False,
        note="Published scale with no licence statement found; kclinic ships its own short "
        "level descriptions, not the published wording",
        source=MOAAS_LICENCE,
    ),
    sources=(CHERNIK_1990, SPRAVATO_LOC),
    scorer=_score,
    band_tables=(CHERNIK_BANDS,),
    default_band_table=CHERNIK_BANDS.name,
    options=(VERSION,),
    description="Sedation, clinician-observed, 5 = alert to 0 = unresponsive to a painful "
    "trapezius squeeze. 0 flags loss of consciousness (Spravato label).",
)
