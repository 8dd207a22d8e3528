"""What the applicant sees and is told: the application's history with every message meant for
them, answering a request as an answer, mail for every step, and no dead ends."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.roles import MEMBER_STATE_DELEGATES, REVIEWERS
from accreditation import services
from accreditation.models import Application, Status, StatusChange
from events.models import Call
from reviews import services as review_services
from tests.factories import (
    ApplicationFactory,
    CallFactory,
    FocalPointFactory,
    OrganizationFactory,
    UserFactory,
    complete_application,
)
from tests.helpers import sign_in

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("accreditation:dashboard")


@pytest.fixture
def reviewer():
    user = UserFactory(is_staff=True, email="reviewer@un.example.org")
    user.groups.add(Group.objects.get(name=REVIEWERS))
    return user


@pytest.fixture
def submitted(client):
    """A submitted application, its two focal points, and the first one signed in."""
    application = complete_application()
    first = application.organization.memberships.get().user
    FocalPointFactory(organization=application.organization, user=UserFactory(email="b@ngo.org"))
    services.submit_application(application=application, by=first)
    application.refresh_from_db()
    sign_in(client, first)
    mail.outbox.clear()
    return application, first


def page_of(client, application):
    return client.get(application.get_absolute_url()).content.decode()


def test_the_history_shows_each_step_with_its_message_and_never_internal_notes(
    client, submitted, reviewer
):
    application, _applicant = submitted
    review_services.review(application=application, action="start_review", by=reviewer)
    review_services.review(
        application=application,
        action="not_recommend",
        by=reviewer,
        message="The letter is not signed by the head of the organization.",
        internal_reason="INTERNAL: doubts about the registration.",
    )
    review_services.review(application=application, action="reopen", by=reviewer)

    page = page_of(client, application)
    history = page[page.index('id="history-heading"') :]

    assert "The application was submitted." in history
    assert "The review started." in history
    assert "The reviewers did not recommend the application." in history
    assert "The letter is not signed by the head of the organization." in history
    assert "The decision was reopened: the application is under review again." in history
    assert "INTERNAL" not in page
    assert history.count("<time datetime=") == 4


def test_an_answer_is_written_kept_sent_with_the_resubmission_and_confirmed_as_an_answer(
    client, submitted, reviewer
):
    application, _applicant = submitted
    answer_by = timezone.localdate() + timedelta(days=14)
    review_services.review(
        application=application,
        action="request_information",
        by=reviewer,
        message="Please send the statutes as registered.",
        answer_by=answer_by,
    )
    request_mail = mail.outbox[-1]
    url = application.get_absolute_url()

    before = page_of(client, application)
    saved = client.post(
        url,
        {"answer": "The registered statutes are attached.", "reason": application.reason}
        | {"acknowledged": "on", "meetings": [m.pk for m in application.meetings.all()]}
        | {"action": "save"},
        follow=True,
    ).content.decode()
    review_page = client.get(reverse("accreditation:submit", args=[application.pk]))
    mail.outbox.clear()
    with time_machine.travel(timezone.now() + timedelta(hours=2), tick=False):
        client.post(reverse("accreditation:submit", args=[application.pk]))
        answered_at = timezone.now()
    confirmation = client.get(reverse("accreditation:submitted", args=[application.pk]))

    application.refresh_from_db()
    resubmission = application.history.latest("at")
    assert "Please answer by" in request_mail.body
    assert f"Please answer by {answer_by:%-d %B %Y}." in before
    assert "Your answer to the reviewers" in before
    assert "Your answers are saved." in saved
    assert "The registered statutes are attached." in saved
    assert "draft" not in saved.lower()
    assert "Send the answer and submit again" in review_page.content.decode()
    assert (resubmission.from_status, resubmission.to_status) == (
        Status.INFORMATION_REQUESTED,
        Status.SUBMITTED,
    )
    assert resubmission.message == "The registered statutes are attached."
    assert application.answer == ""
    assert "Your answer is received" in confirmation.content.decode()
    assert f"{answered_at:%-d %B %Y, %H:%M}" in confirmation.content.decode()
    assert (
        mail.outbox[0].subject
        == f"Your answer for application {application.reference} was received"
    )
    assert "The registered statutes are attached." in mail.outbox[0].body
    assert "Your answer was received and the application submitted again." in page_of(
        client, application
    )


def test_an_answer_by_date_must_be_after_today(submitted, reviewer):
    application, _applicant = submitted

    with pytest.raises(services.NotAllowed, match="must be after today"):
        review_services.review(
            application=application,
            action="request_information",
            by=reviewer,
            message="More, please.",
            answer_by=timezone.localdate(),
        )


def test_withdrawal_is_mailed_to_every_focal_point(client, submitted):
    application, _applicant = submitted

    client.post(reverse("accreditation:withdraw", args=[application.pk]), {"note": ""})

    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        application.organization.focal_points.values_list("email", flat=True)
    )
    assert mail.outbox[0].subject == f"Application {application.reference} withdrawn"


def test_reopening_a_decision_is_mailed_to_the_focal_points(submitted, reviewer):
    application, _applicant = submitted
    review_services.review(application=application, action="start_review", by=reviewer)
    review_services.review(application=application, action="recommend", by=reviewer)
    mail.outbox.clear()

    review_services.review(application=application, action="reopen", by=reviewer)

    assert len(mail.outbox) == 2
    assert mail.outbox[0].subject == f"Application {application.reference} is under review again"


def test_a_recommended_application_says_what_happens_next(client, submitted, reviewer):
    application, _applicant = submitted
    review_services.review(application=application, action="start_review", by=reviewer)
    review_services.review(application=application, action="recommend", by=reviewer)

    dashboard = client.get(DASHBOARD).content.decode()

    assert "draws up the list submitted to Member States" in dashboard


def test_an_ecosoc_organization_is_not_offered_calls_only_for_others(client):
    focal_point = FocalPointFactory(organization=OrganizationFactory(in_ecosoc_status=True))
    CallFactory(title="Only without ECOSOC", eligibility=Call.Eligibility.WITHOUT_ECOSOC_STATUS)
    CallFactory(title="Open to everyone", eligibility=Call.Eligibility.ALL)
    sign_in(client, focal_point.user)

    dashboard = client.get(DASHBOARD).content.decode()

    assert "Open to everyone" in dashboard
    assert "Only without ECOSOC" not in dashboard


def test_a_delegate_is_never_asked_for_an_organization(client):
    delegate = UserFactory(email="delegate@mission.example", member_state="FR")
    delegate.groups.add(Group.objects.get(name=MEMBER_STATE_DELEGATES))
    CallFactory(title="An open call")
    sign_in(client, delegate)

    home = client.get(DASHBOARD, follow=True).content.decode()
    profile = client.get(reverse("accreditation:organization"))

    assert "Lists for Member States" in home
    assert "Fill in the profile" not in home
    assert "Calls you can apply to" not in home
    assert profile.status_code == 302
    assert profile.url == DASHBOARD
    assert client.post(reverse("accreditation:organization"), {"name": "X"}).status_code == 302


def test_after_the_deadline_the_submit_page_offers_no_submit_button(client):
    call = CallFactory(deadline=timezone.now() + timedelta(minutes=30))
    application = complete_application(ApplicationFactory(call=call))
    sign_in(client, application.organization.memberships.get().user)

    with time_machine.travel(application.call.deadline + timedelta(seconds=1), tick=False):
        refused = client.post(reverse("accreditation:submit", args=[application.pk]), follow=True)
        page = client.get(reverse("accreditation:submit", args=[application.pk])).content.decode()

    assert "The deadline has passed" in refused.content.decode()
    assert "The deadline has passed" in page
    assert "Submit the application" not in page
    assert Application.objects.get(pk=application.pk).status == Status.DRAFT
    assert not StatusChange.objects.filter(application=application).exists()


def test_another_organization_cannot_read_the_history(submitted):
    application, _applicant = submitted
    other = sign_in(Client(), FocalPointFactory().user)

    assert other.get(application.get_absolute_url()).status_code == 404
