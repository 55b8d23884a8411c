"""The outcomes part of the demo: a QIDS-SR16 beside each baseline and post-induction PHQ-9,
once, through the assessments service; and the dashboard it populates."""

from __future__ import annotations

import random

from django.utils import timezone

from kclinic.domain import instruments
from kclinic.web.accounts.models import Site, User
from kclinic.web.assessments.models import Assessment
from kclinic.web.demo.loader import load
from kclinic.web.demo.outcomes import load_outcomes, qids_answers
from kclinic.web.reports import dashboard as board


def test_qids_answers_add_up_to_the_total_without_item_12():
    rng = random.Random(1)
    qids = instruments.get("qids-sr16")
    for total in range(25):
        answers = qids_answers(total, rng)
        assert answers["12"] == 0
        assert qids.score(answers).total == total


def test_load_outcomes_adds_qids_once_and_fills_the_dashboard(db):
    load(patients_count=8, parts=())  # the patients only
    sites = {site.code: site for site in Site.objects.all()}
    users = {user.username: user for user in User.objects.all()}
    phq9 = Assessment.objects.filter(instrument_id="phq9", context__in=("baseline", "follow-up"))
    first = load_outcomes(timezone.localdate(), sites, users)
    assert first.qids_recorded == phq9.count()
    for score in phq9:
        qids = Assessment.objects.get(
            patient=score.patient, instrument_id="qids-sr16", context=score.context
        )
        # Within a point of the PHQ-9; at most 24 without item 12.
        assert abs(qids.total - min(score.total, 24)) <= 1
        assert qids.flags == []
    again = load_outcomes(timezone.localdate(), sites, users)
    assert (again.qids_recorded, again.followup_tasks) == (0, 0)
    found = board.dashboard(users["prescriber"])
    assert found.counts.courses == 8
    assert {row.instrument_id for row in found.outcomes} <= {"phq9", "qids-sr16"}
