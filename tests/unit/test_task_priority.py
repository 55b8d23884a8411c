"""Suicide-risk flags make a task urgent; every other flag stays routine."""

from __future__ import annotations

import pytest

from kclinic.domain.instruments import get
from kclinic.domain.task_priority import SOURCES, is_urgent


def test_an_endorsed_phq9_item_9_opens_an_urgent_task():
    (flag,) = get("phq9").score([0] * 8 + [1]).flags
    assert is_urgent(flag)


@pytest.mark.parametrize("flag", ["loss_of_consciousness", "followup", ""])
def test_other_flags_are_routine(flag):
    assert not is_urgent(flag)


def test_the_rule_names_its_sources():
    assert all(source.citation for source in SOURCES)
