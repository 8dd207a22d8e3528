"""Help: a page that says how sign-in works, what is shared and whom to ask; each call's
contact address on its page and as Reply-To of the mail about its applications."""

import pytest
from django.core import mail
from django.urls import reverse

from accreditation import services
from tests.factories import ApplicationFactory, CallFactory, complete_application

pytestmark = pytest.mark.django_db


def test_every_page_links_to_the_help_page(client):
    home = client.get(reverse("events:call_list")).content.decode()

    assert f'href="{reverse("events:help")}"' in home


def test_the_help_page_says_how_sign_in_works_what_is_shared_and_whom_to_ask(client):
    CallFactory(title="Trafficking in persons", contact_email="pga-accreditation@un.example.org")
    CallFactory(title="Unpublished", contact_email="secret@un.example.org", is_published=False)

    page = client.get(reverse("events:help")).content.decode()

    assert "works once, for 20 minutes" in page
    assert "name and country are shared with Member States" in page
    assert "pga-accreditation@un.example.org" in page
    assert "secret@un.example.org" not in page


def test_a_call_page_gives_its_contact_address(client):
    call = CallFactory(contact_email="pga-accreditation@un.example.org")

    page = client.get(call.get_absolute_url()).content.decode()

    assert 'href="mailto:pga-accreditation@un.example.org"' in page


def test_mail_about_an_application_is_answered_to_the_call_s_contact(client):
    call = CallFactory(contact_email="pga-accreditation@un.example.org")
    application = complete_application(ApplicationFactory(call=call))
    applicant = application.organization.memberships.get().user

    services.submit_application(application=application, by=applicant)

    assert mail.outbox[-1].reply_to == ["pga-accreditation@un.example.org"]
    assert mail.outbox[-1].from_email.endswith("<no-reply@accreditation.localhost>")


def test_without_a_contact_replies_go_nowhere_else(client):
    application = complete_application()
    applicant = application.organization.memberships.get().user

    services.submit_application(application=application, by=applicant)

    assert mail.outbox[-1].reply_to == []
