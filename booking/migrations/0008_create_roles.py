"""Once created the back-office roles. Roles are now defined in code
(`booking/backoffice/roles.py`) and synced after every migrate, so this step does nothing."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("booking", "0007_roles_notes_history"),
        ("content", "0002_load_clinic_pages"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(migrations.RunPython.noop, migrations.RunPython.noop)]
