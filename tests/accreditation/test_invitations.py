"""Inviting a colleague mails someone from the portal's own address: limited, and the
organization's self-chosen name is quoted as such, never put in the subject."""

from datetime import timedelta

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accreditation import services
from accreditation.models import Invitation, Organization
from tests.factories import FocalPointFactory, OrganizationFactory
from tests.helpers import sign_in

pytestmark = pytest.mark.django_db

INVITE = reverse("accreditation:invite")


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


@pytest.fixture
def focal_point(client):
    focal_point = FocalPointFactory()
    sign_in(client, focal_point.user)
    return focal_point


def test_a_person_may_send_five_invitations_an_hour(client, focal_point):
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        for number in range(5):
            client.post(INVITE, {"email": f"colleague{number}@example.org"})
        refused = client.post(INVITE, {"email": "colleague5@example.org"}, follow=True)

    assert len(mail.outbox) == 5
    assert messages_of(refused)[-1] == "Too many invitations were sent. Try again in 1 hour."
    assert not Invitation.objects.filter(email="colleague5@example.org").exists()

    with time_machine.travel(now + timedelta(hours=1, seconds=1), tick=False):
        client.post(INVITE, {"email": "colleague5@example.org"})
    assert len(mail.outbox) == 6


def test_one_address_gets_at_most_three_invitations_a_day_from_anyone(client, focal_point):
    others = [FocalPointFactory() for _ in range(3)]
    now = timezone.now()
    with time_machine.travel(now, tick=False):
        for inviter in [focal_point, *others]:
            try:
                services.invite_focal_point(
                    organization=inviter.organization, email="Target@Example.org", by=inviter.user
                )
            except services.TooMany as refusal:
                refused = refusal

    assert [message.to for message in mail.outbox] == [["target@example.org"]] * 3
    assert refused.message == "Too many invitations were sent. Try again in 24 hours."


def test_an_organization_sends_at_most_ten_invitations_a_day(client):
    organization = OrganizationFactory()
    inviters = [FocalPointFactory(organization=organization).user for _ in range(3)]
    sent = 0
    with time_machine.travel(timezone.now(), tick=False):
        for number in range(12):
            try:
                services.invite_focal_point(
                    organization=organization,
                    email=f"invitee{number}@example.org",
                    by=inviters[number % 3],
                )
                sent += 1
            except services.TooMany:
                pass

    assert sent == len(mail.outbox) == 10


def test_the_organization_name_is_quoted_and_kept_out_of_the_subject(client, focal_point):
    Organization.objects.filter(pk=focal_point.organization.pk).update(
        name="UN Security Team (official) https://phish.example/login"
    )

    client.post(INVITE, {"email": "colleague@example.org"})

    message = mail.outbox[0]
    html = message.alternatives[0].content
    assert message.subject == "Invitation to the accreditation portal"
    assert "“UN Security Team (official) https://phish.example/login”" in message.body
    assert "the portal has not checked it" in message.body
    # Named by the address they signed in with, which the portal has checked.
    assert focal_point.user.email in message.body
    assert "<blockquote><p>“UN Security Team (official) https://phish.example/login”</p>" in html
    assert '<a href="https://phish' not in html


def test_names_are_plain_text_in_the_text_part_and_escaped_in_the_html(client, focal_point):
    Organization.objects.filter(pk=focal_point.organization.pk).update(
        name="Women & Children <First>"
    )

    client.post(INVITE, {"email": "colleague@example.org"})

    message = mail.outbox[0]
    assert "“Women & Children <First>”" in message.body
    assert "&amp;" not in message.body
    assert "Women &amp; Children &lt;First&gt;" in message.alternatives[0].content


def test_a_line_break_in_the_organization_name_is_refused_by_the_field(client):
    focal_point = FocalPointFactory()
    sign_in(client, focal_point.user)
    fields = ["acronym", "type", "city", "year_established", "homepage", "contact_email"]
    fields += ["phone", "head_name", "head_title", "areas_of_work"]
    profile = {field: getattr(focal_point.organization, field) for field in fields}
    profile |= {"name": "Migrant Voices\r\nBcc: everyone@example.org", "country": "KE"}

    response = client.post(reverse("accreditation:organization"), profile)

    page = response.content.decode()
    assert response.status_code == 200
    assert "Write this on one line, without line breaks or control characters." in page
    assert "Nairobi" in page  # the rest is kept
    focal_point.organization.refresh_from_db()
    assert "\n" not in focal_point.organization.name
