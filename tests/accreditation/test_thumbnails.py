"""Thumbnails of image documents are drawn once, when the document is stored, and kept."""

import io

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accreditation import services, thumbnails
from accreditation.models import Document
from accreditation.uploads import check_upload
from tests.factories import StaffFactory, application_in, png_bytes
from tests.helpers import finish, sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def drawn(monkeypatch):
    """Counts the thumbnails drawn."""
    calls = []
    draw = thumbnails.make_thumbnail

    def counting(content):
        calls.append(len(content))
        return draw(content)

    monkeypatch.setattr(services, "make_thumbnail", counting)
    return calls


def image_document(size=(1200, 900)):
    application = application_in("information_requested")
    by = application.organization.memberships.get().user
    checked = check_upload(SimpleUploadedFile("scan.png", png_bytes(size)))
    return services.add_document(
        application=application, kind=Document.Kind.OTHER, checked=checked, by=by
    )


def test_an_image_gets_its_thumbnail_when_it_is_stored(drawn):
    document = image_document()

    with default_storage.open(document.thumbnail.name) as stored:
        thumbnail = Image.open(io.BytesIO(stored.read()))
    assert drawn == [document.size]
    assert thumbnail.size == (240, 180)


def test_opening_a_thumbnail_serves_the_stored_one_without_drawing_it_again(client, drawn):
    document = image_document()
    sign_in(client, StaffFactory())
    with default_storage.open(document.thumbnail.name) as stored:
        kept = stored.read()

    responses = [finish(client.get(f"{document.get_absolute_url()}?thumbnail=1")) for _ in range(3)]

    assert [response.status_code for response in responses] == [200] * 3
    assert {response.content for response in responses} == {kept}
    assert responses[0]["Content-Type"] == "image/png"
    assert drawn == [document.size]  # the upload's, and no other


def test_a_document_stored_without_a_thumbnail_gets_one_once(client, drawn):
    document = image_document()
    Document.objects.filter(pk=document.pk).update(thumbnail="")
    sign_in(client, StaffFactory())

    for _ in range(3):
        finish(client.get(f"{document.get_absolute_url()}?thumbnail=1"))

    document.refresh_from_db()
    assert document.thumbnail
    assert len(drawn) == 2  # at the upload, then once for the document that had lost it


def test_a_pdf_has_no_thumbnail(drawn):
    application = application_in("draft")

    assert [doc.thumbnail.name for doc in application.documents.all()] == ["", ""]
    assert drawn == []
