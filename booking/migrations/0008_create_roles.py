"""The three back-office roles as groups. Give a user one of them in admin (Users); a therapist's
user is also linked from their Therapist record so they see only their own clients."""

from django.db import migrations

ROLES = {
    "Owner": None,  # every permission of the clinic's apps
    "Front desk": {
        "appointment": ["view", "add", "change"],
        "client": ["view", "add", "change"],
        "workinghours": ["view", "add", "change", "delete"],
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
    "Therapist": {
        "appointment": ["view", "change"],
        "intake": ["view"],
        "client": ["view"],
        "workinghours": ["view"],
        "timeoff": ["view"],
        "therapist": ["view"],
        "service": ["view"],
        "serviceoption": ["view"],
    },
}
OWNER_APPS = ["booking", "content", "auth"]


def create_roles(apps, schema_editor):
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():  # permissions exist only after post_migrate
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
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


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("booking", "0007_roles_notes_history"),
        ("content", "0002_load_clinic_pages"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
