"""One factory per model, with deterministic values."""

from decimal import Decimal

import factory

from booking.models import Service, ServiceOption, Therapist


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    name = factory.Sequence(lambda n: f"Service {n}")
    slug = factory.Sequence(lambda n: f"service-{n}")
    summary = "A massage that helps."
    helps_with = "Stiffness\nKnots"
    guide_advice = "What the guide says."


class ServiceOptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceOption

    service = factory.SubFactory(ServiceFactory)
    duration_minutes = 60
    price = Decimal("90.00")


class TherapistFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Therapist
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Therapist Number{n}")
    slug = factory.Sequence(lambda n: f"therapist-{n}")
    bio = "Listens first."
    specialties = "Deep tissue\nPosture"

    @factory.post_generation
    def services(self, create, extracted, **kwargs):
        if create and extracted:
            self.services.set(extracted)
