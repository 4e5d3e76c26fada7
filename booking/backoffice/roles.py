"""Who may see and do what in the back office: the one helper every staff screen goes through.

Roles are groups of Django permissions, defined here and brought up to date after every
`migrate`. On top of permissions, a therapist is limited to their own rows (appointments,
clients, intakes, hours, time off) in lists, searches, inlines, history, exports and by URL,
where another therapist's row answers 403. Every ModelAdmin subclasses `RoleAdmin`, every inline
`RoleInline`, and every custom view is wrapped by `staff_view`.
"""

from collections.abc import Callable
from datetime import datetime
from functools import wraps

from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.utils import unquote
from django.contrib.auth.models import AbstractBaseUser, Group, Permission
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import models
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from booking.clock import EARLIEST, LATEST, clinic_time, within_clinic_years
from booking.exceptions import BookingError
from booking.models import Therapist

OWNER, FRONT_DESK, THERAPIST = "Owner", "Front desk", "Therapist"

# Model name -> permissions, per role. The owner holds every permission of these apps.
OWNER_APPS = ["booking", "content", "auth", "axes"]
ROLES: dict[str, dict[str, list[str]] | None] = {
    OWNER: None,
    FRONT_DESK: {
        "appointment": ["view", "add", "change", "record_outcome"],
        "client": ["view", "add", "change"],
        "workinghours": ["view", "add", "change", "delete"],
        "extrashift": ["view", "add", "change", "delete"],
        "timeoff": ["view", "add", "change", "delete"],
        "clinicclosure": ["view", "add", "change", "delete"],
        "therapist": ["view"],
        "service": ["view"],
        "serviceoption": ["view"],
        "clinic": ["view"],
        "outboundemail": ["view"],
        "giftcertificate": ["view", "change"],
        "giftledgerentry": ["view"],
    },
    THERAPIST: {
        "appointment": ["view", "record_outcome"],
        "intake": ["view"],
        # The session record and plan: the treating therapist's (limited to their own rows by
        # the admins' therapist_path) and the owner's; never the front desk's.
        "sessionrecord": ["view", "add", "change"],
        "sessionaddendum": ["view", "add"],
        "treatmentplan": ["view", "add", "change"],
        "client": ["view"],
        "workinghours": ["view"],
        "extrashift": ["view"],
        "timeoff": ["view"],
        "therapist": ["view"],
        "service": ["view"],
        "serviceoption": ["view"],
    },
}


def sync_roles(**kwargs) -> None:
    """Create the role groups and set exactly their permissions; running it again changes
    nothing. Connected to `post_migrate`, so a new permission reaches its roles on deploy."""
    for name, grants in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        if grants is None:
            permissions = Permission.objects.filter(content_type__app_label__in=OWNER_APPS)
        else:
            codenames = [f"{verb}_{model}" for model, verbs in grants.items() for verb in verbs]
            permissions = Permission.objects.filter(
                content_type__app_label="booking", codename__in=codenames
            )
        group.permissions.set(permissions)


def own_therapist(user: AbstractBaseUser) -> Therapist | None:
    """The therapist this user is, when their role limits them to their own clients."""
    if not user.is_authenticated or user.is_superuser:
        return None
    cached = getattr(user, "_own_therapist", False)
    if cached is not False:
        return cached
    roles = set(user.groups.values_list("name", flat=True))
    therapist = None
    if THERAPIST in roles and not roles & {OWNER, FRONT_DESK}:
        # A therapist login not linked to a therapist sees nobody's clients, not everybody's.
        therapist = Therapist.objects.filter(user=user).first() or Therapist(
            pk=0, name="(not linked)"
        )
    user._own_therapist = therapist
    return therapist


def limit_to_own(
    user: AbstractBaseUser, queryset: QuerySet, therapist_path: str | None
) -> QuerySet:
    """`queryset` as this user may see it; `therapist_path` leads from its rows to a therapist
    (None: rows that belong to no therapist, which every role with the permission sees)."""
    therapist = own_therapist(user)
    if therapist is None or therapist_path is None:
        return queryset
    return queryset.filter(**{therapist_path: therapist.pk}).distinct()


def sees_gift_codes(user: AbstractBaseUser) -> bool:
    """Whole gift codes are for staff who handle certificates; others see the last four."""
    return user.has_perm("booking.view_giftcertificate")


# A date part in a list's filter (`created_at__year=...`, the date drill-down's links): a year
# the calendar cannot hold fails deep in the database, not as a refused filter.
DATE_PARTS = {"year": (EARLIEST.year, LATEST.year), "month": (1, 12), "day": (1, 31)}


def refused_list_address(params: QueryDict) -> str | None:
    """Why a list's filters cannot be followed, or None. PostgreSQL text holds no NUL (a filter
    on a choice field with one was a 500), and a date part must be one a calendar has."""
    for name, values in params.lists():
        for value in values:
            if "\x00" in name or "\x00" in value:
                return "A filter can't hold a NUL character. Choose the filter again from the list."
            part = name.rsplit("__", 1)[-1]
            if name != part and part in DATE_PARTS:
                low, high = DATE_PARTS[part]
                if not (value.isascii() and value.isdigit() and low <= int(value) <= high):
                    return f"Choose a {part} between {low} and {high}."
    return None


def _moment(text: str) -> datetime | None:
    """A date and time typed in an address, on the clinic's clock unless it names its offset;
    None when it is not one, or not in the years a calendar holds."""
    try:
        moment = parse_datetime(text)
        if moment is None:
            return None
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        within_clinic_years(moment)
    except (ValueError, OverflowError, ValidationError):
        return None
    return moment


NOT_ROWS = "Tick the rows to act on in the list: that selection is not one of its rows."


def are_row_ids(model: type[models.Model], values: list[str]) -> bool:
    """Whether each value could be the id of a row of `model` (a number, for these tables):
    anything else made Django's own actions, and the history's version page, a 500."""
    for value in values:
        try:
            model._meta.pk.to_python(value)
        except ValidationError:
            return False
    return True


class BoundedDates:
    """Mixin for every admin and inline: a date typed outside the years a clinic's calendar can
    hold is a form error, not an overflow in the database (booking.clock.within_clinic_years)."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)  # type: ignore[misc]
        if field is not None and isinstance(db_field, models.DateField):  # and DateTimeField
            field.validators = [*field.validators, within_clinic_years]
        return field


class RoleInline(BoundedDates):
    """Mixin for every inline: rows filtered like its admin's, permissions asked of Django."""

    therapist_path: str | None = None

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return limit_to_own(request.user, super().get_queryset(request), self.therapist_path)


class TabularInline(RoleInline, admin.TabularInline):
    pass


class StackedInline(RoleInline, admin.StackedInline):
    pass


class LocalTimeHistory(HistoricalRecordContextHelper):
    """History's "what changed" in the clinic's time, not UTC."""

    def prepare_delta_change_value(self, change, value):
        value = super().prepare_delta_change_value(change, value)
        return clinic_time(value) if isinstance(value, datetime) else value


class RoleAdmin(BoundedDates, SimpleHistoryAdmin):
    """Base of every ModelAdmin. Rows a therapist may not see are absent from lists and
    searches and answer 403 by URL, history and history versions included. History is
    read-only unless `allow_revert` (appointments and gift certificates change only through
    their services). "View on site" is off unless the admin turns it on for a public page."""

    therapist_path: str | None = None
    allow_revert = True
    view_on_site = False

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return limit_to_own(request.user, super().get_queryset(request), self.therapist_path)

    def get_object(self, request: HttpRequest, object_id: str, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None and own_therapist(request.user) is not None:
            manager = self.model._default_manager
            try:
                exists = manager.filter(pk=object_id).exists()
            except (ValueError, TypeError):
                exists = False
            if exists:
                raise PermissionDenied
        return obj

    def get_search_results(self, request, queryset, search_term):
        """Nothing matches a NUL (PostgreSQL text cannot hold one: searching with it was a
        500, in lists and in the autocomplete of other screens' fields alike)."""
        if "\x00" in search_term:
            return queryset.none(), False
        return super().get_search_results(request, queryset, search_term)

    def get_changeform_initial_data(self, request: HttpRequest) -> dict:
        """Values an add form's address fills in: a date and time is read as one (Django's
        split date-time widget fails on text), and left out when it is not one a calendar
        can hold."""
        initial = super().get_changeform_initial_data(request)
        for name, value in list(initial.items()):
            try:
                field = self.model._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            if isinstance(field, models.DateTimeField) and isinstance(value, str):
                moment = _moment(value)
                if moment is None:
                    del initial[name]
                else:
                    initial[name] = moment
        return initial

    def visible_object(self, request: HttpRequest, object_id: str):
        """The object as this user may see it: 403 when it is another therapist's, 404 when
        there is no such object."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        return obj

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        """No Save buttons on a page where nothing can be edited (actions are its buttons). A
        form shown again after a save answers 400, as every other refused input does: Django
        renders it only when the form or an inline did not validate."""
        editable = context["adminform"].form.fields or any(
            formset.formset.forms or formset.formset.extra
            for formset in context.get("inline_admin_formsets", [])
            if formset.has_add_permission or formset.has_change_permission
        )
        if change and not editable:
            context.update(
                show_save=False, show_save_and_continue=False, show_save_and_add_another=False
            )
        response = super().render_change_form(request, context, add, change, form_url, obj)
        if request.method == "POST":  # a save that was refused: the form shows why
            response.status_code = 400
        return response

    def changelist_view(self, request, extra_context=None):
        """A list edited in place whose rows did not validate answers 400 (the rows say why),
        as does an address whose filters the database cannot take."""
        refusal = refused_list_address(request.GET)
        ticked = request.POST.getlist(ACTION_CHECKBOX_NAME)
        if refusal is None and request.method == "POST" and not are_row_ids(self.model, ticked):
            refusal = NOT_ROWS
        if refusal is not None:
            context = {
                **self.admin_site.each_context(request),
                "title": "That list can't be shown",
                "message": refusal,
            }
            return TemplateResponse(request, "admin/booking/bad_request.html", context, status=400)
        response = super().changelist_view(request, extra_context)
        listed = getattr(response, "context_data", None) or {}
        formset = getattr(listed.get("cl"), "formset", None)
        if request.method == "POST" and formset is not None and not formset.is_valid():
            response.status_code = 400
        return response

    def history_view(self, request, object_id, extra_context=None):
        self.visible_object(request, object_id)
        if not self.has_history:
            return super(SimpleHistoryAdmin, self).history_view(request, object_id, extra_context)
        return super().history_view(request, object_id, extra_context=extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        """One past version: only of a row this user may see, and saved (a revert) only when
        this admin allows reverts and the user may change the row. A version id that is not
        one (letters, a NUL) is a 404, not the library's 500."""
        obj = self.visible_object(request, object_id)
        if not are_row_ids(self.model.history.model, [version_id]):
            raise Http404("No such version.")
        if request.method == "POST" and self.revert_disabled(request, obj):
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def apply_each(self, request, queryset, apply: Callable, done: str, name=str) -> None:
        """An admin action: `apply` each selected row through its service; one message for
        what was done ("3 <done>") and one per row the service refused, saying why."""
        count = 0
        for obj in queryset:
            try:
                apply(obj)
                count += 1
            except BookingError as error:
                self.message_user(request, f"{name(obj)}: {error.message}", messages.WARNING)
        self.message_user(request, f"{count} {done}.", messages.SUCCESS)

    def get_historical_record_context_helper(self, request, historical_record):
        return LocalTimeHistory(self.model, historical_record)

    def revert_disabled(self, request, obj=None) -> bool:
        return (
            not self.allow_revert
            or not self.has_change_permission(request, obj)
            or super().revert_disabled(request, obj)
        )

    @property
    def has_history(self) -> bool:
        return hasattr(self.model._meta, "simple_history_manager_attribute")

    def get_urls(self):
        if not self.has_history:  # Django's own log of admin changes, no versions to serve
            return super(SimpleHistoryAdmin, self).get_urls()
        return super().get_urls()


def staff_view(permission: str) -> Callable:
    """For the back office's own pages: staff with `permission`, or 403. (Login and staff
    status are checked by `admin_site.admin_view`, which wraps these in the urls.)"""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def checked(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.has_perm(permission):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return checked

    return decorator
