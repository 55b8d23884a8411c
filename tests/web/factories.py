"""factory_boy factories for the web tests."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from kclinic.web.accounts.models import Clinic, Role, Site, User
from kclinic.web.patients.models import BodyMeasurement, Patient

PASSWORD = "correct horse battery staple"


class ClinicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Clinic

    name = factory.Sequence(lambda n: f"Clinic {n}")


class SiteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Site

    clinic = factory.SubFactory(ClinicFactory)
    name = factory.Sequence(lambda n: f"Site {n}")
    code = factory.Sequence(lambda n: f"site{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Sam"
    last_name = factory.Sequence(lambda n: f"Staff{n}")
    role = Role.NURSE
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def sites(self, create: bool, extracted: list[Site] | None, **kwargs: object) -> None:
        if create and extracted:
            self.sites.set(extracted)
        if create:
            self.save()


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    site = factory.SubFactory(SiteFactory)
    clinic = factory.SelfAttribute("site.clinic")
    mrn = factory.Sequence(lambda n: f"MRN{n:06d}")
    given_name = "Alex"
    family_name = factory.Sequence(lambda n: f"Patient{n}")
    date_of_birth = dt.date(1980, 5, 17)
    sex = "female"
    created_by = factory.SubFactory(UserFactory)


class MeasurementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BodyMeasurement

    patient = factory.SubFactory(PatientFactory)
    measured_at = factory.LazyFunction(timezone.now)
    weight_kg = "72.50"
    height_cm = "168.0"
    recorded_by = factory.SelfAttribute("patient.created_by")
