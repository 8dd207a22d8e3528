"""Fill the derived names of organizations saved before they were kept on every save."""

from django.db import migrations

from accreditation.names import homepage_domain, normalize_name


def derive(apps, schema_editor):
    Organization = apps.get_model("accreditation", "Organization")
    EcosocOrganization = apps.get_model("accreditation", "EcosocOrganization")
    organizations = list(Organization.objects.only("pk", "name", "homepage"))
    for organization in organizations:
        organization.normalized_name = normalize_name(organization.name)
        organization.homepage_domain = homepage_domain(organization.homepage)
    Organization.objects.bulk_update(
        organizations, ["normalized_name", "homepage_domain"], batch_size=500
    )
    listed = list(EcosocOrganization.objects.only("pk", "name"))
    for row in listed:
        row.normalized_name = normalize_name(row.name)
    EcosocOrganization.objects.bulk_update(listed, ["normalized_name"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("accreditation", "0003_staff_note_role")]

    operations = [migrations.RunPython(derive, migrations.RunPython.noop)]
