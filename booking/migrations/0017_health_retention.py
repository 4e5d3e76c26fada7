"""The retention covers session records and treatment plans as well as intake answers: the
field is renamed, keeping the years the owner set."""

import django.core.validators
from django.db import migrations, models


def _field() -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        default=7,
        help_text=(
            "Intake answers, session records and treatment plans are deleted this long after "
            "the session. Check your state's rules for client records before shortening it."
        ),
        validators=[
            django.core.validators.MinValueValidator(1),
            django.core.validators.MaxValueValidator(30),
        ],
        verbose_name="keep health records for (years)",
    )


class Migration(migrations.Migration):
    dependencies = [
        ("booking", "0016_intake_consent_reconfirmed"),
    ]

    operations = [
        operation
        for model in ("bookingpolicy", "historicalbookingpolicy")
        for operation in (
            migrations.RenameField(model, "intake_retention_years", "health_retention_years"),
            migrations.AlterField(model, "health_retention_years", _field()),
        )
    ]
