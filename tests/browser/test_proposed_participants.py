"""A focal point names the people the organization proposes to send, in real Chromium: the rows
are labelled and kept in the browser as typed, and once submitted the people are on the
application's page."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from accreditation.models import Application, Status, StatusChange
from tests.browser.flows import heading, sign_in_by_mail
from tests.factories import (
    CallFactory,
    FocalPointFactory,
    MeetingFactory,
    UserFactory,
    pdf_bytes,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

EMAIL = "amina.diallo@migrantvoices.example"
LEGAL_STATUS = "Proof of legal status issued by the government of the headquarters location"
HEAD_LETTER = "Letter from the head of the organization requesting accreditation"
ACKNOWLEDGEMENT = "I understand that the organization's name and country"


def fill_person(page, number, full_name, function, gender):
    row = page.get_by_role("group", name=f"Person {number}")
    row.get_by_role("textbox", name="Full name").fill(full_name)
    row.get_by_role("textbox", name="Function in the organization").fill(function)
    row.get_by_role("combobox", name="Gender").select_option(label=gender)


def test_a_focal_point_names_two_people_submits_and_finds_them_on_the_application_page(
    page, live_server, settings, tmp_path
):
    settings.SITE_URL = live_server.url
    FocalPointFactory(user=UserFactory(email=EMAIL))
    call = CallFactory(title="High-level meeting on trafficking in persons", max_representatives=2)
    MeetingFactory(call=call, title="Opening plenary")
    document = tmp_path / "statutes.pdf"
    document.write_bytes(pdf_bytes())

    page.goto(reverse("accounts:sign_in"))
    sign_in_by_mail(page, live_server, EMAIL)
    page.wait_for_url(f"**{reverse('accreditation:dashboard')}")
    page.get_by_role("link", name=call.title).click()
    page.get_by_role("link", name="Apply", exact=True).click()
    page.get_by_role("button", name="Start the application").click()
    page.wait_for_url("**/applications/*/")
    application = Application.objects.get()

    # As many rows as the call allows, each named by its number; without a script too.
    people = page.get_by_role("group", name="People the organization proposes to send")
    expect(people.get_by_role("group", name="Person 1")).to_be_visible()
    expect(people.get_by_role("group", name="Person 2")).to_be_visible()
    expect(people.get_by_role("group", name="Person 3")).to_have_count(0)
    expect(people).to_have_accessible_description(
        "Name up to 2 people the organization proposes to send, each with full name, function "
        "in the organization and gender. Gender parity is weighed when the list for Member "
        "States is drawn up. At least one person is needed to submit; leave the other rows "
        "empty. To remove someone, empty their row."
    )

    # What is typed in a row is kept by the browser and offered back after a reload.
    fill_person(page, 1, "Amina Diallo", "Programme officer", "Female")
    page.on("dialog", lambda dialog: dialog.accept())
    page.reload()
    page.get_by_role("button", name="Restore them").click()
    first = page.get_by_role("group", name="Person 1")
    expect(first.get_by_role("textbox", name="Full name")).to_have_value("Amina Diallo")
    expect(first.get_by_role("combobox", name="Gender")).to_have_value("female")

    # A half-filled row is refused by its fields, and announced.
    page.get_by_role("group", name="Person 2").get_by_role("textbox", name="Full name").fill(
        "Kofi Mensah"
    )
    page.get_by_role("button", name="Save the draft").click()
    summary = page.get_by_role("alert").filter(has_text="There is a problem")
    expect(summary).to_be_focused()
    expect(
        summary.get_by_role(
            "link", name="Person 2, Gender: Choose the person's gender, or “Prefers not to say”."
        )
    ).to_have_attribute("href", "#id_participants-1-gender")
    gender = page.get_by_role("group", name="Person 2").get_by_role("combobox", name="Gender")
    expect(gender).to_have_attribute("aria-invalid", "true")
    expect(gender).to_have_accessible_description(
        "Choose the person's gender, or “Prefers not to say”."
    )

    # Filled in whole, with the rest of the application.
    fill_person(page, 2, "Kofi Mensah", "Legal adviser", "Prefers not to say")
    page.get_by_role("textbox", name="Reason for participation").fill(
        "Our network supports survivors of trafficking in East Africa."
    )
    page.get_by_role("checkbox", name="Opening plenary").check()
    page.get_by_label(LEGAL_STATUS).set_input_files(document)
    page.get_by_label(HEAD_LETTER).set_input_files(document)
    page.get_by_role("checkbox", name=ACKNOWLEDGEMENT).check()
    page.get_by_role("button", name="Save and review before submitting").click()

    page.wait_for_url(f"**{reverse('accreditation:submit', args=[application.pk])}")
    expect(heading(page)).to_have_text("Review and submit")
    table = page.get_by_role("table", name="People the organization proposes to send")
    expect(table.get_by_role("row")).to_have_count(3)
    page.get_by_role("button", name="Submit the application").click()
    page.wait_for_url(f"**{reverse('accreditation:submitted', args=[application.pk])}")

    page.goto(application.get_absolute_url())
    table = page.get_by_role("table", name="People the organization proposes to send")
    rows = table.get_by_role("row")
    expect(rows.nth(1)).to_contain_text("Amina Diallo")
    expect(rows.nth(1)).to_contain_text("Programme officer")
    expect(rows.nth(1)).to_contain_text("Female")
    expect(rows.nth(2)).to_contain_text("Kofi Mensah")
    expect(rows.nth(2)).to_contain_text("Legal adviser")
    expect(rows.nth(2)).to_contain_text("Prefers not to say")
    expect(page.get_by_role("textbox", name="Full name")).to_have_count(0)

    application.refresh_from_db()
    assert application.status == Status.SUBMITTED
    submission = StatusChange.objects.get(application=application, to_status=Status.SUBMITTED)
    assert submission.snapshot["participants"] == [
        {"full_name": "Amina Diallo", "function": "Programme officer", "gender": "female"},
        {"full_name": "Kofi Mensah", "function": "Legal adviser", "gender": "not_said"},
    ]
