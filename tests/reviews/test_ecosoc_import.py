"""The ECOSOC import reads the usual spellings of its columns, shows what it would change,
and replaces the list only when that preview is confirmed by someone allowed to import."""

import html
import re

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.roles import PGA_OFFICE, REVIEWERS
from accreditation.models import EcosocOrganization
from reviews import services as review_services
from tests.factories import UserFactory
from tests.helpers import sign_in

pytestmark = pytest.mark.django_db

IMPORT_ECOSOC = reverse("admin:accreditation_application_import_ecosoc")
CHANGELIST = reverse("admin:accreditation_application_changelist")
SESSION_KEY = "ecosoc_import"


def upload(client, text, *, name="ecosoc.csv"):
    return client.post(
        IMPORT_ECOSOC,
        {"file": SimpleUploadedFile(name, text.encode(), content_type="text/csv")},
        follow=True,
    )


def confirm(client, import_id):
    return client.post(IMPORT_ECOSOC, {"import_id": import_id, "_confirm": "1"}, follow=True)


def cancel(client, import_id):
    return client.post(IMPORT_ECOSOC, {"import_id": import_id, "_cancel": "1"}, follow=True)


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


def ecosoc_list():
    return sorted(EcosocOrganization.objects.values_list("name", "country", "status"))


def names_in(page, section):
    block = re.search(rf'<div class="module" id="ecosoc-{section}">(.*?)</div>', page, re.S)
    return [html.unescape(name) for name in re.findall(r"<li>(.*?)</li>", block.group(1))]


def heading_of(page, section):
    block = re.search(rf'<div class="module" id="ecosoc-{section}">\s*<h2>(.*?)</h2>', page, re.S)
    return " ".join(block.group(1).split())


def keep(*names):
    review_services.import_ecosoc_list(
        text="name,country,status\n" + "".join(f"{name},Kenya,Special\n" for name in names)
    )


@pytest.fixture
def reviewer_client(client):
    reviewer = UserFactory(is_staff=True, email="reviewer@un.example.org")
    reviewer.groups.add(Group.objects.get(name=REVIEWERS))
    sign_in(client, reviewer)
    client.user = reviewer
    return client


# The usual spellings of the columns ----------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        "Organization Name,Country,Consultative status",
        "Organisation name,Country/Area,Status",
        "organization,country,status",
        "NAME,COUNTRY,STATUS",
        "  Name  ,  Country / Area ,  CONSULTATIVE STATUS  ",
        "\ufeffOrganization Name,Country/Area,Consultative Status",
        "\ufeff\ufeffORGANISATION,country,status",
    ],
)
def test_the_usual_spellings_of_the_columns_are_read(reviewer_client, header):
    preview = upload(reviewer_client, f"{header}\nOcean Guardians,Chile,Special\n")
    confirm(reviewer_client, preview.context["import_id"])

    assert ecosoc_list() == [("Ocean Guardians", "Chile", "Special")]


def test_a_file_without_any_spelling_of_a_name_column_is_still_refused(reviewer_client):
    response = upload(reviewer_client, "Title,Country\nOcean Guardians,Chile\n")

    assert response.context["form"].errors == {
        "file": ["The file has no “name” column. Expected columns: name, country, status."]
    }
    assert SESSION_KEY not in reviewer_client.session


# The preview ------------------------------------------------------------------------------------


def test_the_preview_counts_and_names_what_is_added_removed_and_unchanged(reviewer_client):
    keep("Migrant Voices Network", "Pacific Youth Forum", "Old Society")

    response = upload(
        reviewer_client,
        "Organization Name,Country,Status\n"
        "The Migrant-Voices Network (MVN),Kenya,Special\n"  # the same, spelled otherwise
        "Pacific Youth Forum,Fiji,Roster\n"
        "Ocean Guardians,Chile,General\n"
        ",Chile,General\n",
    )
    page = response.content.decode()

    preview = response.context["preview"]
    assert (preview.added, preview.removed, preview.unchanged, preview.skipped) == (1, 1, 2, 1)
    assert heading_of(page, "added") == "1 organization added"
    assert heading_of(page, "removed") == "1 organization removed"
    assert heading_of(page, "unchanged") == "2 organizations unchanged"
    assert names_in(page, "added") == ["Ocean Guardians"]
    assert names_in(page, "removed") == ["Old Society"]
    assert names_in(page, "unchanged") == [
        "Pacific Youth Forum",
        "The Migrant-Voices Network (MVN)",
    ]
    assert "1 row without a name will be left out." in page
    assert 'name="_confirm"' in page
    assert 'name="_cancel"' in page


def test_the_preview_names_ten_of_each_at_most(reviewer_client):
    keep(*[f"Removed {number:02}" for number in range(12)])
    rows = "".join(f"Added {number:02},Chile,Special\n" for number in range(25))

    response = upload(reviewer_client, "name,country,status\n" + rows)
    page = response.content.decode()

    assert heading_of(page, "added") == "25 organizations added"
    assert names_in(page, "added") == [f"Added {number:02}" for number in range(10)]
    assert names_in(page, "removed") == [f"Removed {number:02}" for number in range(10)]
    assert "The first 10 of 25, in alphabetical order." in page
    assert "The first 10 of 12, in alphabetical order." in page


def test_names_in_the_preview_are_shown_as_text(reviewer_client):
    response = upload(reviewer_client, 'name\n"<b>Bold</b> & Co"\n')

    page = response.content.decode()
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; Co" in page
    assert "<b>Bold</b>" not in page


# Nothing changes before confirmation; confirmation replaces ----------------------------------------


def test_nothing_changes_until_the_preview_is_confirmed(reviewer_client):
    keep("Kept")

    preview = upload(reviewer_client, "name,country,status\nNew One,Chile,Special\n")

    assert preview.redirect_chain == []
    assert ecosoc_list() == [("Kept", "Kenya", "Special")]

    response = confirm(reviewer_client, preview.context["import_id"])

    assert response.redirect_chain == [(CHANGELIST, 302)]
    assert messages_of(response) == ["1 organization imported from the ECOSOC list."]
    assert ecosoc_list() == [("New One", "Chile", "Special")]
    assert SESSION_KEY not in reviewer_client.session


def test_cancelling_leaves_the_list_and_forgets_the_file(reviewer_client):
    keep("Kept")
    preview = upload(reviewer_client, "name\nNew One\n")

    response = cancel(reviewer_client, preview.context["import_id"])
    again = confirm(reviewer_client, preview.context["import_id"])

    assert messages_of(response) == ["Nothing was imported; the ECOSOC list is as it was."]
    assert again.redirect_chain == [(IMPORT_ECOSOC, 302)]
    assert ecosoc_list() == [("Kept", "Kenya", "Special")]


def test_a_confirmation_counts_once(reviewer_client):
    preview = upload(reviewer_client, "name\nNew One\n")
    confirm(reviewer_client, preview.context["import_id"])
    keep("Imported later")

    again = confirm(reviewer_client, preview.context["import_id"])

    assert "This preview is no longer valid" in messages_of(again)[0]
    assert ecosoc_list() == [("Imported later", "Kenya", "Special")]


# Stale or tampered confirmations ---------------------------------------------------------------


NO_LONGER_VALID = (
    "This preview is no longer valid: it expired, or another file was uploaded since. "
    "Nothing was imported; upload the file again."
)


@pytest.mark.parametrize("import_id", ["", "forged", "x" * 5000])
def test_a_tampered_confirmation_is_refused(reviewer_client, import_id):
    keep("Kept")
    upload(reviewer_client, "name\nNew One\n")

    response = confirm(reviewer_client, import_id)

    assert response.redirect_chain == [(IMPORT_ECOSOC, 302)]
    assert messages_of(response) == [NO_LONGER_VALID]
    assert ecosoc_list() == [("Kept", "Kenya", "Special")]


def test_a_confirmation_without_any_preview_is_refused(reviewer_client):
    response = confirm(reviewer_client, "anything")

    assert messages_of(response) == [NO_LONGER_VALID]
    assert ecosoc_list() == []


def test_the_preview_of_an_earlier_upload_is_refused(reviewer_client):
    first = upload(reviewer_client, "name\nFirst\n")
    second = upload(reviewer_client, "name\nSecond\n")

    refused = confirm(reviewer_client, first.context["import_id"])
    assert messages_of(refused) == [NO_LONGER_VALID]
    assert ecosoc_list() == []

    confirm(reviewer_client, second.context["import_id"])
    assert ecosoc_list() == [("Second", "", "")]


def test_an_expired_preview_is_refused(reviewer_client):
    preview = upload(reviewer_client, "name\nNew One\n")
    session = reviewer_client.session
    session[SESSION_KEY] = {**session[SESSION_KEY], "at": session[SESSION_KEY]["at"] - 31 * 60}
    session.save()

    response = confirm(reviewer_client, preview.context["import_id"])

    assert messages_of(response) == [NO_LONGER_VALID]
    assert ecosoc_list() == []


def test_a_preview_made_before_the_list_was_replaced_is_refused(reviewer_client):
    keep("Before")
    preview = upload(reviewer_client, "name\nMine\n")
    keep("Imported by a colleague meanwhile")

    response = confirm(reviewer_client, preview.context["import_id"])

    assert messages_of(response) == [
        "The ECOSOC list was replaced since this preview. "
        "Upload the file again to see what it would change now."
    ]
    assert ecosoc_list() == [("Imported by a colleague meanwhile", "Kenya", "Special")]


def test_a_file_over_two_megabytes_is_refused_and_not_kept(reviewer_client):
    text = "name\n" + "".join(f"Organization {number:07}\n" for number in range(120_000))
    assert len(text.encode()) > 2 * 1024 * 1024

    response = upload(reviewer_client, text)

    assert response.context["form"].errors == {
        "file": ["The file is larger than 2 MB; the ECOSOC list is much smaller."]
    }
    assert SESSION_KEY not in reviewer_client.session


# Who may import --------------------------------------------------------------------------


def test_the_pga_office_may_neither_preview_nor_confirm(client):
    person = UserFactory(is_staff=True)
    person.groups.add(Group.objects.get(name=PGA_OFFICE))
    sign_in(client, person)
    keep("Kept")

    preview = upload(client, "name\nNew One\n")
    confirmation = confirm(client, "anything")

    assert (preview.status_code, confirmation.status_code) == (403, 403)
    assert SESSION_KEY not in client.session
    assert ecosoc_list() == [("Kept", "Kenya", "Special")]


def test_someone_who_lost_the_right_to_import_cannot_confirm_their_preview(reviewer_client):
    keep("Kept")
    preview = upload(reviewer_client, "name\nNew One\n")
    reviewer_client.user.groups.clear()

    response = confirm(reviewer_client, preview.context["import_id"])

    assert response.status_code == 403
    assert ecosoc_list() == [("Kept", "Kenya", "Special")]


def test_a_preview_belongs_to_the_person_who_uploaded(reviewer_client):
    preview = upload(reviewer_client, "name\nNew One\n")
    stored = reviewer_client.session[SESSION_KEY]
    other = UserFactory(is_staff=True, email="other@un.example.org")
    other.groups.add(Group.objects.get(name=REVIEWERS))
    sign_in(reviewer_client, other)
    session = reviewer_client.session
    session[SESSION_KEY] = stored
    session.save()

    response = confirm(reviewer_client, preview.context["import_id"])

    assert messages_of(response) == [NO_LONGER_VALID]
    assert ecosoc_list() == []
