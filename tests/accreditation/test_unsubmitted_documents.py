"""What an applicant replaced or removed before submitting is never shown to staff.

Staff see an application's current documents and, as earlier versions, only documents that
were part of an earlier submission: on its page, as downloads and in the ZIPs.
"""

import io
import zipfile

import pytest
from django.contrib.auth.models import Group
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from accounts.roles import PGA_OFFICE, REVIEWERS
from accreditation import services
from accreditation.models import Document, DocumentEvent, Status, StatusChange
from accreditation.uploads import check_upload
from reviews import services as review_services
from tests.factories import UserFactory, complete_application, pdf_bytes
from tests.helpers import finish, sign_in

pytestmark = pytest.mark.django_db


def upload(application, by, name, kind=Document.Kind.OTHER):
    checked = check_upload(SimpleUploadedFile(name, pdf_bytes()))
    return services.add_document(application=application, kind=kind, checked=checked, by=by)


def staff(client, role):
    user = UserFactory(is_staff=True, email=f"{role.split()[0].lower()}@un.example.org")
    user.groups.add(Group.objects.get(name=role))
    return sign_in(client, user), user


def change_page(client, application):
    url = reverse("admin:accreditation_application_change", args=[application.pk])
    return client.get(url).content.decode()


def call_zip_names(client, application):
    url = reverse("admin:accreditation_application_call_documents", args=[application.call_id])
    content = b"".join(client.get(url).streaming_content)
    return zipfile.ZipFile(io.BytesIO(content)).namelist()


@pytest.fixture
def draft():
    application = complete_application()
    return application, application.organization.memberships.get().user


@pytest.mark.parametrize("role", [REVIEWERS, PGA_OFFICE])
def test_a_document_removed_from_a_draft_is_not_seen_by_staff_after_submission(
    client, draft, role, django_capture_on_commit_callbacks
):
    application, applicant = draft
    with django_capture_on_commit_callbacks(execute=True):
        removed = upload(application, applicant, "private-notes.pdf")
        stored = removed.file.name
        services.remove_document(document=removed, by=applicant)
    services.submit_application(application=application, by=applicant)
    client, _reviewer = staff(client, role)

    page = change_page(client, application)
    download = client.get(removed.get_absolute_url())

    assert "private-notes.pdf" not in page
    assert download.status_code == 404
    assert not any("private-notes" in name for name in call_zip_names(client, application))
    # Gone, not only hidden: the applicant removed it before anyone else could see it.
    assert not Document.objects.filter(pk=removed.pk).exists()
    assert not default_storage.exists(stored)
    assert not DocumentEvent.objects.filter(application=application, kind="removed").exists()


def test_a_version_replaced_in_a_draft_is_not_an_earlier_version_for_staff(client, draft):
    application, applicant = draft
    first = application.documents.get(kind=Document.Kind.LEGAL_STATUS)
    upload(application, applicant, "statutes-final.pdf", kind=Document.Kind.LEGAL_STATUS)
    services.submit_application(application=application, by=applicant)
    client, _reviewer = staff(client, REVIEWERS)

    page = change_page(client, application)

    assert "statutes-final.pdf" in page
    assert "Earlier versions" not in page
    assert client.get(first.get_absolute_url()).status_code == 404
    assert not Document.objects.filter(pk=first.pk).exists()


def test_a_submitted_version_replaced_in_an_answer_stays_an_earlier_version(client, draft):
    application, applicant = draft
    services.submit_application(application=application, by=applicant)
    client, reviewer = staff(client, REVIEWERS)
    review_services.review(
        application=application, action="request_information", by=reviewer, message="Newer?"
    )
    submitted = application.documents.get(kind=Document.Kind.LEGAL_STATUS)

    upload(application, applicant, "statutes-2026.pdf", kind=Document.Kind.LEGAL_STATUS)
    # A version uploaded while answering and replaced again before resubmitting was never
    # submitted: it goes like a draft's.
    interim = upload(application, applicant, "statutes-v2.pdf", kind=Document.Kind.LEGAL_STATUS)
    upload(application, applicant, "statutes-v3.pdf", kind=Document.Kind.LEGAL_STATUS)
    services.submit_application(application=application, by=applicant)
    page = change_page(client, application)

    assert "Earlier versions" in page
    assert submitted.original_name in page
    assert finish(client.get(submitted.get_absolute_url())).status_code == 200
    assert "statutes-v2.pdf" not in page
    assert not Document.objects.filter(pk=interim.pk).exists()
    assert "statutes-v3.pdf" in page


def test_a_document_staff_opened_while_the_applicant_answered_stays_on_the_record_but_out_of_sight(
    client, draft
):
    application, applicant = draft
    services.submit_application(application=application, by=applicant)
    client, reviewer = staff(client, REVIEWERS)
    review_services.review(
        application=application, action="request_information", by=reviewer, message="Annex?"
    )
    annex = upload(application, applicant, "annex-draft.pdf")
    opened = finish(client.get(annex.get_absolute_url()))  # opened while answering
    assert opened.status_code == 200

    services.remove_document(document=annex, by=applicant)
    services.submit_application(application=application, by=applicant)

    assert Document.objects.filter(pk=annex.pk).exists()  # the opening is on the record
    assert "annex-draft.pdf" not in change_page(client, application).split('id="timeline"')[0]
    assert client.get(annex.get_absolute_url()).status_code == 404


def test_submission_marks_the_documents_it_holds(draft):
    application, applicant = draft

    services.submit_application(application=application, by=applicant)

    assert all(doc.submitted_at for doc in application.documents.all())
    assert list(Document.objects.seen_by_staff().filter(application=application)) == list(
        application.documents.all()
    )


@pytest.mark.django_db(transaction=True)
def test_the_migration_marks_documents_found_in_a_submission_snapshot():
    application = complete_application()
    applicant = application.organization.memberships.get().user
    services.submit_application(application=application, by=applicant)
    # As an earlier version left it: uploaded while answering and removed before the
    # resubmission, still stored; nothing marked.
    application.__class__.objects.filter(pk=application.pk).update(
        status=Status.INFORMATION_REQUESTED
    )
    removed = upload(application, applicant, "removed.pdf")
    Document.objects.filter(pk=removed.pk).update(replaced_at=removed.uploaded_at)
    Document.objects.update(submitted_at=None)
    submitted_at = StatusChange.objects.get(to_status=Status.SUBMITTED).at

    executor = MigrationExecutor(connection)
    executor.migrate([("accreditation", "0005_record_field_names")])
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    marked = dict(Document.objects.values_list("original_name", "submitted_at"))
    assert marked == {
        "legal_status.pdf": submitted_at,
        "head_letter.pdf": submitted_at,
        "removed.pdf": None,
    }
    assert "removed.pdf" not in set(
        Document.objects.seen_by_staff().values_list("original_name", flat=True)
    )
