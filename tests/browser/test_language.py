"""The language a person picks is the one they keep: before sign-in, after it, and in mail."""

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from playwright.sync_api import expect

from accounts.models import User
from accreditation import services
from tests.factories import (
    ApplicationFactory,
    FocalPointFactory,
    UserFactory,
    complete_application,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def switch_language(page, code):
    page.locator("#language-select").select_option(code)
    page.locator("footer form button[type=submit]").click()
    expect(page.locator("html")).to_have_attribute("lang", code)


def open_link_from_last_mail(page, live_server):
    (url,) = re.findall(rf"^{re.escape(live_server.url)}/s/\S+$", mail.outbox[-1].body, re.M)
    page.goto(url)


def test_a_new_applicant_who_chose_french_before_signing_in_stays_in_french(
    page, live_server, settings
):
    settings.SITE_URL = live_server.url
    page.goto(reverse("events:call_list"))
    switch_language(page, "fr")

    page.get_by_role("link", name="Se connecter").click()
    page.get_by_role("textbox", name="Adresse électronique").fill("nouvelle@example.org")
    page.get_by_role("button", name="Recevoir un lien de connexion").click()
    assert mail.outbox[-1].body.startswith("Madame, Monsieur,")
    open_link_from_last_mail(page, live_server)
    page.get_by_role("button", name="Se connecter", exact=True).click()

    page.wait_for_url(f"{live_server.url}{reverse('accreditation:dashboard')}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Vos candidatures")
    assert User.objects.get(email="nouvelle@example.org").preferred_language == "fr"


def test_switching_language_while_signed_in_is_kept_for_the_next_sign_in_and_for_mail(
    page, live_server, settings, browser
):
    settings.SITE_URL = live_server.url
    focal_point = FocalPointFactory(user=UserFactory(email="amina@example.org"))
    page.goto(reverse("accounts:sign_in"))
    page.get_by_role("textbox", name="Email address").fill("amina@example.org")
    page.get_by_role("button", name="Send me a sign-in link").click()
    open_link_from_last_mail(page, live_server)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(f"{live_server.url}{reverse('accreditation:dashboard')}")

    switch_language(page, "fr")

    focal_point.user.refresh_from_db()
    assert focal_point.user.preferred_language == "fr"
    # Mail follows the saved preference, whatever page it was sent from.
    application = complete_application(
        ApplicationFactory(organization=focal_point.organization), by=focal_point.user
    )
    services.submit_application(application=application, by=focal_point.user)
    assert mail.outbox[-1].subject.startswith("Candidature")
    # Another device, with no language cookie, opens in French after sign-in.
    cache.clear()  # the minute between two links to one address
    other = browser.new_context(base_url=live_server.url, locale="en-GB").new_page()
    other.goto(reverse("accounts:sign_in"))
    other.get_by_role("textbox", name="Email address").fill("amina@example.org")
    other.get_by_role("button", name="Send me a sign-in link").click()
    open_link_from_last_mail(other, live_server)
    other.get_by_role("button", name="Sign in", exact=True).click()
    expect(other.get_by_role("heading", level=1)).to_have_text("Vos candidatures")
    other.context.close()
