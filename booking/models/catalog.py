"""What the clinic sells: services and their bookable options (duration and price)."""

from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from simple_history.models import HistoricalRecords


class ServiceQuerySet(models.QuerySet):
    def active(self) -> "ServiceQuerySet":
        return self.filter(is_active=True)


class Service(models.Model):
    """A kind of massage, as the guide describes it ("Service" never means code here)."""

    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, unique=True)
    summary = models.CharField(
        max_length=300, help_text="One or two sentences for lists and search."
    )
    description = models.TextField(blank=True, help_text="Markdown.")
    helps_with = models.TextField(
        blank=True, help_text="Back problems this service helps with, one per line."
    )
    guide_advice = models.TextField(
        blank=True, help_text="What the back-pain guide says about it, in the clinic's words."
    )
    guide_anchor = models.SlugField(
        max_length=100, blank=True, help_text="The guide's section about it, e.g. for-nerve-pain."
    )
    buffer_minutes = models.PositiveSmallIntegerField(
        "cleanup buffer (minutes)",
        null=True,
        blank=True,
        help_text="Left empty, the booking policy's buffer applies.",
    )
    is_active = models.BooleanField("offered", default=True)
    order = models.PositiveSmallIntegerField(default=0)

    objects = ServiceQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("content:service_detail", kwargs={"slug": self.slug})

    @property
    def book_url(self) -> str:
        return f"{reverse('booking:book')}?service={self.slug}"

    @property
    def helps_with_list(self) -> list[str]:
        return [line.strip() for line in self.helps_with.splitlines() if line.strip()]


class ServiceOption(models.Model):
    """A bookable length of a service and its price."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="options")
    duration_minutes = models.PositiveSmallIntegerField(validators=[MinValueValidator(5)])
    price = models.DecimalField(max_digits=8, decimal_places=2, validators=[MinValueValidator(0)])
    is_active = models.BooleanField("offered", default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["service__order", "duration_minutes"]
        constraints = [
            models.UniqueConstraint(
                fields=["service", "duration_minutes"], name="one_price_per_service_duration"
            ),
            models.CheckConstraint(
                condition=models.Q(price__gte=0), name="service_option_price_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(duration_minutes__gte=5), name="service_option_has_duration"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service.name}, {self.duration_minutes} min"
