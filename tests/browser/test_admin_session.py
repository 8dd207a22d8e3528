"""A reviewer is warned before the idle limit ends the session, can stay signed in, and keeps
what was typed when the session ends anyway (real Chromium, the page's clock moved on)."""

from importlib import import_module

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from playwright.sync_api import expect

from accounts.middleware import LAST_SEEN_AT
from accounts.roles import REVIEWERS
from accreditation import services
from tests.factories import (
    ApplicationFactory,
    FocalPointFactory,
    UserFactory,
    complete_application,
)
from tests.helpers import sign_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

QUESTION = "Please send the current registration certificate."
WARNING = "Your session ends in 2 minutes because of inactivity."


def session_store(key):
    return import_module(settings.SESSION_ENGINE).SessionStore(key)


def signed_in_page(browser, live_server, user):
    """A browser whose session is the one a test client signed in (second factor passed)."""
    client = sign_in(Client(), user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    return context, page, cookie


def reviewer():
    user = UserFactory(email="reviewer@un.example.org", is_staff=True)
    user.groups.add(Group.objects.get(name=REVIEWERS))
    return user


def submitted_application():
    focal_point = FocalPointFactory(user=UserFactory(email="amina@migrantvoices.example"))
    application = complete_application(
        ApplicationFactory(organization=focal_point.organization), by=focal_point.user
    )
    return services.submit_application(application=application, by=focal_point.user).application


def test_staff_are_warned_before_the_idle_limit_and_can_stay_signed_in(browser, live_server):
    context, page, session_key = signed_in_page(browser, live_server, reviewer())
    try:
        page.clock.install()
        page.goto(reverse("admin:index"))
        alert = page.get_by_role("alert").filter(has_text="Your session")
        expect(alert).to_have_count(0)
        seen_before = session_store(session_key)[LAST_SEEN_AT]

        page.clock.fast_forward("27:50")
        expect(alert).to_have_count(0)
        page.clock.fast_forward("00:15")

        expect(alert).to_be_visible()
        expect(alert).to_have_text(f"{WARNING} Stay signed in", use_inner_text=True)
        stay = alert.get_by_role("button", name="Stay signed in")
        # Nobody was typing: the button has the focus, for the keyboard.
        expect(stay).to_be_focused()
        page.keyboard.press("Enter")

        expect(alert).to_have_count(0)
        assert session_store(session_key)[LAST_SEEN_AT] > seen_before
        # The time counts again from the button: no warning before 28 more minutes.
        page.clock.fast_forward("27:00")
        expect(alert).to_have_count(0)
        page.clock.fast_forward("01:05")
        expect(alert).to_be_visible()
    finally:
        context.close()


def test_a_request_typed_after_the_session_ended_is_offered_back_after_signing_in(
    browser, live_server
):
    application = submitted_application()
    staff = reviewer()
    change_url = reverse("admin:accreditation_application_change", args=[application.pk])
    context, page, session_key = signed_in_page(browser, live_server, staff)
    try:
        page.clock.install()
        page.goto(change_url)
        review = page.locator("#review-actions")
        review.get_by_role("button", name="Start review").click()
        page.wait_for_url(f"**{change_url}")

        # Thirty idle minutes later, for the browser and for the server.
        page.clock.fast_forward("30:05")
        session = session_store(session_key)
        session[LAST_SEEN_AT] -= 31 * 60
        session.save()
        expect(page.get_by_role("alert").filter(has_text="Your session has ended")).to_be_visible()
        asking = review.get_by_role("group", name="Request more information")
        asking.get_by_role("textbox", name="Message to the applicant (required)").fill(QUESTION)
        asking.get_by_role("button", name="Request more information").click()
        page.wait_for_url(f"**{reverse('accounts:sign_in')}**")

        # Signed in again (here by a second session put in the browser), the page offers it back.
        context.clear_cookies()
        client = sign_in(Client(), staff)
        context.add_cookies(
            [
                {
                    "name": settings.SESSION_COOKIE_NAME,
                    "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                    "url": live_server.url,
                }
            ]
        )
        page.goto(change_url)
        offer = page.get_by_role("status").filter(has_text="changes that were not saved")
        expect(offer).to_be_visible()
        offer.get_by_role("button", name="Restore them").click()
        question = asking.get_by_role("textbox", name="Message to the applicant (required)")
        expect(question).to_have_value(QUESTION)
        expect(question).to_be_focused()

        # Sent while signed in, the copy is dropped.
        asking.get_by_role("button", name="Request more information").click()
        page.wait_for_url(f"**{change_url}")
        expect(page.locator(".messagelist")).to_contain_text("Done: Request more information.")
        expect(
            page.get_by_role("status").filter(has_text="changes that were not saved")
        ).to_have_count(0)
        kept = page.evaluate(
            "Object.keys(localStorage).filter((key) => key.startsWith('keep-typed:'))"
        )
        assert kept == []
    finally:
        context.close()


def test_sign_out_drops_what_the_browser_kept(browser, live_server):
    application = submitted_application()
    change_url = reverse("admin:accreditation_application_change", args=[application.pk])
    context, page, _ = signed_in_page(browser, live_server, reviewer())
    try:
        page.goto(change_url)
        note = page.get_by_role("textbox", name="Internal note")
        note.fill("Looks like the same network as last year.")
        page.wait_for_function(
            "Object.keys(localStorage).some((key) => key.startsWith('keep-typed:admin:'))"
        )

        page.get_by_role("button", name="Log out").click()
        page.wait_for_load_state()

        kept = page.evaluate(
            "Object.keys(localStorage).filter((key) => key.startsWith('keep-typed:'))"
        )
        assert kept == []
    finally:
        context.close()
