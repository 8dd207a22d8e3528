"""Nothing typed is lost by leaving a page: the browser keeps it and offers it back, and
leaving with unsaved changes asks first. Without JavaScript the forms work as before."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from accreditation.models import Application, Organization
from tests.browser.flows import sign_in_by_mail
from tests.factories import ApplicationFactory, FocalPointFactory, UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

REASON = "Our members are domestic workers who migrated to the Gulf States."


def signed_in(page, live_server, settings):
    settings.SITE_URL = live_server.url
    focal_point = FocalPointFactory(user=UserFactory(email="amina@kdf.example"))
    application = ApplicationFactory(organization=focal_point.organization, reason="")
    page.goto(reverse("accounts:sign_in"))
    sign_in_by_mail(page, live_server, "amina@kdf.example")
    return application


def test_a_reason_typed_then_left_by_a_link_is_offered_back(page, live_server, settings):
    application = signed_in(page, live_server, settings)
    page.goto(application.get_absolute_url())
    page.get_by_role("textbox", name="Reason for participation").fill(REASON)
    dialogs = []

    def leave_anyway(dialog):
        dialogs.append(dialog.type)
        dialog.accept()

    page.on("dialog", leave_anyway)
    page.get_by_role("link", name="Your applications").first.click()
    page.wait_for_url(f"{live_server.url}{reverse('accreditation:dashboard')}")
    page.get_by_role("link", name=application.call.title).click()

    expect(
        page.get_by_role("status").filter(has_text="changes that were not saved")
    ).to_be_visible()
    page.get_by_role("button", name="Restore them").click()

    expect(page.get_by_role("textbox", name="Reason for participation")).to_have_value(REASON)
    assert dialogs == ["beforeunload"]
    page.get_by_role("button", name="Save the draft").click()
    expect(page.get_by_text("Your draft is saved.")).to_be_visible()
    assert Application.objects.get(pk=application.pk).reason == REASON
    # Saved: nothing is offered any more, and leaving asks nothing.
    page.reload()
    expect(page.get_by_role("button", name="Restore them")).to_have_count(0)
    page.get_by_role("link", name="Your applications").first.click()
    page.wait_for_url(f"{live_server.url}{reverse('accreditation:dashboard')}")
    assert dialogs == ["beforeunload"]


def test_the_copy_kept_in_the_browser_is_dropped_at_sign_out(page, live_server, settings):
    application = signed_in(page, live_server, settings)
    page.goto(application.get_absolute_url())
    page.get_by_role("textbox", name="Reason for participation").fill(REASON)
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Sign out").click()

    kept = page.evaluate(
        "Object.keys(localStorage).filter(key => key.startsWith('keep-typed:')).length"
    )

    assert kept == 0


def test_without_javascript_the_profile_is_saved_as_before(browser, live_server, settings):
    settings.SITE_URL = live_server.url
    context = browser.new_context(
        base_url=live_server.url, locale="en-GB", java_script_enabled=False
    )
    page = context.new_page()
    page.goto(reverse("accounts:sign_in"))
    sign_in_by_mail(page, live_server, "kofi@newngo.example")
    page.goto(reverse("accreditation:organization"))
    page.locator("#id_name").fill("New Migrant Network")
    page.get_by_role("button", name="Save the profile").click()

    expect(page.locator("main")).to_contain_text("is required")
    expect(page.locator("#id_name")).to_have_value("New Migrant Network")
    assert not Organization.objects.exists()
    context.close()
