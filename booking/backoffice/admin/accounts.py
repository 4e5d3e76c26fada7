"""Staff logins and roles (groups), through the same role helper as every other screen."""

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
