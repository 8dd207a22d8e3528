"""Focal points registering at once cannot pass the call's limit; announcing at once mails once.

PostgreSQL only: the organization's row (and for announcements the call's) is locked with
SELECT … FOR UPDATE, which SQLite does not have. Each thread has its own connection, closed
at its end, and all start together from a barrier.
"""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from accounts.models import User
from accreditation.models import Application, Status
from registration import services
from registration.models import (
    EcosocConfirmation,
    RegistrationAnnouncement,
    RegistrationEvent,
    Representative,
)
from registration.photos import check_photo
from tests.factories import (
    ApplicationFactory,
    CallFactory,
    FocalPointFactory,
    MeetingFactory,
    OrganizationFactory,
    UserFactory,
    jpeg_bytes,
)

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]

OPENS = datetime(2030, 1, 15, 14, 0, tzinfo=UTC)
CLOSES = datetime(2030, 2, 15, 22, 0, tzinfo=UTC)
DURING = OPENS + timedelta(days=1)


def accredit(organization, call):
    application = ApplicationFactory(organization=organization, call=call)
    Application.objects.filter(pk=application.pk).update(
        status=Status.ACCREDITED, reference=f"SA-2030-{application.pk:05d}", submitted_at=OPENS
    )


def fields(email):
    return {
        "full_name": f"Representative {email}",
        "function": "Programme officer",
        "gender": "another",
        "nationality": "KE",
        "email": email,
        "language": "en",
    }


def at_once(work, arguments) -> list:
    """Run ``work(argument)`` in one thread per argument, all released together; what each
    returned or raised, in no particular order."""
    barrier = threading.Barrier(len(arguments))
    outcomes = []

    def run(argument):
        try:
            barrier.wait(timeout=10)
            outcomes.append(work(argument))
        except Exception as error:
            outcomes.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(argument,)) for argument in arguments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


@pytest.fixture
def photo():
    return check_photo(SimpleUploadedFile("face.jpg", jpeg_bytes((300, 400))))


@pytest.fixture
def call():
    return CallFactory(registration_opens_at=OPENS, registration_closes_at=CLOSES)


def registering(organization, call, meeting, photo):
    def register(focal_point_pk):
        by = User.objects.get(pk=focal_point_pk)
        return services.register_representative(
            organization=organization,
            call=call,
            by=by,
            fields=fields(f"{by.email.split('@')[0]}@delegate.example"),
            meetings=[meeting],
            photo=photo,
            now=DURING,
        )

    return register


def test_two_focal_points_registering_the_last_place_at_once_register_one(call, photo):
    call.max_representatives = 2
    call.save()
    organization = OrganizationFactory()
    accredit(organization, call)
    meeting = MeetingFactory(call=call)
    first, second = (FocalPointFactory(organization=organization).user for _ in range(2))
    services.register_representative(
        organization=organization,
        call=call,
        by=first,
        fields=fields("already@delegate.example"),
        meetings=[meeting],
        photo=photo,
        now=DURING,
    )
    mail.outbox.clear()

    outcomes = at_once(registering(organization, call, meeting, photo), [first.pk, second.pk])

    registered = [outcome for outcome in outcomes if isinstance(outcome, Representative)]
    refused = [outcome for outcome in outcomes if isinstance(outcome, services.NotAllowed)]
    assert (len(registered), len(refused)) == (1, 1), outcomes
    assert refused[0].message.startswith("Your organization has registered its 2 representatives")
    assert Representative.objects.filter(organization=organization, call=call).count() == 2
    assert RegistrationEvent.objects.filter(kind=RegistrationEvent.Kind.REGISTERED).count() == 2
    assert [message.to for message in mail.outbox] == [[registered[0].email]]


def test_four_focal_points_registering_the_only_place_at_once_register_one(call, photo):
    call.max_representatives = 1
    call.save()
    organization = OrganizationFactory()
    accredit(organization, call)
    meeting = MeetingFactory(call=call)
    focal_points = [FocalPointFactory(organization=organization).user.pk for _ in range(4)]

    outcomes = at_once(registering(organization, call, meeting, photo), focal_points)

    registered = [outcome for outcome in outcomes if isinstance(outcome, Representative)]
    refused = [outcome for outcome in outcomes if isinstance(outcome, services.NotAllowed)]
    assert (len(registered), len(refused)) == (1, 3), outcomes
    assert Representative.objects.filter(organization=organization, call=call).count() == 1
    assert len(mail.outbox) == 1


def test_two_organizations_registering_the_same_address_at_once_register_it_once(call, photo):
    meeting = MeetingFactory(call=call)
    organizations = [OrganizationFactory() for _ in range(2)]
    for organization in organizations:
        accredit(organization, call)
    by = {
        organization.pk: FocalPointFactory(organization=organization).user
        for organization in organizations
    }

    def register(organization):
        return services.register_representative(
            organization=organization,
            call=call,
            by=by[organization.pk],
            fields=fields("Same.Person@delegate.example"),
            meetings=[meeting],
            photo=photo,
            now=DURING,
        )

    outcomes = at_once(register, organizations)

    refused = [outcome for outcome in outcomes if isinstance(outcome, services.NotAllowed)]
    assert len(refused) == 1, outcomes
    assert refused[0].message == (
        "Someone with this email address is already registered for this call."
    )
    assert Representative.objects.count() == 1


def test_two_announcements_at_once_mail_each_focal_point_once(call):
    addresses = []
    for number in range(3):
        organization = OrganizationFactory()
        accredit(organization, call)
        addresses.append(f"accredited{number}@example.org")
        FocalPointFactory(organization=organization, user=UserFactory(email=addresses[-1]))
    confirmed = OrganizationFactory(in_ecosoc_status=True)
    EcosocConfirmation.objects.create(
        organization=confirmed, call=call, status=EcosocConfirmation.Status.CONFIRMED
    )
    addresses.append("confirmed@example.org")
    FocalPointFactory(organization=confirmed, user=UserFactory(email=addresses[-1]))

    outcomes = at_once(lambda _: services.announce_open_registrations(now=OPENS), [1, 2])

    assert sorted(outcomes) == [0, 4]
    assert sorted(address for message in mail.outbox for address in message.to) == addresses
    assert sum(RegistrationAnnouncement.objects.values_list("recipients", flat=True)) == 4
