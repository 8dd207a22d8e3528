"""Private documents, applications and profiles; deleting a draft, exporting, deleting an account.

A document reaches only its organization's focal points and staff, through a
view that checks who is asking; applications and profiles reach only the
organization's focal points. Everyone else gets a 404 (a sign-in redirect when
signed out), whatever id they guess.
"""

import io
import json
import uuid
import zipfile
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Max
from django.urls import reverse
from storages.backends.s3 import S3Storage

from accounts.models import SecondFactor, SignInToken
from accounts.roles import MEMBER_STATE_DELEGATES
from accounts.services import request_sign_in_link
from accreditation import services
from accreditation.models import Application, Document, FocalPoint, Status, StatusChange
from accreditation.uploads import check_upload
from tests.factories import (
    ApplicationFactory,
    FocalPointFactory,
    OrganizationFactory,
    UserFactory,
    complete_application,
    pdf_bytes,
    png_bytes,
)
from tests.helpers import finish, sign_in

pytestmark = pytest.mark.django_db

SIGN_IN = reverse("accounts:sign_in")
APPLICATION_PAGES = [
    "accreditation:application",
    "accreditation:submit",
    "accreditation:submitted",
    "accreditation:withdraw",
    "accreditation:delete_draft",
]
OUTSIDERS = ["focal_point_of_another_organization", "anonymous", "delegate"]


def upload(application, by, *, name="annex.pdf", content=None, kind=Document.Kind.OTHER):
    checked = check_upload(SimpleUploadedFile(name, content or pdf_bytes()))
    return services.add_document(application=application, kind=kind, checked=checked, by=by)


def submit(application, by):
    complete_application(application, by=by)
    return services.submit_application(application=application, by=by).application


def delegate():
    """A Member State delegate who has set up and passed the second factor."""
    user = UserFactory()
    user.groups.add(Group.objects.get_or_create(name=MEMBER_STATE_DELEGATES)[0])
    SecondFactor.objects.create(user=user, secret="A" * 32, confirmed_at=user.date_joined)
    return user


def outsider(role):
    """Someone who is not a focal point of the organization under test; None when signed out."""
    if role == "anonymous":
        return None
    if role == "delegate":
        return delegate()
    focal_point = FocalPointFactory(organization=OrganizationFactory(name="Andean Migrant Women"))
    submit(ApplicationFactory(organization=focal_point.organization), focal_point.user)
    return focal_point.user


def signed_in_as(client, user):
    return client if user is None else sign_in(client, user)


def refusal(user):
    """What an outsider gets: the sign-in page when signed out, otherwise nothing at all."""
    return (302, SIGN_IN) if user is None else (404, None)


def outcome(response):
    finish(response)
    location = response.url.split("?")[0] if response.status_code == 302 else None
    return response.status_code, location


def content_of(response):
    return b"".join(response.streaming_content)


def archive_of(response):
    return zipfile.ZipFile(io.BytesIO(content_of(response)))


@pytest.fixture
def ours():
    """An organization with a complete draft, a submitted application and an extra document."""
    organization = OrganizationFactory(name="Kenyan Diaspora Forum")
    focal_point = FocalPointFactory(organization=organization, user__email="amina@kdf.example")
    draft = complete_application(ApplicationFactory(organization=organization), by=focal_point.user)
    annex_bytes = pdf_bytes(pages=3)
    annex = upload(draft, focal_point.user, content=annex_bytes)
    submitted = submit(ApplicationFactory(organization=organization), focal_point.user)
    return SimpleNamespace(
        organization=organization,
        user=focal_point.user,
        draft=draft,
        annex=annex,
        annex_bytes=annex_bytes,
        submitted=submitted,
    )


# Documents: who may download, and how ------------------------------------------------


def test_a_focal_point_downloads_a_document_as_an_attachment_typed_as_found_at_upload(client, ours):
    uploaded = pdf_bytes(pages=2)
    document = upload(ours.draft, ours.user, name="statutes.pdf", content=uploaded)
    # The name now suggests an image: the header must still say what the upload found.
    Document.objects.filter(pk=document.pk).update(original_name="statutes.png")
    sign_in(client, ours.user)

    response = client.get(document.get_absolute_url())

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="statutes.png"'
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert "no-store" in [part.strip() for part in response["Cache-Control"].split(",")]
    assert content_of(response) == uploaded


def test_staff_download_any_organizations_submitted_document(staff_client, ours):
    document = ours.submitted.documents.get(kind=Document.Kind.LEGAL_STATUS)

    response = staff_client.get(document.get_absolute_url())

    assert response.status_code == 200
    assert response["Content-Disposition"] == (f'attachment; filename="{document.original_name}"')
    with document.file.open("rb") as stored:
        assert content_of(response) == stored.read()


def test_staff_cannot_open_a_draft_s_documents(staff_client, ours):
    # A draft is the organization's own until it is submitted.
    assert finish(staff_client.get(ours.annex.get_absolute_url())).status_code == 404


@pytest.mark.parametrize("role", OUTSIDERS)
def test_outsiders_cannot_download_another_organizations_documents(client, ours, role):
    user = outsider(role)
    signed_in = signed_in_as(client, user)
    documents = Document.objects.filter(application__organization=ours.organization)

    outcomes = {
        doc.original_name: outcome(signed_in.get(doc.get_absolute_url())) for doc in documents
    }

    assert outcomes == dict.fromkeys([doc.original_name for doc in documents], refusal(user))
    assert len(outcomes) == 3  # legal status, head's letter, annex: the submitted ones too


@pytest.mark.parametrize("signed_in_as_owner", [True, False])
def test_a_guessed_document_id_finds_nothing(client, ours, signed_in_as_owner):
    if signed_in_as_owner:
        sign_in(client, ours.user)
    guessed = reverse("accreditation:document", kwargs={"public_id": uuid.uuid4()})

    response = client.get(guessed)

    assert response.status_code == (404 if signed_in_as_owner else 302)


def test_no_address_serves_the_media_folder(staff_client, ours):
    stored_at = ours.annex.file.url

    response = staff_client.get(stored_at)

    assert stored_at.startswith("/media/documents/")
    assert default_storage.exists(ours.annex.file.name)
    assert response.status_code == 404


S3 = {
    "BACKEND": "storages.backends.s3.S3Storage",
    "OPTIONS": {
        "bucket_name": "documents",
        "endpoint_url": "http://127.0.0.1:9000",
        "access_key": "test",
        "secret_key": "testsecret",
        "region_name": "us-east-1",
        "signature_version": "s3v4",
        "querystring_auth": True,
    },
}


def test_with_object_storage_a_document_is_a_short_lived_signed_link_that_forces_download(
    client, settings, ours
):
    settings.STORAGES = {**settings.STORAGES, "default": S3}
    # The name is set directly: signing a link is computed locally, nothing is uploaded.
    document = Document.objects.create(
        application=ours.draft,
        kind=Document.Kind.OTHER,
        file="documents/abc.pdf",
        original_name="statutes.pdf",
        content_type="application/pdf",
        size=1234,
        sha256="0" * 64,
        uploaded_by=ours.user,
    )
    sign_in(client, ours.user)

    response = client.get(document.get_absolute_url())

    assert isinstance(default_storage, S3Storage)  # the setting reached the storage handler
    assert response.status_code == 302
    link = urlsplit(response.url)
    query = {name: values[0] for name, values in parse_qs(link.query).items()}
    assert (link.scheme, link.netloc, link.path) == (
        "http",
        "127.0.0.1:9000",
        "/documents/documents/abc.pdf",
    )
    assert int(query["X-Amz-Expires"]) <= 300
    assert query["response-content-disposition"] == 'attachment; filename="statutes.pdf"'
    assert query["response-content-type"] == "application/pdf"
    assert "X-Amz-Signature" in query
    assert "no-store" in response["Cache-Control"]  # the signed link itself is not kept


# Applications and profiles: only the organization's focal points -------------------


@pytest.mark.parametrize("role", OUTSIDERS)
def test_outsiders_get_no_application_page_whatever_id_they_guess(client, ours, role):
    user = outsider(role)
    signed_in = signed_in_as(client, user)
    own = set(Application.objects.for_user(user).values_list("pk", flat=True)) if user else set()
    last = Application.objects.aggregate(Max("pk"))["pk__max"]
    guesses = [
        (name, pk) for pk in range(1, last + 4) if pk not in own for name in APPLICATION_PAGES
    ]

    outcomes = {
        (name, pk): outcome(signed_in.get(reverse(name, kwargs={"pk": pk}))) for name, pk in guesses
    }

    assert outcomes == dict.fromkeys(guesses, refusal(user))
    assert ("accreditation:application", ours.submitted.pk) in outcomes


@pytest.mark.parametrize("role", OUTSIDERS)
def test_outsiders_change_nothing_by_posting_to_another_organizations_applications(
    client, ours, role
):
    user = outsider(role)
    signed_in = signed_in_as(client, user)
    posts = {
        "submit": reverse("accreditation:submit", kwargs={"pk": ours.draft.pk}),
        "delete": reverse("accreditation:delete_draft", kwargs={"pk": ours.draft.pk}),
        "withdraw": reverse("accreditation:withdraw", kwargs={"pk": ours.submitted.pk}),
        "remove": reverse(
            "accreditation:remove_document",
            kwargs={"pk": ours.draft.pk, "public_id": ours.annex.public_id},
        ),
        "edit": reverse("accreditation:application", kwargs={"pk": ours.draft.pk}),
    }

    outcomes = {
        what: outcome(signed_in.post(url, {"reason": "Hijacked"})) for what, url in posts.items()
    }

    assert outcomes == dict.fromkeys(posts, refusal(user))
    ours.draft.refresh_from_db()
    ours.submitted.refresh_from_db()
    ours.annex.refresh_from_db()
    assert (ours.draft.status, ours.submitted.status) == (Status.DRAFT, Status.SUBMITTED)
    assert ours.draft.reason != "Hijacked"
    assert ours.annex.replaced_at is None


def test_a_document_cannot_be_removed_through_another_organizations_application(client, ours):
    # The outsider's own draft, with our document's id in the address.
    other = FocalPointFactory()
    their_draft = ApplicationFactory(organization=other.organization)
    sign_in(client, other.user)
    url = reverse(
        "accreditation:remove_document",
        kwargs={"pk": their_draft.pk, "public_id": ours.annex.public_id},
    )

    response = client.post(url)

    ours.annex.refresh_from_db()
    assert response.status_code == 404
    assert ours.annex.replaced_at is None


def test_another_organizations_focal_point_sees_only_their_own_profile_dashboard_and_export(
    client, ours
):
    sign_in(client, outsider("focal_point_of_another_organization"))

    profile = client.get(reverse("accreditation:organization")).content.decode()
    dashboard = client.get(reverse("accreditation:dashboard")).content.decode()
    archive = archive_of(client.get(reverse("accreditation:export")))

    assert "Andean Migrant Women" in profile
    assert "Andean Migrant Women" in dashboard
    for page in (profile, dashboard):
        assert ours.organization.name not in page
        assert ours.user.email not in page
        assert ours.submitted.reference not in page
    texts = [archive.read(name).decode(errors="replace") for name in archive.namelist()]
    assert [text for text in texts if ours.organization.name in text] == []
    assert [name for name in archive.namelist() if ours.submitted.reference in name] == []
    assert f"draft-{ours.draft.pk}/application.json" not in archive.namelist()


def test_a_delegate_sees_no_organizations_profile_and_has_nothing_to_export(client, ours):
    sign_in(client, delegate())

    profile = client.get(reverse("accreditation:organization")).content.decode()
    dashboard = client.get(reverse("accreditation:dashboard")).content.decode()
    export = client.get(reverse("accreditation:export"))

    for page in (profile, dashboard):
        assert ours.organization.name not in page
        assert ours.user.email not in page
        assert ours.submitted.reference not in page
    assert export.status_code == 302
    assert export.url == reverse("accreditation:dashboard")


def test_an_invitation_addressed_to_someone_else_cannot_be_accepted_by_guessing_its_id(
    client, ours
):
    invitation = services.invite_focal_point(
        organization=ours.organization, email="colleague@kdf.example", by=ours.user
    )
    stranger = UserFactory()
    sign_in(client, stranger)

    response = client.post(reverse("accreditation:accept_invitation", kwargs={"pk": invitation.pk}))

    assert response.status_code == 404
    assert not FocalPoint.objects.filter(user=stranger).exists()


# Deleting a draft -----------------------------------------------------------------------


def test_deleting_a_draft_asks_for_confirmation_first(client, ours):
    sign_in(client, ours.user)

    response = client.get(reverse("accreditation:delete_draft", kwargs={"pk": ours.draft.pk}))

    assert response.status_code == 200
    assert "This cannot be undone" in response.content.decode()
    assert Application.objects.filter(pk=ours.draft.pk).exists()


def test_deleting_a_draft_removes_it_with_its_documents_and_their_stored_files(
    client, ours, django_capture_on_commit_callbacks
):
    upload(ours.draft, ours.user, name="photo.png", kind=Document.Kind.OTHER, content=png_bytes())
    documents = list(Document.objects.filter(application=ours.draft))
    stored = [doc.file.name for doc in documents] + [
        doc.thumbnail.name for doc in documents if doc.thumbnail
    ]
    sign_in(client, ours.user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("accreditation:delete_draft", kwargs={"pk": ours.draft.pk}))

    assert response.status_code == 302
    assert response.url == reverse("accreditation:dashboard")
    assert len(documents) == 4
    assert any(doc.thumbnail for doc in documents)
    assert not Application.objects.filter(pk=ours.draft.pk).exists()
    assert not Document.objects.filter(pk__in=[doc.pk for doc in documents]).exists()
    assert [name for name in stored if default_storage.exists(name)] == []


def test_a_submitted_application_cannot_be_deleted(client, ours):
    sign_in(client, ours.user)
    url = reverse("accreditation:delete_draft", kwargs={"pk": ours.submitted.pk})

    response = client.post(url, follow=True)

    assert [str(message) for message in get_messages(response.wsgi_request)] == [
        "Only a draft can be deleted; a submitted application can be withdrawn."
    ]
    assert Application.objects.filter(pk=ours.submitted.pk, status=Status.SUBMITTED).exists()
    assert ours.submitted.documents.count() == 2
    assert all(default_storage.exists(doc.file.name) for doc in ours.submitted.documents.all())


# Exporting the organization's data ------------------------------------------------------


def test_the_export_is_a_zip_of_the_profile_the_applications_and_their_documents(client, ours):
    sign_in(client, ours.user)

    response = client.get(reverse("accreditation:export"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == 'attachment; filename="organization-data.zip"'
    archive = archive_of(response)
    profile = json.loads(archive.read("organization.json"))
    assert (profile["name"], profile["city"], profile["country"]) == (
        "Kenyan Diaspora Forum",
        "Nairobi",
        "KE",
    )
    assert profile["focal_points"] == ["amina@kdf.example"]
    for application, folder in [
        (ours.draft, f"draft-{ours.draft.pk}"),
        (ours.submitted, ours.submitted.reference),
    ]:
        record = json.loads(archive.read(f"{folder}/application.json"))
        assert (record["reference"], record["call"], record["reason"]) == (
            application.reference,
            application.call.title,
            application.reason,
        )
        current = Document.objects.filter(application=application, replaced_at=None)
        assert len(record["documents"]) == len(current)
        for doc in current:
            stored = f"{folder}/{doc.get_kind_display()} - {doc.original_name}"
            assert stored in record["documents"]
            with doc.file.open("rb") as original:
                assert archive.read(stored) == original.read()
    assert archive.read(f"draft-{ours.draft.pk}/Further document - annex.pdf") == ours.annex_bytes


def test_the_export_leaves_out_other_organizations(client, ours):
    other = FocalPointFactory(organization=OrganizationFactory(name="Andean Migrant Women"))
    theirs = submit(ApplicationFactory(organization=other.organization), other.user)
    sign_in(client, ours.user)

    archive = archive_of(client.get(reverse("accreditation:export")))

    folders = {name.split("/")[0] for name in archive.namelist() if "/" in name}
    assert folders == {f"draft-{ours.draft.pk}", ours.submitted.reference}
    assert theirs.reference not in folders
    assert not [
        n for n in archive.namelist() if "Andean" in archive.read(n).decode(errors="replace")
    ]


def test_the_export_is_not_kept_by_caches(client, ours):
    sign_in(client, ours.user)

    response = finish(client.get(reverse("accreditation:export")))

    assert "no-store" in response.get("Cache-Control", "")


# zipfile warns and writes the entry twice; unzipping keeps only the last one.
@pytest.mark.filterwarnings("ignore:Duplicate name:UserWarning")
def test_the_export_keeps_two_further_documents_that_share_a_name(client, ours):
    upload(ours.draft, ours.user, name="annex.pdf", content=pdf_bytes(pages=4))
    sign_in(client, ours.user)

    archive = archive_of(client.get(reverse("accreditation:export")))

    names = [name for name in archive.namelist() if name.startswith(f"draft-{ours.draft.pk}/")]
    assert len(names) == len(set(names)) == 5  # application.json and four documents


# Deleting a focal point's account -------------------------------------------------------


def test_deleting_an_account_asks_for_confirmation_first(client, ours):
    sign_in(client, ours.user)

    response = client.get(reverse("accreditation:delete_account"))

    ours.user.refresh_from_db()
    assert response.status_code == 200
    assert "Delete my account" in response.content.decode()
    assert (ours.user.is_active, ours.user.email) == (True, "amina@kdf.example")


def test_deleting_an_account_signs_out_and_removes_the_persons_data(client, ours):
    sign_in(client, ours.user)

    response = client.post(reverse("accreditation:delete_account"))

    assert response.status_code == 302
    assert response.url == reverse("events:call_list")
    assert "_auth_user_id" not in client.session
    after = client.get(reverse("accreditation:dashboard"))
    assert after.status_code == 302
    assert after.url.startswith(SIGN_IN)
    person = type(ours.user).objects.get(pk=ours.user.pk)
    assert person.email == f"deleted-{person.pk}@deleted.invalid"
    assert (person.given_name, person.family_name) == ("", "")
    assert person.is_active is False
    assert person.has_usable_password() is False
    assert not FocalPoint.objects.filter(user=person).exists()


def test_the_organizations_submitted_application_stays_after_a_focal_point_leaves(client, ours):
    colleague = FocalPointFactory(organization=ours.organization).user
    documents = sorted(ours.submitted.documents.values_list("pk", flat=True))
    sign_in(client, ours.user)

    client.post(reverse("accreditation:delete_account"))
    sign_in(client, colleague)
    page = client.get(ours.submitted.get_absolute_url())

    submitted = Application.objects.get(pk=ours.submitted.pk)
    assert (submitted.status, submitted.reference) == (Status.SUBMITTED, ours.submitted.reference)
    assert sorted(submitted.documents.values_list("pk", flat=True)) == documents
    history = StatusChange.objects.filter(application=submitted)
    assert list(history.values_list("from_status", "to_status", "actor")) == [
        (Status.DRAFT, Status.SUBMITTED, ours.user.pk)
    ]
    assert page.status_code == 200
    assert ours.submitted.reference in page.content.decode()
    assert "amina@kdf.example" not in page.content.decode()


def test_deleting_an_account_leaves_no_record_of_the_email_address(client, ours):
    request_sign_in_link(email="amina@kdf.example")
    sign_in(client, ours.user)

    client.post(reverse("accreditation:delete_account"))

    assert not SignInToken.objects.filter(email="amina@kdf.example").exists()
