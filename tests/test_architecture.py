"""Rules of the codebase that a test can hold."""

import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[1]


def test_booking_never_imports_content():
    offenders = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "booking").rglob("*.py")
        if re.search(r"^\s*(from|import)\s+content\b", path.read_text(), re.MULTILINE)
    ]

    assert offenders == []


@pytest.mark.django_db
def test_every_model_change_has_a_migration():
    out = io.StringIO()

    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()
