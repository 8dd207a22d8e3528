"""After the decision: the dashboard and the application's page say in words what it means, and
the focal points are mailed in their own language."""

import re
from datetime import UTC, datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from accounts.models import OutgoingMail
from accreditation import services
from accreditation.models import Status
from tests.factories import FocalPointFactory, UserFactory, application_in
from tests.helpers import sign_in

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("accreditation:dashboard")
ACCREDITED = "The organization is accredited to the meetings of this call."
NOT_ACCREDITED = (
    "The organization is not accredited to the meetings of this call. It may apply to later calls."
)
RECOMMENDED = (
    "The office of the President of the General Assembly draws up the list submitted to Member "
    "States; you will be told the outcome by mail."
)
# 14:00 UTC is 09:00 in New York (UTC−5) in March, 10:00 (UTC−4) in April.
OPENS = datetime(2030, 3, 1, 14, 0, tzinfo=UTC)
CLOSES = datetime(2030, 4, 1, 14, 0, tzinfo=UTC)


def decided(status, **call_fields):
    application = application_in(status)
    if call_fields:
        for name, value in call_fields.items():
            setattr(application.call, name, value)
        application.call.save()
    return application, application.organization.focal_points.get()


def next_step(client, application):
    """The dashboard row's next step, as text."""
    html = client.get(DASHBOARD).content.decode()
    row = html[html.index(application.call.title) :]
    row = row[: row.index("</tr>")]
    cell = row[row.index("Next step: </span>") + len("Next step: </span>") :]
    return " ".join(re.sub(r"<[^>]+>", " ", cell).split())


def outcome_section(client, application):
    html = client.get(application.get_absolute_url()).content.decode()
    section = html[html.index('id="outcome"') :]
    return section[: section.index("</section>")]


def test_accredited_says_so_with_the_registration_dates_in_the_venues_time(client):
    application, user = decided(
        Status.ACCREDITED,
        registration_opens_at=OPENS,
        registration_closes_at=CLOSES,
        max_representatives=3,
    )
    sign_in(client, user)

    step = next_step(client, application)
    section = outcome_section(client, application)

    assert step.startswith(ACCREDITED)
    assert "Registration of its representatives opens on 1 March 2030, 09:00 New York time" in step
    assert "and closes on 1 April 2030, 10:00 New York time" in step
    assert "It may register up to 3 representatives." in step
    assert "The outcome" in section
    assert ACCREDITED in section
    assert "1 March 2030, 09:00 New York time" in section
    assert "can no longer be changed" not in section


def test_accredited_without_dates_points_to_the_calls_page(client):
    application, user = decided(Status.ACCREDITED, max_representatives=1)
    sign_in(client, user)

    section = outcome_section(client, application)

    assert ACCREDITED in section
    assert "will open as announced on" in section
    assert f'<a href="{application.call.get_absolute_url()}">the call\'s page</a>' in section
    assert "It may register 1 representative." in section


def test_not_accredited_is_a_plain_sentence(client):
    application, user = decided(Status.NOT_ACCREDITED)
    sign_in(client, user)

    step = next_step(client, application)
    section = outcome_section(client, application)

    assert step == NOT_ACCREDITED
    assert " ".join(re.sub(r"<[^>]+>", " ", section).split()).endswith(NOT_ACCREDITED)
    assert "Not accredited" in client.get(DASHBOARD).content.decode()


def test_recommended_says_what_happens_next(client):
    application, user = decided(Status.RECOMMENDED)
    sign_in(client, user)

    assert RECOMMENDED in next_step(client, application)
    assert RECOMMENDED in " ".join(outcome_section(client, application).split())


# Mail ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("template", ["accredited", "not_accredited"])
@pytest.mark.parametrize("message", ["", "The meetings start at 10:00 & end at 18:00."])
def test_the_outcome_mail_reaches_every_focal_point_in_their_language(template, message):
    application, english = decided(
        Status.ACCREDITED if template == "accredited" else Status.NOT_ACCREDITED,
        registration_opens_at=OPENS,
        contact_email="summit@un.example.org",
    )
    french = UserFactory(email="fr@ngo.example.org", preferred_language="fr")
    FocalPointFactory(organization=application.organization, user=french)
    mail.outbox.clear()

    services.mail_focal_points(application, f"accreditation/email/{template}", message=message)

    assert sorted(m.language for m in OutgoingMail.objects.filter(template__endswith=template)) == [
        "en",
        "fr",
    ]
    by_address = {message.to[0]: message for message in mail.outbox}
    assert set(by_address) == {english.email, french.email}
    for address, language in ((english.email, "en"), (french.email, "fr")):
        sent = by_address[address]
        (html, _type) = sent.alternatives[0]
        assert application.reference in sent.subject
        assert "\n" not in sent.subject
        assert application.organization.name not in sent.subject
        assert application.organization.name in sent.body
        assert application.call.title in sent.body
        assert sent.reply_to == ["summit@un.example.org"]
        assert f'<html lang="{language}">' in html
        for text in (sent.subject, sent.body, html):
            assert "{%" not in text
            assert "{{" not in text
        if message:
            # Plain text as typed; escaped in the HTML part.
            assert message in sent.body
            assert "10:00 &amp; end" in html
        else:
            assert "10:00 & end" not in sent.body
        if template == "accredited":
            assert "2030" in sent.body
            assert "2030" in html
    with translation.override("fr"):
        assert by_address[french.email].body.startswith(translation.gettext("Hello,"))
    if template == "accredited":
        assert "1 March 2030, 09:00 (New York time)" in by_address[english.email].body
        assert "1 mars 2030, 09:00" in by_address[french.email].body
