"""The people who give the massages."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords

from booking.models.catalog import Service


class TherapistQuerySet(models.QuerySet):
    def active(self) -> "TherapistQuerySet":
        return self.filter(is_active=True)


class Therapist(models.Model):
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, unique=True)
    photo = models.ImageField(upload_to="therapists/", blank=True)
    credentials = models.CharField(
        max_length=100, blank=True, help_text="For example: LMT, Pennsylvania licence."
    )
    bio = models.TextField(blank=True, help_text="Markdown.")
    specialties = models.TextField(blank=True, help_text="One per line.")
    services = models.ManyToManyField(Service, related_name="therapists", blank=True)
    is_active = models.BooleanField("taking bookings", default=True)
    order = models.PositiveSmallIntegerField(default=0)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="therapist_profile",
        help_text="The back-office login of this therapist: they see only their own clients.",
    )
    history = HistoricalRecords(excluded_fields=["photo"])

    objects = TherapistQuerySet.as_manager()

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("content:therapist_detail", kwargs={"slug": self.slug})

    @property
    def book_url(self) -> str:
        return f"{reverse('booking:book')}?therapist={self.slug}"

    @property
    def specialties_list(self) -> list[str]:
        return [line.strip() for line in self.specialties.splitlines() if line.strip()]

    @property
    def initials(self) -> str:
        return "".join(part[0] for part in self.name.split()[:2]).upper()
