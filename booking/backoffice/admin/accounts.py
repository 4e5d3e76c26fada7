"""Staff logins, roles (groups) and locked-out logins, through the same role helper as every
other screen."""

from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User

from booking.backoffice.roles import RoleAdmin

admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class StaffUserAdmin(RoleAdmin, UserAdmin):
    pass


@admin.register(Group)
class RoleGroupAdmin(RoleAdmin, GroupAdmin):
    pass


@admin.register(AccessAttempt)
class LockedOutLoginAdmin(RoleAdmin):
    """Failed staff logins (django-axes): the owner reads them and unlocks a login by deleting
    its row; nobody edits them."""

    list_display = ["username", "ip_address", "failures_since_start", "attempt_time"]
    search_fields = ["username", "ip_address"]
    ordering = ["-attempt_time"]
    readonly_fields = ["username", "ip_address", "user_agent", "path_info", "failures_since_start",
                       "attempt_time"]  # fmt: skip
    fields = readonly_fields
    actions = ["unlock"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Unlock the selected logins", permissions=["delete"])
    def unlock(self, request, queryset) -> None:
        count = queryset.count()
        queryset.delete()
        self.message_user(request, f"{count} login(s) unlocked.")
