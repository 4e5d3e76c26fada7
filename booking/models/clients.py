"""Clients are records matched by email; nobody needs an account to book."""

from django.db import models
from django.db.models.functions import Lower
from simple_history.models import HistoricalRecords


class Client(models.Model):
    name = models.CharField(max_length=120)
    email = models.EmailField(blank=True, help_text="Email or phone: one is enough.")
    phone = models.CharField(max_length=30, blank=True)
    notes = models.TextField("staff notes", blank=True, help_text="Seen by staff only.")
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        permissions = [
            ("export_client", "Can download all of a client's data"),
            ("erase_client", "Can erase a client's personal data"),
        ]
        constraints = [
            models.UniqueConstraint(
                Lower("email"), condition=~models.Q(email=""), name="one_client_per_email"
            ),
            models.CheckConstraint(
                condition=~models.Q(email="", phone=""), name="client_email_or_phone"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email or self.phone}>"
