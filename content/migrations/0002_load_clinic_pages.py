"""The clinic's own copy (content/data/*.md) becomes its first pages; the owner edits them in
admin afterwards, so this never overwrites a page that exists."""

from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data"
PAGES = ["home", "back-pain-guide", "about"]


def read_page(slug):
    head, _, body = (DATA / f"{slug}.md").read_text(encoding="utf-8").partition("\n---\n")
    meta = dict(line.split(": ", 1) for line in head.splitlines() if line.strip())
    return {"title": meta["title"], "meta_description": meta["description"], "body": body.strip()}


def load_pages(apps, schema_editor):
    Page = apps.get_model("content", "Page")
    for slug in PAGES:
        Page.objects.get_or_create(slug=slug, defaults=read_page(slug))


def unload_pages(apps, schema_editor):
    apps.get_model("content", "Page").objects.filter(slug__in=PAGES).delete()


class Migration(migrations.Migration):
    dependencies = [("content", "0001_initial")]

    operations = [migrations.RunPython(load_pages, unload_pages)]
