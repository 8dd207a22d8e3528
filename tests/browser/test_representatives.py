"""Representatives from the window's opening to the office's export, in real Chromium.

The clock reaches the call's registration window (time-machine moves it for the test and the
live server alike) and the announcement mails both focal points of an accredited
organization. The first registers two representatives with photos, starting from the people
named in the application, then replaces one (without JavaScript). The second focal point had
the form open all along: their registration, past the call's limit of two, is refused with a
message and what they typed stays. The window closes: nothing can be changed any more. The
PGA office opens the call's participant list, downloads the CSV, and the file holds exactly
the two people registered.

Every focal point's page is checked at 375 px wide without sideways scrolling.
"""

import csv
import io
import re
from datetime import timedelta

import pyotp
import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from accreditation.models import Application, ProposedParticipant, Status
from events.models import Call
from registration.models import Representative
from tests import people
from tests.browser.flows import heading, new_device, sign_in_by_mail
from tests.factories import (
    ApplicationFactory,
    CallFactory,
    FocalPointFactory,
    MeetingFactory,
    OrganizationFactory,
    UserFactory,
    complete_application,
    jpeg_bytes,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

CALL = "High-level meeting on international migration 2031"
ORGANIZATION = "Amani Legal Clinics for Migrants"
FIRST_FOCAL_POINT = "wanjiku@amani-clinics.example"
SECOND_FOCAL_POINT = "otieno@amani-clinics.example"
PLENARY = "Opening plenary"
ROUND_TABLE = "Round table on labour migration"


def photo(name: str) -> dict:
    return {"name": name, "mimeType": "image/jpeg", "buffer": jpeg_bytes()}


def fits_a_phone(page) -> int:
    size = page.viewport_size
    page.set_viewport_size({"width": 375, "height": 800})
    try:
        return page.evaluate("document.documentElement.scrollWidth")
    finally:
        page.set_viewport_size(size)


def status(page):
    return page.get_by_role("main").get_by_role("status").first


def fill_person(page, *, name=None, function=None, gender=None, nationality, email, french=False):
    if name is not None:
        page.get_by_label("Full name").fill(name)
    if function is not None:
        page.get_by_label("Function in the organization").fill(function)
    if gender is not None:
        page.get_by_label("Gender").select_option(label=gender)
    page.get_by_label("Nationality").select_option(label=nationality)
    page.get_by_label("Their email address").fill(email)
    page.get_by_label("French" if french else "English", exact=True).check()
    page.get_by_label(PLENARY).check()


def registration_link(email, live_server, call):
    (message,) = [m for m in mail.outbox if m.to == [email]]
    assert "Registration of representatives is open" in message.subject
    path = reverse("registration:call", args=[call.slug])
    (url,) = re.findall(rf"^{re.escape(live_server.url)}{re.escape(path)}$", message.body, re.M)
    return url


@pytest.fixture
def accredited(settings, live_server):
    settings.SITE_URL = live_server.url
    now = timezone.now()
    call = CallFactory(
        title=CALL,
        registration_opens_at=now + timedelta(days=2),
        registration_closes_at=now + timedelta(days=9),
        max_representatives=2,
    )
    MeetingFactory(call=call, title=PLENARY)
    MeetingFactory(call=call, title=ROUND_TABLE)
    organization = OrganizationFactory(name=ORGANIZATION, acronym="ALCM")
    first, second = (
        FocalPointFactory(organization=organization, user=UserFactory(email=email)).user
        for email in (FIRST_FOCAL_POINT, SECOND_FOCAL_POINT)
    )
    application = complete_application(
        ApplicationFactory(organization=organization, call=call), by=first
    )
    application.proposed_participants.all().delete()
    ProposedParticipant.objects.create(
        application=application, full_name="Wanjiru Kamau", function="Lawyer", gender="female"
    )
    ProposedParticipant.objects.create(
        application=application, full_name="Baraka Otieno", function="Paralegal", gender="male"
    )
    Application.objects.filter(pk=application.pk).update(
        status=Status.ACCREDITED, reference="SA-2031-00001", submitted_at=now
    )
    # Applications closed a month ago; the list was final since.
    Call.objects.filter(pk=call.pk).update(
        opens_at=now - timedelta(days=60), deadline=now - timedelta(days=30)
    )
    call.refresh_from_db()
    return {"call": call, "first": first, "second": second}


def test_focal_points_register_within_the_window_and_the_office_exports_them(
    page, browser, live_server, accredited
):
    call = accredited["call"]
    widths = {}

    # 1. Before the window, the announcement mails nobody; once the clock reaches it, both
    #    focal points.
    call_command("announce_registrations")
    assert mail.outbox == []
    traveller = time_machine.travel(call.registration_opens_at + timedelta(minutes=5))
    traveller.start()
    try:
        call_command("announce_registrations")
        assert sorted(m.to[0] for m in mail.outbox) == [SECOND_FOCAL_POINT, FIRST_FOCAL_POINT]
        url = registration_link(FIRST_FOCAL_POINT, live_server, call)

        # 2. The first focal point follows the mailed link and signs in.
        page.goto(url)
        sign_in_by_mail(page, live_server, FIRST_FOCAL_POINT)
        page.wait_for_url(url)
        expect(heading(page)).to_contain_text("Representatives")
        expect(page.get_by_role("main")).to_contain_text("0 of 2 representatives")
        widths["call page"] = fits_a_phone(page)

        # 3. Registers the first person, starting from the application.
        page.get_by_role("link", name="Register a representative").click()
        expect(heading(page)).to_have_text("Register a representative")
        widths["form"] = fits_a_phone(page)
        page.get_by_role("link", name="Wanjiru Kamau").click()
        expect(page.get_by_label("Full name")).to_have_value("Wanjiru Kamau")
        expect(page.get_by_label("Function in the organization")).to_have_value("Lawyer")
        fill_person(page, nationality="Kenya", email="wanjiru@amani-clinics.example", french=True)
        page.get_by_label("Photo for the grounds pass").set_input_files(photo("wanjiru.jpg"))
        page.get_by_role("button", name="Register").click()
        expect(status(page)).to_have_text(
            "Wanjiru Kamau is registered; a confirmation was mailed to "
            "wanjiru@amani-clinics.example."
        )
        expect(page.get_by_role("main")).to_contain_text("1 of 2 representatives")
        thumbnail = page.get_by_role("img", name="Photo of Wanjiru Kamau")
        expect(thumbnail).to_be_visible()
        assert thumbnail.evaluate("image => image.naturalWidth") == 90
        (confirmation,) = [m for m in mail.outbox if m.to == ["wanjiru@amani-clinics.example"]]
        assert PLENARY in confirmation.body

        # 4. The second focal point opens the form now, and leaves it open.
        second_context, second_page = new_device(browser, live_server)
        try:
            second_page.goto(reverse("registration:call", args=[call.slug]))
            sign_in_by_mail(second_page, live_server, SECOND_FOCAL_POINT)
            second_page.get_by_role("link", name="Register a representative").click()
            fill_person(
                second_page,
                name="Late Colleague",
                function="Intern",
                gender="Male",
                nationality="Uganda",
                email="late@amani-clinics.example",
            )
            second_page.get_by_label("Photo for the grounds pass").set_input_files(
                photo("late.jpg")
            )

            # 5. Meanwhile the first registers a second person: the limit is reached.
            page.get_by_role("link", name="Register a representative").click()
            page.get_by_role("link", name="Baraka Otieno").click()
            fill_person(page, nationality="Kenya", email="baraka@amani-clinics.example")
            page.get_by_label("Photo for the grounds pass").set_input_files(photo("baraka.jpg"))
            page.get_by_role("button", name="Register").click()
            expect(status(page)).to_contain_text("Baraka Otieno is registered")
            expect(page.get_by_role("main")).to_contain_text("2 of 2 representatives")
            expect(page.get_by_role("link", name="Register a representative")).to_have_count(0)

            # 6. The second focal point's registration is refused, with what they typed.
            second_page.get_by_role("button", name="Register").click()
            expect(second_page.get_by_role("alert")).to_contain_text(
                "Your organization has registered its 2 representatives, the most this call allows."
            )
            expect(second_page.get_by_label("Full name")).to_have_value("Late Colleague")
            assert Representative.objects.count() == 2
        finally:
            second_context.close()

        # 7. The first replaces Baraka Otieno, in a browser without JavaScript.
        nojs_context = browser.new_context(
            base_url=live_server.url,
            locale="en-GB",
            java_script_enabled=False,
            storage_state=page.context.storage_state(),
        )
        try:
            nojs = nojs_context.new_page()
            nojs.goto(reverse("registration:call", args=[call.slug]))
            nojs.get_by_role("link", name="Replace or correct Baraka Otieno").click()
            expect(heading(nojs)).to_have_text("Replace or correct Baraka Otieno")
            nojs.get_by_label("Full name").fill("Achieng Odhiambo")
            nojs.get_by_label("Gender").select_option(label="Female")
            nojs.get_by_label("Their email address").fill("achieng@amani-clinics.example")
            nojs.get_by_label("Photo for the grounds pass").set_input_files(photo("achieng.jpg"))
            nojs.get_by_role("button", name="Save").click()
            expect(status(nojs)).to_have_text(
                "Achieng Odhiambo replaces Baraka Otieno; a confirmation was mailed to "
                "achieng@amani-clinics.example."
            )
        finally:
            nojs_context.close()
        page.reload()
        expect(page.get_by_role("img", name="Photo of Achieng Odhiambo")).to_be_visible()
        widths["call page, full"] = fits_a_phone(page)
    finally:
        traveller.stop()

    # 8. The window closes: nothing can change, and the page says so.
    with time_machine.travel(call.registration_closes_at + timedelta(minutes=5)):
        page.goto(reverse("registration:call", args=[call.slug]))
        # A week on, the session is long gone.
        sign_in_by_mail(page, live_server, FIRST_FOCAL_POINT)
        page.wait_for_url(f"**{reverse('registration:call', args=[call.slug])}")
        expect(page.get_by_role("main")).to_contain_text("Registration of representatives closed")
        expect(page.get_by_role("link", name=re.compile("Replace or correct"))).to_have_count(0)
        expect(page.get_by_role("link", name=re.compile("^Remove"))).to_have_count(0)
        page.goto(reverse("registration:add", args=[call.slug]))
        page.wait_for_url(f"**{reverse('registration:call', args=[call.slug])}")
        expect(page.get_by_role("alert")).to_contain_text(
            "Registration of representatives closed on"
        )

        # 9. The PGA office exports the participant list: exactly the two registered.
        office_context, office_page = new_device(browser, live_server)
        try:
            office = people.pga_office()
            office_page.goto(reverse("reviews:office_participants", args=[call.slug]))
            sign_in_by_mail(office_page, live_server, office.email)
            office_page.get_by_role("textbox", name="Code").fill(
                pyotp.TOTP(people.SECOND_FACTOR_SECRET).now()
            )
            office_page.get_by_role("button", name="Continue").click()
            office_page.wait_for_url(
                f"**{reverse('reviews:office_participants', args=[call.slug])}"
            )
            expect(office_page.get_by_role("main")).to_contain_text("Achieng Odhiambo")
            widths["office: participants"] = fits_a_phone(office_page)
            with office_page.expect_download() as download_info:
                office_page.get_by_role("link", name=re.compile("CSV")).click()
            download = download_info.value
            assert download.suggested_filename.startswith(f"participants-{call.slug}-")
            with open(download.path(), encoding="utf-8-sig") as exported:
                rows = list(csv.DictReader(exported))
        finally:
            office_context.close()

    assert sorted(
        (row["Full name"], row["Email address"], row["Gender"], row["Meetings attended"])
        for row in rows
    ) == [
        ("Achieng Odhiambo", "achieng@amani-clinics.example", "Female", PLENARY),
        ("Wanjiru Kamau", "wanjiru@amani-clinics.example", "Female", PLENARY),
    ]
    assert {row["Organization"] for row in rows} == {ORGANIZATION}
    assert widths == dict.fromkeys(widths, 375), widths
    stored = Representative.objects.get(full_name="Wanjiru Kamau")
    with stored.photo.open("rb") as picture, Image.open(io.BytesIO(picture.read())) as image:
        assert image.size == (600, 800)
