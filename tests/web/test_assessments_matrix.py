"""The assessments app's rows of the permission matrix (tests/web/permission_matrix.py adds
them with `assessment_endpoints()`), and a check that every assessments URL has a row.

A function rather than a module-level list so that importing this module (pytest collects it)
does not import permission_matrix half-way through its own import of this module.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from kclinic.web.accounts.policy import Action


def _assessment(clinic: Any) -> dict[str, object]:
    from kclinic.web.assessments.services import record_assessment
    from kclinic.web.audit.services import Actor

    recorded = record_assessment(
        Actor(clinic.nurse), clinic.patient, "gad7", [1] * 7, "pre-session", timezone.now()
    )
    return {"assessment_id": recorded.assessment.public_id}


def _form(items: int, value: str) -> dict[str, object]:
    when = timezone.localtime() - dt.timedelta(minutes=10)
    return {
        "context": "pre-session",
        "administered_at": when.strftime("%Y-%m-%dT%H:%M"),
        "respondent": "patient",
        **{f"item-{n}": value for n in range(1, items + 1)},
    }


def _phq9_form(clinic: Any) -> dict[str, object]:
    return _form(9, "1")


def _gad7_correction_form(clinic: Any) -> dict[str, object]:
    return {**_form(7, "2"), "reason": "Transcribed from the wrong visit"}


def _api_body(clinic: Any) -> dict[str, object]:
    return {"instrument": "phq9", "answers": [1] * 9, "context": "pre-session"}


def _correction(clinic: Any) -> dict[str, object]:
    return {"answers": [2] * 7, "reason": "Transcribed from the wrong visit"}


def assessment_endpoints() -> list[Any]:
    from tests.web.permission_matrix import Endpoint

    phq9 = {"instrument_id": "phq9"}
    return [
        Endpoint("assessments:list", "GET", Action.VIEW_CLINICAL),
        Endpoint("assessments:pick", "GET", Action.RECORD_ASSESSMENT),
        Endpoint("assessments:new", "GET", Action.RECORD_ASSESSMENT, kwargs=lambda c: phq9),
        Endpoint(
            "assessments:new",
            "POST",
            Action.RECORD_ASSESSMENT,
            kwargs=lambda c: phq9,
            data=_phq9_form,
        ),
        Endpoint(
            "assessments:preview",
            "POST",
            Action.RECORD_ASSESSMENT,
            kwargs=lambda c: phq9,
            data=_phq9_form,
        ),
        Endpoint("assessments:detail", "GET", Action.VIEW_CLINICAL, kwargs=_assessment),
        Endpoint("assessments:correct", "GET", Action.RECORD_ASSESSMENT, kwargs=_assessment),
        Endpoint(
            "assessments:correct",
            "POST",
            Action.RECORD_ASSESSMENT,
            kwargs=_assessment,
            data=_gad7_correction_form,
        ),
        Endpoint("api:list_assessments", "GET", Action.VIEW_CLINICAL),
        Endpoint("api:get_assessment", "GET", Action.VIEW_CLINICAL, kwargs=_assessment),
        Endpoint("api:create_assessment", "POST", Action.RECORD_ASSESSMENT, data=_api_body),
        Endpoint(
            "api:correct_assessment",
            "POST",
            Action.RECORD_ASSESSMENT,
            kwargs=_assessment,
            data=_correction,
        ),
    ]


def test_every_assessments_url_has_a_row():
    from tests.web import url_catalogue as catalogue

    names = {e.name for e in assessment_endpoints()}
    ours = {
        name
        for name in set(catalogue.PATIENT) | catalogue.API_PATIENT
        if name.startswith("assessments:")
        or name.endswith("_assessment")
        or name.endswith("_assessments")
    }
    assert ours == names
