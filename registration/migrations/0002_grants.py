"""What each role may do with representatives and ECOSOC confirmations.

The PGA office and administrators see every representative (their photos and the participant
lists included) and the registration record; reviewers confirm or refuse ECOSOC status and
see those requests, but no representative; Member State delegates see none of it.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = {
    "Reviewers": [
        "view_ecosocconfirmation",
        "decide_ecosocconfirmation",
    ],
    "PGA office": [
        "view_representative",
        "view_registrationevent",
        "view_ecosocconfirmation",
    ],
    "Administrators": [
        "view_representative",
        "view_registrationevent",
        "view_ecosocconfirmation",
    ],
}


def grant(apps, schema_editor):
    # Permissions are normally created after all migrations; the grant needs them now.
    app_config = apps.get_app_config("registration")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    give_registration_to_roles(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


def give_registration_to_roles(Group, Permission):
    """The grant, on whichever models it is given (the tests call it after a flush)."""
    for name, codenames in GRANTS.items():
        group, _created = Group.objects.get_or_create(name=name)
        group.permissions.add(
            *Permission.objects.filter(
                content_type__app_label="registration", codename__in=codenames
            )
        )


def take_back(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codenames in GRANTS.items():
        for group in Group.objects.filter(name=name):
            group.permissions.remove(
                *Permission.objects.filter(
                    content_type__app_label="registration", codename__in=codenames
                )
            )


class Migration(migrations.Migration):
    dependencies = [
        ("registration", "0001_representatives"),
        ("reviews", "0001_roles"),
    ]

    operations = [migrations.RunPython(grant, take_back)]
