"""Pages whose words the owner edits in admin: the guide, the home introduction, about."""

from django.db import models
from django.urls import reverse

from content.markdown import Rendered, render_markdown


class Page(models.Model):
    slug = models.SlugField(
        max_length=100, unique=True, help_text="Fixed: the site looks pages up by it."
    )
    title = models.CharField(max_length=200)
    meta_description = models.CharField(
        max_length=300, help_text="What search engines show under the title (about 155 characters)."
    )
    body = models.TextField(help_text="Markdown.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        names = {
            "home": "content:home",
            "back-pain-guide": "content:guide",
            "about": "content:about",
        }
        return reverse(names.get(self.slug, "content:home"))

    def rendered(self) -> Rendered:
        return render_markdown(self.body, cache_key=f"page:{self.pk}:{self.updated_at.timestamp()}")
