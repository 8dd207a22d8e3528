"""The request for information's "answer by" date, the applicant's answer on the admin page,
and the record of focal point events in the admin."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accreditation import services
from accreditation.models import (
    Application,
    Document,
    DocumentEvent,
    MembershipEvent,
    Status,
    StatusChange,
)
from accreditation.uploads import check_upload
from reviews import services as review_services
from tests.factories import StaffFactory, UserFactory, complete_application, png_bytes
from tests.helpers import finish
from tests.reviews.test_review_workflow import (
    change_url,
    client_for,
    focal_point_of,
    page_text,
    person,
    review_url,
    status_of,
    submitted_application,
)

pytestmark = pytest.mark.django_db

QUESTION = "Please send the current registration certificate."
ANSWER = "Here is the certificate issued in March; we work in Kenya and Uganda."


def under_review():
    application = submitted_application()
    review_services.review(application=application, action="start_review", by=person("reviewer"))
    return application


def test_the_request_step_offers_an_optional_answer_by_date():
    application = under_review()

    html = client_for(person("reviewer")).get(change_url(application)).content.decode()

    form = html[html.index("Request more information</legend>") :]
    form = form[: form.index("</form>")]
    assert "Answer due by (optional)" in form
    assert re.search(
        r'<input type="date" id="answer-by-request_information" name="answer_by"', form
    )
    tomorrow = timezone.localdate() + timedelta(days=1)
    assert f'min="{tomorrow:%Y-%m-%d}"' in form


def test_a_request_with_an_answer_by_date_stores_and_shows_it():
    application = under_review()
    reviewer = person("reviewer")
    answer_by = timezone.localdate() + timedelta(days=14)

    response = client_for(reviewer).post(
        review_url(application, "request_information"),
        {"message": QUESTION, "answer_by": answer_by.isoformat()},
        follow=True,
    )

    change = StatusChange.objects.get(
        application=application, to_status=Status.INFORMATION_REQUESTED
    )
    assert change.answer_by == answer_by
    assert "Done: Request more information." in page_text(response)
    assert f"Answer due by {answer_by.day} {answer_by:%B %Y}" in page_text(response)


@pytest.mark.parametrize("typed", ["today", "not-a-date"])
def test_a_refused_answer_by_date_keeps_what_was_typed(typed):
    application = under_review()
    browser = client_for(person("reviewer"))
    value = timezone.localdate().isoformat() if typed == "today" else typed

    response = browser.post(
        review_url(application, "request_information"),
        {"message": QUESTION, "answer_by": value},
        follow=True,
    )

    html = response.content.decode()
    assert status_of(application) == Status.UNDER_REVIEW
    refusal = (
        "The date for the answer must be after today."
        if typed == "today"
        else "Enter the date as year-month-day, e.g. 2026-12-01."
    )
    assert f'<p class="errornote" id="error-request_information" role="alert">{refusal}</p>' in html
    assert QUESTION in html
    assert f'value="{value}"' in html


def answered_application():
    application = under_review()
    review_services.review(
        application=application,
        action="request_information",
        by=person("reviewer"),
        message=QUESTION,
    )
    Application.objects.filter(pk=application.pk).update(
        answer=ANSWER, reason="We run legal clinics for migrants in Nairobi and Mombasa."
    )
    application.refresh_from_db()
    services.submit_application(application=application, by=focal_point_of(application))
    return application


def test_the_page_shows_the_applicants_answer_with_its_time():
    with time_machine.travel(datetime(2030, 3, 4, 9, 30, 15, 123456, tzinfo=UTC), tick=False):
        application = answered_application()

    html = client_for(person("reviewer")).get(change_url(application)).content.decode()

    section = html[html.index('id="applicant-answer"') :]
    section = section[: section.index("</div>")]
    assert "The applicant's answer" in section
    assert ANSWER in section
    assert '<time datetime="2030-03-04T09:30:15+00:00">4 March 2030, 09:30 UTC</time>' in section
    # Beside what changed.
    assert html.index('id="applicant-answer"') < html.index("Changed since the previous submission")


def test_the_timeline_labels_a_resubmissions_message_as_the_answer():
    application = answered_application()

    text = page_text(client_for(person("reviewer")).get(change_url(application)))

    assert "Under review → More information requested by" in text
    assert f". Message: “{QUESTION}”" in text
    assert f". Answer: “{ANSWER}”" in text
    assert f"Message: “{ANSWER}”" not in text


def test_no_answer_section_after_a_first_submission():
    application = submitted_application()

    html = client_for(person("reviewer")).get(change_url(application)).content.decode()

    assert 'id="applicant-answer"' not in html


def test_timeline_times_carry_no_microseconds_and_show_their_zone():
    with time_machine.travel(datetime(2030, 12, 1, 14, 5, 7, 654321, tzinfo=UTC), tick=False):
        application = submitted_application()

    html = client_for(person("reviewer")).get(change_url(application)).content.decode()

    assert '<time datetime="2030-12-01T14:05:07+00:00">1 December 2030, 14:05 UTC</time>' in html
    assert not re.search(r'datetime="[^"]*\.\d+', html)


# Focal point events -------------------------------------------------------------------


def membership_event():
    application = submitted_application()
    return MembershipEvent.objects.create(
        organization=application.organization,
        kind=MembershipEvent.Kind.JOINED,
        email="new.colleague@ngo.example",
    )


@pytest.mark.parametrize(
    ("role", "expected"),
    [("reviewer", 200), ("pga_office", 200), ("administrator", 200), ("no role", 403)],
)
def test_focal_point_events_are_read_by_whoever_reads_organizations(role, expected):
    event = membership_event()
    browser = client_for(StaffFactory(is_superuser=False) if role == "no role" else person(role))

    listing = browser.get(reverse("admin:accreditation_membershipevent_changelist"))
    detail = browser.get(reverse("admin:accreditation_membershipevent_change", args=[event.pk]))

    assert (listing.status_code, detail.status_code) == (expected, expected)
    if expected == 200:
        assert "new.colleague@ngo.example" in listing.content.decode()
        assert "Became a focal point" in listing.content.decode()


def test_focal_point_events_cannot_be_added_changed_or_deleted_even_by_a_superuser():
    event = membership_event()
    browser = client_for(UserFactory(is_staff=True, is_superuser=True))

    add = browser.get(reverse("admin:accreditation_membershipevent_add"))
    delete = browser.post(
        reverse("admin:accreditation_membershipevent_delete", args=[event.pk]), {"post": "yes"}
    )
    change = browser.post(
        reverse("admin:accreditation_membershipevent_change", args=[event.pk]),
        {"email": "someone.else@ngo.example", "kind": "left"},
    )

    assert add.status_code == 403
    assert delete.status_code == 403
    assert change.status_code == 403
    event.refresh_from_db()
    assert (event.email, event.kind) == ("new.colleague@ngo.example", "joined")


def test_a_document_opened_by_staff_reads_opened_by_once_in_the_timeline():
    application = submitted_application()
    reviewer = person("reviewer")
    document = application.documents.order_by("pk").first()
    services.record_document_view(document=document, by=reviewer)

    text = page_text(client_for(person("reviewer")).get(change_url(application)))

    assert f"“{document.original_name}”: opened by {reviewer.email} (Reviewers)" in text
    assert "opened by staff by" not in text
    assert f"“{document.original_name}”: uploaded by" in text


def test_drawing_a_thumbnail_is_not_opening_the_document():
    application = complete_application()
    image = services.add_document(
        application=application,
        kind=Document.Kind.LEGAL_STATUS,
        checked=check_upload(SimpleUploadedFile("certificate.png", png_bytes())),
        by=focal_point_of(application),
    )
    services.submit_application(application=application, by=focal_point_of(application))
    reviewer = person("reviewer")
    browser = client_for(reviewer)

    thumbnail = finish(browser.get(image.get_absolute_url() + "?thumbnail=1"))
    assert thumbnail.status_code == 200
    viewed = DocumentEvent.objects.filter(document=image, kind=DocumentEvent.Kind.VIEWED)
    assert not viewed.exists()

    finish(browser.get(image.get_absolute_url()))
    assert viewed.count() == 1
