"""The demo's outcomes: a QIDS-SR16 next to each baseline and post-induction PHQ-9, so the
dashboard can set the clinic against ELEKT-D (QIDS-SR16 response 55.4% with ketamine, 41.2%
with ECT) as well as the real-world PHQ-9 figures; then one run of the long-term safety
follow-up, so patients whose records meet a rule (urinary symptoms reported through the
portal, for instance) have their follow-up task.

A QIDS-SR16 total tracks the same patient's PHQ-9 total (both 0-27) within a point, up to
24: no item 12 (thoughts of death) is endorsed, so the demo raises no safety task from it.
Everything goes through the services. Idempotent: a patient who already has a QIDS-SR16 gets
no more, and the follow-up opens each task once.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction

from kclinic.web.accounts.models import Site, User
from kclinic.web.assessments.models import Assessment
from kclinic.web.assessments.services import record_assessment
from kclinic.web.audit.services import Actor
from kclinic.web.reports.safety import run_safety_followup

SEED = 2026_06
NURSES = {"north": "nurse", "south": "nurse3"}
# The QIDS-SR16 domains a demo answer may use (item ids), leaving out item 12.
DOMAIN_ITEMS = ("1", "5", "6", "10", "11", "13", "14", "15")


@dataclass(frozen=True)
class OutcomesLoadReport:
    qids_recorded: int
    followup_tasks: int


def qids_answers(total: int, rng: random.Random) -> dict[str, int]:
    """QIDS-SR16 answers whose total (the sum of the nine domain maxima) is `total`, 0-24."""
    total = max(0, min(3 * len(DOMAIN_ITEMS), total))
    answers = {str(n): 0 for n in range(1, 17)}
    remaining = total
    while remaining:
        item = rng.choice(DOMAIN_ITEMS)
        if answers[item] < 3:
            answers[item] += 1
            remaining -= 1
    return answers


def load_outcomes(
    today: date, sites: dict[str, Site], users: dict[str, User]
) -> OutcomesLoadReport:
    """Load the outcomes demo data for the demo sites (see the module docstring)."""
    rng = random.Random(SEED)
    recorded = 0
    for code, site in sorted(sites.items()):
        nurse = users.get(NURSES.get(code, ""))
        if nurse is None:
            continue
        scored = Assessment.objects.filter(
            patient__site=site, instrument_id="phq9", context__in=("baseline", "follow-up")
        ).order_by("patient_id", "administered_at")
        done = set(
            Assessment.objects.filter(patient__site=site, instrument_id="qids-sr16").values_list(
                "patient_id", flat=True
            )
        )
        for phq9 in scored.select_related("patient"):
            if phq9.patient_id in done or phq9.total is None:
                continue
            total = phq9.total + rng.choice((-1, 0, 0, 1))
            with transaction.atomic():
                record_assessment(
                    Actor(nurse),
                    phq9.patient,
                    "qids-sr16",
                    qids_answers(total, rng),
                    phq9.context,
                    phq9.administered_at + timedelta(minutes=5),
                    respondent="patient",
                )
            recorded += 1
    run = run_safety_followup(today)
    return OutcomesLoadReport(qids_recorded=recorded, followup_tasks=run.opened)
