"""Steps that mail applicants, and the list's bulk steps, say what they will do before they do it."""

import pytest
from django.core import mail
from django.urls import reverse

from accreditation.models import Status
from reviews import services as review_services
from tests.factories import FocalPointFactory, UserFactory, application_in
from tests.reviews.test_review_workflow import (
    change_url,
    client_for,
    page_text,
    person,
    review_url,
    status_of,
    submitted_application,
)

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:accreditation_application_changelist"


def with_second_focal_point(application):
    FocalPointFactory(
        organization=application.organization, user=UserFactory(email="second@ngo.example")
    )
    return application


@pytest.mark.parametrize(
    ("action", "status", "target"),
    [
        ("recommend", Status.UNDER_REVIEW, "Recommended"),
        ("reopen", Status.RECOMMENDED, "Under review"),
    ],
)
def test_recommend_and_reopen_on_the_page_ask_for_confirmation_first(action, status, target):
    application = with_second_focal_point(application_in(status))
    browser = client_for(person("reviewer"))

    response = browser.post(review_url(application, action))

    text = page_text(response)
    assert response.status_code == 200
    assert status_of(application) == status
    assert mail.outbox == []
    assert f"1 application will become “{target}”:" in text
    assert f"{application.reference} — {application.organization}" in text
    assert "The focal points are told by mail: 2 people." in text
    html = response.content.decode()
    assert f'action="{review_url(application, action)}"' in html
    assert '<input type="hidden" name="confirm" value="yes">' in html
    assert f'href="{change_url(application)}" class="button cancel-link">Cancel</a>' in html

    confirmed = browser.post(review_url(application, action), {"confirm": "yes"}, follow=True)

    assert status_of(application) != status
    assert "Done:" in page_text(confirmed)
    assert len(mail.outbox) == 2


def test_a_step_no_longer_possible_is_refused_without_a_confirmation_page():
    application = application_in(Status.RECOMMENDED)

    response = client_for(person("reviewer")).post(
        review_url(application, "recommend"), follow=True
    )

    assert "“Recommend” is not possible: the application is now “Recommended”." in page_text(
        response
    )


def test_other_staff_get_the_refusal_not_the_confirmation():
    application = application_in(Status.UNDER_REVIEW)

    response = client_for(person("pga_office")).post(
        review_url(application, "recommend"), follow=True
    )

    assert response.status_code == 403
    assert "Recommend" not in page_text(response)
    assert status_of(application) == Status.UNDER_REVIEW


def test_the_bulk_recommendation_shows_what_will_happen_and_to_whom_before_acting():
    first = with_second_focal_point(application_in(Status.UNDER_REVIEW))
    second = application_in(Status.UNDER_REVIEW)
    waiting = submitted_application()
    browser = client_for(person("reviewer"))
    # The list as it was ordered: Confirm and Cancel go back to it.
    url = reverse(CHANGELIST) + "?o=1"
    mail.outbox.clear()

    response = browser.post(
        url,
        {"action": "recommend", "_selected_action": [first.pk, second.pk, waiting.pk]},
    )

    text = page_text(response)
    assert (status_of(first), status_of(second)) == (Status.UNDER_REVIEW, Status.UNDER_REVIEW)
    assert mail.outbox == []
    assert "2 applications will become “Recommended”:" in text
    assert "The focal points are told by mail: 3 people." in text
    assert "1 selected application is left as is, as the step does not apply to its status:" in text
    assert f"{waiting.reference} — {waiting.organization} (Submitted)" in text
    html = response.content.decode()
    for application in (first, second, waiting):
        assert f'<input type="hidden" name="_selected_action" value="{application.pk}">' in html
    assert 'name="index"' not in html
    assert f'<form method="post" action="{url}">' in html
    assert f'<a href="{url}" class="button cancel-link">Cancel</a>' in html
    assert 'value="Confirm: Recommend"' in html

    done = browser.post(
        url,
        {
            "action": "recommend",
            "_selected_action": [first.pk, second.pk, waiting.pk],
            "confirm": "yes",
        },
        follow=True,
    )

    assert (status_of(first), status_of(second)) == (Status.RECOMMENDED, Status.RECOMMENDED)
    assert status_of(waiting) == Status.SUBMITTED
    assert "2 applications done." in page_text(done)
    assert len(mail.outbox) == 3


def test_the_bulk_start_review_says_no_mail_is_sent():
    first, second = submitted_application(), submitted_application()
    mail.outbox.clear()

    response = client_for(person("reviewer")).post(
        reverse(CHANGELIST), {"action": "start_review", "_selected_action": [first.pk, second.pk]}
    )

    text = page_text(response)
    assert "2 applications will become “Under review”:" in text
    assert "No mail is sent: the applicants see the new status on their page." in text
    assert (status_of(first), status_of(second)) == (Status.SUBMITTED, Status.SUBMITTED)


def test_a_bulk_step_that_applies_to_none_offers_no_confirm_button():
    already = application_in(Status.RECOMMENDED)

    response = client_for(person("reviewer")).post(
        reverse(CHANGELIST), {"action": "recommend", "_selected_action": [already.pk]}
    )

    assert "None of the selected applications can take this step." in page_text(response)
    assert 'value="Confirm: Recommend"' not in response.content.decode()


def test_the_services_still_act_at_once():
    """Confirmation is the page's: the service itself takes the step when called."""
    application = application_in(Status.UNDER_REVIEW)

    review_services.review(application=application, action="recommend", by=person("reviewer"))

    assert status_of(application) == Status.RECOMMENDED
