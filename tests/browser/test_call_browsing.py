import re
from datetime import UTC, timedelta

import pytest
from django.utils import timezone

from tests.factories import CallFactory, MeetingFactory, ViennaVenueFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_visitor_follows_a_call_from_the_home_page_and_reads_its_deadline(page):
    venue = ViennaVenueFactory()
    deadline = (
        (timezone.now() + timedelta(days=12))
        .astimezone(venue.tzinfo)
        .replace(hour=23, minute=59, second=0, microsecond=0)
    )
    call = CallFactory(
        title="Informal thematic session on smuggling of migrants",
        venue=venue,
        deadline=deadline,
    )
    MeetingFactory(call=call, title="Thematic session 5", venue=venue)
    expected_local = f"{deadline.day} {deadline:%B %Y}, 23:59 Vienna time"
    expected_utc = deadline.astimezone(UTC)

    page.goto("/")
    page.get_by_role("link", name="Informal thematic session on smuggling of migrants").click()

    page.wait_for_url(f"**{call.get_absolute_url()}")
    assert page.get_by_role("heading", level=1).inner_text() == call.title
    deadline_text = page.locator("aside .deadline").inner_text()
    assert expected_local in deadline_text
    assert f"{expected_utc:%H:%M} UTC" in deadline_text
    assert page.locator("aside .deadline time").get_attribute("title").endswith("UTC")
    page.get_by_role("link", name="Apply").click()
    page.wait_for_url(re.compile(r"/account/sign-in/\?next=/calls/.+/apply/"))


def test_skip_link_moves_focus_to_the_main_content(page):
    CallFactory()

    page.goto("/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to main content"
    page.keyboard.press("Enter")

    assert page.evaluate("document.activeElement.id") == "main"


def test_home_page_fits_a_phone_screen(browser, live_server):
    CallFactory(title="A call with a rather long title that must wrap on a narrow phone screen")
    context = browser.new_context(base_url=live_server.url, viewport={"width": 360, "height": 740})
    phone = context.new_page()

    phone.goto("/")

    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    context.close()
