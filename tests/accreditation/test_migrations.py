"""Data migrations, run forward on rows as an earlier version left them."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from accreditation.models import EcosocOrganization, Organization
from tests.factories import OrganizationFactory

BEFORE = [("accreditation", "0003_staff_note_role")]
AFTER = [("accreditation", "0004_derive_organization_names")]


@pytest.mark.django_db(transaction=True)
def test_organizations_saved_before_get_their_derived_names():
    organization = OrganizationFactory(
        name="The Migrant-Voices Network", homepage="www.mvn.example"
    )
    EcosocOrganization.objects.create(name="Réseau Femmes")
    Organization.objects.update(normalized_name="", homepage_domain="")
    EcosocOrganization.objects.update(normalized_name="")
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    executor.loader.build_graph()

    executor.migrate(AFTER)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())  # back to where the other tests expect

    organization.refresh_from_db()
    assert (organization.normalized_name, organization.homepage_domain) == (
        "migrant voices network",
        "mvn.example",
    )
    assert EcosocOrganization.objects.get().normalized_name == "reseau femmes"
