"""The citations behind the course templates (clinical reference 1.3, 1.5, 1.7, 8.2).

Published schedules give a frequency and a count of sessions; none gives how far apart two
sessions may be. The interval bounds are therefore kclinic policy, each with a note saying how
it follows from the schedule (three a week without consecutive days is 2 or 3 days apart, as
in Murrough 2013's 6 sessions over 12 days), for the clinic's medical director to review.
"""

from __future__ import annotations

from dataclasses import replace

from kclinic.domain.sources import KCLINIC_POLICY, Source

MURROUGH_2013 = Source(
    id="murrough-2013",
    citation="Murrough JW et al. Biol Psychiatry 2013;74(4):250-256: up to 6 IV infusions, "
    "3 a week over 12 days",
    url="https://pmc.ncbi.nlm.nih.gov/articles/PMC3725185",
)
PHILLIPS_2019 = Source(
    id="phillips-2019",
    citation="Phillips JL et al. Am J Psychiatry 2019;176(5):401-409: 6 open-label IV infusions "
    "3 a week over 2 weeks; responders then had 4 weekly maintenance infusions",
    url="https://pubmed.ncbi.nlm.nih.gov/30922101/",
)
ELEKT_D = Source(
    id="elekt-d-2023",
    citation="Anand A et al. (ELEKT-D) N Engl J Med 2023: 6 IV infusions, 2 a week over 3 weeks",
    url="https://pubmed.ncbi.nlm.nih.gov/37224232/",
    note="Oliver PA et al. J Clin Psychiatry 2022 likewise gave 6 infusions within 21 days",
)
KETECT = Source(
    id="ketect-2022",
    citation="Ekstrand J et al. (KetECT) Int J Neuropsychopharmacol 2022;25(5):339-349: IV "
    "ketamine 3 a week, up to 12 sessions, until remission or maximal effect",
    url="https://pmc.ncbi.nlm.nih.gov/articles/PMC9154276",
)
SPRAVATO_TRD = Source(
    id="spravato-trd-schedule",
    citation="Spravato (esketamine) TRD dosing: induction twice weekly in weeks 1-4; "
    "maintenance once weekly in weeks 5-8; from week 9 every 2 weeks or once weekly, "
    "individualized to the lowest frequency that maintains remission/response",
    url="https://www.spravatohcp.com/trd/dosing-and-administration",
    note="also https://www.oncologynurseadvisor.com/drug/spravato/",
)
SPRAVATO_MDSI = Source(
    id="spravato-mdsi-schedule",
    citation="Spravato (esketamine) MDSI dosing: twice weekly for 4 weeks; treatment beyond "
    "4 weeks has not been systematically evaluated",
    url="https://www.spravatohcp.com/mdsi/dosing-and-administration",
)


def policy(note: str) -> Source:
    """KCLINIC_POLICY with a note saying what the policy decides and why."""
    return replace(KCLINIC_POLICY, note=note)


ALTERNATE_DAYS = policy(
    "3 sessions in every 7 days, never on consecutive days, leaves gaps of 2 or 3 days "
    "(Monday, Wednesday, Friday), which fits Murrough 2013's 6 sessions over 12 days; avoiding "
    "consecutive days is kclinic policy, no source gives an interval"
)
TWICE_WEEKLY_GAPS = policy(
    "two sessions in 7 days, never on consecutive days (kclinic policy, as for 3 a week), "
    "leaves gaps of 2 to 5 days; the reference's Monday/Thursday example gives 3 and 4"
)
WEEKLY_GAPS = policy(
    "weekly sessions may move up to 2 days either way (5 to 9 days apart) for clinic "
    "closures; no source gives a tolerance"
)
WEEKLY_OR_FORTNIGHTLY_GAPS = policy(
    "weekly to every-2-weeks sessions: 5 days (weekly less 2) to 17 days (2 weeks plus 3); "
    "no source gives a tolerance"
)
RACEMIC_ROUTES = policy(
    "the published course schedules are for IV infusions; kclinic offers them for IM and "
    "intranasal racemic ketamine because no course schedule for those routes was found "
    "(clinical reference 1.6 gives single-dose studies only)"
)
