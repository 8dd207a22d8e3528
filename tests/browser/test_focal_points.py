"""An invited colleague, in real Chromium: offered the invitation first, never a duplicate
organization; the focal point sees the invitation and the new colleague, and can remove them."""

import pytest
from django.core import mail
from django.urls import reverse
from playwright.sync_api import expect

from accreditation import services
from accreditation.models import FocalPoint, Organization
from tests.browser.flows import heading, new_device, sign_in_by_mail
from tests.factories import FocalPointFactory, OrganizationFactory, UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_an_invited_colleague_accepts_and_is_then_removed_by_the_focal_point(
    page, browser, live_server, settings
):
    settings.SITE_URL = live_server.url
    organization = OrganizationFactory(name="Kenyan Diaspora Forum")
    focal_point = FocalPointFactory(
        organization=organization, user=UserFactory(email="amina@kdf.example")
    )
    services.invite_focal_point(
        organization=organization, email="kofi@kdf.example", by=focal_point.user
    )

    page.goto(reverse("accounts:sign_in"))
    sign_in_by_mail(page, live_server, "kofi@kdf.example")
    expect(heading(page)).to_have_text("Your applications")
    expect(page.get_by_role("link", name="Fill in the profile")).to_have_count(0)
    expect(
        page.get_by_role("heading", name="You are invited to be a focal point of")
    ).to_be_visible()
    page.get_by_role("button", name="Accept").click()
    expect(page.locator("main")).to_contain_text(
        "You are now a focal point of Kenyan Diaspora Forum"
    )
    assert Organization.objects.count() == 1

    context, colleague_page = new_device(browser, live_server)
    colleague_page.goto(reverse("accounts:sign_in"))
    mail.outbox.clear()
    sign_in_by_mail(colleague_page, live_server, "amina@kdf.example")
    colleague_page.get_by_role("link", name="Organization's profile and focal points").click()
    colleague_page.get_by_role("link", name="Remove kofi@kdf.example").click()
    colleague_page.get_by_role("button", name="Remove this focal point").click()

    expect(colleague_page.locator("main")).to_contain_text(
        "kofi@kdf.example is no longer a focal point of the organization."
    )
    assert not FocalPoint.objects.filter(user__email="kofi@kdf.example").exists()
    assert mail.outbox[-1].to == ["kofi@kdf.example"]
    context.close()
