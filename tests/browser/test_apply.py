"""An applicant's way through the portal, in real Chromium.

Sign in by the mailed link, fill the profile, apply, upload one good and one
refused file, leave, come back on another device, submit, and find the
confirmation mail; and the way of an organization in consultative status with
ECOSOC, which a call may send to the NGO Branch instead.
"""

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from playwright.sync_api import expect

from accreditation.models import (
    Application,
    Document,
    Organization,
    ReferenceCounter,
    Status,
    StatusChange,
)
from events.models import Call
from tests.browser.flows import heading, new_device, sign_in_by_mail
from tests.factories import (
    CallFactory,
    FocalPointFactory,
    MeetingFactory,
    OrganizationFactory,
    pdf_bytes,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

REFERENCE = re.compile(r"SA-\d{4}-\d{5}")
APPLICATION_URL = re.compile(r"/applications/(\d+)/$")
REFUSED_TYPE = "Only PDF, JPEG and PNG files are accepted, and this file is none of them."
LEGAL_STATUS = "Proof of legal status issued by the government of the headquarters location"
HEAD_LETTER = "Letter from the head of the organization requesting accreditation"
ACKNOWLEDGEMENT = re.compile(r"^I understand that the organization's name and country")
REASON = (
    "Our network brings together migrant workers' associations in East Africa. "
    "We want their experience of recruitment and remittances heard by Member States."
)


def test_new_applicant_applies_leaves_comes_back_on_another_device_and_submits(
    page, browser, live_server, settings, tmp_path
):
    settings.SITE_URL = live_server.url
    email = "amina.diallo@migrantvoices.example"
    call = CallFactory(title="High-level dialogue on international migration")
    MeetingFactory(call=call, title="Opening plenary")
    MeetingFactory(call=call, title="Multi-stakeholder hearing")
    certificate = tmp_path / "registration-certificate.pdf"
    certificate.write_bytes(pdf_bytes())
    disguised = tmp_path / "letter.png"
    disguised.write_bytes(b"<!doctype html><html><body><p>Dear Sir or Madam,</p></body></html>")
    signed_letter = tmp_path / "signed-letter.pdf"
    signed_letter.write_bytes(pdf_bytes())
    start_url = reverse("accreditation:start", kwargs={"slug": call.slug})

    # A visitor presses Apply and is asked to sign in first.
    page.goto(call.get_absolute_url())
    page.get_by_role("link", name="Apply", exact=True).click()
    page.wait_for_url(f"**{reverse('accounts:sign_in')}?next={start_url}")
    sign_in_by_mail(page, live_server, email)

    # With no organization yet, the profile comes first.
    page.wait_for_url(f"**{reverse('accreditation:organization')}?next={start_url}")
    expect(heading(page)).to_have_text("Organization's profile")
    expect(page.get_by_role("status")).to_contain_text("First, tell us about your organization.")
    # Required fields' names end in crispy-forms' asterisk; "Name" alone would also match
    # "Name of the head of the organization".
    page.get_by_role("textbox", name="Organization name*", exact=True).fill(
        "Migrant Voices Network"
    )
    page.get_by_role("textbox", name="Acronym").fill("MVN")
    page.get_by_role("combobox", name="Type of organization").select_option(
        label="Migrant organization"
    )
    page.get_by_role("combobox", name="Country of headquarters").select_option(label="Kenya")
    page.get_by_role("textbox", name="City of headquarters").fill("Nairobi")
    page.get_by_role("spinbutton", name="Year established").fill("2009")
    page.get_by_role("textbox", name="Homepage").fill("www.example.org")
    page.get_by_role("textbox", name="Contact email").fill("info@migrantvoices.example")
    page.get_by_role("textbox", name="Phone").fill("+254 20 000000")
    page.get_by_role("textbox", name="Name of the head of the organization").fill("Grace Wanjiru")
    page.get_by_role("textbox", name="Title of the head of the organization").fill(
        "Executive Director"
    )
    page.get_by_role("textbox", name="Areas of work").fill("Migrant workers' rights")
    expect(
        page.get_by_role("checkbox", name="In consultative status with ECOSOC")
    ).not_to_be_checked()
    page.get_by_role("button", name="Save the profile").click()

    # Back where the applicant was going: the start page of the call.
    page.wait_for_url(f"**{start_url}")
    expect(page.get_by_role("status")).to_contain_text("The organization's profile is saved.")
    organization = Organization.objects.get()
    assert organization.homepage == "https://www.example.org"
    assert list(organization.focal_points.values_list("email", flat=True)) == [email]
    expect(heading(page)).to_have_text(call.title)
    page.get_by_role("button", name="Start the application").click()
    page.wait_for_url(APPLICATION_URL)
    application = Application.objects.get()
    assert application.organization == organization
    assert application.call == call

    # The word counter follows the typing.
    reason = page.get_by_role("textbox", name="Reason for participation")
    counter = page.locator("#id_reason_count")
    expect(counter).to_have_text("0 of 300 words")
    reason.press_sequentially("Our network brings")
    expect(counter).to_have_text("3 of 300 words")
    reason.fill(REASON)
    expect(counter).to_have_text(f"{len(REASON.split())} of 300 words")
    expect(reason).to_have_accessible_description(
        f"At most 300 words. {len(REASON.split())} of 300 words"
    )

    # One meeting, one good document and one that only pretends to be a PNG.
    page.get_by_role("checkbox", name="Opening plenary").check()
    page.get_by_label(LEGAL_STATUS).set_input_files(certificate)
    page.get_by_label(HEAD_LETTER).set_input_files(disguised)
    page.get_by_role("button", name="Save the draft").click()

    letter_input = page.get_by_label(HEAD_LETTER)
    expect(letter_input).to_have_attribute("aria-invalid", "true")
    expect(letter_input).to_have_accessible_description(re.compile(re.escape(REFUSED_TYPE)))
    expect(page.locator("#id_head_letter_error")).to_have_text(
        f"“letter.png” was not kept: {REFUSED_TYPE}"
    )
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary.get_by_role("link", name=REFUSED_TYPE)).to_have_attribute(
        "href", "#id_head_letter"
    )
    # Nothing typed or accepted is lost.
    expect(page.get_by_role("textbox", name="Reason for participation")).to_have_value(REASON)
    expect(page.get_by_role("checkbox", name="Opening plenary")).to_be_checked()
    expect(page.get_by_role("checkbox", name="Multi-stakeholder hearing")).not_to_be_checked()
    uploaded = page.get_by_role("listitem").filter(has_text="Uploaded")
    expect(uploaded).to_have_count(1)
    expect(uploaded).to_contain_text("Proof of legal status: registration-certificate.pdf")
    expect(uploaded.get_by_role("link", name="registration-certificate.pdf")).to_be_visible()
    application.refresh_from_db()
    assert application.reason == REASON
    assert [meeting.title for meeting in application.meetings.all()] == ["Opening plenary"]
    assert list(application.documents.values_list("kind", "original_name")) == [
        (Document.Kind.LEGAL_STATUS, "registration-certificate.pdf")
    ]

    # Leave.
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{live_server.url}/")
    expect(page.get_by_role("status")).to_contain_text("You are signed out.")
    page.goto(application.get_absolute_url())
    page.wait_for_url(
        re.compile(re.escape(f"/account/sign-in/?next={application.get_absolute_url()}"))
    )

    # Come back later, on another device. A minute passes: a second link
    # to the same address within the minute would be refused.
    cache.clear()
    context, device = new_device(browser, live_server)
    try:
        device.goto("/")
        device.get_by_role("link", name="Sign in", exact=True).click()
        sign_in_by_mail(device, live_server, email)
        device.wait_for_url(f"**{reverse('accreditation:dashboard')}")
        expect(heading(device)).to_have_text("Your applications")

        device.get_by_role("link", name="Organization's profile and focal points").click()
        expect(device.get_by_role("textbox", name="Homepage")).to_have_value(
            "https://www.example.org"
        )
        device.get_by_role("link", name="Your applications").click()
        applications = device.get_by_role("table", name="Your organization's applications")
        row = applications.get_by_role("row").filter(has_text=call.title)
        expect(row).to_contain_text("Draft")
        row.get_by_role("link", name=call.title).click()
        device.wait_for_url(f"**{application.get_absolute_url()}")

        expect(device.get_by_role("textbox", name="Reason for participation")).to_have_value(REASON)
        expect(device.get_by_role("checkbox", name="Opening plenary")).to_be_checked()
        expect(device.get_by_role("listitem").filter(has_text="Uploaded")).to_contain_text(
            "Proof of legal status: registration-certificate.pdf"
        )
        # A plain div: aria-labelledby does not make it a landmark that get_by_role finds.
        missing = device.locator("[aria-labelledby=missing-heading]")
        expect(missing.get_by_role("heading")).to_have_text("Still missing before you can submit")
        expect(missing).to_contain_text("Letter from the head of the organization")

        device.get_by_label(HEAD_LETTER).set_input_files(signed_letter)
        device.get_by_role("checkbox", name=ACKNOWLEDGEMENT).check()
        # The person the organization proposes to send: gender parity is weighed on the list.
        person = device.get_by_role("group", name="Person 1")
        person.get_by_role("textbox", name="Full name").fill("Amina Diallo")
        person.get_by_role("textbox", name="Function in the organization").fill("Programme officer")
        person.get_by_role("combobox", name="Gender").select_option(label="Female")
        device.get_by_role("button", name="Save and review before submitting").click()

        device.wait_for_url(f"**{reverse('accreditation:submit', args=[application.pk])}")
        expect(heading(device)).to_have_text("Review and submit")
        main = device.get_by_role("main")
        expect(main).to_contain_text(REASON)
        expect(main).to_contain_text("Opening plenary")
        expect(main).not_to_contain_text("Multi-stakeholder hearing")
        expect(main).to_contain_text("Proof of legal status: registration-certificate.pdf")
        expect(main).to_contain_text("Letter from the head of the organization: signed-letter.pdf")
        # The same review page, left open in a second tab.
        second_tab = context.new_page()
        second_tab.goto(device.url)
        device.get_by_role("button", name="Submit the application").click()

        submitted_url = reverse("accreditation:submitted", args=[application.pk])
        device.wait_for_url(f"**{submitted_url}")
        expect(device.get_by_role("heading", name="Your application is submitted")).to_be_visible()
        expect(device.locator("#reference")).to_have_text(REFERENCE)
        reference = device.locator("#reference").inner_text()

        (confirmation,) = [message for message in mail.outbox if reference in message.subject]
        assert confirmation.to == [email]
        assert f"Reference: {reference}" in confirmation.body
        assert "Opening plenary" in confirmation.body

        # Back: the review page is not cached, and now leads to the confirmation.
        device.go_back()
        device.wait_for_url(f"**{submitted_url}")
        expect(device.locator("#reference")).to_have_text(reference)
        expect(device.get_by_role("button", name="Submit the application")).to_have_count(0)
        # Submitting again from the stale tab changes nothing either.
        second_tab.get_by_role("button", name="Submit the application").click()
        second_tab.wait_for_url(f"**{submitted_url}")
        expect(second_tab.locator("#reference")).to_have_text(reference)
    finally:
        context.close()

    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    assert application.reference == reference
    assert application.history.filter(to_status=Status.SUBMITTED).count() == 1
    assert StatusChange.objects.filter(to_status=Status.SUBMITTED).count() == 1
    assert list(ReferenceCounter.objects.values_list("last_number", flat=True)) == [1]
    assert len([message for message in mail.outbox if reference in message.subject]) == 1


def test_organization_in_consultative_status_is_sent_to_the_ngo_branch_unless_the_call_is_open_to_all(
    page, live_server, settings
):
    settings.SITE_URL = live_server.url
    focal_point = FocalPointFactory(organization=OrganizationFactory(in_ecosoc_status=True))
    email = focal_point.user.email
    limited = CallFactory(title="Informal session on migrant smuggling")
    open_to_all = CallFactory(
        title="Multi-stakeholder hearing on migration", eligibility=Call.Eligibility.ALL
    )

    page.goto("/")
    page.get_by_role("link", name="Sign in", exact=True).click()
    sign_in_by_mail(page, live_server, email)
    page.wait_for_url(f"**{reverse('accreditation:dashboard')}")

    page.get_by_role("link", name="Calls", exact=True).click()
    page.get_by_role("link", name=limited.title).click()
    page.get_by_role("link", name="Apply", exact=True).click()
    page.wait_for_url(f"**{reverse('accreditation:start', kwargs={'slug': limited.slug})}")
    expect(heading(page)).to_have_text(limited.title)
    notice = page.get_by_role("alert")
    expect(notice.get_by_role("heading")).to_have_text(
        "Your organization does not need special accreditation"
    )
    expect(notice).to_contain_text("consultative status with ECOSOC")
    expect(
        notice.get_by_role(
            "link",
            name="NGO Branch of the UN Department of Economic and Social Affairs (UN DESA)",
        )
    ).to_have_attribute("href", settings.NGO_BRANCH_URL)
    expect(page.get_by_role("button", name="Start the application")).to_have_count(0)
    assert not Application.objects.exists()

    page.get_by_role("link", name="Calls", exact=True).click()
    page.get_by_role("link", name=open_to_all.title).click()
    page.get_by_role("link", name="Apply", exact=True).click()
    page.wait_for_url(f"**{reverse('accreditation:start', kwargs={'slug': open_to_all.slug})}")
    expect(page.get_by_role("alert")).to_have_count(0)
    page.get_by_role("button", name="Start the application").click()

    page.wait_for_url(APPLICATION_URL)
    expect(heading(page)).to_have_text(open_to_all.title)
    (application,) = Application.objects.all()
    assert application.organization == focal_point.organization
    assert application.call == open_to_all
    assert application.status == Status.DRAFT
