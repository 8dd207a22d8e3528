import re
from datetime import UTC, datetime

import pyotp
import pytest
from django.core import mail
from django.urls import reverse
from playwright.sync_api import expect

from tests.factories import StaffFactory, UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def ask_for_a_link(page, email):
    page.goto(reverse("accounts:sign_in"))
    page.get_by_role("textbox", name="Email address").fill(email)
    page.get_by_role("button", name="Send me a sign-in link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your mailbox")
    (message,) = mail.outbox
    assert message.to == [email]
    return message


def html_part(message):
    (html,) = [content for content, mimetype in message.alternatives if mimetype == "text/html"]
    return html


def wrong_code(totp):
    """Six digits that no step near now gives, even if the server's clock moves on a step."""
    now = datetime.now(UTC)
    valid = {totp.at(now, counter_offset=offset) for offset in (-1, 0, 1, 2)}
    return next(code for code in (str(digit) * 6 for digit in range(10)) if code not in valid)


def test_applicant_signs_in_by_clicking_the_link_in_the_mail(page, live_server, settings):
    settings.SITE_URL = live_server.url
    applicant = UserFactory(email="focal.point@example.org")

    message = ask_for_a_link(page, applicant.email)
    page.set_content(html_part(message))
    page.get_by_role("link", name=f"{live_server.url}/s/").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Sign in as {applicant.email}")
    page.get_by_role("button", name="Sign in", exact=True).click()

    page.wait_for_url(f"{live_server.url}{reverse('accreditation:dashboard')}")
    page.get_by_role("link", name="Your account").click()
    expect(page.locator("main")).to_contain_text(f"You are signed in as {applicant.email}.")


def test_staff_member_pastes_the_link_in_a_new_tab_and_sets_up_the_second_factor(
    page, live_server, settings
):
    settings.SITE_URL = live_server.url
    staff = StaffFactory(email="officer@un.example.org")
    message = ask_for_a_link(page, staff.email)
    (url,) = re.findall(rf"^{re.escape(live_server.url)}/\S+$", message.body, re.MULTILINE)
    setup_url = re.compile(
        re.escape(f"{live_server.url}{reverse('accounts:second_factor_setup')}?next=%2Fadmin%2F")
        + "$"
    )

    tab = page.context.new_page()
    tab.goto(url)
    expect(tab.get_by_role("heading", level=1)).to_have_text(f"Sign in as {staff.email}")
    tab.get_by_role("button", name="Sign in", exact=True).click()

    tab.wait_for_url(setup_url)
    expect(tab.get_by_role("heading", level=1)).to_have_text("Set up your second factor")
    expect(tab.locator("svg")).to_be_visible()
    totp = pyotp.TOTP(tab.locator("#totp-key").inner_text().replace(" ", ""))

    tab.get_by_role("textbox", name="Code").fill(wrong_code(totp))
    tab.get_by_role("button", name="Confirm").click()
    expect(tab.locator("#id_code_error")).to_contain_text("That code is not right.")
    expect(tab.get_by_role("heading", level=1)).to_have_text("Set up your second factor")

    tab.goto(reverse("admin:index"))
    tab.wait_for_url(setup_url)
    expect(tab.get_by_role("heading", level=1)).to_have_text("Set up your second factor")

    tab.get_by_role("textbox", name="Code").fill(totp.now())
    tab.get_by_role("button", name="Confirm").click()
    expect(tab.locator("#recovery-codes li")).to_have_count(10)
    tab.get_by_role("link", name="I have kept them: continue").click()

    tab.wait_for_url(f"{live_server.url}{reverse('admin:index')}")
    expect(tab.get_by_role("heading", level=1)).to_have_text("Calls, meetings and applications")
    expect(tab.locator("#site-name")).to_have_text("Accreditation portal: staff")
