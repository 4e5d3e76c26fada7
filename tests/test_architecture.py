"""Rules of the codebase that a test can hold."""

import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[1]


def importers(folder: Path, module: str, skip: Path | None = None) -> list[str]:
    """Files under `folder` (outside `skip`) with an import of `module` or anything in it."""
    pattern = re.compile(rf"^\s*(from|import)\s+{re.escape(module)}\b", re.MULTILINE)
    return [
        str(path.relative_to(ROOT))
        for path in folder.rglob("*.py")
        if (skip is None or skip not in path.parents) and pattern.search(path.read_text())
    ]


def test_booking_never_imports_content():
    assert importers(ROOT / "booking", "content") == []


def test_content_reads_booking_but_never_writes_through_its_services():
    assert importers(ROOT / "content", "booking.services") == []


def test_booking_core_never_imports_the_back_office():
    backoffice = ROOT / "booking" / "backoffice"

    assert importers(ROOT / "booking", "booking.backoffice", skip=backoffice) == []


def test_the_architecture_check_finds_an_import_when_there_is_one():
    assert "booking/backoffice/urls.py" in importers(ROOT / "booking", "booking.backoffice")


@pytest.mark.django_db
def test_every_model_change_has_a_migration():
    out = io.StringIO()

    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()
