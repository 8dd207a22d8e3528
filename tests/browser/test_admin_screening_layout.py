"""The screening list and an application's page read right in real Chromium: warnings in
words, the columns fit at 1280 px, the page does not scroll sideways at 375 px."""

from contextlib import contextmanager

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from playwright.sync_api import expect

from accounts.roles import REVIEWERS
from accreditation.models import Organization, Status
from reviews import services as review_services
from tests.browser.accessibility import session_cookie
from tests.factories import (
    CallFactory,
    UserFactory,
    application_in,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

SIDEWAYS = """() => {
  const page = document.scrollingElement;
  const results = document.querySelector('.results');
  return {
    page: page.scrollWidth - page.clientWidth,
    results: results ? results.scrollWidth - results.clientWidth : 0,
  };
}"""


def reviewer():
    user = UserFactory(email="reviewer@un.example.org", is_staff=True)
    user.groups.add(Group.objects.get(name=REVIEWERS))
    return user


@contextmanager
def signed_in(browser, live_server, user, *, width, language="en"):
    context = browser.new_context(
        base_url=live_server.url,
        locale="en-GB" if language == "en" else "fr-FR",
        viewport={"width": width, "height": 900},
    )
    context.add_cookies(
        [
            session_cookie(live_server.url, user),
            {"name": "django_language", "value": language, "url": live_server.url},
        ]
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        yield page
    finally:
        context.close()


def flagged_applications():
    call = CallFactory(
        title="High-level dialogue on international migration and development, 2030 session"
    )
    first = application_in(Status.SUBMITTED)
    organization = first.organization
    organization.name = "International Federation of Migrant Workers' Associations and Networks"
    organization.acronym = "IFMWAN"
    organization.type = Organization.Type.MIGRANT
    organization.save()
    first.call = call
    first.save()
    # The same organization again, by another name only in punctuation: a likely duplicate.
    twin = application_in(Status.UNDER_REVIEW)
    twin.organization.name = "International Federation of Migrant Workers Associations and Networks"
    twin.organization.save()
    review_services.import_ecosoc_list(
        text="name,country,status\n"
        "International Federation of Migrant Workers' Associations and Networks,Kenya,Special\n"
    )
    return first, twin


def test_the_list_warns_in_words_and_fits_at_1280_pixels(browser, live_server):
    flagged_applications()
    with signed_in(browser, live_server, reviewer(), width=1280) as page:
        page.goto(reverse("admin:accreditation_application_changelist"))
        rows = page.locator("#result_list tbody tr")
        expect(rows).to_have_count(2)
        flagged = rows.filter(has_text="IFMWAN")
        expect(flagged.locator(".field-ecosoc_flag")).to_have_text("In the ECOSOC list")
        expect(flagged.locator(".field-duplicate_flag")).to_have_text("Likely duplicate")
        # No icons, no "True" or "False" anywhere in the list.
        expect(page.locator("#result_list img")).to_have_count(0)
        expect(page.locator("#result_list")).not_to_contain_text("True")
        expect(page.locator("#result_list")).not_to_contain_text("False")
        expect(flagged.locator(".field-submitted_time")).to_contain_text("UTC")
        assert page.evaluate(SIDEWAYS) == {"page": 0, "results": 0}
        # Sorted by a column (its heading then holds the sort controls), and in French.
        page.goto(reverse("admin:accreditation_application_changelist") + "?o=-7.3")
        assert page.evaluate(SIDEWAYS) == {"page": 0, "results": 0}
        page.get_by_role("combobox", name="Language").select_option("fr")
        page.get_by_role("button", name="Change").click()
        expect(page.locator("html")).to_have_attribute("lang", "fr")
        assert page.evaluate(SIDEWAYS) == {"page": 0, "results": 0}


def test_an_applications_page_does_not_scroll_sideways_at_375_pixels(browser, live_server):
    first, _twin = flagged_applications()
    url = reverse("admin:accreditation_application_change", args=[first.pk])

    with signed_in(browser, live_server, reviewer(), width=375) as page:
        page.goto(url)
        expect(page.locator("#review-actions")).to_be_visible()
        assert page.evaluate("() => document.scrollingElement.scrollWidth") <= 375
