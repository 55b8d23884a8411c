"""The de-identified research export: a scan of the CSV and the Parquet file for every direct
identifier of the test patients, date shifting, age bands and permissions."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pyarrow.parquet as pq
import pytest
from django.test import override_settings
from django.urls import reverse

from kclinic.web.audit.models import AuditEvent
from kclinic.web.reports import research
from tests.web.factories import PatientFactory
from tests.web.test_reports_support import (
    a_course,
    at,
    chair_side,
    dose,
    event,
    score,
    sessions,
)

START = dt.date(2025, 4, 7)  # a Monday
DAYS = [START, START + dt.timedelta(days=3), START + dt.timedelta(days=7)]


def _key_with_a_wide_shift(patient) -> str:
    """An export key under which this patient's offset is more than 30 days, so no shifted
    date can fall on a real date of their 10-day record (the scan below looks for every real
    date anywhere in the file)."""
    for n in range(100):
        with override_settings(KCLINIC_RESEARCH_EXPORT_KEY=f"test-key-{n}"):
            if abs(research.shift_days(patient.public_id)) > 30:
                return f"test-key-{n}"
    raise AssertionError("no key found")


@pytest.fixture
def treated(clinic):
    """The clinic's patient with full contact details, a course of 3 sessions (doses, a side
    effect) and three scores; plus a second patient at the same site."""
    patient = clinic.patient
    patient.phone = "+1 555 0199"
    patient.email = "robin.hart@example.org"
    patient.address = "12 Willow Lane\nSpringfield"
    patient.escort_name = "Jamie Hart"
    patient.escort_phone = "+1 555 0123"
    patient.save()
    course = a_course(clinic, patient, START)
    done = sessions(clinic, course, DAYS)
    for planned in done:
        dose(clinic, chair_side(clinic, planned), "35", "70", mg_per_kg="0.5")
    event(clinic, planned.infusion, "Robin felt dissociated; called Jamie at +1 555 0123")
    score(clinic, patient, "phq9", 21, at(START, 8))
    score(clinic, patient, "phq9", 12, at(DAYS[2], 8))
    score(clinic, patient, "gad7", 14, at(START - dt.timedelta(days=4)))
    other = PatientFactory(
        site=clinic.site_a,
        created_by=clinic.prescriber,
        given_name="Morgan",
        family_name="Quill",
        date_of_birth=dt.date(1931, 2, 3),
    )
    a_course(clinic, other, START, modality="esketamine")
    return clinic, course


def _identifiers(patient, course) -> list[str]:
    dob = patient.date_of_birth
    found = [
        patient.given_name,
        patient.family_name,
        patient.mrn,
        patient.phone,
        "555 0199",
        patient.email,
        "Willow Lane",
        "Springfield",
        patient.escort_name,
        "555 0123",
        str(patient.public_id),
        patient.public_id.hex,
        str(course.public_id),
        course.indication_text,
        dob.isoformat(),
        dob.strftime("%m/%d/%Y"),
        dob.strftime("%d/%m/%Y"),
        dob.strftime("%Y%m%d"),
        str(dob.year),
    ]
    real_days = {*DAYS, START - dt.timedelta(days=4)}
    found += [day.isoformat() for day in real_days]
    found += [str(s.public_id) for s in course.sessions.all()]
    return found


def test_csv_and_parquet_contain_no_direct_identifier(treated, login, settings):
    clinic, course = treated
    settings.KCLINIC_RESEARCH_EXPORT_KEY = _key_with_a_wide_shift(clinic.patient)
    client = login(clinic.compliance)
    text = b"".join(client.get(reverse("reports:research_export_csv")).streaming_content)
    parquet = client.get(reverse("reports:research_export_parquet")).content
    table = pq.read_table(io.BytesIO(parquet))
    as_text = text.decode()
    parquet_text = "\n".join(str(v) for column in table.columns for v in column.to_pylist())
    people = [(clinic.patient, course)]
    other = clinic.patient.__class__.objects.get(family_name="Quill")
    people.append((other, other.courses.get()))
    for patient, patient_course in people:
        for identifier in filter(None, _identifiers(patient, patient_course)):
            assert identifier.lower() not in as_text.lower(), identifier
            assert identifier.lower() not in parquet_text.lower(), identifier
            assert identifier.encode() not in parquet, identifier


def _rows(client) -> list[dict[str, str]]:
    text = b"".join(client.get(reverse("reports:research_export_csv")).streaming_content)
    return list(csv.DictReader(io.StringIO(text.decode())))


def test_dates_are_shifted_per_patient_and_intervals_kept(treated, login):
    clinic, _ = treated
    rows = _rows(login(clinic.compliance))
    mine = [r for r in rows if r["modality"] == "iv-racemic"]
    shift = dt.timedelta(days=research.shift_days(clinic.patient.public_id))
    assert shift
    assert {r["subject"] for r in mine} == {research.pseudonym("subject", clinic.patient.public_id)}
    assert {r["course_start"] for r in mine} == {(START + shift).isoformat()}
    sessions_ = [r for r in mine if r["record"] == "session"]
    assert [(r["date"], r["day"], r["session_number"]) for r in sessions_] == [
        ((day + shift).isoformat(), str((day - START).days), str(n))
        for n, day in enumerate(DAYS, start=1)
    ]
    assert [r["dose_mg_per_kg"] for r in sessions_] == ["0.500"] * 3
    assert sessions_[2]["events"] == "dissociation"
    scores = [(r["instrument"], r["total"], r["day"]) for r in mine if r["record"] == "assessment"]
    assert scores == [("gad7", "14", "-4"), ("phq9", "21", "0"), ("phq9", "12", "7")]
    assert {r["age_band"] for r in mine} == {"40-49"}  # born 1980-05-17, course in 2025
    assert [r["record"] for r in mine][:1] == ["course"]
    other = [r for r in rows if r["modality"] == "esketamine"]
    assert [r["record"] for r in other] == ["course"]  # no session or score yet
    assert other[0]["age_band"] == "90+"  # born 1931
    assert other[0]["subject"] != mine[0]["subject"]


def test_shift_is_keyed_nonzero_and_bounded(clinic):
    patient_id = clinic.patient.public_id
    shifts = set()
    for n in range(40):
        with override_settings(KCLINIC_RESEARCH_EXPORT_KEY=f"k{n}"):
            shift = research.shift_days(patient_id)
            assert shift == research.shift_days(patient_id)
        assert 1 <= abs(shift) <= research.MAX_SHIFT_DAYS
        shifts.add(shift)
    assert len(shifts) > 30  # the key, not the patient alone, decides the offset


@pytest.mark.parametrize(
    ("age", "band"), [(17, "under 18"), (18, "18-19"), (19, "18-19"), (20, "20-29"),
                      (44, "40-49"), (89, "80-89"), (90, "90+"), (103, "90+")]
)  # fmt: skip
def test_age_bands(age, band):
    assert research.age_band(age) == band


def test_parquet_has_the_csv_rows(treated, login):
    clinic, _ = treated
    client = login(clinic.compliance)
    rows = _rows(client)
    table = pq.read_table(
        io.BytesIO(client.get(reverse("reports:research_export_parquet")).content)
    )
    assert table.column_names == list(research.COLUMNS)
    assert table.num_rows == len(rows)
    dates = table.column("date").to_pylist()
    assert [d.isoformat() for d in dates] == [r["date"] for r in rows]


def test_export_is_compliance_only_and_audited(treated, login):
    clinic, _ = treated
    for persona in ("prescriber", "nurse", "auditor"):
        client = login(getattr(clinic, persona))
        assert client.get(reverse("reports:research_export_csv")).status_code == 403
    before = AuditEvent.objects.count()
    response = login(clinic.compliance).get(
        reverse("reports:research_export_parquet"), {"route": "iv-racemic"}
    )
    assert response.status_code == 200
    row = AuditEvent.objects.get(seq__gt=before, action="export")
    assert row.object_type == "research_export"
    assert row.detail["format"] == "parquet"
    assert row.detail["route"] == "iv-racemic"
    assert row.patient_public_id is None


def test_export_page_links_downloads_with_the_filters(clinic, login):
    page = login(clinic.compliance).get(reverse("reports:research_export"), {"route": "esketamine"})
    assert page.status_code == 200
    assert "research-export.parquet?route=esketamine" in page.content.decode()
