"""New staff and Member State delegates are told, once, how to sign in."""

import smtplib

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse

from accounts.models import OutgoingMail, SecurityEvent
from accounts.roles import ADMINISTRATORS, MEMBER_STATE_DELEGATES
from tests.accounts.test_user_admin import change_url, user_form
from tests.factories import UserFactory
from tests.helpers import sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    administrator = UserFactory(is_staff=True, email="admin@un.example.org")
    administrator.groups.add(Group.objects.get(name=ADMINISTRATORS))
    sign_in(client, administrator)
    client.administrator = administrator
    return client


def delegates():
    return Group.objects.get(name=MEMBER_STATE_DELEGATES)


def messages_of(response):
    return [str(message) for message in response.context["messages"]]


def welcome_events(user):
    return list(
        SecurityEvent.objects.filter(user=user, kind=SecurityEvent.Kind.WELCOME_SENT).values_list(
            "actor__email", flat=True
        )
    )


def test_a_person_made_staff_is_told_how_to_sign_in(admin_client):
    person = UserFactory(email="new.staff@un.example.org")

    response = admin_client.post(change_url(person), user_form(person), follow=True)

    person.refresh_from_db()
    assert person.is_staff
    [message] = mail.outbox
    assert message.to == ["new.staff@un.example.org"]
    assert message.subject == "Your access to the accreditation portal"
    sign_in_url = settings.SITE_URL + reverse("accounts:sign_in")
    for body in (message.body, message.alternatives[0][0]):
        assert sign_in_url in body
        assert "There is no password" in body
        assert f"It is valid for {settings.SIGN_IN_LINK_MINUTES} minutes" in body
        assert "second factor: an authenticator app" in body
        assert "Member State" not in body
    assert welcome_events(person) == ["admin@un.example.org"]
    assert (
        "A welcome mail telling new.staff@un.example.org how to sign in was sent."
        in messages_of(response)
    )


def test_the_welcome_mail_is_not_sent_again_at_every_save(admin_client):
    person = UserFactory(email="new.staff@un.example.org")
    admin_client.post(change_url(person), user_form(person))

    admin_client.post(change_url(person), user_form(person, family_name="Renamed"))
    admin_client.post(change_url(person), user_form(person, given_name="Awa"))

    assert len(mail.outbox) == 1
    assert len(welcome_events(person)) == 1


def test_someone_who_already_was_staff_gets_no_welcome_mail_when_edited(admin_client):
    person = UserFactory(is_staff=True)

    admin_client.post(change_url(person), user_form(person, family_name="Renamed"))

    assert mail.outbox == []


def test_a_delegate_is_told_in_their_language_which_member_state_they_represent(admin_client):
    person = UserFactory(email="delegue@mission.example.org", preferred_language="fr")

    admin_client.post(
        change_url(person),
        user_form(
            person,
            is_staff="",
            preferred_language="fr",
            groups=[delegates().pk],
            member_state="DE",
        ),
    )

    [message] = mail.outbox
    assert message.to == ["delegue@mission.example.org"]
    assert message.body.startswith("Madame, Monsieur,")  # the greeting, in French
    assert "Allemagne" in message.body  # the Member State, named in French
    assert "Allemagne" in message.alternatives[0][0]
    assert settings.SITE_URL + reverse("accounts:sign_in") in message.body
    assert welcome_events(person) == ["admin@un.example.org"]


def test_a_staff_member_later_made_a_delegate_is_told_their_member_state(admin_client):
    person = UserFactory(is_staff=True)

    admin_client.post(
        change_url(person), user_form(person, groups=[delegates().pk], member_state="KE")
    )

    [message] = mail.outbox
    assert "You represent Kenya." in message.body


def test_a_refused_form_sends_nothing(admin_client):
    person = UserFactory()

    response = admin_client.post(change_url(person), user_form(person, groups=[delegates().pk]))

    assert response.status_code == 200
    assert mail.outbox == []
    assert welcome_events(person) == []


def test_a_welcome_mail_the_server_refuses_is_kept_for_administrators(admin_client, monkeypatch):
    def refuse(self, *args, **kwargs):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", refuse)
    person = UserFactory(email="new.staff@un.example.org")

    response = admin_client.post(change_url(person), user_form(person), follow=True)

    # The change is saved and the mail queued; the queue, not the page, deals with the server.
    person.refresh_from_db()
    assert person.is_staff
    assert welcome_events(person) == ["admin@un.example.org"]
    assert (
        "A welcome mail telling new.staff@un.example.org how to sign in was sent."
        in messages_of(response)
    )
    kept = OutgoingMail.objects.get(recipients="new.staff@un.example.org")
    assert kept.status == OutgoingMail.Status.FAILED
    assert kept.last_error == "SMTPServerDisconnected: Connection unexpectedly closed"


def test_a_welcome_mail_that_cannot_be_queued_keeps_the_change_and_warns(admin_client, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("the template is missing")

    monkeypatch.setattr("accounts.services.send_templated_mail", fail)
    person = UserFactory(email="new.staff@un.example.org")

    response = admin_client.post(change_url(person), user_form(person), follow=True)

    person.refresh_from_db()
    assert person.is_staff
    assert welcome_events(person) == []
    assert (
        "The changes were saved, but the welcome mail to new.staff@un.example.org could not be "
        "sent. Tell them how to sign in another way."
    ) in messages_of(response)
