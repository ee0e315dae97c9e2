"""Groups for the finance roles of the Integrated Care Fund's quarterly monitoring."""

from django.db import migrations

ROLE_NAMES = ["Finance officer", "Finance lead"]


def create_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLE_NAMES:
        Group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [("bury_hc", "0002_role_groups")]
    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
