"""Administrators no longer change organizations' profiles: what reviewers read is what the
applicant submitted. (0001 now leaves the permission out; this takes it from groups made
before.)"""

from django.db import migrations


def take_back(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    change = Permission.objects.filter(
        content_type__app_label="accreditation", codename="change_organization"
    )
    for group in Group.objects.filter(name="Administrators"):
        group.permissions.remove(*change)


class Migration(migrations.Migration):
    dependencies = [("reviews", "0001_roles")]

    operations = [migrations.RunPython(take_back, migrations.RunPython.noop)]
