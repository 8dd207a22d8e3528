"""The call form, in a browser whose time zone is neither the server's nor the venue's."""

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from playwright.sync_api import expect

from tests.factories import CallFactory, MeetingFactory, StaffFactory, ViennaVenueFactory
from tests.helpers import sign_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.fixture
def tokyo_page(browser, live_server):
    """Staff signed in, in Tokyo (UTC+9), on a 1280-pixel-wide screen; the server is in UTC."""
    client = sign_in(Client(), StaffFactory())
    context = browser.new_context(
        base_url=live_server.url,
        locale="en-GB",
        timezone_id="Asia/Tokyo",
        viewport={"width": 1280, "height": 900},
    )
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def test_the_call_form_names_the_venue_zone_keeps_errors_by_their_field_and_fits(tokyo_page):
    page = tokyo_page
    call = CallFactory(venue=ViennaVenueFactory())
    MeetingFactory(call=call, venue=call.venue)
    page.goto(reverse("admin:events_call_change", args=[call.pk]))
    # The admin's date script has run: its calendar links are there.
    expect(page.locator(".datetimeshortcuts").first).to_be_attached()

    expect(page.get_by_text(re.compile(r"(ahead of|behind) server time"))).to_have_count(0)
    zone = f"Date and time in the venue's time zone: Europe/Vienna ({call.venue})."
    for field in ["opens_at", "deadline", "registration_opens_at", "registration_closes_at"]:
        expect(page.locator(f".field-{field}")).to_contain_text(zone)
    expect(page.locator("#id_deadline_0")).to_have_accessible_description(
        re.compile("Europe/Vienna")
    )

    fits = "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    assert page.evaluate(fits)
    meetings = page.locator("#meetings-group")
    expect(meetings).to_be_visible()
    assert meetings.evaluate(
        """(group) => [group, ...group.querySelectorAll('*')].every(
            (element) => element.scrollWidth <= element.clientWidth + 1
                && element.getBoundingClientRect().right <= window.innerWidth)"""
    )

    deadline = page.locator(".field-deadline")
    deadline.locator("input[name='deadline_0']").fill("2000-01-01")
    page.get_by_role("button", name="Save", exact=True).click()

    expect(deadline.locator(".errorlist")).to_have_text("The deadline must come after the opening.")
    expect(deadline.locator("input[name='deadline_0']")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text(re.compile(r"(ahead of|behind) server time"))).to_have_count(0)
    assert page.evaluate(fits)
