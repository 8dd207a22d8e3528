"""Steps several browser tests take the same way."""

import re

from django.core import mail
from playwright.sync_api import expect


def heading(page):
    return page.get_by_role("heading", level=1)


def sign_in_by_mail(page, live_server, email):
    """From a sign-in form on screen: ask for a link, open it from the plain-text mail, sign in."""
    already_sent = len(mail.outbox)
    page.get_by_role("textbox", name="Email address").fill(email)
    page.get_by_role("button", name="Send me a sign-in link").click()
    expect(heading(page)).to_have_text("Check your mailbox")
    assert len(mail.outbox) == already_sent + 1
    message = mail.outbox[-1]
    assert message.to == [email]
    (url,) = re.findall(rf"^{re.escape(live_server.url)}/s/\S+$", message.body, re.MULTILINE)

    page.goto(url)
    expect(heading(page)).to_have_text(f"Sign in as {email}")
    page.get_by_role("button", name="Sign in", exact=True).click()


def new_device(browser, live_server):
    """Another browser, with none of the first one's cookies."""
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    device = context.new_page()
    device.set_default_timeout(10_000)
    return context, device
