"""Create a group for each role, so every installation has them (not only the demo)."""

from django.db import migrations

ROLE_NAMES = [
    "Programme lead",
    "Locality Board member",
    "Scrutiny officer",
    "Performance analyst",
    "Administrator",
]


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLE_NAMES:
        Group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [("bury_hc", "0001_initial"), ("auth", "0012_alter_user_first_name_max_length")]
    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
