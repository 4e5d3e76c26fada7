"""The clinic's own details: shown on every page, in emails and in structured data."""

from urllib.parse import quote_plus

from django.db import models
from simple_history.models import HistoricalRecords

# Countries whose numbers are written without their calling code: the North American plan's.
NANP_COUNTRIES = {"US", "CA", "PR", "VI", "GU", "AS", "MP"}


def tel_href(phone: str, country: str = "US") -> str:
    """A `tel:` link in international form (RFC 3966): "(717) 555-0142" in the US gives
    "tel:+17175550142". A number already written with "+" keeps its own country code; one whose
    country code is unknown keeps its digits only. Empty when there is nothing to dial."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if not digits:
        return ""
    if phone.strip().startswith("+"):
        return f"tel:+{digits}"
    if country.upper() in NANP_COUNTRIES:
        if len(digits) == 10:
            return f"tel:+1{digits}"
        if len(digits) == 11 and digits.startswith("1"):
            return f"tel:+{digits}"
    return f"tel:{digits}"


class Clinic(models.Model):
    """One row: the clinic this installation serves. Created by a migration, edited in admin."""

    name = models.CharField(max_length=120)
    tagline = models.CharField(max_length=200, blank=True)
    street_address = models.CharField(max_length=200)
    locality = models.CharField("city", max_length=100)
    region = models.CharField("state", max_length=50)
    postal_code = models.CharField("ZIP code", max_length=20)
    country = models.CharField(max_length=2, default="US", help_text="ISO country code")
    phone = models.CharField(max_length=30)
    email = models.EmailField()
    directions_url = models.URLField(
        blank=True, help_text="A maps link; left empty, one is made from the address."
    )
    hero_image = models.ImageField(
        "home page photo",
        upload_to="clinic/",
        blank=True,
        help_text="A wide photo for the top of the home page (at least 1440 pixels wide, "
        "cropped to 3:2). Left empty, a drawing is shown.",
    )
    hero_image_alt = models.CharField(
        "what the photo shows",
        max_length=200,
        blank=True,
        help_text='For people who cannot see it, e.g. "A treatment room with a massage table".',
    )
    review_url = models.URLField(
        "review link",
        blank=True,
        help_text="Where clients may review the clinic; left empty, no review is asked for. "
        "Asked after a visit, at most once a year per client.",
    )
    history = HistoricalRecords(excluded_fields=["hero_image"])

    class Meta:
        verbose_name = "clinic details"
        verbose_name_plural = "clinic details"

    def __str__(self) -> str:
        return self.name

    @property
    def address_line(self) -> str:
        return f"{self.street_address}, {self.locality}, {self.region} {self.postal_code}"

    @property
    def phone_href(self) -> str:
        """The phone as a link every phone and mail program dials: "tel:+17175550142"."""
        return tel_href(self.phone, self.country)

    @property
    def maps_url(self) -> str:
        if self.directions_url:
            return self.directions_url
        query = quote_plus(f"{self.name}, {self.address_line}")
        return f"https://www.google.com/maps/search/?api=1&query={query}"


class OpeningHours(models.Model):
    """When the clinic's doors are open: shown to clients; therapists' hours live with them."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, "Monday"
        TUESDAY = 1, "Tuesday"
        WEDNESDAY = 2, "Wednesday"
        THURSDAY = 3, "Thursday"
        FRIDAY = 4, "Friday"
        SATURDAY = 5, "Saturday"
        SUNDAY = 6, "Sunday"

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday)
    opens = models.TimeField()
    closes = models.TimeField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["weekday", "opens"]
        verbose_name_plural = "opening hours"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes__gt=models.F("opens")),
                name="opening_hours_close_after_open",
                violation_error_message="Closing time must be after opening time.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"

    @property
    def schema_day(self) -> str:
        return f"https://schema.org/{self.Weekday(self.weekday).label}"
