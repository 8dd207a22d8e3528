"""The roles, as groups with their permissions.

Reviewers screen applications; the PGA office reads them (and, later, draws up
the lists); Member State delegates have no staff permission at all; Administrators
configure calls, meetings, venues and people.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = {
    "Reviewers": [
        "accreditation.view_application",
        "accreditation.review_application",
        "accreditation.view_organization",
        "accreditation.view_document",
        "accreditation.view_statuschange",
        "accreditation.view_documentevent",
        "accreditation.view_staffnote",
        "accreditation.add_staffnote",
        "accreditation.view_ecosocorganization",
        "accreditation.add_ecosocorganization",
        "events.view_call",
        "events.view_meeting",
        "events.view_venue",
    ],
    "PGA office": [
        "accreditation.view_application",
        "accreditation.view_organization",
        "accreditation.view_document",
        "accreditation.view_statuschange",
        "accreditation.view_staffnote",
        "accreditation.add_staffnote",
        "events.view_call",
        "events.view_meeting",
        "events.view_venue",
    ],
    "Member State delegates": [],
    "Administrators": [
        "events.add_call", "events.change_call", "events.view_call", "events.delete_call",
        "events.add_meeting", "events.change_meeting", "events.view_meeting", "events.delete_meeting",
        "events.add_venue", "events.change_venue", "events.view_venue", "events.delete_venue",
        "accounts.add_user", "accounts.change_user", "accounts.view_user",
        "accounts.view_securityevent",
        "auth.view_group",
        "accreditation.view_application",
        "accreditation.view_organization",
        "accreditation.view_statuschange", "accreditation.view_documentevent",
        "accreditation.view_ecosocorganization", "accreditation.add_ecosocorganization",
    ],
}  # fmt: skip


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations; these groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    set_up_roles(apps.get_model("auth", "Group"), apps.get_model("auth", "Permission"))


def set_up_roles(Group, Permission):
    """Each role's group with exactly its permissions (the tests call it after a flush)."""
    for name, codenames in ROLES.items():
        group, _created = Group.objects.get_or_create(name=name)
        permissions = [
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
            for app_label, codename in (entry.split(".") for entry in codenames)
        ]
        group.permissions.set(permissions)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("accounts", "0003_second_factor_failures_on_the_row"),
        ("events", "0002_call_reason_word_limit"),
        ("accreditation", "0002_review_records"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
