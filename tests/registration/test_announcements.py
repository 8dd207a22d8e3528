"""The opening of a call's registration is mailed to the focal points who may register, once.

``announce_open_registrations`` (the ``announce_registrations`` command, run every few
minutes) mails the focal points of the organizations accredited to the call or whose ECOSOC
status was confirmed for it, each in their own language, when the window is open; never
twice for a call.
"""

import io
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.core.management import call_command

from accounts.models import OutgoingMail
from accreditation.models import Application, Status
from registration import services
from registration.models import EcosocConfirmation, RegistrationAnnouncement
from tests import people
from tests.factories import (
    ApplicationFactory,
    CallFactory,
    FocalPointFactory,
    OrganizationFactory,
    UserFactory,
    open_registration,
)

pytestmark = pytest.mark.django_db

OPENS = datetime(2030, 1, 15, 14, 0, tzinfo=UTC)
CLOSES = datetime(2030, 2, 15, 22, 0, tzinfo=UTC)
TEMPLATE = "registration/email/registration_open"


def accredit(organization, call, status=Status.ACCREDITED):
    application = ApplicationFactory(organization=organization, call=call)
    Application.objects.filter(pk=application.pk).update(
        status=status, reference=f"SA-2030-{application.pk:05d}", submitted_at=OPENS
    )


def focal_point(organization, email, language="en", **extra):
    user = UserFactory(email=email, preferred_language=language, **extra)
    FocalPointFactory(organization=organization, user=user)
    return user


def ecosoc(call, email, *, confirm: bool | None):
    """An organization in ECOSOC status that asked for it to be confirmed for the call."""
    organization = OrganizationFactory(in_ecosoc_status=True)
    asker = focal_point(organization, email)
    confirmation = services.request_ecosoc_confirmation(
        organization=organization, call=call, by=asker, now=OPENS - timedelta(days=1)
    )
    if confirm is not None:
        services.decide_ecosoc_confirmation(
            confirmation=confirmation, by=people.reviewer(), confirm=confirm, reason="No."
        )
    return organization


@pytest.fixture
def call():
    call = CallFactory(
        title="Migration Review Forum",
        registration_opens_at=OPENS,
        registration_closes_at=CLOSES,
        max_representatives=3,
    )
    accredited = OrganizationFactory(name="Alpha Migrant Voices")
    accredit(accredited, call)
    focal_point(accredited, "alpha.en@example.org", "en")
    focal_point(accredited, "alpha.fr@example.org", "fr")
    focal_point(accredited, "alpha.gone@example.org", "en", is_active=False)
    ecosoc(call, "confirmed@example.org", confirm=True)
    ecosoc(call, "requested@example.org", confirm=None)
    ecosoc(call, "refused@example.org", confirm=False)
    for status in (Status.RECOMMENDED, Status.NOT_ACCREDITED, Status.WITHDRAWN):
        organization = OrganizationFactory()
        accredit(organization, call, status)
        focal_point(organization, f"{status}@example.org")
    # Accredited, but to another call, whose registration is not open.
    elsewhere = OrganizationFactory()
    accredit(elsewhere, CallFactory())
    focal_point(elsewhere, "elsewhere@example.org")
    mail.outbox.clear()
    return call


def announcements():
    return [message for message in mail.outbox if "/representatives/calls/" in message.body]


def recipients():
    return sorted(address for message in mail.outbox for address in message.to)


def test_nothing_is_mailed_before_the_window_opens(call):
    assert services.announce_open_registrations(now=OPENS - timedelta(seconds=1)) == 0

    assert mail.outbox == []
    assert not RegistrationAnnouncement.objects.exists()


def test_once_open_the_focal_points_who_may_register_are_mailed_once_each(call):
    mailed = services.announce_open_registrations(now=OPENS)

    assert mailed == 3
    assert recipients() == [
        "alpha.en@example.org",
        "alpha.fr@example.org",
        "confirmed@example.org",
    ]
    announcements = RegistrationAnnouncement.objects.order_by("recipients")
    assert [(a.call, a.mailed_at, a.recipients) for a in announcements] == [
        (call, OPENS, 1),
        (call, OPENS, 2),
    ]


def test_each_focal_point_is_mailed_in_their_preferred_language(call):
    services.announce_open_registrations(now=OPENS + timedelta(hours=1))

    languages = {
        mail_row.recipients: mail_row.language
        for mail_row in OutgoingMail.objects.filter(template=TEMPLATE)
    }
    assert languages == {
        "alpha.en@example.org": "en",
        "alpha.fr@example.org": "fr",
        "confirmed@example.org": "en",
    }
    [english] = [message for message in mail.outbox if message.to == ["alpha.en@example.org"]]
    [french] = [message for message in mail.outbox if message.to == ["alpha.fr@example.org"]]
    assert english.subject == "Registration of representatives is open: Migration Review Forum"
    assert "Alpha Migrant Voices" in english.body
    # The window, in the venue's time: 09:00 New York time on 15 January.
    assert "15 January 2030, 09:00" in english.body
    assert "15 février 2030" in french.body
    assert french.subject != english.subject
    assert "Migration Review Forum" in french.subject
    assert "is now open" not in french.body
    assert f"/representatives/calls/{call.slug}/" in english.body


def test_running_it_again_mails_nobody(call):
    services.announce_open_registrations(now=OPENS)
    mail.outbox.clear()

    assert services.announce_open_registrations(now=OPENS + timedelta(minutes=5)) == 0
    assert services.announce_open_registrations(now=OPENS + timedelta(days=3)) == 0

    assert mail.outbox == []
    assert RegistrationAnnouncement.objects.count() == 2


def test_nothing_is_mailed_once_the_window_has_closed(call):
    assert services.announce_open_registrations(now=CLOSES) == 0

    assert mail.outbox == []


def test_a_call_without_a_window_is_never_announced(call):
    call.registration_opens_at = call.registration_closes_at = None
    call.save()

    assert services.announce_open_registrations(now=OPENS) == 0
    assert mail.outbox == []


def test_each_open_call_is_announced_to_its_own_organizations(call):
    other = CallFactory(registration_opens_at=OPENS, registration_closes_at=CLOSES)
    organization = OrganizationFactory()
    accredit(organization, other)
    focal_point(organization, "other.call@example.org")

    assert services.announce_open_registrations(now=OPENS) == 4

    assert RegistrationAnnouncement.objects.count() == 3
    [message] = [m for m in mail.outbox if m.to == ["other.call@example.org"]]
    assert other.title in message.subject


def test_the_command_announces_the_open_registrations_and_prints_a_count(call):
    open_registration(call)
    output = io.StringIO()

    call_command("announce_registrations", stdout=output)

    assert output.getvalue().strip() == "3 focal points mailed."
    assert len(announcements()) == 3

    output = io.StringIO()
    call_command("announce_registrations", stdout=output)

    assert output.getvalue().strip() == "0 focal points mailed."
    assert len(announcements()) == 3


def test_an_organization_accredited_after_the_opening_is_told_at_the_next_run(call):
    services.announce_open_registrations(now=OPENS)
    mail.outbox.clear()
    latecomer = OrganizationFactory(name="Latecomer Network")
    focal_point(latecomer, "latecomer@example.org")
    accredit(latecomer, call)

    assert services.announce_open_registrations(now=OPENS + timedelta(days=1)) == 1

    assert recipients() == ["latecomer@example.org"]
    assert services.announce_open_registrations(now=OPENS + timedelta(days=2)) == 0


def test_an_organization_confirmed_while_registration_is_open_is_not_told_twice(call):
    services.announce_open_registrations(now=OPENS)
    organization = OrganizationFactory(in_ecosoc_status=True)
    focal_point(organization, "ecosoc.late@example.org")
    confirmation = EcosocConfirmation.objects.create(organization=organization, call=call)
    mail.outbox.clear()

    services.decide_ecosoc_confirmation(
        confirmation=confirmation,
        by=people.reviewer(),
        confirm=True,
        now=OPENS + timedelta(hours=2),
    )
    assert recipients() == ["ecosoc.late@example.org"]
    assert "ECOSOC status confirmed" in mail.outbox[0].subject

    assert services.announce_open_registrations(now=OPENS + timedelta(hours=3)) == 0


def test_an_unpublished_call_is_never_announced(call):
    call.is_published = False
    call.save()

    assert services.announce_open_registrations(now=OPENS) == 0
    assert mail.outbox == []
