"""Named staff personas: one per role at site A, plus a nurse of site B (another site)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client

from kclinic.web.accounts.models import Role, Site, User
from kclinic.web.patients.models import Patient
from tests.web.factories import PatientFactory, SiteFactory, UserFactory


@dataclass
class Clinic:
    site_a: Site
    site_b: Site
    prescriber: User
    nurse: User
    front_desk: User
    compliance: User
    auditor: User
    admin: User
    other_site_nurse: User
    patient: Patient  # at site A
    other_site_patient: Patient  # at site B

    def staff(self) -> dict[str, User]:
        return {
            "prescriber": self.prescriber,
            "nurse": self.nurse,
            "front_desk": self.front_desk,
            "compliance": self.compliance,
            "auditor": self.auditor,
            "admin": self.admin,
            "other_site_nurse": self.other_site_nurse,
        }


@pytest.fixture
def clinic(db) -> Clinic:
    site_a = SiteFactory(name="North", code="north")
    site_b = SiteFactory(name="South", code="south", clinic=site_a.clinic)

    def member(role: str, site: Site, name: str) -> User:
        return UserFactory(username=name, role=role, sites=[site], credentials="RN")

    prescriber = member(Role.PRESCRIBER, site_a, "dr_lee")
    return Clinic(
        site_a=site_a,
        site_b=site_b,
        prescriber=prescriber,
        nurse=member(Role.NURSE, site_a, "nurse_kim"),
        front_desk=member(Role.FRONT_DESK, site_a, "desk_ray"),
        compliance=member(Role.COMPLIANCE, site_a, "comp_ash"),
        auditor=member(Role.AUDITOR, site_a, "audit_jo"),
        admin=member(Role.ADMIN, site_a, "admin_max"),
        other_site_nurse=member(Role.NURSE, site_b, "nurse_south"),
        patient=PatientFactory(
            site=site_a, created_by=prescriber, given_name="Robin", family_name="Hart"
        ),
        other_site_patient=PatientFactory(site=site_b, created_by=prescriber),
    )


@pytest.fixture
def login():
    """A test client signed in as the given user."""

    def _login(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return _login
