"""The back office's admin site: Django's, with the list of apps and models each page's
navigation shows kept between requests."""

from django.contrib.admin import AdminSite
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest, HttpResponse

from focusedcare.cache import CATALOG, remembered


class BackOfficeSite(AdminSite):
    def login(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        """A sign-in refused (a wrong password, a blank field) answers 400 with the form and
        its message, as every other refused input does; a locked login is django-axes' 429."""
        response = super().login(request, extra_context)
        if request.method == "POST" and response.status_code == 200:
            response.status_code = 400
        return response

    def get_app_list(self, request: HttpRequest, app_label: str | None = None) -> list[dict]:
        """Built once per set of permissions, not on every page (every admin page lists the
        apps in its navigation; building it was a fifth of the calendar's time). What it shows
        follows the login's permissions, and the catalog (an "add" link for the clinic's one
        settings row while there is none)."""
        user = request.user
        # A superuser may do everything (and has_perm never reads their permissions).
        perms = "all" if user.is_superuser else frozenset(user.get_all_permissions())
        key = ("app list", self.name, app_label, perms)
        build = super().get_app_list
        return remembered(key, lambda: build(request, app_label), CATALOG)


class BackOfficeAdminConfig(AdminConfig):
    default_site = "booking.backoffice.site.BackOfficeSite"
