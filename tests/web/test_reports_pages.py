"""Reports pages: the dashboard and its CSV (the same numbers as the API), a patient's
outcomes page and summary letter, and the public page on ketamine and the alternatives."""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.test import Client
from django.urls import reverse

from kclinic.web.audit.models import AuditEvent
from tests.web.test_reports_support import build_small_clinic


@pytest.fixture
def small_clinic(clinic):
    return build_small_clinic(clinic)


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_dashboard_page_shows_rates_and_benchmarks_and_audits(small_clinic, login):
    before = AuditEvent.objects.count()
    response = login(small_clinic.prescriber).get(reverse("reports:dashboard"))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-definition="phq9-mcinnes-2022"' in page
    assert "<b>66.7%</b>" in page  # PHQ-9 response 2 of 3
    assert "2/3, 95% CI 20.8–93.9" in page
    assert "53.6%" in page
    assert "McInnes 2022" in page
    assert "41.2%" in page  # ELEKT-D's ECT arm next to the QIDS-SR16 row
    assert 'id="src-elekt-d-2023-result"' in page
    assert re.search(r'data-category="dissociation">.*?<b>6.9</b>', page, re.S)
    view = AuditEvent.objects.filter(seq__gt=before, action="view", object_type="dashboard")
    assert view.get().username == small_clinic.prescriber.username


def test_dashboard_filters_are_applied_and_errors_name_the_field(small_clinic, login):
    client = login(small_clinic.compliance)
    page = client.get(reverse("reports:dashboard"), {"route": "esketamine"}).content.decode()
    assert '<b data-testid="courses">1</b>' in page
    bad = client.get(reverse("reports:dashboard"), {"indication": "F3%"})
    assert bad.status_code == 200
    assert "indication: &#x27;F3%&#x27; is not allowed" in bad.content.decode()
    assert b'data-testid="outcomes"' not in bad.content


def test_csv_and_api_give_the_same_numbers(small_clinic, login):
    client = login(small_clinic.prescriber)
    query = {"date_to": "2025-01-31"}
    rows = _csv(client.get(reverse("reports:dashboard_csv"), query))
    api = client.get(reverse("api:reports_dashboard"), query).json()
    assert rows[0] == api["columns"]
    assert rows[1:] == api["rows"]
    by_measure = {(r[0], r[2], r[3]): r for r in rows[1:]}
    assert by_measure[("outcome", "phq9-mcinnes-2022", "response")][4:7] == ["2", "3", "66.7"]
    assert by_measure[("cohort", "", "dropout")][4:6] == ["1", "5"]
    mcinnes = next(o for o in api["outcomes"] if o["definition"] == "phq9-mcinnes-2022")
    assert mcinnes["response"]["percent"] == "66.7"
    assert api["cohort"]["courses"] == 5
    assert api["filters"]["date_to"] == "2025-01-31"


def test_csv_export_is_audited_as_an_export(small_clinic, login):
    before = AuditEvent.objects.count()
    response = login(small_clinic.compliance).get(reverse("reports:dashboard_csv"))
    assert response["Content-Type"].startswith("text/csv")
    assert AuditEvent.objects.filter(seq__gt=before, action="export", object_type="dashboard")


def test_api_refuses_bad_filters_with_the_envelope(clinic, login):
    response = login(clinic.prescriber).get(reverse("api:reports_dashboard"), {"route": "oral"})
    assert response.status_code == 422
    assert response.json()["error"]["fields"][0]["field"] == "route"


@pytest.mark.parametrize("persona", ["nurse", "front_desk", "auditor", "admin"])
def test_dashboard_is_for_prescribers_and_compliance(clinic, login, persona):
    client = login(getattr(clinic, persona))
    assert client.get(reverse("reports:dashboard")).status_code == 403
    assert client.get(reverse("reports:dashboard_csv")).status_code == 403


def _outcomes_url(clinic, name="reports:patient_outcomes"):
    return reverse(name, kwargs={"patient_id": clinic.patient.public_id})


def test_patient_outcomes_page(small_clinic, login):
    before = AuditEvent.objects.count()
    response = login(small_clinic.nurse).get(_outcomes_url(small_clinic))
    assert response.status_code == 200
    page = response.content.decode()
    assert "HART" in page  # the banner
    assert 'data-testid="chart-c1-phq9"' in page
    assert 'data-testid="threshold-baseline"' in page
    assert "baseline 20" in page
    assert "response ≤ 10 (50% below 20)" in page
    assert "remission &lt; 5" in page
    # PHQ-9 20 -> 8 under McInnes: a response, not a remission, after the 6 sessions.
    assert "8 on 2025-02-06: <b>response</b>" in page
    assert "after 6 sessions" in page
    assert 'data-testid="summary-letter"' in page
    assert AuditEvent.objects.filter(
        seq__gt=before, action="view", patient_public_id=small_clinic.patient.public_id
    )


def test_patient_outcomes_under_another_definition(small_clinic, login):
    client = login(small_clinic.prescriber)
    page = client.get(_outcomes_url(small_clinic), {"definition": "phq9-keith"}).content.decode()
    assert "response ≤ 10 (50% below 20) or &lt; 10" in page
    assert '<option value="phq9-keith" selected>' in page
    assert client.get(_outcomes_url(small_clinic), {"definition": "nope"}).status_code == 404


def test_patient_outcomes_permissions(clinic, login):
    assert login(clinic.front_desk).get(_outcomes_url(clinic)).status_code == 403
    assert login(clinic.other_site_nurse).get(_outcomes_url(clinic)).status_code == 404
    refused_before = AuditEvent.objects.filter(action="view").count()
    login(clinic.front_desk).get(_outcomes_url(clinic))
    assert AuditEvent.objects.filter(action="view").count() == refused_before


def test_summary_letter_pdf(small_clinic, login):
    response = login(small_clinic.prescriber).get(
        _outcomes_url(small_clinic, "reports:summary_letter")
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    pdf = response.content
    assert pdf.startswith(b"%PDF")
    for text in (
        b"Patient: HART, Robin; born 1980-05-17; MRN " + small_clinic.patient.mrn.encode(),
        b"Dear colleague,",
        b"(phq9-mcinnes-2022)",
        b"8 \\(2025-02-06\\),",  # latest PHQ-9 and its date
        b"-60.0%",  # 20 -> 8
        b"Dissociation: 1 session,",
        b"Cumulative ketamine exposure",
        small_clinic.prescriber.signature_name.encode(),
    ):
        assert text in pdf, text


def test_alternatives_page_is_public_and_cited():
    response = Client().get(reverse("reports:alternatives"))
    assert response.status_code == 200
    page = response.content.decode()
    for option in ("iv-ketamine", "esketamine", "ect", "antidepressants"):
        assert f'data-testid="option-{option}"' in page
    for figure in ("55.4%", "41.2%", "69.3%"):
        assert figure in page
    assert "N Engl J Med 2023" in page


def test_every_reports_url_is_classified_and_in_the_matrix():
    from django.urls import get_resolver

    from tests.web import catalogue_reports as catalogue
    from tests.web.permission_matrix import ENDPOINTS

    resolver = get_resolver()
    pages = {
        f"reports:{n}"
        for n in resolver.namespace_dict["reports"][1].reverse_dict
        if isinstance(n, str)
    }
    api = {
        f"api:{n}"
        for n in resolver.namespace_dict["api"][1].reverse_dict
        if isinstance(n, str) and n.startswith("reports_")
    }
    classified = (
        set(catalogue.PATIENT)
        | catalogue.PATIENT_DATA_LIST
        | catalogue.NO_PATIENT_DATA
        | catalogue.API_PATIENT
        | catalogue.API_PATIENT_DATA_LIST
        | catalogue.API_NO_PATIENT_DATA
    )
    assert pages | api == classified
    in_matrix = {e.name for e in ENDPOINTS}
    assert classified - in_matrix == {"reports:alternatives", "api:reports_benchmarks"}
