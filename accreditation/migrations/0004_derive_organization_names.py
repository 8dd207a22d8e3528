"""Fill the derived names of organizations saved before they were kept on every save.

The functions are copied here as they stood when this migration was written: a migration
must give the same result whatever ``accreditation.names`` becomes later.
"""

import re
import unicodedata
from urllib.parse import urlsplit

from django.db import migrations

NAME_NOISE = re.compile(r"\([^)]*\)|[^\w\s]", re.UNICODE)
LEADING_ARTICLES = ("the ", "la ", "le ", "les ", "l ")


def normalize_name(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name)
    text = "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()
    text = NAME_NOISE.sub(" ", text)
    text = " ".join(text.split())
    for article in LEADING_ARTICLES:
        if text.startswith(article):
            text = text[len(article) :]
    return text


def homepage_domain(url: str) -> str:
    try:
        host = (urlsplit(url if "://" in url else f"https://{url}").hostname or "").casefold()
    except ValueError:  # "http://[bad": not an address, so no domain to compare
        return ""
    host = host.removeprefix("www.")
    return "" if host in SHARED_HOSTS else host


# Pages on these hosts belong to many organizations: a shared host is no sign of a duplicate.
SHARED_HOSTS = {
    "facebook.com", "m.facebook.com", "twitter.com", "x.com", "linkedin.com", "instagram.com",
    "youtube.com", "sites.google.com", "wordpress.com", "blogspot.com", "wix.com", "tiktok.com",
}  # fmt: skip


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
