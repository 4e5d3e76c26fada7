"""The owner edits the site's words here."""

from django.contrib import admin

from booking.backoffice.roles import RoleAdmin
from content.models import Page


@admin.register(Page)
class PageAdmin(RoleAdmin):
    view_on_site = True
    list_display = ["title", "slug", "updated_at"]
    search_fields = ["title", "body"]
    fields = ["title", "slug", "meta_description", "body"]

    def get_readonly_fields(self, request, obj=None):
        """The site finds its pages by slug: renaming one would take the page off the site."""
        return ["slug"] if obj else []
