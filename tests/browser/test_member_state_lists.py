"""A list for Member States from the office's first click to the public page, in real Chromium.

The office of the President of the General Assembly builds a list from three recommended
applications (two on it, one left off with a reason), sets the deadline in the venue's time
zone and circulates it. France's delegate, from the mailed link, asks for one organization's
reason and objects to another; the office sees both and shares the reason, which Brazil's
delegate then reads. The clock passes the deadline (time-machine moves it for the test and the
live server alike); the office signs in again and finalizes. The focal points get the right
mails, the organization left off none, and the public page lists exactly the accredited one.

On the way: what each person reads at each step, every page at 375 px wide without sideways
scrolling, and one office step and one delegate step in a browser without JavaScript.
"""

import re
from datetime import datetime, timedelta

import pyotp
import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from accounts.roles import MEMBER_STATE_DELEGATES
from accreditation import services as accreditation_services
from accreditation.models import Application, Gender, ProposedParticipant, Status
from reviews import selectors as review_selectors
from reviews import services as review_services
from reviews.models import InformationRequest, MemberStateList, Objection, SharedItem
from tests import people
from tests.browser.flows import heading, new_device, sign_in_by_mail
from tests.factories import (
    ApplicationFactory,
    CallFactory,
    FocalPointFactory,
    OrganizationFactory,
    UserFactory,
    complete_application,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

CALL = "High-level meeting on the protection of migrant workers 2031"
# X: France asks for its reason, which the office shares; accredited.
ALPHA = "Amani Legal Clinics for Migrants"
# Messages and mails name an organization with its acronym.
ALPHA_NAMED = f"{ALPHA} (ALCM)"
ALPHA_REASON = "We run legal clinics for migrant domestic workers in Nairobi and Mombasa."
# Y: France objects to it; not accredited.
BETA = "Bharat Migrant Workers Forum"
BETA_NAMED = f"{BETA} (BMWF)"
BETA_REASON = "Our forum speaks for workers recruited abroad from Kerala and Tamil Nadu."
OBJECTION = "Its statutes let a ministry appoint the board: it is not non-governmental."
# Recommended, but left off the list by the office.
GAMMA = "Golfo Shelter Network"
GAMMA_NAMED = f"{GAMMA} (GSN)"
LEFT_OFF = "Its registration expired in March; the office asked for the renewed certificate."

ALPHA_FOCAL_POINTS = ["wanjiku@amani-clinics.example", "otieno@amani-clinics.example"]
BETA_FOCAL_POINT = "priya@bharat-forum.example"
GAMMA_FOCAL_POINT = "lucia@golfo-shelter.example"
BRAZIL_DELEGATE = "delegate@brazil-mission.example"


def recommended(call, name, *, acronym, country, reason, focal_points, participants):
    """An application submitted, reviewed and recommended, with its proposed participants."""
    organization = OrganizationFactory(name=name, acronym=acronym, country=country)
    users = [
        FocalPointFactory(organization=organization, user=UserFactory(email=email)).user
        for email in focal_points
    ]
    application = complete_application(
        ApplicationFactory(organization=organization, call=call, reason=reason), by=users[0]
    )
    application.proposed_participants.all().delete()
    ProposedParticipant.objects.bulk_create(
        ProposedParticipant(
            application=application,
            full_name=full_name,
            function="Programme officer",
            gender=gender,
            position=position,
        )
        for position, (full_name, gender) in enumerate(participants)
    )
    application = accreditation_services.submit_application(
        application=application, by=users[0]
    ).application
    for action in ("start_review", "recommend"):
        application = review_services.review(
            application=application, action=action, by=people.reviewer()
        )
    assert application.status == Status.RECOMMENDED
    return application


def sign_in(page, live_server, user):
    """From the sign-in form: the mailed link, then the code from the authenticator app."""
    sign_in_by_mail(page, live_server, user.email)
    page.wait_for_url(f"**{reverse('accounts:second_factor_verify')}?next=**")
    expect(heading(page)).to_have_text("Type the code from your authenticator app")
    page.get_by_role("textbox", name="Code").fill(pyotp.TOTP(people.SECOND_FACTOR_SECRET).now())
    page.get_by_role("button", name="Continue").click()


def fits_a_phone(page) -> int:
    """The page's width at 375 px wide (the window set back afterwards); 375 when it fits."""
    size = page.viewport_size
    page.set_viewport_size({"width": 375, "height": 800})
    try:
        return page.evaluate("document.documentElement.scrollWidth")
    finally:
        page.set_viewport_size(size)


def without_javascript(browser, live_server, page):
    """A second browser with the first one's cookies (signed in as the same person), and no
    JavaScript."""
    context = browser.new_context(
        base_url=live_server.url,
        locale="en-GB",
        java_script_enabled=False,
        storage_state=page.context.storage_state(),
    )
    device = context.new_page()
    device.set_default_timeout(10_000)
    return context, device


def status(page):
    """The messages at the top of the main content."""
    return page.get_by_role("main").get_by_role("status").first


def mail_link(email, live_server, path):
    (message,) = [
        m for m in mail.outbox if m.to == [email] and "List for Member States" in m.subject
    ]
    (url,) = re.findall(rf"^{re.escape(live_server.url)}{re.escape(path)}$", message.body, re.M)
    return message, url


def test_the_office_circulates_a_delegate_objects_the_office_finalizes_and_the_public_sees(
    page, browser, live_server, settings
):
    settings.SITE_URL = live_server.url
    call = CallFactory(title=CALL, slug="migrant-workers-2031")  # New York, published
    alpha = recommended(
        call,
        ALPHA,
        acronym="ALCM",
        country="KE",
        reason=ALPHA_REASON,
        focal_points=ALPHA_FOCAL_POINTS,
        participants=[("Wanjiku Kamau", Gender.FEMALE), ("Otieno Odhiambo", Gender.MALE)],
    )
    beta = recommended(
        call,
        BETA,
        acronym="BMWF",
        country="IN",
        reason=BETA_REASON,
        focal_points=[BETA_FOCAL_POINT],
        participants=[("Priya Nair", Gender.FEMALE)],
    )
    gamma = recommended(
        call,
        GAMMA,
        acronym="GSN",
        country="MX",
        reason="We shelter migrants crossing the Gulf of Mexico.",
        focal_points=[GAMMA_FOCAL_POINT],
        participants=[("Lucía Hernández", Gender.FEMALE)],
    )
    office = people.pga_office()
    france = people.delegate()
    brazil = people.with_second_factor(UserFactory(email=BRAZIL_DELEGATE, member_state="BR"))
    brazil.groups.add(Group.objects.get(name=MEMBER_STATE_DELEGATES))
    mail.outbox.clear()
    widths = {}

    # 1. The office signs in, from the portal's header, and opens its pages.
    page.goto("/")
    page.get_by_role("link", name="Sign in", exact=True).click()
    sign_in(page, live_server, office)
    page.wait_for_url(f"**{reverse('admin:index')}")
    # Staff land in the admin, which has no link to the office's pages: the portal's has.
    page.get_by_role("link", name="View site").click()
    page.wait_for_url(f"**{reverse('events:call_list')}")
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Lists for Member States"
    ).click()
    page.wait_for_url(f"**{reverse('reviews:office_home')}")
    expect(heading(page)).to_have_text("Lists for Member States")
    row = page.get_by_role("row").filter(has_text=CALL)
    expect(row).to_contain_text("Recommended: 3")
    expect(row).to_contain_text("List: Not started")
    widths["office home"] = fits_a_phone(page)

    row.get_by_role("link", name=CALL).click()
    page.wait_for_url(f"**{reverse('reviews:office_list', args=[call.slug])}")
    expect(heading(page)).to_have_text(f"{CALL}: list for Member States")
    expect(page.get_by_role("main")).to_contain_text(
        "3 applications are recommended under this call."
    )
    widths["office start"] = fits_a_phone(page)
    page.get_by_role("button", name="Start the list").click()
    expect(page.locator("main .lead")).to_have_text("Version 1: Draft.")
    waiting = page.get_by_role("table", name="Recommended applications not on the list")
    expect(waiting.locator("tbody tr")).to_have_count(3)

    # Two on the list, the third left off with its reason.
    waiting.get_by_role("row").filter(has_text=ALPHA).get_by_role(
        "button", name="Add to the list"
    ).click()
    expect(status(page)).to_have_text(f"{ALPHA_NAMED} is on the list.")
    waiting.get_by_role("row").filter(has_text=BETA).get_by_role(
        "button", name="Add to the list"
    ).click()
    expect(status(page)).to_have_text(f"{BETA_NAMED} is on the list.")
    page.get_by_role("textbox", name=f"Why {GAMMA} is left off").fill(LEFT_OFF)
    waiting.get_by_role("row").filter(has_text=GAMMA).get_by_role(
        "button", name="Leave off the list"
    ).click()
    expect(status(page)).to_have_text(
        f"{GAMMA_NAMED} is left off the list, with the reason recorded."
    )
    expect(page.get_by_role("heading", name="On the list: 2 organizations")).to_be_visible()
    on_list = page.get_by_role("table", name="Organizations on this version of the list")
    expect(on_list.locator("tbody tr")).to_have_count(2)
    expect(on_list).to_contain_text("Kenya")
    expect(on_list).to_contain_text("India")
    expect(waiting.locator("tbody tr")).to_have_count(1)
    expect(waiting).to_contain_text(f"Left off: {LEFT_OFF}")

    # The balance panel: two organizations, three participants, and what to weigh.
    balance = page.locator(".balance-panel")
    expect(balance).to_contain_text(
        "2 organizations are on the list. Their applications propose 3 participants."
    )
    warnings = balance.get_by_role("status")
    expect(warnings).to_contain_text("To weigh before circulating: 4 warnings")
    expect(warnings.get_by_role("listitem")).to_have_count(4)
    expect(warnings).to_contain_text("No organization from the Eastern European States")
    expect(warnings).to_contain_text("Men are 1 of the 3 proposed participants")
    expect(balance.get_by_role("table", name="Proposed participants per gender")).to_be_visible()
    widths["office list, draft"] = fits_a_phone(page)

    # The deadline, typed in New York's time: the day after tomorrow at 18:00.
    deadline_day = timezone.localtime(timezone.now(), call.tzinfo).date() + timedelta(days=2)
    expect(page.locator("main")).to_contain_text("In New York time, the call's principal venue.")
    deadline_field = page.get_by_role("textbox", name="Member States may object until")
    expect(deadline_field).to_have_attribute("type", "datetime-local")
    deadline_field.fill(f"{deadline_day.isoformat()}T18:00")
    page.get_by_role("button", name="Circulate to Member States").click()
    expect(status(page)).to_have_text("Version 1 is circulated; 2 delegates are mailed.")
    member_state_list = MemberStateList.objects.get(call=call)
    expected_deadline = datetime(
        deadline_day.year, deadline_day.month, deadline_day.day, 18, 0, tzinfo=call.tzinfo
    )
    assert member_state_list.objection_deadline == expected_deadline
    deadline = review_selectors.deadline_words(member_state_list)
    assert "New York" in deadline
    expect(page.locator("main .lead")).to_have_text(
        "Version 1: Circulated to Member States. Member States may ask for information and "
        f"object until {deadline}."
    )
    expect(page.get_by_role("button", name="Add to the list")).to_have_count(0)
    expect(page.locator("main")).to_contain_text(
        "The list can be finalized once the deadline for objections has passed."
    )
    expect(page.get_by_role("button", name="Finalize the list")).to_have_count(0)
    record = page.locator("[aria-labelledby=record-heading]")
    expect(record).to_contain_text(
        f"Left off the list, {GAMMA} — {office.email} (PGA office): {LEFT_OFF}"
    )
    expect(record).to_contain_text(f"Circulated to Member States — {office.email} (PGA office)")

    circulation_mails = [m for m in mail.outbox if "List for Member States" in m.subject]
    assert sorted(m.to[0] for m in circulation_mails) == sorted([france.email, brazil.email])
    list_path = reverse("reviews:delegate_list", args=[member_state_list.pk])
    entry_of = {entry.application_id: entry for entry in member_state_list.entries.all()}

    # 2. France's delegate opens the mailed link, signs in and lands on the list.
    france_mail, france_link = mail_link(france.email, live_server, list_path)
    assert france_mail.subject == f"List for Member States, version 1: {CALL}"
    assert deadline in france_mail.body
    france_context, france_page = new_device(browser, live_server)
    try:
        france_page.goto(france_link)
        france_page.wait_for_url(f"**{reverse('accounts:sign_in')}?next=**")
        sign_in(france_page, live_server, france)
        france_page.wait_for_url(f"{live_server.url}{list_path}")
        expect(heading(france_page)).to_have_text(f"{CALL}: list for Member States, version 1")
        expect(france_page.get_by_role("main")).to_contain_text(
            f"Member States may ask for information and object until {deadline}."
        )
        expect(france_page.get_by_role("main")).to_contain_text("You speak for France.")
        alpha_row = france_page.locator(f"#entry-{entry_of[alpha.pk].pk}")
        beta_row = france_page.locator(f"#entry-{entry_of[beta.pk].pk}")
        expect(france_page.locator("main tbody tr")).to_have_count(2)
        expect(france_page.get_by_role("main")).not_to_contain_text(GAMMA)
        expect(alpha_row).to_contain_text("Kenya")
        expect(alpha_row).not_to_contain_text(ALPHA_REASON)

        # Asking for Alpha's reason.
        france_page.get_by_role(
            "button", name=f"Ask for it (the reason for participation of {ALPHA})"
        ).click()
        expect(status(france_page)).to_have_text(
            f"You asked for the reason for participation of {ALPHA}. The PGA office is told; "
            "once it shares it, every Member State sees it on the list."
        )
        expect(alpha_row).to_contain_text("Asked on")
        widths["delegate list, asked"] = fits_a_phone(france_page)

        # Objecting to Beta, with a reason, in a browser without JavaScript.
        context, device = without_javascript(browser, live_server, france_page)
        try:
            device.goto(list_path)
            expect(heading(device)).to_have_text(f"{CALL}: list for Member States, version 1")
            device.get_by_role("textbox", name=f"Reason (optional) for objecting to {BETA}").fill(
                OBJECTION
            )
            device.get_by_role("button", name=f"Object to {BETA}").click()
            device.wait_for_url(f"**{list_path}#entry-*")
            expect(status(device)).to_have_text(
                f"Your Member State objects to {BETA}. You may withdraw the objection until "
                f"{deadline}."
            )
            row_without_js = device.locator(f"#entry-{entry_of[beta.pk].pk}")
            expect(row_without_js).to_contain_text("Your Member State objects (")
            expect(row_without_js).to_contain_text(f"Reason: {OBJECTION}")
            expect(
                device.get_by_role("button", name=f"Withdraw the objection to {BETA}")
            ).to_be_visible()
        finally:
            context.close()

        france_page.reload()
        expect(beta_row).to_contain_text("Your Member State objects (")
        expect(france_page.get_by_role("button", name=f"Object to {BETA}")).to_have_count(0)
        widths["delegate list, objected"] = fits_a_phone(france_page)
        france_page.get_by_role("link", name="Lists for Member States").first.click()
        france_page.wait_for_url(f"**{reverse('reviews:delegate_home')}")
        expect(heading(france_page)).to_have_text("Lists for Member States")
        circulated = france_page.get_by_role("region", name="Circulated lists")
        expect(circulated).to_contain_text(f"Open for requests and objections until {deadline}.")
        expect(circulated).to_contain_text(
            "2 organizations · your Member State objects to 1 of them"
        )
        widths["delegate home"] = fits_a_phone(france_page)
    finally:
        france_context.close()
    assert Objection.objects.get().member_state == "FR"
    assert InformationRequest.objects.get().item == SharedItem.REASON

    # 3. The office sees the request and the objection, and shares the reason (no JavaScript).
    page.reload()
    asks = page.get_by_role("region", name="Member States ask for")
    expect(asks.get_by_role("listitem")).to_have_count(1)
    expect(asks).to_contain_text(f"France asks for the reason for participation of {ALPHA}")
    on_list = page.get_by_role("table", name="Organizations on this version of the list")
    beta_objections = on_list.get_by_role("row").filter(has_text=BETA)
    expect(beta_objections).to_contain_text(re.compile(rf"France, .+ UTC: {re.escape(OBJECTION)}"))
    expect(on_list.get_by_role("row").filter(has_text=ALPHA)).to_contain_text("Objections: None")
    widths["office list, circulated"] = fits_a_phone(page)
    context, device = without_javascript(browser, live_server, page)
    try:
        device.goto(reverse("reviews:office_version", args=[member_state_list.pk]))
        device.get_by_role("region", name="Member States ask for").get_by_role("listitem").filter(
            has_text=f"France asks for the reason for participation of {ALPHA}"
        ).get_by_role("button", name="Share it with every Member State").click()
        device.wait_for_url(
            f"**{reverse('reviews:office_version', args=[member_state_list.pk])}#entry-*"
        )
        expect(status(device)).to_have_text(
            f"Reason for participation of {ALPHA} shared with every Member State."
        )
        expect(device.get_by_role("region", name="Member States ask for")).to_have_count(0)
    finally:
        context.close()
    page.reload()
    expect(page.get_by_role("region", name="Member States ask for")).to_have_count(0)
    expect(record).to_contain_text(
        f"Information requested, {ALPHA} (reason for participation), France — {france.email}"
        " (Member State delegates)"
    )
    expect(record).to_contain_text(
        f"Objection lodged, {BETA}, France — {france.email} (Member State delegates)"
    )
    expect(record).to_contain_text(
        f"Shared with Member States, {ALPHA} (reason for participation) — {office.email}"
        " (PGA office)"
    )

    # 4. Brazil's delegate reads the shared reason, and nothing of France's objection.
    _brazil_mail, brazil_link = mail_link(brazil.email, live_server, list_path)
    brazil_context, brazil_page = new_device(browser, live_server)
    try:
        brazil_page.goto(brazil_link)
        sign_in(brazil_page, live_server, brazil)
        brazil_page.wait_for_url(f"{live_server.url}{list_path}")
        expect(heading(brazil_page)).to_have_text(f"{CALL}: list for Member States, version 1")
        expect(brazil_page.get_by_role("main")).to_contain_text("You speak for Brazil.")
        alpha_row = brazil_page.locator(f"#entry-{entry_of[alpha.pk].pk}")
        beta_row = brazil_page.locator(f"#entry-{entry_of[beta.pk].pk}")
        expect(alpha_row).to_contain_text(ALPHA_REASON)
        expect(beta_row).to_contain_text("Reason for participation: Not shared.")
        expect(beta_row).not_to_contain_text("objects")
        expect(brazil_page.get_by_role("main")).not_to_contain_text(OBJECTION)
        expect(brazil_page.get_by_role("button", name=f"Object to {BETA}")).to_be_visible()
    finally:
        brazil_context.close()

    # 5. An hour after the deadline, the office signs in again and finalizes.
    with time_machine.travel(member_state_list.objection_deadline + timedelta(hours=1)):
        page.reload()
        page.wait_for_url(f"**{reverse('accounts:sign_in')}?next=**")
        # Two days on, the session is long gone: the page asks to sign in.
        expect(heading(page)).to_have_text("Sign in")
        sign_in(page, live_server, office)
        page.wait_for_url(
            f"{live_server.url}{reverse('reviews:office_version', args=[member_state_list.pk])}"
        )
        expect(page.locator("main .lead")).to_have_text(
            f"Version 1: Circulated to Member States. Objections closed on {deadline}."
        )
        page.get_by_role("button", name="Finalize the list").click()
        expect(status(page)).to_have_text(
            "The list is final: 1 accredited, 2 not accredited. The focal points are mailed."
        )
        expect(page.locator("main .lead")).to_have_text(
            f"Version 1: Finalized. Objections closed on {deadline}."
        )
        on_list = page.get_by_role("table", name="Organizations on this version of the list")
        expect(on_list.get_by_role("row").filter(has_text=ALPHA)).to_contain_text("Accredited")
        expect(on_list.get_by_role("row").filter(has_text=BETA)).to_contain_text("Not accredited")
        expect(page.get_by_role("button", name="Finalize the list")).to_have_count(0)
        expect(record).to_contain_text(f"Finalized — {office.email} (PGA office)")
        widths["office list, finalized"] = fits_a_phone(page)

        # 6. The public page, from the office's link, lists exactly the accredited one.
        page.get_by_role("link", name="Public list of accredited organizations").click()
        page.wait_for_url(f"**{reverse('reviews:accredited', args=[call.slug])}")
        expect(heading(page)).to_have_text("Accredited organizations")
        expect(page.get_by_role("main")).to_contain_text(f"Under the call {CALL}")
        expect(page.get_by_role("main")).to_contain_text("1 organization was accredited on")
        table = page.get_by_role("table", name="Accredited organizations")
        expect(table.locator("tbody tr")).to_have_count(1)
        expect(table.locator("tbody tr")).to_have_text(f"{ALPHA} Country: Kenya")
        widths["public page"] = fits_a_phone(page)
        # And for anyone, signed out.
        anyone = browser.new_context(base_url=live_server.url, locale="en-GB")
        try:
            visitor = anyone.new_page()
            visitor.goto(reverse("reviews:accredited", args=[call.slug]))
            rows = visitor.get_by_role("table", name="Accredited organizations").locator("tbody tr")
            expect(rows).to_have_text([f"{ALPHA} Country: Kenya"])
            expect(visitor.get_by_role("main")).not_to_contain_text(BETA)
            expect(visitor.get_by_role("main")).not_to_contain_text(GAMMA)
        finally:
            anyone.close()

        # The office's calls: the list final, one organization accredited, none waiting.
        page.get_by_role("navigation", name="Main").get_by_role(
            "link", name="Lists for Member States"
        ).click()
        page.wait_for_url(f"**{reverse('reviews:office_home')}")
        row = page.get_by_role("row").filter(has_text=CALL)
        expect(row).to_contain_text("List: Version 1: Finalized")
        expect(row).to_contain_text("Accredited: 1")
        expect(row).to_contain_text("Recommended: 0")

    assert {
        application.organization.name: application.status
        for application in Application.objects.filter(call=call).select_related("organization")
    } == {ALPHA: Status.ACCREDITED, BETA: Status.NOT_ACCREDITED, GAMMA: Status.NOT_ACCREDITED}
    not_accredited = beta.history.get(to_status=Status.NOT_ACCREDITED)
    assert not_accredited.note == "Objected to by: France."

    # The focal points' mails: one each, accredited or not (the one left off: not).
    def outcome_mails(email):
        return [m for m in mail.outbox if m.to == [email]]

    for email in ALPHA_FOCAL_POINTS:
        (accredited,) = outcome_mails(email)
        assert (
            accredited.subject == f"Application {alpha.reference}: the organization is accredited"
        )
        assert f"{ALPHA_NAMED} is accredited to the meetings of “{CALL}”" in accredited.body
        assert "not accredited" not in accredited.body
    (refused,) = outcome_mails(BETA_FOCAL_POINT)
    assert refused.subject == f"Application {beta.reference}: the decision on accreditation"
    assert f"{BETA_NAMED} is not accredited to the meetings of “{CALL}”" in refused.body
    (left_off,) = outcome_mails(GAMMA_FOCAL_POINT)
    assert left_off.subject == f"Application {gamma.reference}: the decision on accreditation"
    assert gamma.history.get(to_status=Status.NOT_ACCREDITED).note == (
        f"Not on the list circulated to Member States: {LEFT_OFF}"
    )

    # Every page fits a 375 px phone.
    assert widths == dict.fromkeys(widths, 375), widths
