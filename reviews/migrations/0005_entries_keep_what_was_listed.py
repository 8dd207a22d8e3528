"""A list's entry keeps the organization's name, country and homepage as they were when it
went on the list: what Member States read does not change when a profile does."""

import django_countries.fields
from django.db import migrations, models


def fill(apps, schema_editor):
    ListEntry = apps.get_model("reviews", "ListEntry")
    entries = list(ListEntry.objects.select_related("application__organization"))
    for entry in entries:
        organization = entry.application.organization
        entry.organization_name = organization.name
        entry.country = organization.country
        entry.homepage = organization.homepage
    ListEntry.objects.bulk_update(
        entries, ["organization_name", "country", "homepage"], batch_size=500
    )


class Migration(migrations.Migration):
    dependencies = [("reviews", "0004_pga_office_draws_up_lists")]

    operations = [
        migrations.AddField(
            model_name="listentry",
            name="organization_name",
            field=models.CharField(default="", max_length=300, verbose_name="organization"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="listentry",
            name="country",
            field=django_countries.fields.CountryField(
                default="", max_length=2, verbose_name="country"
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="listentry",
            name="homepage",
            field=models.URLField(blank=True, verbose_name="homepage"),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
