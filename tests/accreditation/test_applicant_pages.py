import re

import pytest
import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse

from accreditation.models import Application, FocalPoint, Organization, Status, StatusChange
from events.models import Call
from tests.factories import (
    ApplicationFactory,
    CallFactory,
    FocalPointFactory,
    MeetingFactory,
    OrganizationFactory,
    UserFactory,
    complete_application,
)
from tests.helpers import sign_in

pytestmark = pytest.mark.django_db

PROFILE = {
    "name": "Migrant Voices Network",
    "acronym": "MVN",
    "type": Organization.Type.MIGRANT,
    "country": "KE",
    "city": "Nairobi",
    "year_established": "2009",
    "homepage": "www.migrantvoices.example",
    "contact_email": "info@migrantvoices.example",
    "phone": "+254 20 000000",
    "head_name": "Grace Wanjiru",
    "head_title": "Executive Director",
    "areas_of_work": "Migrant rights",
}


def signed_in_focal_point(client, **organization):
    focal_point = FocalPointFactory(organization=OrganizationFactory(**organization))
    sign_in(client, focal_point.user)
    return focal_point


def test_the_profile_is_filled_once_and_a_bare_homepage_gets_https(client):
    user = UserFactory()
    sign_in(client, user)

    response = client.post(reverse("accreditation:organization"), PROFILE)

    organization = Organization.objects.get()
    assert response.status_code == 302
    assert organization.homepage == "https://www.migrantvoices.example"
    assert list(organization.focal_points.all()) == [user]


@pytest.mark.parametrize(
    "next_url", ["/\\evil.example/", "//evil.example/", "https://evil.example/", "/\\/x"]
)
def test_after_the_profile_nobody_is_sent_to_another_site(client, next_url):
    sign_in(client, UserFactory())

    response = client.post(f"{reverse('accreditation:organization')}?next={next_url}", PROFILE)

    assert response.status_code == 302
    assert response.url == reverse("accreditation:dashboard")


def test_after_the_profile_the_person_goes_back_where_they_were(client):
    sign_in(client, UserFactory())
    start = reverse("accreditation:start", args=["some-call"])

    response = client.post(f"{reverse('accreditation:organization')}?next={start}", PROFILE)

    assert response.url == start


def test_a_bad_profile_field_gets_a_message_and_keeps_the_rest(client):
    sign_in(client, UserFactory())

    response = client.post(
        reverse("accreditation:organization"),
        PROFILE | {"year_established": "2999", "contact_email": "not-an-address"},
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "The year cannot be in the future." in html
    assert "Enter a valid email address." in html
    assert 'value="Migrant Voices Network"' in html
    assert "Migrant rights" in html
    assert not Organization.objects.exists()


def test_applying_without_a_profile_asks_for_it_first_and_comes_back(client):
    call = CallFactory()
    sign_in(client, UserFactory())

    response = client.get(reverse("accreditation:start", args=[call.slug]))
    saved = client.post(response["Location"], PROFILE)

    assert response["Location"].startswith(reverse("accreditation:organization"))
    assert saved["Location"] == reverse("accreditation:start", args=[call.slug])


def test_an_ecosoc_organization_is_told_where_to_go_before_typing_anything(client, settings):
    signed_in_focal_point(client, in_ecosoc_status=True)
    call = CallFactory(eligibility=Call.Eligibility.WITHOUT_ECOSOC_STATUS)

    page = client.get(reverse("accreditation:start", args=[call.slug]))
    forced = client.post(reverse("accreditation:start", args=[call.slug]))

    html = page.content.decode()
    assert "does not need special accreditation" in html
    assert settings.NGO_BRANCH_URL in html
    assert "Start the application" not in html
    assert forced.status_code == 200
    assert not Application.objects.exists()


def test_starting_an_application_opens_one_page_with_the_missing_parts(client):
    signed_in_focal_point(client)
    call = CallFactory()
    MeetingFactory(call=call, title="Plenary")

    response = client.post(reverse("accreditation:start", args=[call.slug]), follow=True)

    html = response.content.decode()
    assert "Still missing before you can submit" in html
    assert "Proof of legal status" in html
    assert "Letter from the head of the organization" in html
    assert "at least one meeting of interest" in html
    assert "the organization&#x27;s name and country will be shared with Member States" in html


def test_a_draft_survives_signing_out_and_signing_in_on_another_device(client):
    focal_point = signed_in_focal_point(client)
    application = ApplicationFactory(organization=focal_point.organization, reason="")
    meeting = MeetingFactory(call=application.call)
    client.post(
        application.get_absolute_url(),
        {"reason": "Our reason, typed on Monday.", "meetings": [meeting.pk], "action": "save"},
    )
    client.post(reverse("accounts:sign_out"))

    other_device = sign_in(Client(), focal_point.user)
    html = other_device.get(application.get_absolute_url()).content.decode()

    assert "Our reason, typed on Monday." in html
    assert re.search(rf'<input[^>]*value="{meeting.pk}"[^>]*checked', html)
    assert list(Application.objects.get().meetings.all()) == [meeting]


def test_review_then_submit_gives_the_reference_on_a_confirmation_page(client):
    focal_point = signed_in_focal_point(client)
    application = complete_application(
        ApplicationFactory(organization=focal_point.organization), by=focal_point.user
    )

    review = client.get(reverse("accreditation:submit", args=[application.pk]))
    submitted = client.post(reverse("accreditation:submit", args=[application.pk]), follow=True)

    application.refresh_from_db()
    assert "Submit the application" in review.content.decode()
    assert application.reference in submitted.content.decode()
    assert len(mail.outbox) == 1


def test_a_double_clicked_submit_makes_one_submission(client):
    focal_point = signed_in_focal_point(client)
    application = complete_application(
        ApplicationFactory(organization=focal_point.organization), by=focal_point.user
    )
    url = reverse("accreditation:submit", args=[application.pk])

    first = client.post(url)
    second = client.post(url)

    assert (
        first["Location"]
        == second["Location"]
        == reverse("accreditation:submitted", args=[application.pk])
    )
    assert StatusChange.objects.filter(application=application).count() == 1
    assert len(mail.outbox) == 1


def test_after_the_deadline_the_draft_is_read_only_with_a_clear_message(client):
    focal_point = FocalPointFactory()
    application = ApplicationFactory(organization=focal_point.organization, reason="Draft text.")

    with time_machine.travel(application.call.deadline, tick=False):
        sign_in(client, focal_point.user)
        page = client.get(application.get_absolute_url())
        client.post(application.get_absolute_url(), {"reason": "Too late.", "action": "save"})
        refused = client.post(reverse("accreditation:submit", args=[application.pk]), follow=True)

    assert (
        "The deadline has passed: this draft can no longer be changed or submitted."
        in page.content.decode()
    )
    assert "<textarea" not in page.content.decode()
    assert Application.objects.get().reason == "Draft text."
    assert "The deadline has passed" in refused.content.decode()


def test_a_submitted_application_is_read_only_and_can_be_withdrawn_after_confirming(client):
    focal_point = signed_in_focal_point(client)
    application = complete_application(
        ApplicationFactory(organization=focal_point.organization), by=focal_point.user
    )
    client.post(reverse("accreditation:submit", args=[application.pk]))

    page = client.get(application.get_absolute_url()).content.decode()
    confirm = client.get(reverse("accreditation:withdraw", args=[application.pk])).content.decode()
    client.post(
        reverse("accreditation:withdraw", args=[application.pk]), {"note": "Plans changed."}
    )

    assert "can no longer be changed" in page
    assert "Withdraw the application" in page
    assert "Yes, withdraw it" in confirm
    assert Application.objects.get().status == Status.WITHDRAWN


def test_a_colleague_is_invited_by_email_and_becomes_a_second_focal_point(client):
    focal_point = signed_in_focal_point(client)
    colleague = UserFactory(email="colleague@example.org")

    client.post(reverse("accreditation:invite"), {"email": "Colleague@Example.org"})
    colleague_client = sign_in(Client(), colleague)
    dashboard = colleague_client.get(reverse("accreditation:dashboard")).content.decode()
    invitation_id = focal_point.organization.invitations.get().pk
    colleague_client.post(reverse("accreditation:accept_invitation", args=[invitation_id]))

    assert mail.outbox[0].to == ["colleague@example.org"]
    assert "/account/sign-in/" in mail.outbox[0].body
    assert "You are invited to be a focal point of" in dashboard
    assert FocalPoint.objects.get(user=colleague).organization == focal_point.organization


def test_an_invitation_cannot_be_accepted_by_someone_else(client):
    focal_point = signed_in_focal_point(client)
    client.post(reverse("accreditation:invite"), {"email": "colleague@example.org"})
    stranger = sign_in(Client(), UserFactory(email="stranger@example.org"))

    response = stranger.post(
        reverse(
            "accreditation:accept_invitation", args=[focal_point.organization.invitations.get().pk]
        )
    )

    assert response.status_code == 404
    assert not FocalPoint.objects.filter(user__email="stranger@example.org").exists()


@pytest.mark.parametrize("rows", [1, 3])
def test_the_dashboard_queries_do_not_grow_with_applications(
    client, django_assert_max_num_queries, rows
):
    focal_point = signed_in_focal_point(client)
    for _ in range(rows):
        application = ApplicationFactory(organization=focal_point.organization)
        MeetingFactory(call=application.call)

    with django_assert_max_num_queries(14):
        response = client.get(reverse("accreditation:dashboard"))

    assert response.content.decode().count("<tr>") == rows + 1


def test_the_dashboard_says_what_to_do_next(client):
    focal_point = signed_in_focal_point(client)
    ApplicationFactory(organization=focal_point.organization)

    html = client.get(reverse("accreditation:dashboard")).content.decode()

    assert "Draft" in html
    assert "Complete and submit before" in html


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("We work\x00with migrants.", "Null characters are not allowed."),
        ("x" * 100_000, "Ensure this value has at most 20000 characters (it has 100000)."),
    ],
)
def test_a_reason_that_cannot_be_stored_gets_a_message_by_the_field_and_the_rest_is_kept(
    client, typed, message
):
    application = ApplicationFactory(reason="Our earlier reason.")
    focal_point = FocalPointFactory(organization=application.organization)
    meeting = MeetingFactory(call=application.call)
    sign_in(client, focal_point.user)

    response = client.post(
        reverse("accreditation:application", args=[application.pk]),
        {"reason": typed, "meetings": [meeting.pk], "acknowledged": "on", "action": "save"},
    )

    application.refresh_from_db()
    assert response.status_code == 400
    assert response.context["form"].errors["reason"] == [message]
    assert application.reason == "Our earlier reason."
    assert list(application.meetings.all()) == [meeting]
    assert application.acknowledged_at is not None


def test_a_reason_over_the_word_limit_is_kept_in_the_draft_with_a_message(client):
    application = ApplicationFactory(call=CallFactory(reason_word_limit=3))
    focal_point = FocalPointFactory(organization=application.organization)
    sign_in(client, focal_point.user)

    response = client.post(
        reverse("accreditation:application", args=[application.pk]),
        {"reason": "one two three four", "action": "save"},
    )

    application.refresh_from_db()
    assert response.status_code == 400
    assert "The reason has 4 words; the limit is 3." in response.context["form"].errors["reason"][0]
    assert application.reason == "one two three four"
