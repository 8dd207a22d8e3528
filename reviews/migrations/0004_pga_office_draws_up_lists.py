"""The PGA office draws up, circulates and finalizes the lists for Member States."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    "PGA office": ["draw_up_memberstatelist"],
}


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations; the grant needs them now.
    app_config = apps.get_app_config("reviews")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    give_lists_to_the_office(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


def give_lists_to_the_office(Group, Permission):
    """The grant, on whichever models it is given (the tests call it after a flush)."""
    for name, codenames in GRANTS.items():
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="reviews", codename__in=codenames)
        )


def take_back(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GRANTS.items():
        for group in Group.objects.filter(name=name):
            group.permissions.remove(
                *Permission.objects.filter(
                    content_type__app_label="reviews", codename__in=codenames
                )
            )


class Migration(migrations.Migration):
    dependencies = [("reviews", "0003_member_state_lists")]

    operations = [migrations.RunPython(grant, take_back)]
