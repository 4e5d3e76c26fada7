"""Clients are records matched by email; nobody needs an account to book."""

from django.db import models
from django.db.models.functions import Lower


class Client(models.Model):
    name = models.CharField(max_length=120)
    email = models.EmailField()
    phone = models.CharField(max_length=30)
    notes = models.TextField("staff notes", blank=True, help_text="Seen by staff only.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="one_client_per_email"),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"
